"""``ShopBrowserEnv``: the shop's browser mode, the same site driven through Playwright in Chromium."""

from __future__ import annotations

import re
from typing import Any, ClassVar

import gymnasium
import numpy as np

from agentgym.env import StepOutcome, TaskSet, TextEnv
from agentgym.envs.shop.browser_oracle import browser_action
from agentgym.envs.shop.catalog import DEFAULT_CATALOG_SIZE, Product
from agentgym.envs.shop.goals import Goal, make_goal
from agentgym.envs.shop.oracle import next_action
from agentgym.envs.shop.page import Page, parse_page
from agentgym.envs.shop.server import ShopServer, shared_server
from agentgym.envs.shop.splits import shop_task_set
from agentgym.envs.web.actions import USAGE, Action, ParseError, parse_action
from agentgym.envs.web.browser import BrowserCrashed, BrowserPool, shared_pool
from agentgym.envs.web.dom import Element, flatten, render, state_payload
from agentgym.envs.web.page_actions import perform
from agentgym.envs.web.page_dom import DOM_INFO_JS

__all__ = ["ShopBrowserEnv"]

_VIEWPORT = {"width": 1024, "height": 768}
_LISTED = 30  # element references named in an error observation, at most
_TEXT_MODE_ACTION = re.compile(r"\s*(search|click)\s*\[", re.IGNORECASE)
_CLICKABLE_TAGS = {"a", "button"}

# One read of the page: the text view's tree (the instruction left out: it is shown as the Task),
# the HTML (for the page's kind, state and score, read as text mode reads them), the instruction.
_READ_JS = """() => {
  const walk = %s;
  const instruction = document.querySelector('#instruction span');
  return {
    dom: walk(['instruction']),
    html: document.documentElement.outerHTML,
    instruction: instruction ? instruction.textContent : '',
  };
}""" % DOM_INFO_JS


class ShopBrowserEnv(TextEnv):
    """The shop (:class:`~agentgym.envs.shop.ShopEnv`'s site) in headless Chromium, read and driven as a web page.

    The same server, catalog, instructions, splits and score as text mode; only the agent's
    side differs. Each env has its own browser context and page in the process's shared browser
    (:mod:`agentgym.envs.web.browser`), kept across episodes (the shop keeps no state in the
    browser); each episode opens the task's search page there. The agent reads the page as a
    text view of its DOM with element references (:mod:`agentgym.envs.web.dom`, the view the
    MiniWoB++ envs use)::

        Task: i need a t-shirt that is crew neck, with size: large, and color: navy, and price lower than 30.00 dollars
        Page:
        [1] body (focused)
          [2] form
            [3] input type=text value=""
            [4] button "Search"

    and acts with the MiniWoB++ envs' action language (:mod:`agentgym.envs.web.actions`):
    ``click(ref)``, ``type(ref, "text")``, ``press("Key")``, ``scroll(dx, dy)``,
    ``click_xy(x, y)``. Typing into the search box and clicking Search (or pressing Enter) runs
    the search; links open pages and select options; ``Buy Now`` buys.

    Reward and end: buying loads the shop's confirmation page, whose score (WebShop's formula,
    computed by the server, :mod:`agentgym.envs.shop.reward`) is the reward, read from the page;
    ``success`` means a score of 1.0. The step limit (default 20) truncates.

    If the browser dies or hangs (no answer in ``call_timeout`` s) the episode ends as failed
    (``terminated``, reward 0, an observation that says so) and the next ``reset`` relaunches it.

    Args:
        split: ``train`` or ``test``, as in text mode.
        catalog_seed, catalog_size: the shop's catalog, as in text mode.
        screenshot: put a PNG of the page (the viewport, 1024x768) in ``info["screenshot"]``.
        call_timeout: seconds one browser call may take (default: the pool's, 20).
        max_steps: the step limit (default 20).
        render_mode: ``ansi`` or ``human``.

    ``info`` carries ``admissible_actions`` (``click(ref)`` on every link and button,
    ``type(ref, "text")`` on the search box; any element may be clicked and anything typed),
    ``instruction`` and ``page`` (the page's kind: search, results, item, description,
    features, done).
    """

    default_max_steps: ClassVar[int] = 20
    io_bound: ClassVar[bool] = True
    uses_browser: ClassVar[bool] = True
    description: ClassVar[str] = (
        "WebShop-style shop in headless Chromium: a text view of the page's DOM with element references, click/type/press actions."
    )
    system_prompt: ClassVar[str] = (
        "You are shopping in a web shop for the product the task describes. Each message shows the task and "
        "the page, one element per line with its reference number in brackets, e.g. [12] a \"Buy Now\". Reply "
        "with exactly one action and nothing else: type(3, \"long sleeve shirt\") to type into the search box "
        "[3]; click(4) to click element [4] (the Search button, a product, an option, Buy Now); press(\"Enter\"); "
        "scroll(0, 300). Select every option the task names before you click Buy Now."
    )

    def __init__(
        self,
        *,
        split: str = "train",
        catalog_seed: int = 0,
        catalog_size: int = DEFAULT_CATALOG_SIZE,
        screenshot: bool = False,
        call_timeout: float | None = None,
        max_steps: int | None = None,
        render_mode: str | None = None,
    ):
        super().__init__(split=split, max_steps=max_steps, render_mode=render_mode)
        self.task_set: TaskSet = shop_task_set()
        self.task_set.ids(split)  # an unknown split fails here, naming the ones that exist
        self.mode = "browser"
        self.catalog_seed = int(catalog_seed)
        self.catalog_size = int(catalog_size)
        self.screenshot = bool(screenshot)
        self.call_timeout = call_timeout
        self.goal: Goal | None = None
        self.target: Product | None = None
        self.page: Page | None = None
        self.instruction = ""
        self.elements: list[Element] = []
        self._by_ref: dict[int, Element] = {}
        self._page_view = ""
        self._screenshot: bytes | None = None
        self._mouse = (0.0, 0.0)
        self._crashed: str | None = None
        self._context = None
        self._tab = None  # the Playwright page (``page`` is the shop's Page, as in text mode)
        self._pool: BrowserPool | None = None
        self._server: ShopServer | None = None

    # ------------------------------------------------------------------ the shop and the browser
    @property
    def server(self) -> ShopServer:
        """The shop this env shops at (this process's shared server for its catalog)."""
        if self._server is None:
            self._server = shared_server(self.catalog_seed, self.catalog_size)
        return self._server

    @property
    def pool(self) -> BrowserPool:
        """The browser pool this env's pages live in (the process's shared one)."""
        if self._pool is None:
            self._pool = shared_pool()
        return self._pool

    def _call(self, factory):
        return self.pool.run(factory, self.call_timeout)

    def _close_tab(self) -> None:
        context, self._context, self._tab = self._context, None, None
        if context is not None:
            self.pool.discard(context)

    async def _open(self, url: str) -> dict[str, Any]:
        # The shop keeps no state in the browser (no cookies, no storage: the state is the address),
        # so an env reuses its page across episodes; a new context costs more than the page load.
        if self._tab is None or self._tab.is_closed():
            self._context, self._tab = await self.pool.new_page(viewport=_VIEWPORT)
        await self._tab.goto(url, wait_until="load")
        return await self._read()

    async def _read(self) -> dict[str, Any]:
        read = await self._tab.evaluate(_READ_JS)
        if self.screenshot:
            read["screenshot"] = await self._tab.screenshot(type="png")
        return read

    async def _act(self, action: Action) -> dict[str, Any]:
        error, self._mouse = await perform(self._tab, action, mouse=self._mouse)
        if error is not None:
            return {"error": error}
        return await self._read()

    def _show(self, read: dict[str, Any]) -> str:
        self.page = parse_page(read["html"])
        self.instruction = read["instruction"]
        self.elements = flatten(read["dom"])
        self._by_ref = {e.ref: e for e in self.elements if e.ref > 0}
        self._screenshot = read.get("screenshot")
        self._page_view = render(self.instruction, self.elements)
        return self._page_view

    # ------------------------------------------------------------------ TextEnv hooks
    def _reset_task(self, task_id: str, rng: np.random.Generator) -> str:
        # The goal comes from the task id alone; the episode rng is not needed.
        if self._crashed is not None:
            self._close_tab()
        self._crashed = None
        self._mouse = (0.0, 0.0)
        self.goal = make_goal(task_id, self.server.catalog)
        self.target = self.server.catalog.get(self.goal.asin)
        url = f"{self.server.url}/{task_id}/"
        try:
            read = self._call(lambda: self._open(url))
        except BrowserCrashed:
            self._close_tab()  # one retry, in a relaunched browser
            read = self._call(lambda: self._open(url))
        return self._show(read)

    def _step(self, action: str) -> StepOutcome:
        if self._crashed is not None:
            return self._invalid("the browser is gone; call reset() to start a new episode")
        if _TEXT_MODE_ACTION.match(action):
            return self._invalid(
                "search[...] and click[...] are the text mode's actions; here act on the page's elements, "
                'e.g. type(3, "red shirt") into the search box, click(4) on a button or link'
            )
        try:
            parsed = parse_action(action)
        except ParseError as exc:
            return self._invalid(str(exc))
        if parsed.kind in ("click", "type"):
            element = self._by_ref.get(parsed.ref)
            if element is None:
                return self._invalid(f"there is no element [{parsed.ref}] on the page")
            if parsed.kind == "type" and not element.typable:
                what = f"{element.tag} type={element.input_type}" if element.input_type else element.tag
                return self._invalid(f"element [{parsed.ref}] is a {what}; type() writes only into text inputs")
        try:
            read = self._call(lambda: self._act(parsed))
        except BrowserCrashed as exc:
            return self._crash(str(exc))
        if "error" in read:
            return self._invalid(read["error"])
        observation = self._show(read)
        if self.page.kind == "done":
            reward = float(self.page.meta.get("reward", "0"))
            observation = f"The purchase is made: score {reward:.4f} (1.0 is a perfect match).\n{observation}"
            return StepOutcome(observation, reward=reward, terminated=True, success=reward >= 1.0)
        return StepOutcome(observation)

    def _crash(self, why: str) -> StepOutcome:
        self._crashed = why
        self._close_tab()
        observation = (
            f"The browser stopped working: {why}. This episode has ended as failed (reward 0); "
            "reset() starts a new one in a fresh browser."
        )
        return StepOutcome(observation, reward=0.0, terminated=True, success=False, error=f"browser failure: {why}")

    def _invalid(self, reason: str) -> StepOutcome:
        refs = [f"[{e.ref}]" for e in self.elements if e.ref > 0 and (e.tag in _CLICKABLE_TAGS or e.typable)]
        shown = ", ".join(refs[:_LISTED]) + (", ..." if len(refs) > _LISTED else "")
        observation = f"Invalid action: {reason}. Actions: {USAGE}; links, buttons and inputs: {shown}.\n{self._page_view}"
        return StepOutcome(observation, valid_action=False, error=reason)

    def _state_payload(self) -> Any:
        payload = state_payload(self.instruction, self.elements)
        payload["done"] = (self.page is not None and self.page.kind == "done") or self._crashed is not None
        return payload

    def admissible_actions(self) -> list[str] | None:
        """``click(ref)`` for every link and button and ``type(ref, "text")`` for the search box (any
        element may be clicked and any text typed; ``press``, ``scroll`` and ``click_xy`` are valid too)."""
        if self._crashed is not None or not self.elements:
            return []
        actions = [f"click({e.ref})" for e in self.elements if e.ref > 0 and e.tag in _CLICKABLE_TAGS]
        actions += [f'type({e.ref}, "text")' for e in self.elements if e.ref > 0 and e.typable]
        return actions

    def oracle_action(self) -> str:
        """The text-mode oracle's next step (:func:`~agentgym.envs.shop.oracle.next_action`) on this
        page's element references (:func:`~agentgym.envs.shop.browser_oracle.browser_action`)."""
        if self.page is None or self.task_id is None:
            raise gymnasium.error.ResetNeeded("call reset() before oracle_action()")
        if self._crashed is not None:
            raise gymnasium.error.ResetNeeded("the browser is gone; call reset() for a new episode")
        text_action = next_action(self.page, self.goal, self.target)
        if text_action is None:
            raise gymnasium.error.ResetNeeded("the purchase is made; call reset() for a new episode")
        return browser_action(text_action, self.elements)

    def _extra_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {}
        if self.goal is not None:
            info["instruction"] = self.goal.instruction
        if self.page is not None:
            info["page"] = self.page.kind
        if self.screenshot and self._screenshot is not None:
            info["screenshot"] = self._screenshot
        return info

    # ------------------------------------------------------------------ closing
    def __getstate__(self) -> dict[str, Any]:
        # Picklable (e.g. to a worker process): the server, pool and pages are per process.
        state = dict(self.__dict__)
        state.update(_server=None, _pool=None, _context=None, _tab=None)
        return state

    def close(self) -> None:
        """Close this env's browser context (the shared browser and shop keep running)."""
        self._close_tab()
        super().close()

    def __del__(self) -> None:
        try:
            self._close_tab()
        except Exception:
            pass
