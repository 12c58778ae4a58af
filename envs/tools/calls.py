"""Tool calls out of a policy's text, in the two common formats, plus the final answer.

Both formats may appear in one action; several calls per action are allowed:

- Hermes/Qwen tags: ``<tool_call>{"name": "add", "arguments": {"a": 1, "b": 2}}</tool_call>``
  (``arguments`` may also be a JSON string; ``parameters`` is accepted for ``arguments``).
- OpenAI JSON: the action (optionally in a fenced json block) is the object
  ``{"tool_calls": [{"type": "function", "id": "c1", "function": {"name": "add",
  "arguments": "{\\"a\\": 1, \\"b\\": 2}"}}]}``; ``arguments`` may be a JSON string or an
  object. A bare call object ``{"name": ..., "arguments": ...}`` or a JSON list of calls is
  read the same way.

The final answer is ``<answer>...</answer>`` anywhere outside the calls (an ``<answer>`` inside
a call's arguments is part of the call). Text after the OpenAI JSON other than the answer is an
action-level error; the calls are still read.

:func:`parse_action` never raises: each call that cannot be read becomes a :class:`CallError`
that says where and why (bad JSON with line, column and character position; a missing name;
arguments that are not an object), in the order the calls appeared.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Sequence, Union

__all__ = ["ToolCall", "CallError", "ParsedAction", "parse_action", "format_tool_calls", "ANSWER_OPEN", "ANSWER_CLOSE"]

ANSWER_OPEN, ANSWER_CLOSE = "<answer>", "</answer>"
_TAG_OPEN, _TAG_CLOSE = "<tool_call>", "</tool_call>"
_ANSWER = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)

#: Longer actions are refused with an error rather than read (parsing stays cheap on any input).
MAX_ACTION_CHARS = 32_000


@dataclass(frozen=True)
class ToolCall:
    """One readable tool call.

    Attributes:
        name: the tool named.
        arguments: the arguments object (not yet checked against the tool's schema).
        id: the call id the policy gave (OpenAI format), if any.
    """

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    id: str | None = None

    def key(self) -> str:
        """A canonical text of the call (name + sorted arguments), for hashing and comparing."""
        return self.name + json.dumps(self.arguments, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


@dataclass(frozen=True)
class CallError:
    """A tool call that could not be read.

    Attributes:
        message: what was wrong and where, e.g. ``bad JSON in tool call 1: Expecting ',' delimiter
            at line 1, column 31 (char 30)``.
        name: the tool name, when it could be read.
    """

    message: str
    name: str | None = None


@dataclass(frozen=True)
class ParsedAction:
    """What an action asked for.

    Attributes:
        calls: every tool call attempted, readable (:class:`ToolCall`) or not (:class:`CallError`),
            in order.
        answer: the text of ``<answer>...</answer>`` (stripped), or None.
        errors: problems outside any single call (an ``<answer>`` never closed, text after the
            OpenAI JSON).
        format: ``hermes``, ``openai``, ``both`` or ``none``: where the calls came from.
    """

    calls: list[Union[ToolCall, CallError]] = field(default_factory=list)
    answer: str | None = None
    errors: list[str] = field(default_factory=list)
    format: str = "none"

    @property
    def readable(self) -> list[ToolCall]:
        """The calls that parsed."""
        return [c for c in self.calls if isinstance(c, ToolCall)]


def parse_action(text: str) -> ParsedAction:
    """Read the tool calls and the final answer out of an action (never raises)."""
    if not isinstance(text, str):
        return ParsedAction(errors=[f"expected text, got {type(text).__name__}"])
    if len(text) > MAX_ACTION_CHARS:
        return ParsedAction(errors=[f"the action is {len(text):,} characters long; at most {MAX_ACTION_CHARS:,} are read"])
    calls: list[Union[ToolCall, CallError]] = []
    formats = []
    # Calls first, so that an <answer> inside a call's arguments (code, say) is not the answer.
    tagged, rest = _tagged_blocks(text)
    for block in tagged:
        calls.append(_read_call_json(block, len(calls) + 1, where="<tool_call> block"))
    if tagged:
        formats.append("hermes")
    if _TAG_OPEN in rest:
        calls.append(CallError(f"{_TAG_OPEN} at char {text.rindex(_TAG_OPEN)} is never closed by {_TAG_CLOSE}"))
        formats.append("hermes")
    elif _TAG_CLOSE in rest:
        calls.append(CallError(f"{_TAG_CLOSE} without a matching {_TAG_OPEN}"))

    json_text, prose = _split_json(rest)
    if json_text is not None:
        formats.append("openai")
        json_calls, end = _read_openai(json_text, first_index=len(calls) + 1)
        calls.extend(json_calls)
        if end is not None:
            prose = json_text[end:] + prose

    errors: list[str] = []
    answer = None
    match = _ANSWER.search(prose)
    if match:
        answer = match.group(1).strip()
        prose = prose[: match.start()] + prose[match.end() :]
    elif ANSWER_OPEN in prose:
        errors.append(f"{ANSWER_OPEN} at char {text.rfind(ANSWER_OPEN)} is never closed by {ANSWER_CLOSE}")
    if json_text is not None and prose.strip():
        errors.append(f"unexpected text after the tool_calls JSON: {prose.strip()[:30]!r} (put nothing but an <answer> after it)")
    fmt = "both" if len(set(formats)) == 2 else (formats[0] if formats else "none")
    return ParsedAction(calls=calls, answer=answer, errors=errors, format=fmt)


def _tagged_blocks(text: str) -> tuple[list[str], str]:
    """The bodies of the closed ``<tool_call>...</tool_call>`` blocks, and the text around them
    (each block replaced by a newline). One pass with ``str.find``: linear on any input."""
    blocks, outside, pos = [], [], 0
    while True:
        start = text.find(_TAG_OPEN, pos)
        if start == -1:
            break
        end = text.find(_TAG_CLOSE, start + len(_TAG_OPEN))
        if end == -1:
            break
        blocks.append(text[start + len(_TAG_OPEN) : end])
        outside.append(text[pos:start])
        pos = end + len(_TAG_CLOSE)
    outside.append(text[pos:])
    return blocks, "\n".join(outside)


def unfence(raw: str) -> str:
    """The body of a Markdown code fence (```json ... ```), or ``raw`` if it is not fenced.
    String operations, not a regex: a backtracking pattern took minutes on 8,000 spaces."""
    if len(raw) < 6 or not raw.startswith("```") or not raw.endswith("```"):
        return raw
    inner = raw[3:-3]
    i = 0
    while i < len(inner) and inner[i].isalpha():  # the language tag
        i += 1
    return inner[i:]


def _split_json(text: str) -> tuple[str | None, str]:
    """``(json_text, prose after it)`` when the text opens with JSON (``{``/``[``, bare or in a
    fenced block), else ``(None, text)``. For bare JSON the prose is found after decoding."""
    body = text.strip()
    if body.startswith("```"):
        close = body.find("```", 3)
        if close != -1:
            inner = body[3:close]
            first_line, _, remainder = inner.partition("\n")
            inner = remainder if first_line.strip().isalpha() or not first_line.strip() else inner
            if inner.strip().startswith(("{", "[")):
                return inner.strip(), body[close + 3 :]
        return None, text
    if body.startswith(("{", "[")):
        return body, ""
    return None, text


#: Arguments nested deeper than this are refused (no tool needs more; it bounds recursion).
MAX_NESTING = 32


def _json_error(exc: json.JSONDecodeError, what: str) -> str:
    return f"bad JSON in {what}: {exc.msg} at line {exc.lineno}, column {exc.colno} (char {exc.pos})"


def _depth(value: Any, limit: int = MAX_NESTING) -> int:
    """Nesting depth of a JSON value, counting no further than ``limit + 1``."""
    stack = [(value, 1)]
    deepest = 0
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            break
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def _read_call_json(raw: str, index: int, *, where: str) -> Union[ToolCall, CallError]:
    raw = unfence(raw.strip()).strip()
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        return CallError(_json_error(exc, f"tool call {index} ({where})"))
    except ValueError as exc:  # e.g. an integer longer than Python converts
        return CallError(f"bad JSON in tool call {index} ({where}): {exc}")
    except RecursionError:
        return CallError(f"bad JSON in tool call {index} ({where}): nested too deeply")
    return _call_from_object(obj, index)


def _read_openai(body: str, first_index: int) -> tuple[list[Union[ToolCall, CallError]], int | None]:
    """The calls of a JSON action, and where the JSON ended (None if it could not be read)."""
    try:
        obj, end = json.JSONDecoder().raw_decode(body)
    except json.JSONDecodeError as exc:
        return [CallError(_json_error(exc, "the tool_calls JSON"))], None
    except ValueError as exc:
        return [CallError(f"bad JSON in the tool_calls JSON: {exc}")], None
    except RecursionError:
        return [CallError("bad JSON in the tool_calls JSON: nested too deeply")], None
    if isinstance(obj, dict) and "tool_calls" in obj:
        items = obj["tool_calls"]
        if not isinstance(items, list):
            return [CallError(f"'tool_calls' must be a list of calls, got {_kind(items)}")], end
    elif isinstance(obj, dict):
        items = [obj]
    else:  # raw_decode of text starting with { or [ gives a dict or a list
        items = obj
    return [_call_from_object(item, first_index + i) for i, item in enumerate(items)], end


def _call_from_object(obj: Any, index: int) -> Union[ToolCall, CallError]:
    """A call object in either shape -> ToolCall, or a CallError saying which field is wrong."""
    label = f"tool call {index}"
    if not isinstance(obj, dict):
        return CallError(f"{label} must be a JSON object with 'name' and 'arguments', got {_kind(obj)}")
    call_id = obj.get("id") if isinstance(obj.get("id"), str) else None
    if "function" in obj:  # OpenAI: {"type": "function", "function": {...}}
        if obj.get("type", "function") != "function":
            return CallError(f"{label} has type {obj.get('type')!r}; only 'function' calls are supported")
        obj = obj["function"]
        if not isinstance(obj, dict):
            return CallError(f"{label}: 'function' must be an object with 'name' and 'arguments', got {_kind(obj)}")
    name = obj.get("name")
    if not isinstance(name, str) or not name.strip():
        return CallError(f"{label} has no tool name: expected a string 'name' field, got {_kind(name)}")
    name = name.strip()
    arguments = obj.get("arguments", obj.get("parameters", {}))
    if isinstance(arguments, str):
        if not arguments.strip():
            arguments = {}
        else:
            try:
                arguments = json.loads(arguments)
            except json.JSONDecodeError as exc:
                return CallError(_json_error(exc, f"the arguments string of {label} ({name})"), name=name)
            except ValueError as exc:
                return CallError(f"bad JSON in the arguments string of {label} ({name}): {exc}", name=name)
            except RecursionError:
                return CallError(f"bad JSON in the arguments string of {label} ({name}): nested too deeply", name=name)
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        return CallError(f"{label} ({name}): 'arguments' must be a JSON object, got {_kind(arguments)}", name=name)
    if _depth(arguments) > MAX_NESTING:
        return CallError(f"{label} ({name}): arguments nested deeper than {MAX_NESTING} levels", name=name)
    try:  # JSON's \ud800 escapes decode to lone surrogates, which no text encoding can carry
        json.dumps([name, arguments], ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, TypeError, ValueError):
        return CallError(f"{label} ({name.encode('utf-8', 'replace').decode()}): invalid unicode (a lone surrogate escape such as \\ud800)")
    return ToolCall(name=name, arguments=arguments, id=call_id)


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    if value is None:
        return "nothing"
    return names.get(type(value), type(value).__name__)


def format_tool_calls(calls: Sequence[ToolCall], style: str = "hermes") -> str:
    """Render calls as an action: ``hermes`` (``<tool_call>`` blocks, one per line) or
    ``openai`` (a ``{"tool_calls": [...]}`` object with JSON-string arguments)."""
    if style == "hermes":
        return "\n".join(
            f"{_TAG_OPEN}{json.dumps({'name': c.name, 'arguments': c.arguments}, ensure_ascii=False)}{_TAG_CLOSE}"
            for c in calls
        )
    if style == "openai":
        items = [
            {
                "id": c.id or f"call_{i}",
                "type": "function",
                "function": {"name": c.name, "arguments": json.dumps(c.arguments, ensure_ascii=False)},
            }
            for i, c in enumerate(calls)
        ]
        return json.dumps({"tool_calls": items}, ensure_ascii=False)
    raise ValueError(f"style must be 'hermes' or 'openai', got {style!r}")
