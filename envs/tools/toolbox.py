"""A set of tools: look a call up, check its arguments against the schema, run it.

Every way a call can go wrong becomes a :class:`CallResult` with an ``error`` that names the
problem and the fix: an unknown tool (with the known ones, and the closest name), arguments that
break the schema (each violation with its path, e.g. ``arguments.items[2]``, and the reason), a
tool that raised. A tool answers a bad request it can only spot while running (an unknown city, a
SQL syntax error) by raising :class:`ToolError`; its message is passed on as is.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any, Callable, Sequence, Union

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from agentgym.envs.tools.calls import CallError, ToolCall
from agentgym.envs.tools.schema import Tool

__all__ = ["Toolbox", "CallResult", "ToolError", "format_path"]

#: At most this many schema violations are listed per call.
MAX_REPORTED_VIOLATIONS = 4


class ToolError(Exception):
    """Raised by a tool to answer a call with an error message (the request was well-formed but
    cannot be served: no such table, a date out of range). The message is shown as it is."""


@dataclass(frozen=True)
class CallResult:
    """The outcome of one attempted call.

    Attributes:
        call: the call as read, or the :class:`CallError` that stopped it being read.
        valid: the call named a known tool and its arguments passed the schema.
        result: what the tool returned (JSON-able), when it ran without error.
        error: why there is no result (unreadable, unknown tool, bad arguments, the tool raised).
    """

    call: Union[ToolCall, CallError]
    valid: bool
    result: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """The tool ran and returned a result."""
        return self.error is None

    @property
    def name(self) -> str | None:
        """The tool name, where it could be read."""
        return self.call.name

    def response(self) -> dict[str, Any]:
        """The JSON object shown to the policy: name, arguments, and result or error."""
        out: dict[str, Any] = {"name": self.name}
        if isinstance(self.call, ToolCall):
            out["arguments"] = self.call.arguments
        if self.error is None:
            out["result"] = self.result
        else:
            out["error"] = self.error
        return out


def format_path(path: Sequence[Any]) -> str:
    """A JSON path as readable text: ``("items", 2, "unit")`` -> ``arguments.items[2].unit``."""
    text = "arguments"
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


class Toolbox:
    """Tools by name, with a JSON-schema validator for each.

    Args:
        tools: :class:`Tool` objects or plain functions (their schema is derived).

    Raises:
        ValueError: two tools share a name, or a hand-written schema is not a valid JSON schema.
    """

    def __init__(self, tools: Sequence[Union[Tool, Callable[..., Any]]]):
        self.tools: dict[str, Tool] = {}
        self._validators: dict[str, Draft202012Validator] = {}
        for item in tools:
            tool = item if isinstance(item, Tool) else Tool.from_function(item)
            if tool.name in self.tools:
                raise ValueError(f"two tools are named {tool.name!r}")
            self.tools[tool.name] = tool
            self._validators[tool.name] = _validator(tool.parameters)

    @property
    def names(self) -> list[str]:
        """The tool names, in the order given."""
        return list(self.tools)

    @property
    def schemas(self) -> list[dict[str, Any]]:
        """The OpenAI schemas of every tool (what ``info["tools"]`` carries)."""
        return [tool.schema for tool in self.tools.values()]

    def check(self, call: ToolCall) -> str | None:
        """Why ``call`` cannot be run (unknown tool, schema violations), or None if it can."""
        if call.name not in self.tools:
            close = difflib.get_close_matches(call.name, self.names, n=1, cutoff=0.6)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            return f"unknown tool {call.name!r}.{hint} The tools are: {', '.join(self.names)}."
        # Root problems (missing or extra keys) first, then by path: a stable, readable order.
        errors = sorted(self._validators[call.name].iter_errors(call.arguments), key=_error_order)
        if not errors:
            return None
        shown = [f"{format_path(e.absolute_path)}: {e.message}" for e in errors[:MAX_REPORTED_VIOLATIONS]]
        more = f" (and {len(errors) - len(shown)} more)" if len(errors) > len(shown) else ""
        return f"invalid arguments for {call.name}: " + "; ".join(shown) + more

    def run(self, call: Union[ToolCall, CallError]) -> CallResult:
        """Check and run one call; never raises (a tool's exception becomes the error)."""
        if isinstance(call, CallError):
            return CallResult(call, valid=False, error=call.message)
        problem = self.check(call)
        if problem is not None:
            return CallResult(call, valid=False, error=problem)
        tool = self.tools[call.name]
        try:
            result = tool.fn(**tool.convert_arguments(call.arguments))
        except ToolError as exc:
            return CallResult(call, valid=True, error=str(exc))
        except Exception as exc:  # the tool's bug or bad input it did not anticipate: report it
            return CallResult(call, valid=True, error=f"{call.name} raised {type(exc).__name__}: {exc}")
        return CallResult(call, valid=True, result=_jsonable(result))


_VALIDATORS: dict[str, Draft202012Validator] = {}
_MAX_CACHED_VALIDATORS = 4096


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A checked validator per distinct schema, built once per process (checking a schema
    against the meta-schema costs milliseconds; envs rebuild their toolbox on every reset)."""
    key = json.dumps(schema, sort_keys=True, default=str)
    validator = _VALIDATORS.get(key)
    if validator is None:
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            raise ValueError(f"not a valid JSON schema for a tool's arguments: {exc.message}") from None
        if len(_VALIDATORS) >= _MAX_CACHED_VALIDATORS:
            _VALIDATORS.clear()
        validator = _VALIDATORS[key] = Draft202012Validator(schema)
    return validator


def _error_order(error: Any) -> tuple:
    path = list(error.absolute_path)
    return (len(path), [str(p) for p in path], error.message)


def _jsonable(value: Any) -> Any:
    """The value as JSON would carry it (tuples to lists, unknown objects to strings)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))
