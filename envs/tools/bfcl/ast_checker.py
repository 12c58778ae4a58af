"""BFCL's AST scoring of single-turn function calls, as pure functions.

A model's calls are matched against an entry's possible answers, a list of
``{function name: {param: [accepted values]}}``, following BFCL's rules:

- the function name must be the expected one;
- every ``required`` parameter of the function doc must be given;
- no parameter outside the doc or outside the possible answer may be given;
- each value must have the documented type (an int is accepted for a ``float``; a value of the
  possible answer's own type is accepted as a variable; Java/JavaScript values arrive as source
  text and are converted first, see :mod:`~agentgym.envs.tools.bfcl.java_js`), then equal one
  accepted value: strings compared after :func:`standardize_string`, lists element-wise, dicts
  key by key (lists of dicts in order), anything else with ``==``;
- a parameter left out must have ``""`` among its accepted values (optional and absent);
- ``simple`` entries take exactly one call; ``multiple`` entries one call checked against the
  expected function; ``parallel`` entries as many calls as answers, matched in any order.

Every check returns a :class:`Verdict` whose ``error`` says what was wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

from agentgym.envs.tools.bfcl.java_js import JAVA_TYPES, JS_TYPES, convert_java, convert_js

__all__ = [
    "Verdict",
    "PYTHON_TYPES",
    "standardize_string",
    "check_calls",
    "check_call",
    "check_relevance",
    "find_function",
    "answer_defects",
]

#: BFCL type name -> the Python type a decoded value must have.
PYTHON_TYPES: dict[str, type] = {
    "string": str,
    "integer": int,
    "float": float,
    "boolean": bool,
    "array": list,
    "tuple": list,
    "dict": dict,
    "any": str,
}
_NESTED_PYTHON = ("array", "tuple")
_NESTED_JAVA_JS = ("Array", "ArrayList", "array")
_STANDARDIZE = re.compile(r"[ ,./\-_*^]")


@dataclass(frozen=True)
class Verdict:
    """The outcome of a check: ``valid``, and for a failure the reason and BFCL's error class."""

    valid: bool
    error: str = ""
    error_type: str = ""

    @staticmethod
    def ok() -> "Verdict":
        """A passing verdict."""
        return _OK


_OK = Verdict(True)


def standardize_string(text: str) -> str:
    """Drop spaces and ``,./-_*^``, lower-case, and turn ``'`` into ``"`` (BFCL's string match).

    ``"April 1, 2024"`` and ``"april 1 2024"`` both become ``"april12024"``.
    """
    return _STANDARDIZE.sub("", text).lower().replace("'", '"')


def find_function(functions: Sequence[dict[str, Any]], name: str) -> dict[str, Any] | None:
    """The function doc called ``name``, or None."""
    for doc in functions:
        if doc.get("name") == name:
            return doc
    return None


# ---------------------------------------------------------------------- values
def _first_answer_type(accepted: Sequence[Any]) -> type | None:
    for value in accepted:
        if value != "":
            return type(value)
    return None


def _check_type(
    param: str, value: Any, accepted: Sequence[Any], type_name: str, expected: type, nested: type | None
) -> tuple[Verdict, bool]:
    """Type check of one value; returns ``(verdict, is_variable)``.

    ``is_variable``: the possible answer has another type than the doc (a variable name stands
    for the value), so the value is compared as given, not by type-specific rules.
    """
    answer_type = _first_answer_type(accepted)
    is_variable = answer_type is not None and answer_type is not expected
    if type(value) is expected:
        if nested is None:
            return _OK, is_variable
        for candidate in accepted:
            if isinstance(candidate, list) and not all(
                _check_type(param, item, candidate, nested.__name__, nested, None)[0].valid for item in value
            ):
                continue
            return _OK, is_variable
        # A list whose items have the wrong type (even where the answer's type matches).
        return (
            Verdict(
                False,
                f"Nested type checking failed for parameter {param!r}. Expected outer type {type_name} "
                f"with inner type {nested.__name__ if nested else None}. Parameter value: {value!r}.",
                "type_error:nested",
            ),
            False,
        )
    if answer_type is not None and type(value) is answer_type:
        return _OK, True
    return (
        Verdict(
            False,
            f"Incorrect type for parameter {param!r}. Expected type {type_name}, got {type(value).__name__}. "
            f"Parameter value: {value!r}.",
            "type_error:simple",
        ),
        False,
    )


def _standardize_items(values: Sequence[Any]) -> list[Any]:
    return [standardize_string(v) if isinstance(v, str) else v for v in values]


def _check_string(param: str, value: str, accepted: Sequence[Any]) -> Verdict:
    options = [standardize_string(a) for a in accepted if isinstance(a, str)]
    if standardize_string(value) in options:
        return _OK
    return Verdict(
        False,
        f"Invalid value for parameter {param!r}: {value!r}. Expected one of {list(accepted)!r}. Case insensitive.",
        "value_error:string",
    )


def _check_list(param: str, value: list, accepted: Sequence[Any]) -> Verdict:
    # A "" among the accepted values standardises to [] (an empty list matches it), as in BFCL.
    options = [_standardize_items(a) if isinstance(a, (list, str)) else a for a in accepted]
    if _standardize_items(value) in options:
        return _OK
    return Verdict(
        False, f"Invalid value for parameter {param!r}: {value!r}. Expected one of {list(accepted)!r}.", "value_error:list/tuple"
    )


def _check_dict(param: str, value: dict, accepted: Sequence[Any]) -> Verdict:
    verdict = Verdict(False, f"No accepted value for parameter {param!r}: {value!r}.", "dict_checker:unclear")
    for candidate in accepted:
        if candidate == "":
            continue
        verdict = _match_dict(value, candidate)
        if verdict.valid:
            return verdict
    return verdict


def _match_dict(value: dict, candidate: dict) -> Verdict:
    for key, item in value.items():
        if key not in candidate:
            return Verdict(False, f"Unexpected dict key parameter: {key!r}.", "value_error:dict_key")
        options = _standardize_items(candidate[key])
        given = standardize_string(item) if isinstance(item, str) else item
        if given not in options:
            return Verdict(
                False, f"Invalid value for parameter {key!r}: {item!r}. Expected one of {options!r}.", "value_error:dict_value"
            )
    for key, options in candidate.items():
        if key not in value and "" not in options:
            return Verdict(False, f"Missing dict key parameter: {key!r}.", "value_error:dict_key")
    return _OK


def _check_list_of_dicts(param: str, value: list, accepted: Sequence[Any]) -> Verdict:
    verdict = Verdict(False, f"No accepted value for parameter {param!r}: {value!r}.", "list_dict_checker:unclear")
    for candidate in accepted:
        if len(value) != len(candidate):
            verdict = Verdict(False, "Wrong number of dictionaries in the list.", "value_error:list_dict_count")
            continue
        for item, expected in zip(value, candidate):
            verdict = _check_dict(param, item, [expected]) if isinstance(item, dict) else _not_a_dict(param, item)
            if not verdict.valid:
                break
        else:
            return _OK
    return verdict


def _not_a_dict(param: str, item: Any) -> Verdict:
    return Verdict(False, f"Parameter {param!r} expects a list of dicts; found item {item!r}.", "type_error:nested")


# ---------------------------------------------------------------------- calls
def _language_value(language: str, param: str, value: Any, doc: dict[str, Any]) -> tuple[Any, type, type | None] | Verdict:
    """Convert a Java/JavaScript source-text value; return ``(value, expected type, nested type)``."""
    type_name = doc.get("type")
    table, convert = (JAVA_TYPES, convert_java) if language == "java" else (JS_TYPES, convert_js)
    if type_name not in table:
        return Verdict(False, f"Parameter {param!r} has type {type_name!r}, which is not checked.", "type_error:unsupported")
    if not isinstance(value, str):
        return Verdict(
            False,
            f"Incorrect type for parameter {param!r}. Expected type String, got {type(value).__name__}. "
            f"Parameter value: {value!r}.",
            f"type_error:{'java' if language == 'java' else 'js'}",
        )
    nested_name = (doc.get("items") or {}).get("type") if type_name in _NESTED_JAVA_JS else None
    # Elements of declared type "any" may be of any type (BFCL would demand strings of them).
    nested = table.get(nested_name) if nested_name not in (None, "any") else None
    return convert(value, type_name, nested_name), table[type_name], nested


def check_call(
    doc: dict[str, Any], name: str, arguments: dict[str, Any], expected: dict[str, Any], language: str = "python"
) -> Verdict:
    """Check one call ``name(**arguments)`` against one possible answer ``{name: {param: [values]}}``.

    ``doc`` is the expected function's BFCL doc (``parameters.properties`` with BFCL type
    names, ``parameters.required``); ``language`` is ``python``, ``java`` or ``javascript``.
    """
    (expected_name, accepted_by_param), = expected.items()
    if name != expected_name:
        return Verdict(False, f"Function name {expected_name!r} not found in model output.", "simple_function_checker:wrong_func_name")
    properties = doc.get("parameters", {}).get("properties", {})
    for param in doc.get("parameters", {}).get("required", []):
        if param not in arguments:
            return Verdict(False, f"Missing required parameter: {param!r}.", "simple_function_checker:missing_required")
    for param, value in arguments.items():
        if param not in properties or param not in accepted_by_param:
            return Verdict(False, f"Unexpected parameter: {param!r}.", "simple_function_checker:unexpected_param")
        accepted = accepted_by_param[param]
        type_name = properties[param].get("type")
        if language == "python":
            expected_type = PYTHON_TYPES.get(type_name)
            if expected_type is None:
                return Verdict(False, f"Parameter {param!r} has type {type_name!r}, which is not checked.", "type_error:unsupported")
            nested = None
            if type_name in _NESTED_PYTHON:
                nested = PYTHON_TYPES.get((properties[param].get("items") or {}).get("type"))
            if type_name == "tuple" and type(value) is tuple:
                value = list(value)
            if type_name == "float" and type(value) is int:
                value = float(value)
        else:
            converted = _language_value(language, param, value, properties[param])
            if isinstance(converted, Verdict):
                return converted
            value, expected_type, nested = converted
        verdict, is_variable = _check_type(param, value, accepted, type_name, expected_type, nested)
        if not verdict.valid:
            return verdict
        if not is_variable:
            if expected_type is dict:
                verdict = _check_dict(param, value, accepted) if isinstance(value, dict) else verdict
            elif expected_type is list and nested is dict:
                verdict = _check_list_of_dicts(param, value, accepted)
            elif expected_type is str:
                verdict = _check_string(param, value, accepted)
            elif expected_type is list:
                verdict = _check_list(param, value, accepted)
            elif value not in accepted:
                verdict = Verdict(
                    False, f"Invalid value for parameter {param!r}: {value!r}. Expected one of {list(accepted)!r}.", "value_error:others"
                )
            if not verdict.valid:
                return verdict
        elif value not in accepted:
            return Verdict(
                False, f"Invalid value for parameter {param!r}: {value!r}. Expected one of {list(accepted)!r}.", "value_error:others"
            )
    for param, accepted in accepted_by_param.items():
        if param not in arguments and "" not in accepted:
            return Verdict(
                False, f"Optional parameter {param!r} not provided and not marked as optional.", "simple_function_checker:missing_optional"
            )
    return _OK


def _check_one(functions, call, expected, language) -> Verdict:
    name, arguments = call
    expected_name = next(iter(expected))
    doc = find_function(functions, expected_name)
    if doc is None:
        return Verdict(False, f"The possible answer names {expected_name!r}, which no function doc describes.", "data_error")
    return check_call(doc, name, arguments, expected, language)


def check_calls(
    kind: str,
    functions: Sequence[dict[str, Any]],
    calls: Sequence[tuple[str, dict[str, Any]]],
    possible_answer: Sequence[dict[str, Any]],
    language: str = "python",
) -> Verdict:
    """Score a model's calls on one single-turn entry.

    Args:
        kind: ``simple``, ``multiple`` or ``parallel`` (see :func:`~agentgym.envs.tools.bfcl.data.checker_kind`).
        functions: the entry's function docs.
        calls: the model's calls as ``(name, arguments)`` pairs, in the order given.
        possible_answer: the entry's ground truth, one ``{name: {param: [values]}}`` per expected call.
        language: ``python``, ``java`` or ``javascript``.
    """
    if kind not in ("simple", "multiple", "parallel"):
        raise ValueError(f"kind must be 'simple', 'multiple' or 'parallel', got {kind!r}")
    if len(calls) != len(possible_answer):
        return Verdict(
            False,
            f"Wrong number of functions: expected {len(possible_answer)} call(s), got {len(calls)}.",
            f"{kind}_function_checker:wrong_count",
        )
    if kind != "parallel":
        return _check_one(functions, calls[0], possible_answer[0], language)
    matched: set[int] = set()
    for i, expected in enumerate(possible_answer):
        reasons = []
        for index, call in enumerate(calls):
            if index in matched:
                continue
            verdict = _check_one(functions, call, expected, language)
            if verdict.valid:
                matched.add(index)
                break
            reasons.append(f"call {index}: {verdict.error}")
        else:
            left = [j for j in range(len(calls)) if j not in matched]
            return Verdict(
                False,
                f"Could not find a matching function among index {left} of model output for index {i} of possible answers "
                f"({next(iter(expected))}). " + " ".join(reasons),
                "parallel_function_checker_no_order:cannot_find_match",
            )
    return _OK


def check_relevance(category: str, n_calls: int) -> Verdict:
    """Irrelevance categories succeed when no call is made; ``live_relevance`` when at least one is."""
    if "irrelevance" in category:
        if n_calls == 0:
            return _OK
        return Verdict(False, "A function was called although none of the functions fits the request.", "irrelevance_error:decoder_success")
    if n_calls > 0:
        return _OK
    return Verdict(False, "No function was called although one fits the request.", "relevance_error:decoder_failed")


def answer_defects(functions: Sequence[dict[str, Any]], possible_answer: Sequence[dict[str, Any]]) -> list[str]:
    """Why no call can satisfy a possible answer under these rules (empty when one can).

    A few of BFCL's shipped answers contradict their own function docs: a required parameter
    with no accepted value, or an accepted parameter the doc does not have.
    """
    defects = []
    for expected in possible_answer:
        (name, accepted_by_param), = expected.items()
        doc = find_function(functions, name)
        if doc is None:
            defects.append(f"the answer calls {name!r}, which no function doc describes")
            continue
        properties = doc.get("parameters", {}).get("properties", {})
        for param in doc.get("parameters", {}).get("required", []):
            if not [a for a in accepted_by_param.get(param, []) if a != ""]:
                defects.append(f"required parameter {param!r} of {name} has no accepted value")
        for param, accepted in accepted_by_param.items():
            if param not in properties and "" not in accepted:
                defects.append(f"the answer requires {param!r}, which is not a parameter of {name}")
    return defects
