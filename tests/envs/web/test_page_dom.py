"""The DOM walk for ordinary pages (page_dom) and its actions (page_actions), in a real Chromium."""

from __future__ import annotations

from agentgym.envs.web.actions import parse_action
from agentgym.envs.web.dom import flatten, render
from agentgym.envs.web.page_actions import perform
from agentgym.envs.web.page_dom import DOM_INFO_JS
from agentgym.envs.web.server import shared_server
from web_helpers import pool  # noqa: F401 (fixture)

PAGE = """<!doctype html><html><head><title>t</title><style>.gone{display:none}</style></head><body>
<div id="query">Find the red one</div>
<p>Hello <b>world</b> again</p>
<form action="/next" method="get"><input type="text" name="q" value="abc"><input type="checkbox" checked>
<button type="submit">Go</button></form>
<a href="#x" class="big red">A link</a><img alt="logo" width="10" height="10">
<div class="gone"><a href="#y">hidden link</a></div>
<span style="visibility:hidden">invisible</span>
<textarea>note</textarea>
</body></html>"""


def _in_page(pool, body):
    async def run():
        context, page = await pool.new_page(viewport={"width": 800, "height": 600})
        try:
            return await body(page)
        finally:
            await context.close()

    return pool.run(run, timeout=30)


def test_walk_renders_the_page_like_getdominfo(pool):
    """Guards against a walk that numbers elements differently from read to read, lists hidden
    elements, or loses values, classes and loose text (the view MiniWoB pages get from core.js)."""

    async def body(page):
        await page.set_content(PAGE)
        first = await page.evaluate(DOM_INFO_JS, ["query"])
        await page.evaluate("() => document.body.insertAdjacentHTML('beforeend', '<button>New</button>')")
        second = await page.evaluate(DOM_INFO_JS, ["query"])
        return first, second

    first, second = _in_page(pool, body)
    view = render("Find the red one", flatten(first))
    assert view == "\n".join([
        "Task: Find the red one",
        "Page:",
        "[1] body (focused)",
        "  [2] p",
        '    text "Hello"',
        '    [3] b "world"',
        '    text "again"',
        "  [4] form",
        '    [5] input type=text value="abc"',
        "    [6] input type=checkbox (checked)",
        '    [7] button "Go"',
        '  [8] a .big.red "A link"',
        '  [9] img "logo"',  # an image reads as its alt text
        '  [10] textarea "note" value="note"',  # its initial text, as core.getDOMInfo() gives it, and its value
    ])
    # References stay on the elements: a second read keeps them and numbers the new element next.
    again = render("Find the red one", flatten(second)).splitlines()
    assert again[:-1] == view.splitlines()
    assert again[-1] == '  [11] button "New"'


def test_actions_wait_for_the_navigation_they_start(pool):
    """Guards against reading the old page after a click or an Enter that loads a new one."""

    target = shared_server().task_url("click-test")  # any page served on 127.0.0.1

    async def body(page):
        await page.set_content(PAGE.replace('href="#x"', f'href="{target}"'))
        await page.evaluate(DOM_INFO_JS, [])
        error, mouse = await perform(page, parse_action('type(6, "xyz")'), mouse=(0, 0))
        typed = await page.evaluate("() => document.querySelector('input').value")
        error_key, _ = await perform(page, parse_action('press("NoSuchKey")'), mouse=mouse)
        error_click, _ = await perform(page, parse_action("click(9)"), mouse=mouse)
        after_click = await page.evaluate("() => [location.href, document.readyState, typeof core]")
        return error, typed, error_key, error_click, after_click

    error, typed, error_key, error_click, after_click = _in_page(pool, body)
    assert error is None and typed == "xyz"
    assert error_key.startswith("unknown key 'NoSuchKey'")
    assert error_click is None and after_click == [target, "complete", "object"]  # core.js has run
