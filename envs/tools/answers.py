"""Final-answer matching: a pure function shared by the tool suites.

Numbers compare with a small tolerance (``"8.0"`` matches ``"8"``, ``"1,234.5"`` matches
``"1234.5"``); other text compares case-, whitespace- and quote-insensitively, ignoring a
trailing period.
"""

from __future__ import annotations

import math

__all__ = ["answers_match", "normalize_answer", "parse_number", "within_rounding"]


def normalize_answer(text: str) -> str:
    """Lower case, single spaces, no surrounding quotes or trailing period."""
    text = " ".join(str(text).split()).lower().rstrip(".").strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"`":
        text = text[1:-1].strip()
    return text.rstrip(".").strip()


def parse_number(text: str) -> float | None:
    """``"1,234.50"`` -> 1234.5; None if the text is not a plain number."""
    cleaned = normalize_answer(text).replace(",", "")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def answers_match(given: str, expected: str, *, rel_tol: float = 1e-6, abs_tol: float = 1e-9) -> bool:
    """True if ``given`` states ``expected``.

    Args:
        given: the policy's answer text.
        expected: the ground truth.
        rel_tol: relative tolerance when both are numbers.
        abs_tol: absolute tolerance when both are numbers.
    """
    a, b = parse_number(given), parse_number(expected)
    if a is not None and b is not None:
        return math.isclose(a, b, rel_tol=rel_tol, abs_tol=abs_tol)
    return normalize_answer(given) == normalize_answer(expected)


def within_rounding(given: str, exact: float, decimals: int) -> bool:
    """True if ``given`` is ``exact`` rounded to ``decimals`` places (any correct rounding: the
    error is at most half a unit in the last place, plus a hair for float noise).

    Example: with ``exact = 8.04672`` and 2 decimals, ``"8.05"`` matches (|8.05 - 8.04672| =
    0.00328 <= 0.005) and ``"8.04"`` does not (0.00672 > 0.005).
    """
    value = parse_number(given)
    if value is None:
        return False
    return abs(value - exact) <= 0.5 * 10.0**-decimals * (1 + 1e-6) + 1e-9
