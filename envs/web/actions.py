"""Parsing the agent's actions (pure, no browser).

The action language::

    click(12)             click the element [12] (at its centre, with the mouse)
    type(7, "hello")      click [7] and replace its text with "hello" (text inputs and textareas)
    press("Enter")        press a key or a chord (Playwright names: Enter, Tab, ArrowDown, Control+A)
    scroll(0, 200)        scroll by dx, dy pixels under the mouse
    click_xy(80, 120)     click at page coordinates (x, y)

``[12]`` is accepted for ``12``; strings take single or double quotes with backslash escapes.
Anything else is a :class:`ParseError` whose message says what was expected.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

__all__ = ["Action", "ParseError", "parse_action", "USAGE", "MAX_TYPE_CHARS"]

USAGE = 'click(ref), type(ref, "text"), press("Key"), scroll(dx, dy), click_xy(x, y)'
MAX_TYPE_CHARS = 500
_MAX_ACTION_CHARS = 2000
_COORD_LIMIT = 10_000

_CALL = re.compile(r"\s*([a-z_]+)\s*\((.*)\)\s*", re.IGNORECASE | re.DOTALL)
_REF = r"\s*\[?\s*(-?\d+)\s*\]?\s*"
_NUM = r"\s*(-?\d+(?:\.\d+)?)\s*"
_STRING = r"\s*(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')\s*"
_ARGS = {
    "click": re.compile(_REF),
    "type": re.compile(_REF + "," + _STRING, re.DOTALL),
    "press": re.compile(_STRING, re.DOTALL),
    "scroll": re.compile(_NUM + "," + _NUM),
    "click_xy": re.compile(_NUM + "," + _NUM),
}
_SIGNATURES = {"click": "click(ref)", "type": 'type(ref, "text")', "press": 'press("Key")', "scroll": "scroll(dx, dy)", "click_xy": "click_xy(x, y)"}
_KEY = re.compile(r"^[A-Za-z0-9]+(\+[A-Za-z0-9]+)*$|^.$")


class ParseError(ValueError):
    """The action is not in the action language; the message says why."""


@dataclass(frozen=True)
class Action:
    """A parsed action: ``kind`` is one of click, type, press, scroll, click_xy."""

    kind: str
    ref: int | None = None
    text: str = ""
    x: float = 0.0
    y: float = 0.0


def _shown(action: str, limit: int = 60) -> str:
    return repr(action if len(action) <= limit else action[:limit] + "...")


def _string(literal: str) -> str:
    try:
        value = ast.literal_eval(literal)
    except (ValueError, SyntaxError):
        raise ParseError(f"{_shown(literal)} is not a well-formed quoted string") from None
    if not isinstance(value, str):
        raise ParseError(f"{_shown(literal)} is not a quoted string")
    return value


def parse_action(action: str) -> Action:
    """Parse one action string; raise :class:`ParseError` with the reason if it is not one."""
    if len(action) > _MAX_ACTION_CHARS:
        raise ParseError(f"the action is {len(action)} characters long; actions are at most {_MAX_ACTION_CHARS}")
    call = _CALL.fullmatch(action)
    if call is None:
        raise ParseError(f"{_shown(action)} is not an action; write one of {USAGE}")
    name, args = call.group(1).lower(), call.group(2)
    if name not in _ARGS:
        raise ParseError(f"unknown action {name!r}; the actions are {USAGE}")
    match = _ARGS[name].fullmatch(args)
    if match is None:
        raise ParseError(f"bad arguments {_shown(args, 40)} for {name}; write {_SIGNATURES[name]}")
    if name == "click":
        return Action("click", ref=int(match.group(1)))
    if name == "type":
        text = _string(match.group(2))
        if len(text) > MAX_TYPE_CHARS:
            raise ParseError(f"the text is {len(text)} characters long; type() takes at most {MAX_TYPE_CHARS}")
        if any(ord(ch) < 32 and ch not in "\t\n" for ch in text):
            raise ParseError("the text holds control characters; use press(\"Key\") for keys")
        return Action("type", ref=int(match.group(1)), text=text)
    if name == "press":
        key = _string(match.group(1))
        if not _KEY.match(key):
            raise ParseError(f"{_shown(key, 40)} is not a key name; use e.g. press(\"Enter\"), press(\"Tab\"), press(\"Control+A\")")
        return Action("press", text=key)
    x, y = float(match.group(1)), float(match.group(2))
    if abs(x) > _COORD_LIMIT or abs(y) > _COORD_LIMIT:
        raise ParseError(f"{name} takes numbers between -{_COORD_LIMIT} and {_COORD_LIMIT}")
    if name == "click_xy" and (x < 0 or y < 0):
        raise ParseError("click_xy needs non-negative page coordinates")
    return Action(name, x=x, y=y)
