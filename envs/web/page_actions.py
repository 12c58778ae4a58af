"""Performing parsed actions on ordinary, navigating web pages (links, GET forms) through Playwright.

MiniWoB++ pages never navigate and run on a fake clock, so :class:`~agentgym.envs.web.env.MiniWoBEnv`
clicks with the mouse and lets page time pass. A site whose links and forms load new documents
(the shop's browser mode) needs each action to wait for the navigation it starts, and only for
that: :func:`perform` acts through Playwright locators on the element references of
:mod:`~agentgym.envs.web.page_dom`, whose clicks and key presses wait for the navigations they
start to commit, then waits for the document's ``load`` event.

- ``click(ref)``: a click at the element's centre (scrolled into view first);
- ``type(ref, "text")``: replace the text of an input or textarea (``locator.fill``; no navigation);
- ``press("Key")``: press on the focused element (``Enter`` in a form submits it), else on the page;
- ``scroll(dx, dy)``: scroll the nearest scrollable box under the last click (else the document);
- ``click_xy(x, y)``: a click at viewport coordinates, on whatever element is there.

Errors a page makes of a well-formed action (an unknown key, an element that cannot be clicked)
come back as a message for the agent, never as an exception.
"""

from __future__ import annotations

from typing import Any

from agentgym.envs.web.actions import Action
from agentgym.envs.web.page_dom import REF_ATTRIBUTE, ref_selector

__all__ = ["perform", "SCROLL_JS"]

#: Scroll the nearest scrollable box under (x, y) (else the document) by (dx, dy).
SCROLL_JS = """([x, y, dx, dy]) => {
  let el = document.elementFromPoint(x, y);
  while (el && el !== document.body && el !== document.documentElement) {
    const s = getComputedStyle(el);
    if (/(auto|scroll)/.test(s.overflow + s.overflowX + s.overflowY) &&
        (el.scrollHeight > el.clientHeight || el.scrollWidth > el.clientWidth)) break;
    el = el.parentElement;
  }
  if (!el || el === document.body || el === document.documentElement) el = document.scrollingElement;
  el.scrollBy(dx, dy);
  return true;
}"""

# The referenced element under viewport point (x, y), and the point relative to its box.
_AT_POINT_JS = """([x, y]) => {
  const hit = document.elementFromPoint(x, y);
  const el = hit && hit.closest('[%s]');
  if (!el) return null;
  const r = el.getBoundingClientRect();
  return [Number(el.getAttribute('%s')), x - r.left, y - r.top];
}""" % (REF_ATTRIBUTE, REF_ATTRIBUTE)

_KEY_HINT = "use names like Enter, Tab, Backspace, ArrowDown, Control+A"


async def perform(page: Any, action: Action, *, mouse: tuple[float, float], timeout_ms: float = 5000) -> tuple[str | None, tuple[float, float]]:
    """Perform ``action`` on a Playwright page and wait until any document it opened has loaded.

    Args:
        page: a Playwright (async) page whose elements a :data:`~agentgym.envs.web.page_dom.DOM_INFO_JS`
            walk has numbered.
        action: a parsed action (:func:`~agentgym.envs.web.actions.parse_action`).
        mouse: where the mouse last clicked (``scroll`` scrolls the box under it).
        timeout_ms: how long an element may take to become clickable.

    Returns:
        ``(error, mouse)``: ``error`` is None when the action was carried out, else what the page
        made of it (said to the agent); ``mouse`` is the mouse position afterwards.
    """
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    try:
        if action.kind in ("click", "type"):
            locator = page.locator(ref_selector(action.ref))
            if await locator.count() == 0:
                return f"element [{action.ref}] is no longer on the page", mouse
            box = await locator.bounding_box()
            if box is not None:
                mouse = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            if action.kind == "click":
                await locator.click(timeout=timeout_ms)
            else:
                await locator.fill(action.text, timeout=timeout_ms)
        elif action.kind == "press":
            focused = page.locator("*:focus")
            if await focused.count() > 0:
                await focused.first.press(action.text, timeout=timeout_ms)
            else:
                await page.keyboard.press(action.text)
        elif action.kind == "scroll":
            await page.evaluate(SCROLL_JS, [mouse[0], mouse[1], action.x, action.y])
        elif action.kind == "click_xy":
            mouse = (action.x, action.y)
            hit = await page.evaluate(_AT_POINT_JS, [action.x, action.y])
            if hit is None:  # outside the page, or on no element: a click that does nothing
                await page.mouse.click(action.x, action.y)
            else:
                ref, dx, dy = hit
                await page.locator(ref_selector(int(ref))).click(position={"x": dx, "y": dy}, timeout=timeout_ms)
    except PlaywrightTimeout:
        what = f"element [{action.ref}]" if action.ref is not None else f"the element at ({action.x:g}, {action.y:g})"
        return f"{what} could not be acted on within {timeout_ms / 1000:g} s (hidden, covered or disabled)", mouse
    except PlaywrightError as exc:
        if "Unknown key" in str(exc):
            return f"unknown key {action.text!r}; {_KEY_HINT}", mouse
        raise
    await page.wait_for_load_state("load")
    return None, mouse
