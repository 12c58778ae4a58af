"""Function -> OpenAI schema derivation (agentgym.envs.tools.schema)."""

import enum
from typing import Literal, Optional

import pytest

from agentgym.envs.tools.schema import Tool, function_schema, parse_docstring, type_schema


class Unit(enum.Enum):
    KM = "km"
    MI = "mi"


def travel(
    distance: float,
    legs: list[int],
    unit: Unit = Unit.KM,
    mode: Literal["car", "train"] = "car",
    note: Optional[str] = None,
    round_trip: bool = False,
    tags: list[str] | None = None,
) -> str:
    """Plan a trip.

    Works out the route.

    Args:
        distance: how far to go,
            in ``unit``.
        legs (list[int]): stop counts per leg.
        unit: the distance unit.
        mode: how to travel.
        round_trip: come back too.

    Returns:
        a description.
    """
    return ""


def test_types_required_defaults_and_descriptions():
    schema = function_schema(travel)
    assert schema["type"] == "function"
    fn = schema["function"]
    assert fn["name"] == "travel"
    assert fn["description"] == "Plan a trip.\nWorks out the route."
    params = fn["parameters"]
    assert params["type"] == "object" and params["additionalProperties"] is False
    assert params["required"] == ["distance", "legs"]
    props = params["properties"]
    assert props["distance"] == {"type": "number", "description": "how far to go, in ``unit``."}
    assert props["legs"] == {"type": "array", "items": {"type": "integer"}, "description": "stop counts per leg."}
    assert props["unit"] == {"type": "string", "enum": ["km", "mi"], "description": "the distance unit.", "default": "km"}
    assert props["mode"] == {"type": "string", "enum": ["car", "train"], "description": "how to travel.", "default": "car"}
    assert props["note"] == {"type": ["string", "null"], "default": None}
    assert props["round_trip"] == {"type": "boolean", "description": "come back too.", "default": False}
    assert props["tags"] == {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}], "default": None}


@pytest.mark.parametrize(
    "hint, expected",
    [
        (int, {"type": "integer"}),
        (float, {"type": "number"}),
        (bool, {"type": "boolean"}),
        (str, {"type": "string"}),
        (dict, {"type": "object"}),
        (list[list[float]], {"type": "array", "items": {"type": "array", "items": {"type": "number"}}}),
        (dict[str, int], {"type": "object", "additionalProperties": {"type": "integer"}}),
        (Literal[1, 2, 3], {"type": "integer", "enum": [1, 2, 3]}),
        (Optional[int], {"type": ["integer", "null"]}),
        (tuple[int, str], {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "minItems": 2, "maxItems": 2}),
        (int | str, {"anyOf": [{"type": "integer"}, {"type": "string"}]}),
    ],
)
def test_type_schema(hint, expected):
    assert type_schema(hint) == expected


def test_missing_hint_and_unsupported_type_say_what_is_wrong():
    def no_hint(x):
        """Nothing."""

    def odd(x: complex):
        """Nothing."""

    with pytest.raises(TypeError, match="parameter 'x' needs a type hint"):
        function_schema(no_hint)
    with pytest.raises(TypeError, match="cannot derive a JSON schema for type <class 'complex'>"):
        function_schema(odd)


def test_docstring_without_args_section():
    summary, params = parse_docstring("Just a summary\nover two lines.")
    assert summary == "Just a summary over two lines."
    assert params == {}


def test_tool_converts_enum_arguments_and_takes_a_name():
    def pick(unit: Unit) -> str:
        """Pick a unit."""
        return unit.name

    tool = Tool.from_function(pick, name="choose")
    assert tool.name == "choose" and tool.schema["function"]["name"] == "choose"
    assert tool.convert_arguments({"unit": "mi"}) == {"unit": Unit.MI}
    assert tool.fn(**tool.convert_arguments({"unit": "mi"})) == "MI"


def test_integral_floats_reach_int_parameters_as_ints():
    def count(n: int, scale: float = 1.0) -> str:
        """Count."""
        return type(n).__name__

    tool = Tool.from_function(count)
    assert tool.convert_arguments({"n": 3.0, "scale": 2.0}) == {"n": 3, "scale": 2.0}
    assert type(tool.convert_arguments({"n": 3.0})["n"]) is int
