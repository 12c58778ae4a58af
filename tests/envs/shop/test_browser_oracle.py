"""The browser-mode oracle's mapping from text-mode steps to element references (pure, no browser)."""

import pytest

from agentgym.envs.shop.browser_oracle import browser_action
from agentgym.envs.web.dom import Element

SEARCH_PAGE = [
    Element(ref=1, tag="body", depth=0),
    Element(ref=2, tag="form", depth=1),
    Element(ref=3, tag="input", depth=2, input_type="text", value=""),
    Element(ref=4, tag="button", depth=2, text="Search"),
]

ITEM_PAGE = [
    Element(ref=1, tag="body", depth=0),
    Element(ref=2, tag="a", depth=1, text="Back to Search"),
    Element(ref=5, tag="p", depth=2, text="size"),
    Element(ref=6, tag="a", depth=2, text="X-Large"),
    Element(ref=7, tag="a", depth=2, text="large", classes="selected"),
    Element(ref=8, tag="p", depth=1, text="Buy Now"),  # text, not a link: never the target
    Element(ref=9, tag="a", depth=1, text="Buy  Now"),
]


def test_search_types_then_submits():
    assert browser_action('search[red "crew" shirt]', SEARCH_PAGE) == 'type(3, "red \\"crew\\" shirt")'
    typed = [*SEARCH_PAGE[:2], Element(ref=3, tag="input", depth=2, input_type="text", value="red shirt"), SEARCH_PAGE[3]]
    assert browser_action("search[red shirt]", typed) == "click(4)"
    assert browser_action("search[blue shirt]", typed) == 'type(3, "blue shirt")'


def test_click_finds_the_link_by_name():
    assert browser_action("click[LARGE]", ITEM_PAGE) == "click(7)"
    assert browser_action("click[x-large]", ITEM_PAGE) == "click(6)"
    assert browser_action("click[Buy Now]", ITEM_PAGE) == "click(9)"


@pytest.mark.parametrize("action, says", [("click[Next >]", "no link"), ("search[x]", "no search box"), ("buy now", "not a text-mode action")])
def test_unmappable_steps_raise(action, says):
    with pytest.raises(ValueError, match=says):
        browser_action(action, ITEM_PAGE)
