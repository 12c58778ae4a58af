"""The shop's oracle: search the target's title, open the target, select the goal's options, buy.

It reads the current page as the agent would (its kind, its clickable elements, its state) and
knows the goal's target product. From any page it finds its way back: detail pages go back to
the item, other items and other searches go back to the search page.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from agentgym.envs.shop.catalog import Product
from agentgym.envs.shop.goals import Goal
from agentgym.envs.shop.page import Page
from agentgym.envs.shop.search import normalize_query

__all__ = ["oracle_query", "next_action"]


def oracle_query(target: Product) -> str:
    """What the oracle searches for: the target's title (its brand and series make it unique)."""
    return normalize_query(target.title)


def next_action(page: Page, goal: Goal, target: Product) -> str | None:
    """The oracle's next action on ``page``, or None on the done page (nothing left to do)."""
    query = oracle_query(target)
    if page.kind == "done":
        return None
    if page.kind == "search":
        return f"search[{query}]"
    if page.kind == "results":
        if page.find(target.asin) is not None:
            return f"click[{target.asin}]"
        shown_query = parse_qs(urlsplit(page.state).query).get("q", [""])[0]
        if shown_query == query and page.find("Next >") is not None:
            return "click[Next >]"
        return "click[Back to Search]"
    if page.kind == "item":
        if page.meta.get("asin") != target.asin:
            return "click[Back to Search]"
        selected = json.loads(page.meta.get("selected") or "{}")
        for kind, value in goal.options:
            if selected.get(kind) != value:
                return f"click[{value}]"
        return "click[Buy Now]"
    if page.kind in ("description", "features"):
        return "click[< Prev]"
    return "click[Back to Search]"
