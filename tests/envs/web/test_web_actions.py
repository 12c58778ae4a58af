"""The action parser (pure): what parses, and what each malformed action is told."""

import pytest

from agentgym.envs.web.actions import MAX_TYPE_CHARS, Action, ParseError, parse_action


@pytest.mark.parametrize(
    "text, expected",
    [
        ("click(12)", Action("click", ref=12)),
        ("  CLICK ( [12] ) ", Action("click", ref=12)),
        ('type(7, "hello world")', Action("type", ref=7, text="hello world")),
        ("type([7], 'it\\'s')", Action("type", ref=7, text="it's")),
        ('type(7, "")', Action("type", ref=7, text="")),
        ('press("Enter")', Action("press", text="Enter")),
        ("press('Control+A')", Action("press", text="Control+A")),
        ("scroll(0, -200)", Action("scroll", x=0, y=-200)),
        ("click_xy(80.5, 120)", Action("click_xy", x=80.5, y=120)),
    ],
)
def test_parses(text, expected):
    assert parse_action(text) == expected


@pytest.mark.parametrize(
    "text, says",
    [
        ("", "is not an action"),
        ("click 12", "is not an action"),
        ("tap(3)", "unknown action 'tap'"),
        ("click(abc)", "write click(ref)"),
        ("type(7, hello)", 'write type(ref, "text")'),
        ('type("hello")', 'write type(ref, "text")'),
        ('press("Enter!!")', "is not a key name"),
        ("scroll(1)", "write scroll(dx, dy)"),
        ("click_xy(-1, 5)", "non-negative"),
        ("click_xy(1e9, 5)", "write click_xy(x, y)"),
        ("click(" + "1" * 3000 + ")", "at most"),
        ('type(1, "' + "a" * (MAX_TYPE_CHARS + 1) + '")', "at most"),
        ('type(1, "a\\x00b")', "control characters"),
    ],
)
def test_malformed_actions_say_what_is_wrong(text, says):
    with pytest.raises(ParseError, match=None) as caught:
        parse_action(text)
    assert says in str(caught.value)
