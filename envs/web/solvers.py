"""Scripted solvers for some MiniWoB++ tasks, written against the env's text view only.

Each solver is a pure function ``observation -> action``: it parses the text the agent sees
(:func:`parse_view`), never the browser, so it is what a policy could do with the same view.
They back :meth:`MiniWoBEnv.oracle_action` for the tasks in :data:`SOLVERS` and show how to
read the observation format.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Callable

__all__ = ["ViewLine", "parse_view", "SOLVERS"]

_LINE = re.compile(r"^(?P<indent> *)(?:\[(?P<ref>-?\d+)\] (?P<tag>\S+)|(?P<loose>text))(?P<rest>.*)$")
_QUOTED = r'"((?:[^"\\]|\\.)*)"'


@dataclass(frozen=True)
class ViewLine:
    """One line of the page view."""

    depth: int
    ref: int | None  # None for loose text
    tag: str  # "text" for loose text
    input_type: str = ""
    id: str = ""
    classes: tuple[str, ...] = ()
    text: str = ""
    value: str | None = None
    checked: bool | None = None
    focused: bool = False


def _unquote(body: str) -> str:
    return json.loads('"' + body + '"') if "\\" in body else body


def parse_view(observation: str) -> tuple[str, list[ViewLine]]:
    """Split an observation into the task instruction and the page's lines."""
    task, lines, in_page = "", [], False
    for raw in observation.splitlines():
        if raw.startswith("Task: "):
            task = raw[len("Task: "):]
            continue
        if raw == "Page:":
            in_page = True
            continue
        match = _LINE.match(raw) if in_page else None
        if match is None:
            continue
        rest = match.group("rest")
        value = re.search(r" value=" + _QUOTED, rest)
        if value:
            rest = rest[: value.start()] + rest[value.end():]
        text = re.search(_QUOTED, rest)
        head = rest[: text.start()] if text else rest
        attrs = head.split()
        lines.append(
            ViewLine(
                depth=len(match.group("indent")) // 2,
                ref=int(match.group("ref")) if match.group("ref") else None,
                tag=match.group("tag") or "text",
                input_type=next((a[5:] for a in attrs if a.startswith("type=")), ""),
                id=next((a[1:] for a in attrs if a.startswith("#")), ""),
                classes=tuple(c for a in attrs if a.startswith(".") for c in a[1:].split(".")),
                text=_unquote(text.group(1)) if text else "",
                value=_unquote(value.group(1)) if value else None,
                checked=True if "(checked)" in rest else False if "(unchecked)" in rest else None,
                focused="(focused)" in rest,
            )
        )
    return task, lines


def _quoted(task: str) -> list[str]:
    return [_unquote(q) for q in re.findall(_QUOTED, task)]


def _first(lines: list[ViewLine], pred: Callable[[ViewLine], bool]) -> ViewLine | None:
    return next((line for line in lines if line.ref is not None and pred(line)), None)


def _click(line: ViewLine | None) -> str:
    return f"click({line.ref})" if line is not None else 'press("Tab")'


def _fill_then_submit(fields: list[tuple[ViewLine | None, str]], submit: ViewLine | None) -> str:
    for field, wanted in fields:
        if field is not None and field.value != wanted:
            return f"type({field.ref}, {json.dumps(wanted)})"
    return _click(submit)


def _button(lines: list[ViewLine], label: str) -> ViewLine | None:
    return _first(lines, lambda l: l.tag == "button" and l.text.lower() == label.lower())


def click_button(observation: str) -> str:
    """``Click on the "X" button.``"""
    task, lines = parse_view(observation)
    (label,) = _quoted(task)[:1] or [""]
    return _click(_first(lines, lambda l: l.tag == "button" and l.text == label))


def click_link(observation: str) -> str:
    """``Click on the link "X".``"""
    task, lines = parse_view(observation)
    (label,) = _quoted(task)[:1] or [""]
    return _click(_first(lines, lambda l: "alink" in l.classes and l.text == label) or _first(lines, lambda l: l.text == label))


def enter_text(observation: str) -> str:
    """``Enter "X" into the text field and press Submit.``"""
    task, lines = parse_view(observation)
    (wanted,) = _quoted(task)[:1] or [""]
    field = _first(lines, lambda l: l.tag in ("input", "textarea") and l.input_type in ("", "text"))
    return _fill_then_submit([(field, wanted)], _button(lines, "Submit"))


def focus_text(observation: str) -> str:
    """``Focus into the textbox.``"""
    _, lines = parse_view(observation)
    return _click(_first(lines, lambda l: l.tag == "input"))


def _choices(lines: list[ViewLine], kind: str) -> list[tuple[ViewLine, str]]:
    """Each checkbox/radio with its label: the loose text that follows it."""
    out = []
    for i, line in enumerate(lines):
        if line.tag == "input" and line.input_type == kind:
            label = next((l.text for l in lines[i + 1:] if l.ref is None), "")
            out.append((line, label))
    return out


def click_checkboxes(observation: str) -> str:
    """``Select A, B, C and click Submit.`` (or ``Select nothing ...``)."""
    task, lines = parse_view(observation)
    match = re.match(r"Select (.*) and click Submit\.", task)
    wanted = set() if match is None or match.group(1) == "nothing" else {w.strip() for w in match.group(1).split(",")}
    for box, label in _choices(lines, "checkbox"):
        if box.checked != (label in wanted):
            return _click(box)
    return _click(_button(lines, "Submit"))


def click_option(observation: str) -> str:
    """``Select X and click Submit.`` over radio buttons."""
    task, lines = parse_view(observation)
    match = re.match(r"Select (.*) and click Submit\.", task)
    wanted = match.group(1) if match else ""
    for radio, label in _choices(lines, "radio"):
        if label == wanted and not radio.checked:
            return _click(radio)
    return _click(_button(lines, "Submit"))


def click_dialog(observation: str) -> str:
    """``Close the dialog box by clicking the "x".``"""
    _, lines = parse_view(observation)
    return _click(_first(lines, lambda l: "ui-dialog-titlebar-close" in l.classes))


def login_user(observation: str) -> str:
    """``Enter the username "U" and the password "P" into the text fields and press login.``"""
    task, lines = parse_view(observation)
    user, password = (_quoted(task) + ["", ""])[:2]
    fields = [(_first(lines, lambda l: l.id == "username"), user), (_first(lines, lambda l: l.id == "password"), password)]
    return _fill_then_submit(fields, _button(lines, "Login"))


def enter_password(observation: str) -> str:
    """``Enter the password "P" into both text fields and press submit.``"""
    task, lines = parse_view(observation)
    (password,) = _quoted(task)[:1] or [""]
    fields = [(_first(lines, lambda l: l.id == "password"), password), (_first(lines, lambda l: l.id == "verify"), password)]
    return _fill_then_submit(fields, _button(lines, "Submit"))


#: Task name -> solver.
SOLVERS: dict[str, Callable[[str], str]] = {
    "click-button": click_button,
    "click-link": click_link,
    "enter-text": enter_text,
    "focus-text": focus_text,
    "click-checkboxes": click_checkboxes,
    "click-option": click_option,
    "click-dialog": click_dialog,
    "login-user": login_user,
    "enter-password": enter_password,
}
