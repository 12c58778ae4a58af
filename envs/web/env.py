"""``MiniWoBEnv``: one MiniWoB++ task page in a real browser, read and driven as text."""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium
import numpy as np

from agentgym.env import StepOutcome, TaskSet, TextEnv
from agentgym.envs.web.actions import USAGE, Action, ParseError, parse_action
from agentgym.envs.web.browser import BrowserCrashed, BrowserPool, shared_pool
from agentgym.envs.web.dom import Element, flatten, render, state_payload
from agentgym.envs.web.page_actions import SCROLL_JS
from agentgym.envs.web.server import shared_server
from agentgym.envs.web.tasks import EXCLUDED, TASKS

__all__ = ["MiniWoBEnv", "STEP_MS", "CLOCK_START_MS"]

#: Page time (ms) that passes after every action: delays and animations play out, deterministically.
STEP_MS = 1000
#: The page's fake clock starts at 2024-01-01T00:00:00Z, so dates shown by a task are reproducible.
CLOCK_START_MS = 1_704_067_200_000
#: Page time the episode may last before the page's own time-out; the step limit decides instead.
_EPISODE_MAX_MS = 1_000_000_000
_VIEWPORT = {"width": 500, "height": 400}
_LISTED = 30  # elements named in an error observation, at most

# Reads what the miniwob package's Python reads: the utterance, the DOM info, and the reward globals,
# once the page's images have loaded. An image's alt text (its accessible name; order-food's food
# types) becomes its text in the view.
_READ_JS = """async () => {
  await Promise.all(Array.from(document.images).filter((img) => !img.complete).map((img) => img.decode().catch(() => null)));
  const u = core.getUtterance();
  const dom = core.getDOMInfo();
  (function name(node) {
    if (!node) return;
    const el = core.previousDOMInfo[node.ref];
    if (el && el.tagName === 'IMG' && el.alt && !node.text) node.text = el.alt;
    (node.children || []).forEach(name);
  })(dom);
  return {
    utterance: (u && typeof u === 'object') ? String(u.utterance) : String(u),
    dom: dom,
    done: !!WOB_DONE_GLOBAL,
    reward: Number(WOB_REWARD_GLOBAL),
    raw_reward: Number(WOB_RAW_REWARD_GLOBAL),
    reason: WOB_REWARD_REASON === null || WOB_REWARD_REASON === undefined ? null : String(WOB_REWARD_REASON),
  };
}"""

# What the miniwob package does to begin an episode (set_seed, set_mode, core.startEpisodeReal()),
# with the page's wall-clock time-out moved out of the way.
_START_JS = """(seed) => {
  Math.seedrandom(seed);
  core.setDataMode('train');
  core.EPISODE_MAX_TIME = %d;
  core.startEpisodeReal();
  return !!WOB_TASK_READY;
}""" % _EPISODE_MAX_MS

# Image loading runs on real time, not on the page's fake clock, so a page read before its images
# arrive lays out differently (an unloaded image has no size and is left out of the view). Before
# the episode starts, every image the stylesheets name is loaded once (CSS ``content: url(...)``
# icons then lay out from the cache the moment an element uses them); every read (_READ_JS) first
# waits for the page's <img> elements.
_PRELOAD_CSS_IMAGES_JS = """async () => {
  const urls = new Set();
  for (const sheet of document.styleSheets) {
    let rules;
    try { rules = sheet.cssRules; } catch (e) { continue; }
    for (const rule of rules) {
      for (const m of rule.cssText.matchAll(/url\\(["']?([^"')]+)["']?\\)/g)) {
        if (!m[1].startsWith('data:')) urls.add(new URL(m[1], sheet.href || document.baseURI).href);
      }
    }
  }
  window.__agentgymImages = [...urls].map((url) => { const img = new Image(); img.src = url; return img; });
  await Promise.all(window.__agentgymImages.map((img) => img.decode().catch(() => null)));
  return urls.size;
}"""

# The centre of an element of the last DOM read, scrolled into view first.
_LOCATE_JS = """(ref) => {
  const el = core.previousDOMInfo[ref];
  if (!el || !el.isConnected) return null;
  el.scrollIntoView({block: 'nearest', inline: 'nearest'});
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return null;
  return [r.left + r.width / 2, r.top + r.height / 2];
}"""

class MiniWoBEnv(TextEnv):
    """A MiniWoB++ task (``click-button``, ``login-user``, ...) in headless Chromium.

    The task page (from the ``miniwob`` package) is served on 127.0.0.1 and opened in a fresh
    browser context per episode; the browser is shared by every env of the process
    (:mod:`agentgym.envs.web.browser`). The episode starts the way the miniwob package starts
    it: ``Math.seedrandom(seed)`` then ``core.startEpisodeReal()``, the seed drawn from the
    env's seed, so ``reset(seed=s)`` always gives the same problem. The page's clock is
    Playwright's fake clock: time moves :data:`STEP_MS` ms after each action and never on its
    own, so delays, animations and the page's own reward are reproducible.

    Observation: the instruction and the page as text, one element a line, each with the
    reference actions take (see :mod:`agentgym.envs.web.dom`)::

        Task: Click on the "Yes" button.
        Page:
        [1] body (focused)
          [2] div #wrap
            [3] div #area
              [10] button "Yes"

    Actions (see :mod:`agentgym.envs.web.actions`): ``click(ref)``, ``type(ref, "text")``,
    ``press("Key")``, ``scroll(dx, dy)``, ``click_xy(x, y)``.

    Reward and end: the page's own JavaScript decides. When ``WOB_DONE_GLOBAL`` turns true the
    episode terminates with ``WOB_RAW_REWARD_GLOBAL`` as the reward (in [-1, 1]; the
    time-scaled ``WOB_REWARD_GLOBAL`` is in ``info["page_reward"]``); ``success`` means a
    reward above 0, as MiniWoB++ counts success. The step limit (default 20) truncates.

    If the browser dies or a page hangs (no answer in ``call_timeout`` s), the episode ends
    (``terminated``, reward 0, an observation that says so) and the next ``reset`` relaunches.

    Args:
        task: the MiniWoB++ task name, e.g. ``"click-button"``.
        split: ``train`` (the only split; the problems come from the seed).
        screenshot: put a PNG of the page in ``info["screenshot"]`` after every reset and step.
        call_timeout: seconds one browser call may take before the page counts as hung.
        max_steps: the step limit (default 20).
        render_mode: ``ansi`` or ``human``.
        pool: the browser pool (default: the process's shared one).
        allow_excluded: build an env for a task in :data:`~agentgym.envs.web.tasks.EXCLUDED`
            too (the probe that re-checks them does); otherwise such a task is refused with its reason.
    """

    default_max_steps: ClassVar[int] = 20
    io_bound: ClassVar[bool] = True
    uses_browser: ClassVar[bool] = True
    description: ClassVar[str] = "A MiniWoB++ web task in headless Chromium, read as text with element references."
    system_prompt: ClassVar[str] = (
        "You are operating a web page to do the task it states. Each message shows the task and the page, "
        "one element per line with its reference number in brackets, e.g. [12] button \"Submit\". Reply with "
        "exactly one action and nothing else: click(12) to click element [12]; type(7, \"some text\") to "
        "replace the text of input [7]; press(\"Enter\") to press a key; scroll(0, 200) to scroll; "
        "click_xy(80, 120) to click at page coordinates."
    )

    def __init__(
        self,
        task: str = "click-button",
        *,
        split: str = "train",
        screenshot: bool = False,
        call_timeout: float | None = None,
        max_steps: int | None = None,
        render_mode: str | None = None,
        pool: BrowserPool | None = None,
        allow_excluded: bool = False,
    ):
        super().__init__(split=split, max_steps=max_steps, render_mode=render_mode)
        if task in EXCLUDED and not allow_excluded:
            raise ValueError(f"MiniWoB++ task {task!r} is not supported here: {EXCLUDED[task]}")
        if task not in TASKS and task not in EXCLUDED:
            import difflib

            close = difflib.get_close_matches(str(task), TASKS, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else f"; e.g. {', '.join(TASKS[:3])}"
            raise ValueError(f"unknown MiniWoB++ task {task!r}{hint} (see agentgym.envs.web.tasks.EXCLUDED for the ones left out)")
        self.task = task
        self.task_set = TaskSet({"train": [task]})
        self.task_set.ids(split)  # an unknown split fails here, naming the one that exists
        self.screenshot = bool(screenshot)
        self.call_timeout = call_timeout
        self._pool = pool
        self._context = None
        self._page = None
        self.utterance = ""
        self.elements: list[Element] = []
        self._by_ref: dict[int, Element] = {}
        self._page_view = ""
        self._mouse = (80.0, 130.0)
        self._read: dict[str, Any] = {}
        self._screenshot: bytes | None = None
        self._crashed: str | None = None

    # ------------------------------------------------------------------ the browser
    @property
    def pool(self) -> BrowserPool:
        """The browser pool this env's pages live in."""
        if self._pool is None:
            self._pool = shared_pool()
        return self._pool

    def _call(self, factory):
        return self.pool.run(factory, self.call_timeout)

    def _close_page(self) -> None:
        context, self._context, self._page = self._context, None, None
        if context is not None:
            self.pool.discard(context)  # fire and forget: the env need not wait

    async def _open(self, url: str, seed: int) -> dict[str, Any]:
        self._context, self._page = await self.pool.new_page(viewport=_VIEWPORT, clock_time=CLOCK_START_MS)
        # Time stands still from here on, except when an action lets it move.
        await self._context.clock.pause_at(CLOCK_START_MS + 1000)
        await self._page.goto(url, wait_until="load")
        await self._page.evaluate(_PRELOAD_CSS_IMAGES_JS)
        ready = await self._page.evaluate(_START_JS, str(seed))
        for _ in range(50):  # tasks that build their problem asynchronously say when they are ready
            if ready:
                break
            await self._page.clock.run_for(100)
            ready = await self._page.evaluate("() => !!WOB_TASK_READY")
        return await self._observe()

    async def _observe(self) -> dict[str, Any]:
        read = await self._page.evaluate(_READ_JS)
        if self.screenshot:
            read["screenshot"] = await self._page.screenshot(type="png")
        return read

    async def _perform(self, action: Action) -> dict[str, Any]:
        page = self._page
        if action.kind in ("click", "type"):
            point = await page.evaluate(_LOCATE_JS, action.ref)
            if point is None:
                return {"error": f"element [{action.ref}] is no longer on the page or not visible"}
            self._mouse = (float(point[0]), float(point[1]))
            await page.mouse.click(*self._mouse)
            if action.kind == "type":
                await page.keyboard.press("ControlOrMeta+A")
                if action.text:
                    await page.keyboard.type(action.text)
                else:
                    await page.keyboard.press("Delete")
        elif action.kind == "press":
            try:
                await page.keyboard.press(action.text)
            except Exception as exc:
                if "Unknown key" in str(exc):
                    return {"error": f"unknown key {action.text!r}; use names like Enter, Tab, Backspace, ArrowDown, Control+A"}
                raise
        elif action.kind == "scroll":
            await page.evaluate(SCROLL_JS, [self._mouse[0], self._mouse[1], action.x, action.y])
        elif action.kind == "click_xy":
            self._mouse = (action.x, action.y)
            await page.mouse.click(action.x, action.y)
        await page.clock.run_for(STEP_MS)
        return await self._observe()

    # ------------------------------------------------------------------ reading the page
    def _show(self, read: dict[str, Any]) -> str:
        self._read = read
        self.utterance = read["utterance"]
        self.elements = flatten(read["dom"])
        self._by_ref = {e.ref: e for e in self.elements if e.ref > 0}
        self._screenshot = read.get("screenshot")
        self._page_view = render(self.utterance, self.elements)
        return self._page_view

    # ------------------------------------------------------------------ TextEnv hooks
    def _reset_task(self, task_id: str, rng: np.random.Generator) -> str:
        self._close_page()
        self._crashed = None
        self._mouse = (80.0, 130.0)
        seed = int(rng.integers(1 << 31))
        url = shared_server().task_url(task_id)
        try:
            read = self._call(lambda: self._open(url, seed))
        except BrowserCrashed:
            self._close_page()  # one retry, in a relaunched browser
            read = self._call(lambda: self._open(url, seed))
        return self._show(read)

    def _step(self, action: str) -> StepOutcome:
        if self._crashed is not None:
            return self._invalid("the browser is gone; call reset() to start a new episode")
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
                return self._invalid(f"element [{parsed.ref}] is a {what}; type() writes only into text inputs and textareas")
        try:
            read = self._call(lambda: self._perform(parsed))
        except BrowserCrashed as exc:
            return self._crash(str(exc))
        if "error" in read:
            return self._invalid(read["error"])
        observation = self._show(read)
        if read["done"]:
            reward = float(read["raw_reward"])
            reason = f" ({read['reason']})" if read.get("reason") else ""
            verdict = "succeeded" if reward > 0 else "failed"
            observation = f"The episode is over: the task {verdict}, reward {reward:.2f}{reason}.\n{observation}"
            return StepOutcome(observation, reward=reward, terminated=True, success=reward > 0)
        return StepOutcome(observation)

    def _crash(self, why: str) -> StepOutcome:
        self._crashed = why
        self._close_page()
        observation = (
            f"The browser stopped working: {why}. This episode has ended as failed (reward 0); "
            "reset() starts a new one in a fresh browser."
        )
        return StepOutcome(observation, reward=0.0, terminated=True, success=False, error=f"browser failure: {why}")

    def _invalid(self, reason: str) -> StepOutcome:
        refs = [f"[{e.ref}]" for e in self.elements if e.ref > 0]
        shown = ", ".join(refs[:_LISTED]) + (", ..." if len(refs) > _LISTED else "")
        observation = f"Invalid action: {reason}. Actions: {USAGE}; elements: {shown}.\n{self._page_view}"
        return StepOutcome(observation, valid_action=False, error=reason)

    def _state_payload(self) -> Any:
        payload = state_payload(self.utterance, self.elements)
        payload["done"] = bool(self._read.get("done")) or self._crashed is not None
        return payload

    def admissible_actions(self) -> list[str] | None:
        """``click(ref)`` for every element with a reference, and an example ``type`` for each text input
        (any text is valid there; ``press``, ``scroll`` and ``click_xy`` are always valid too)."""
        if self._crashed is not None or not self.elements:
            return []
        actions = [f"click({e.ref})" for e in self.elements if e.ref > 0]
        actions += [f'type({e.ref}, "text")' for e in self.elements if e.ref > 0 and e.typable]
        return actions

    def oracle_action(self) -> str:
        """The scripted solver's next action (tasks listed in :data:`~agentgym.envs.web.solvers.SOLVERS`)."""
        from agentgym.envs.web.solvers import SOLVERS

        if self.task_id is None:
            raise gymnasium.error.ResetNeeded("call reset() before oracle_action()")
        solver = SOLVERS.get(self.task)
        if solver is None:
            raise NotImplementedError(f"no scripted solver for MiniWoB++ task {self.task!r}; solvers exist for {sorted(SOLVERS)}")
        return solver(self._page_view)

    def _extra_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {"instruction": self.utterance}
        if self._read.get("done"):
            info["page_reward"] = float(self._read["reward"])
            info["raw_reward"] = float(self._read["raw_reward"])
        if self.screenshot and self._screenshot is not None:
            info["screenshot"] = self._screenshot
        return info

    # ------------------------------------------------------------------ closing
    def __getstate__(self) -> dict[str, Any]:
        # Picklable (e.g. to a worker process): pages and pools are per process.
        state = dict(self.__dict__)
        state.update(_pool=None, _context=None, _page=None)
        return state

    def close(self) -> None:
        """Close this env's browser context (the shared browser keeps running)."""
        self._close_page()
        super().close()

    def __del__(self) -> None:
        try:
            self._close_page()
        except Exception:
            pass
