"""Ground-truth calls from BFCL's possible answers: the oracle's replies.

For each expected call the first accepted value of every parameter is used; a parameter whose
first accepted value is ``""`` (optional, may be absent) is left out. In the Java and JavaScript
categories the values are written as source text of the parameter's declared type.
"""

from __future__ import annotations

from typing import Any, Sequence

from agentgym.envs.tools.bfcl.ast_checker import find_function
from agentgym.envs.tools.bfcl.java_js import encode_java, encode_js

__all__ = ["first_answer_calls"]


def first_answer_calls(
    possible_answer: Sequence[dict[str, Any]], functions: Sequence[dict[str, Any]], language: str = "python"
) -> list[tuple[str, dict[str, Any]]]:
    """The calls that take the first accepted value of every parameter, as ``(name, arguments)``."""
    calls = []
    for expected in possible_answer:
        (name, accepted_by_param), = expected.items()
        doc = find_function(functions, name) or {}
        properties = doc.get("parameters", {}).get("properties", {})
        arguments = {}
        required = doc.get("parameters", {}).get("required", [])
        for param, accepted in accepted_by_param.items():
            if param not in properties and "" in accepted:
                continue  # an answer naming an undocumented parameter that may be left out
            chosen = [a for a in accepted if a != ""] if param in required else accepted[:1]
            if not chosen or chosen[0] == "":
                continue
            spec = properties.get(param, {})
            nested = (spec.get("items") or {}).get("type")
            value = _first_choice(chosen[0], spec.get("type"), nested)
            if language != "python":
                encode = encode_java if language == "java" else encode_js
                value = encode(value, spec.get("type", "any"), nested)
            arguments[param] = value
        calls.append((name, arguments))
    return calls


def _first_options(options: dict[str, Any]) -> dict[str, Any]:
    """A dict answer's keys with their first accepted value (keys whose first is ``""`` left out)."""
    return {k: v[0] for k, v in options.items() if isinstance(v, list) and v and v[0] != ""}


def _first_choice(value: Any, type_name: str | None, nested: str | None) -> Any:
    """Dict answers (and lists of them) hold accepted values per key: take the first of each."""
    if type_name in ("dict", "HashMap") and isinstance(value, dict):
        return _first_options(value)
    if type_name in ("array", "Array", "ArrayList") and nested == "dict" and isinstance(value, list):
        return [_first_options(v) if isinstance(v, dict) else v for v in value]
    return value
