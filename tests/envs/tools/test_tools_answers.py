"""Final-answer matching (agentgym.envs.tools.answers), against hand-worked cases."""

import pytest

from agentgym.envs.tools.answers import answers_match, normalize_answer, parse_number


@pytest.mark.parametrize(
    "given, expected, match",
    [
        ("8", "8.0", True),
        ("1,234.5", "1234.5", True),
        ("3.1415927", "3.14159265", True),  # |diff| 5e-8 <= 1e-6 * 3.14
        ("3.1416", "3.14159265", False),  # |diff| 7.3e-6 > 3.1e-6
        (" Tuesday. ", "tuesday", True),
        ('"Ada Lovelace"', "ada lovelace", True),
        ("Ada  Lovelace", "Ada Lovelace", True),
        ("Ada", "Ada Lovelace", False),
        ("nan", "nan", True),  # not a number to parse_number, so compared as text
        ("0", "-0", True),
    ],
)
def test_answers_match(given, expected, match):
    assert answers_match(given, expected) is match


def test_normalize_and_parse():
    assert normalize_answer("  'The  End.' ") == "the end"
    assert parse_number("1,000") == 1000.0
    assert parse_number("ten") is None
    assert parse_number("inf") is None
