"""The browser-mode oracle: the text-mode oracle's next step, carried out on element references.

The text-mode oracle (:mod:`agentgym.envs.shop.oracle`) says what to do in the shop's own terms
(``search[query]``, ``click[Buy Now]``); in browser mode the same step is done on the page's
elements (pure function of the text view's elements, no browser):

- ``search[query]`` -> ``type(ref, "query")`` into the search box, then ``click(ref)`` on the
  Search button once the box holds the query (two browser actions);
- ``click[name]`` -> ``click(ref)`` on the first link whose text is ``name`` (any case and spacing).
"""

from __future__ import annotations

import json
import re
from typing import Sequence

from agentgym.envs.shop.page import element_key
from agentgym.envs.web.dom import Element

__all__ = ["browser_action"]

_TEXT_ACTION = re.compile(r"(search|click)\[(.*)\]", re.DOTALL)


def browser_action(text_action: str, elements: Sequence[Element]) -> str:
    """The browser action that carries out ``text_action`` on a page with these ``elements``.

    Raises:
        ValueError: the page has no element for the step (the text action does not fit the page).
    """
    match = _TEXT_ACTION.fullmatch(text_action)
    if match is None:
        raise ValueError(f"{text_action!r} is not a text-mode action (search[...] or click[...])")
    verb, argument = match.groups()
    if verb == "search":
        box = next((e for e in elements if e.typable), None)
        button = next((e for e in elements if e.tag == "button"), None)
        if box is None or button is None:
            raise ValueError("no search box and button on this page")
        if box.value != argument:
            return f"type({box.ref}, {json.dumps(argument)})"
        return f"click({button.ref})"
    key = element_key(argument)
    for element in elements:
        if element.tag == "a" and element_key(element.text) == key:
            return f"click({element.ref})"
    raise ValueError(f"no link {argument!r} on this page")
