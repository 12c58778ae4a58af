"""Phrasing helpers shared by the world's observations: lists of things, ALFWorld style.

ALFWorld writes lists as ``a apple 1, a bread 1, and a mug 2`` (always "a", never "an", because
the words are object ids, not English nouns); agents trained on ALFWorld transcripts expect it.
"""

from __future__ import annotations

from typing import Sequence

__all__ = ["a_list", "nothing_happens", "quote"]


def a_list(names: Sequence[str]) -> str:
    """``["apple 1", "mug 2"]`` -> ``"a apple 1, and a mug 2"``; an empty list -> ``"nothing"``."""
    if not names:
        return "nothing"
    items = [f"a {name}" for name in names]
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + ", and " + items[-1]


def nothing_happens(reason: str) -> str:
    """ALFWorld's answer to an illegal action, followed by why and what to try instead."""
    return f"Nothing happens. ({reason})"


def quote(text: str, limit: int = 40) -> str:
    """A short, printable rendering of user text for an error message.

    Control characters become ``?`` and long text is cut, so that a hostile or garbled action
    can never blow up the observation.
    """
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in text[: limit + 1])
    if len(cleaned) > limit:
        cleaned = cleaned[:limit] + "..."
    return f'"{cleaned}"'
