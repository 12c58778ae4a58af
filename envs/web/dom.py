"""``core.getDOMInfo()`` (the task page's own DOM walk) -> the text view the agent reads.

One line per visible element, indented by depth, with the reference the actions take::

    [1] body (focused)
      [2] div #wrap
        [3] div #area
          [4] div "lobortis mauris, in"
          [7] input type=text value=""
          [10] button "Yes"

References are the page's own ``data-wob_ref`` codes: stable for the episode, never reused.
Loose text between elements (MiniWoB's ``t`` pseudo-elements) is shown as ``text "..."``
without a reference (the page renumbers those on every read). Pure functions, no browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Element", "flatten", "render", "state_payload"]

_TEXT_INPUTS = {"text", "password", "email", "number", "search", "tel", "url", "date", "time", "datetime-local", "month", "week"}
_MAX_TEXT = 200
_SVG_TAGS = {"svg", "circle", "rect", "ellipse", "polygon", "line", "path", "polyline", "canvas", "g"}
_PLAIN_BG = {"rgba(0, 0, 0, 0)", "rgb(255, 255, 255)", "transparent"}


@dataclass(frozen=True)
class Element:
    """One element of the page as the agent sees it."""

    ref: int  # the page's reference (negative for loose text, which cannot be targeted)
    tag: str  # lower case; inputs as ``input`` with ``input_type`` set
    depth: int
    text: str = ""
    input_type: str = ""
    value: Any = None  # an input's value; True/False for checkboxes and radios
    id: str = ""
    classes: str = ""
    focused: bool = False
    bg: str = ""
    left: float = 0.0
    top: float = 0.0
    width: float = 0.0
    height: float = 0.0

    @property
    def center(self) -> tuple[float, float]:
        """The element's centre in page coordinates."""
        return self.left + self.width / 2, self.top + self.height / 2

    @property
    def typable(self) -> bool:
        """True for the elements ``type()`` writes into (text inputs, textareas)."""
        return self.tag == "textarea" or (self.tag == "input" and self.input_type in _TEXT_INPUTS)

    def line(self) -> str:
        """This element's line in the text view (without indentation)."""
        if self.tag == "t":
            return f"text {_quote(self.text)}"
        parts = [f"[{self.ref}]", self.tag]
        if self.input_type:
            parts.append(f"type={self.input_type}")
        if self.id:
            parts.append(f"#{self.id}")
        if self.classes:
            parts.append("." + ".".join(self.classes.split()))
        if self.text:
            parts.append(_quote(self.text))
        if isinstance(self.value, bool):
            parts.append("(checked)" if self.value else "(unchecked)")
        elif self.value is not None:
            parts.append(f"value={_quote(str(self.value))}")
        if self.bg and not self.text and self.bg not in _PLAIN_BG:
            parts.append(f"bg={self.bg}")
        if self.tag in _SVG_TAGS:
            x, y = self.center
            parts.append(f"at ({x:.0f},{y:.0f})")
        if self.focused:
            parts.append("(focused)")
        return " ".join(parts)


def _quote(text: str) -> str:
    text = " ".join(str(text).split())
    if len(text) > _MAX_TEXT:
        text = text[:_MAX_TEXT] + "..."
    return '"' + text.replace('"', '\\"') + '"'


def flatten(dom: dict[str, Any] | None, depth: int = 0) -> list[Element]:
    """The elements of a ``core.getDOMInfo()`` tree in document order."""
    if not dom:
        return []
    tag = str(dom.get("tag", "")).lower()
    input_type = ""
    if tag.startswith("input_"):
        tag, input_type = "input", tag[len("input_"):]
    classes = dom.get("classes")
    element = Element(
        ref=int(dom.get("ref", 0)),
        tag=tag,
        depth=depth,
        text=str(dom.get("text") or "").strip(),
        input_type=input_type,
        value=dom.get("value"),
        id=str(dom.get("id") or ""),
        classes=classes if isinstance(classes, str) else "",  # SVG elements give an object
        focused=bool(dom.get("focused")),
        bg="" if dom.get("children") else str(dom.get("bgColor") or ""),  # swatches are leaves
        left=float(dom.get("left", 0)),
        top=float(dom.get("top", 0)),
        width=float(dom.get("width", 0)),
        height=float(dom.get("height", 0)),
    )
    out = [element]
    for child in dom.get("children") or []:
        out.extend(flatten(child, depth + 1))
    return out


def render(utterance: str, elements: list[Element]) -> str:
    """The observation: the instruction, then the page, one element a line."""
    lines = [f"Task: {utterance}", "Page:"]
    lines += ["  " * e.depth + e.line() for e in elements]
    return "\n".join(lines)


def state_payload(utterance: str, elements: list[Element]) -> dict[str, Any]:
    """What the state key hashes: the page's content, not the references or the path taken."""
    return {"utterance": utterance, "page": [[e.depth, e.tag, e.input_type, e.text, e.value, e.focused] for e in elements]}
