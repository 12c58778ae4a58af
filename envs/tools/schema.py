"""Python functions -> OpenAI function-calling schemas.

A tool is a plain function with type hints and a Google-style docstring::

    def convert(value: float, unit: Literal["km", "mi"], precision: int = 2) -> float:
        '''Convert a distance.

        Args:
            value: the distance to convert.
            unit: the unit ``value`` is in.
            precision: decimal places to round to.
        '''

:func:`function_schema` turns it into ``{"type": "function", "function": {"name", "description",
"parameters"}}``: the summary paragraph is the description, each hinted parameter a property
(``int`` -> ``integer``, ``float`` -> ``number``, ``bool``, ``str``, ``list[X]`` -> ``array`` of X,
``dict`` -> ``object``, ``Literal[...]`` and :class:`enum.Enum` -> ``enum``, ``Optional[X]`` -> X or
``null``), its description taken from the docstring's ``Args:`` section, and parameters without a
default listed in ``required``. Unknown keys are refused (``additionalProperties: false``).
"""

from __future__ import annotations

import enum
import inspect
import re
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Union

__all__ = ["Tool", "function_schema", "type_schema", "parse_docstring"]

_SIMPLE_TYPES: dict[Any, str] = {int: "integer", float: "number", bool: "boolean", str: "string", dict: "object"}
_SECTION = re.compile(r"^\s*(Args|Arguments|Parameters|Returns|Return|Raises|Yields|Examples?|Notes?)\s*:\s*$")
_ARG_LINE = re.compile(r"^(\*{0,2}\w+)\s*(\([^)]*\))?\s*:\s*(.*)$")


def type_schema(hint: Any) -> dict[str, Any]:
    """The JSON schema of one type hint; an unsupported hint raises ``TypeError`` naming it."""
    if hint in _SIMPLE_TYPES:
        return {"type": _SIMPLE_TYPES[hint]}
    if hint is list:
        return {"type": "array"}
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        values = [member.value for member in hint]
        return {**_json_type_of(values), "enum": values}
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is Literal:
        return {**_json_type_of(list(args)), "enum": list(args)}
    if origin in (list, tuple, set, frozenset) or origin is typing.Sequence:
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            args = args[:1]
        if origin is tuple and len(args) > 1:
            items = [type_schema(a) for a in args]
            return {"type": "array", "prefixItems": items, "minItems": len(items), "maxItems": len(items)}
        return {"type": "array", "items": type_schema(args[0])} if args else {"type": "array"}
    if origin is dict:
        if len(args) == 2:
            return {"type": "object", "additionalProperties": type_schema(args[1])}
        return {"type": "object"}
    if origin in (Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        nullable = len(options) < len(args)
        if len(options) == 1:
            inner = type_schema(options[0])
        else:
            inner = {"anyOf": [type_schema(a) for a in options]}
        if not nullable:
            return inner
        if set(inner) == {"type"} and isinstance(inner["type"], str):
            return {"type": [inner["type"], "null"]}
        return {"anyOf": [inner, {"type": "null"}]}
    if hint is Any:
        return {}
    raise TypeError(
        f"cannot derive a JSON schema for type {hint!r}; use int, float, bool, str, list[...], dict, "
        "Literal[...], an Enum, or Optional[...] of these"
    )


def _json_type_of(values: list[Any]) -> dict[str, Any]:
    kinds = {type(v) for v in values}
    if len(kinds) == 1 and next(iter(kinds)) in _SIMPLE_TYPES:
        return {"type": _SIMPLE_TYPES[next(iter(kinds))]}
    return {}


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """Split a Google-style docstring into (summary, {parameter: description}).

    The summary is the text before the first section header (``Args:``, ``Returns:``, ...),
    joined into one line per paragraph. Parameter lines look like ``name: text`` or
    ``name (type): text``; more-indented lines continue the description above them.
    """
    lines = inspect.cleandoc(doc or "").splitlines()
    summary: list[str] = []
    params: dict[str, str] = {}
    section: str | None = None
    current: str | None = None
    arg_indent: int | None = None
    for line in lines:
        header = _SECTION.match(line)
        if header:
            section = header.group(1).lower()
            current, arg_indent = None, None
            continue
        if section is None:
            summary.append(line)
            continue
        if section not in ("args", "arguments", "parameters") or not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        match = _ARG_LINE.match(line.strip())
        if match and (arg_indent is None or indent <= arg_indent):
            arg_indent = indent
            current = match.group(1).lstrip("*")
            params[current] = match.group(3).strip()
        elif current is not None:
            params[current] = (params[current] + " " + line.strip()).strip()
    paragraphs = "\n".join(summary).split("\n\n")
    return "\n".join(" ".join(p.split()) for p in paragraphs if p.strip()), params


def function_schema(fn: Callable[..., Any], *, name: str | None = None) -> dict[str, Any]:
    """The OpenAI function-calling schema of ``fn`` (see the module docstring).

    Args:
        fn: a function whose parameters all carry type hints (``self`` and ``*args`` are not
            allowed; ``**kwargs`` is ignored).
        name: the tool name (default: ``fn.__name__``).

    Raises:
        TypeError: a parameter lacks a hint, or its hint has no JSON schema.
    """
    signature = inspect.signature(fn)
    hints = typing.get_type_hints(fn)
    description, param_docs = parse_docstring(fn.__doc__)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for param in signature.parameters.values():
        if param.kind is param.VAR_KEYWORD:
            continue
        if param.kind is param.VAR_POSITIONAL:
            raise TypeError(f"tool {fn.__name__}: *{param.name} cannot be called with JSON arguments")
        if param.name not in hints:
            raise TypeError(f"tool {fn.__name__}: parameter {param.name!r} needs a type hint")
        prop = type_schema(hints[param.name])
        if param.name in param_docs and param_docs[param.name]:
            prop["description"] = param_docs[param.name]
        if param.default is inspect.Parameter.empty:
            required.append(param.name)
        elif _jsonable(param.default):
            prop["default"] = param.default.value if isinstance(param.default, enum.Enum) else param.default
        properties[param.name] = prop
    parameters: dict[str, Any] = {"type": "object", "properties": properties, "required": required, "additionalProperties": False}
    return {
        "type": "function",
        "function": {"name": name or fn.__name__, "description": description, "parameters": parameters},
    }


def _jsonable(value: Any) -> bool:
    if isinstance(value, enum.Enum):
        return _jsonable(value.value)
    return value is None or isinstance(value, (bool, int, float, str)) or (
        isinstance(value, (list, tuple)) and all(_jsonable(v) for v in value)
    )


@dataclass(frozen=True)
class Tool:
    """A callable tool: the function, its name and its OpenAI schema.

    Build one with :meth:`from_function`; ``schema`` may also be given by hand for a function
    whose arguments a hint cannot describe.

    Attributes:
        name: the name the policy calls it by.
        fn: the Python function, called with the validated JSON arguments as keywords.
        schema: the OpenAI function-calling schema (``{"type": "function", "function": {...}}``).
    """

    name: str
    fn: Callable[..., Any]
    schema: dict[str, Any] = field(compare=False)

    @classmethod
    def from_function(cls, fn: Callable[..., Any], *, name: str | None = None) -> "Tool":
        """Wrap ``fn``, deriving its schema with :func:`function_schema`."""
        schema = function_schema(fn, name=name)
        return cls(name=schema["function"]["name"], fn=fn, schema=schema)

    @property
    def parameters(self) -> dict[str, Any]:
        """The JSON schema of the arguments object."""
        return self.schema["function"]["parameters"]

    def convert_arguments(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """Validated JSON arguments -> Python values: enum members for Enum-hinted parameters,
        ``int`` for integral floats given to ``int`` parameters."""
        try:
            hints = typing.get_type_hints(self.fn)
        except Exception:
            return dict(arguments)
        out = dict(arguments)
        for key, value in arguments.items():
            hint = hints.get(key)
            if isinstance(value, float) and value.is_integer() and int in (hint, *typing.get_args(hint)):
                out[key] = int(value)  # JSON schema counts 3.0 as an integer; the function gets 3
                continue
            for candidate in (hint, *typing.get_args(hint)):
                if isinstance(candidate, type) and issubclass(candidate, enum.Enum) and value is not None:
                    out[key] = candidate(value)
                    break
        return out
