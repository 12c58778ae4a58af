"""Parsing ALFWorld's command grammar into a structured :class:`Command`. Never raises.

The grammar (ALFWorld's, exactly)::

    go to X            take X from Y       put X in/on Y      open X        close X
    clean X with Y     heat X with Y       cool X with Y      use X         examine X
    look               inventory

``put`` accepts ``in/on``, ``in`` and ``on``. Parsing is lenient about what does not change the
meaning: letter case, surrounding and repeated whitespace, a trailing period, an article before a
name (``go to the fridge 1``) and a missing space before a number (``apple1``). Whether the named
things exist, and whether the action is legal where the agent stands, is the world's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agentgym.envs.household.text import quote

__all__ = ["Command", "ParseError", "parse", "COMMAND_FORMS", "MAX_ACTION_CHARS"]

#: The command forms, as listed to an agent whose text did not parse.
COMMAND_FORMS = (
    "go to X, take X from Y, put X in/on Y, open X, close X, clean X with Y, heat X with Y, "
    "cool X with Y, use X, examine X, look, inventory"
)

#: Longer actions are rejected before any parsing (no command is anywhere near this long).
MAX_ACTION_CHARS = 200


@dataclass(frozen=True)
class Command:
    """A parsed command: ``verb`` plus up to two entity names (``obj`` acted on, ``target`` place).

    ``verb`` is one of ``go``, ``take``, ``put``, ``open``, ``close``, ``clean``, ``heat``,
    ``cool``, ``use``, ``examine``, ``look``, ``inventory``.
    """

    verb: str
    obj: str = ""
    target: str = ""


@dataclass(frozen=True)
class ParseError:
    """Text that is not a command; ``message`` says why and lists the command forms."""

    message: str


_WS = re.compile(r"\s+")
_ARTICLE = re.compile(r"^(?:the|a|an|some)\s+")
_GLUED_NUMBER = re.compile(r"^([a-z]+)(\d+)$")

# One pattern per command; names are matched loosely here and resolved by the world.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("go", re.compile(r"^go\s+to\s+(?P<obj>.+)$")),
    ("take", re.compile(r"^take\s+(?P<obj>.+?)\s+from\s+(?P<target>.+)$")),
    ("put", re.compile(r"^put\s+(?P<obj>.+?)\s+(?:in\s*/\s*on|in|on|into|onto)\s+(?P<target>.+)$")),
    ("open", re.compile(r"^open\s+(?P<obj>.+)$")),
    ("close", re.compile(r"^close\s+(?P<obj>.+)$")),
    ("clean", re.compile(r"^clean\s+(?P<obj>.+?)\s+with\s+(?P<target>.+)$")),
    ("heat", re.compile(r"^heat\s+(?P<obj>.+?)\s+with\s+(?P<target>.+)$")),
    ("cool", re.compile(r"^cool\s+(?P<obj>.+?)\s+with\s+(?P<target>.+)$")),
    ("use", re.compile(r"^use\s+(?P<obj>.+)$")),
    ("examine", re.compile(r"^examine\s+(?P<obj>.+)$")),
    ("look", re.compile(r"^look$")),
    ("inventory", re.compile(r"^inventory$")),
)

# Verbs that need an argument, for a more specific message when it is missing ("take").
_USAGE = {
    "go": "go to X", "take": "take X from Y", "put": "put X in/on Y", "open": "open X", "close": "close X",
    "clean": "clean X with Y", "heat": "heat X with Y", "cool": "cool X with Y", "use": "use X",
    "examine": "examine X",
}


def normalize_name(name: str) -> str:
    """Canonical form of an entity name: ``"The Apple1"`` -> ``"apple 1"``."""
    name = _ARTICLE.sub("", name.strip())
    glued = _GLUED_NUMBER.match(name)
    if glued:
        name = f"{glued.group(1)} {glued.group(2)}"
    return name


def parse(text: str) -> Command | ParseError:
    """Parse one action. Returns a :class:`Command`, or a :class:`ParseError` saying what is wrong."""
    if not isinstance(text, str):  # the base class filters these; stay total anyway
        return ParseError(f"Actions are text. Commands look like: {COMMAND_FORMS}.")
    if len(text) > MAX_ACTION_CHARS:
        return ParseError(
            f"That action is {len(text)} characters long; a command is one short line. "
            f"Commands look like: {COMMAND_FORMS}."
        )
    cleaned = _WS.sub(" ", text).strip().lower().rstrip(".!").strip()
    if not cleaned:
        return ParseError(f"The action is empty. Commands look like: {COMMAND_FORMS}.")
    for verb, pattern in _PATTERNS:
        match = pattern.match(cleaned)
        if match:
            groups = match.groupdict()
            obj = normalize_name(groups.get("obj") or "")
            target = normalize_name(groups.get("target") or "")
            if (groups.get("obj") is not None and not obj) or (groups.get("target") is not None and not target):
                break  # e.g. "go to the": an article and no name
            return Command(verb, obj, target)
    first = cleaned.split(" ", 1)[0]
    if first in _USAGE:
        return ParseError(f"I did not understand {quote(text)}. Use the form: {_USAGE[first]}.")
    return ParseError(f"I did not understand {quote(text)}. Commands look like: {COMMAND_FORMS}.")
