"""A policy's reply -> BFCL calls, in any of three formats.

- BFCL's python-call text: ``[func(a=1), mod.other(b="x")]`` (:mod:`~agentgym.envs.tools.bfcl.python_calls`);
- ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` blocks and OpenAI ``tool_calls``
  JSON (read by :func:`agentgym.envs.tools.calls.parse_action`).

:func:`read_calls` never raises. It tells apart a reply with no call at all (plain text: in BFCL
the end of a turn, or the right answer to an irrelevant request) from a reply that tried to call
and failed to parse (reported with the reason).
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from agentgym.envs.tools.bfcl.python_calls import CallSyntaxError, PyCall, format_python_call, parse_python_calls
from agentgym.envs.tools.calls import CallError, ToolCall, format_tool_calls, parse_action

__all__ = ["ReadCalls", "read_calls", "resolve_names", "format_reply", "CALL_FORMAT_HELP"]

#: How a reply must write calls (said in error observations).
CALL_FORMAT_HELP = (
    "Write calls as [func_name(param=value, ...), other_func(param=value)] or as "
    '<tool_call>{"name": "func_name", "arguments": {"param": "value"}}</tool_call> blocks.'
)
_CALL_LIKE = re.compile(r"^\s*(```[a-zA-Z]*\s*)?\[?\s*[A-Za-z_][\w.]*\s*\(", re.DOTALL)
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


@dataclass(frozen=True)
class ReadCalls:
    """What a reply asked for.

    Attributes:
        calls: the calls that parsed, in order.
        errors: why each unreadable call (or the whole reply) failed to parse.
        attempted: the reply tried to call something (calls or errors), as opposed to plain text.
    """

    calls: list[PyCall] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> bool:
        """True when the reply holds calls or call-shaped text that failed to parse."""
        return bool(self.calls or self.errors)


def read_calls(text: str) -> ReadCalls:
    """Read the calls out of a reply (never raises)."""
    if not isinstance(text, str) or not text.strip():
        return ReadCalls()
    try:
        return ReadCalls(calls=parse_python_calls(text))
    except CallSyntaxError as exc:
        python_error = str(exc)
    if _CALL_LIKE.match(text):  # python-shaped: its parse error is the one to report
        return ReadCalls(errors=[f"could not read the calls: {python_error}"])
    parsed = parse_action(text)
    calls = [PyCall(c.name, dict(c.arguments)) for c in parsed.calls if isinstance(c, ToolCall)]
    errors = [c.message for c in parsed.calls if isinstance(c, CallError)]
    return ReadCalls(calls=calls, errors=errors)


def resolve_names(calls: Sequence[PyCall], offered: Sequence[str]) -> list[PyCall]:
    """Map ``mod_func`` back to ``mod.func`` where only the dotted name is offered.

    OpenAI-style tool names cannot hold dots, so BFCL accepts the name with ``.`` written ``_``.
    """
    offered_set = set(offered)
    underscored: dict[str, list[str]] = {}
    for name in offered:
        underscored.setdefault(name.replace(".", "_"), []).append(name)
    out = []
    for call in calls:
        if call.name not in offered_set and len(underscored.get(call.name, [])) == 1:
            call = PyCall(underscored[call.name][0], call.arguments, call.positional)
        out.append(call)
    return out


def _python_writable(arguments: dict[str, Any]) -> bool:
    return all(_IDENTIFIER.fullmatch(k) and not keyword.iskeyword(k) for k in arguments)


def format_reply(calls: Sequence[tuple[str, dict[str, Any]]]) -> str:
    """Calls as a reply: BFCL's python format, or ``<tool_call>`` blocks where an argument name
    is not a Python identifier (``from=`` cannot be written as a keyword argument)."""
    if all(_python_writable(arguments) for _, arguments in calls):
        return "[" + ", ".join(format_python_call(name, arguments) for name, arguments in calls) + "]"
    return format_tool_calls([ToolCall(name, dict(arguments)) for name, arguments in calls])
