"""BFCL function docs -> OpenAI function-calling schemas, and the docs as the policy reads them.

BFCL writes types its own way (``dict``, ``float``, ``tuple``, ``any``, Java's ``HashMap``...);
:func:`to_openai_tools` maps them to JSON-schema types (``dict`` -> ``object``, ``float`` ->
``number``, ``tuple`` -> ``array``, ``any`` -> ``string``...), recursively through ``items`` and
``properties``. In the Java and JavaScript categories every argument is source text, so, as BFCL
does, :func:`language_docs` turns each parameter into a ``string`` whose description names the
Java/JavaScript type.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Sequence

__all__ = ["JSON_SCHEMA_TYPES", "to_openai_tools", "language_docs"]

#: BFCL type name -> JSON-schema type.
JSON_SCHEMA_TYPES: dict[str, str] = {
    "integer": "integer",
    "number": "number",
    "float": "number",
    "double": "number",
    "string": "string",
    "String": "string",
    "char": "string",
    "any": "string",
    "Any": "string",
    "boolean": "boolean",
    "Boolean": "boolean",
    "bool": "boolean",
    "array": "array",
    "list": "array",
    "tuple": "array",
    "Array": "array",
    "ArrayList": "array",
    "Queue": "array",
    "Stack": "array",
    "dict": "object",
    "object": "object",
    "HashMap": "object",
    "Hashtable": "object",
    "byte": "integer",
    "short": "integer",
    "long": "integer",
    "Bigint": "integer",
}


def _convert(schema: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in schema.items() if k not in ("optional",)}
    if "type" in out:
        out["type"] = JSON_SCHEMA_TYPES.get(out["type"], "string")
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: _convert(v) if isinstance(v, dict) else v for k, v in out["properties"].items()}
    if isinstance(out.get("items"), dict):
        out["items"] = _convert(out["items"])
    return out


def to_openai_tools(functions: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``[{"type": "function", "function": {"name", "description", "parameters"}}]`` for BFCL docs."""
    tools = []
    for doc in functions:
        parameters = _convert(doc.get("parameters") or {"type": "dict", "properties": {}})
        parameters["type"] = "object"
        parameters.setdefault("properties", {})
        tools.append(
            {
                "type": "function",
                "function": {"name": doc["name"], "description": doc.get("description", ""), "parameters": parameters},
            }
        )
    return tools


def language_docs(functions: Sequence[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    """The docs a policy is shown: for ``java``/``javascript`` each parameter becomes a string of
    source text whose description names the declared type; ``python`` docs are returned as they are."""
    docs = copy.deepcopy(list(functions))
    if language == "python":
        return docs
    label = "Java" if language == "java" else "JavaScript"
    for doc in docs:
        doc["description"] = doc.get("description", "") + f" Note that the provided function is in {label} syntax."
        for spec in doc.get("parameters", {}).get("properties", {}).values():
            declared = spec.get("type", "any")
            hint = (
                f" This parameter can be of any type of {label} object in string representation."
                if declared == "any"
                else f" This is {label} {declared} type parameter in string representation."
            )
            items = spec.pop("items", None)
            if isinstance(items, dict) and items.get("type"):
                hint += f" The list elements are of type {items['type']}; they are not in string representation."
            nested = spec.pop("properties", None)
            if language == "javascript" and isinstance(nested, dict):
                hint += f" The dictionary entries have the following schema; they are not in string representation. {json.dumps(nested)}"
            spec["description"] = spec.get("description", "") + hint
            spec["type"] = "string"
    return docs
