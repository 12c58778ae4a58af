"""``ShopEnv``: WebShop-style shopping, the agent a client of a real web shop over HTTP."""

from __future__ import annotations

import copy
import re
from typing import Any, ClassVar
from urllib.parse import urlencode

import gymnasium
import numpy as np

from agentgym.env import StepOutcome, TaskSet, TextEnv
from agentgym.envs.shop.catalog import CATEGORIES, DEFAULT_CATALOG_SIZE, Product
from agentgym.envs.shop.client import ShopClient
from agentgym.envs.shop.goals import Goal, make_goal
from agentgym.envs.shop.oracle import next_action
from agentgym.envs.shop.page import Page, parse_page
from agentgym.envs.shop.server import MAX_QUERY_CHARS, ShopServer, shared_server
from agentgym.envs.shop.splits import shop_task_set

__all__ = ["ShopEnv", "MODES"]

#: Observation modes. ``browser`` is its own class, :class:`~agentgym.envs.shop.browser_env.ShopBrowserEnv`
#: (``agentgym/ShopBrowser-v0``); ``ShopEnv`` is the text mode.
MODES = ("text", "browser")

_ACTION = re.compile(r"\s*(search|click)\s*\[(.*)\]\s*", re.IGNORECASE | re.DOTALL)
_MAX_ACTION_CHARS = 1000
_LISTED = 25  # valid actions named in an error observation, at most


def _shown(action: str, limit: int = 60) -> str:
    return repr(action if len(action) <= limit else action[:limit] + "...")


class ShopEnv(TextEnv):
    """WebShop-style shopping: find and buy the product an instruction describes.

    The shop is a real web server on 127.0.0.1 (one per process, shared by every env; see
    :mod:`agentgym.envs.shop.server`) over a generated catalog of 1,200 products in six
    departments. The env is its client: each action is an HTTP request, and each observation is
    the page read as WebShop's text mode reads it, elements separated by ``[SEP]``::

        Instruction: [SEP] i need a t-shirt that is crew neck, with size: large, and color: navy,
        and price lower than 30.00 dollars [SEP] Back to Search [SEP] Page 1 (Total results: 50)
        [SEP] Next > [SEP] B0ABCDEFGH [SEP] Lumora Aria Crew Neck Cotton T-Shirt [SEP] $12.99 ...

    Actions: ``search[query]`` on the search page, ``click[element]`` for an element on the page
    (``click[B0ABCDEFGH]``, ``click[large]``, ``click[Next >]``, ``click[< Prev]``,
    ``click[Back to Search]``, ``click[Description]``, ``click[Features]``, ``click[Buy Now]``;
    names match ignoring case). Anything else is answered with what was wrong and what is valid.

    ``click[Buy Now]`` ends the episode with the purchase score as the reward (WebShop's formula,
    see :mod:`agentgym.envs.shop.reward`); ``success`` means a score of 1.0. The step limit
    (15 by default) truncates.

    Args:
        split: ``train`` (10000 instructions) or ``test`` (1000; targets that ``train`` never asks for).
        mode: ``text`` (the default and only value; the browser mode is
            :class:`~agentgym.envs.shop.browser_env.ShopBrowserEnv`, ``agentgym/ShopBrowser-v0``).
        catalog_seed: the seed of the generated catalog.
        catalog_size: products in the catalog.
        max_steps: the step limit (default 15).
        render_mode: ``ansi`` or ``human``.

    ``info`` carries ``admissible_actions`` (on the search page, one example search per
    department: any ``search[...]`` is valid there) and ``instruction``.
    """

    default_max_steps: ClassVar[int] = 15
    io_bound: ClassVar[bool] = True
    description: ClassVar[str] = (
        "WebShop-style shop over real HTTP: search a generated catalog, pick options and buy what the instruction asks."
    )
    system_prompt: ClassVar[str] = (
        "You are shopping in a web shop for the product the instruction describes. Each message shows "
        "the current page as text, its elements separated by [SEP]. Reply with exactly one action and "
        "nothing else: search[your query] on the search page, or click[element] for an element shown "
        "on the page, e.g. click[B0ABCDEFGH] to open a product, click[large] to select an option, "
        "click[Next >], click[< Prev], click[Back to Search], click[Buy Now]. Select every option the "
        "instruction names before you click[Buy Now]."
    )

    def __init__(
        self,
        *,
        split: str = "train",
        mode: str = "text",
        catalog_seed: int = 0,
        catalog_size: int = DEFAULT_CATALOG_SIZE,
        max_steps: int | None = None,
        render_mode: str | None = None,
    ):
        super().__init__(split=split, max_steps=max_steps, render_mode=render_mode)
        if mode == "browser":
            raise NotImplementedError(
                "ShopEnv is the shop's text mode (mode='text'); the browser mode is ShopBrowserEnv "
                "(agentgym.envs.shop.browser_env), registered as agentgym/ShopBrowser-v0"
            )
        if mode not in MODES:
            raise ValueError(f"mode must be one of {list(MODES)}, got {mode!r}")
        self.task_set: TaskSet = shop_task_set()
        self.task_set.ids(split)  # an unknown split fails here, naming the ones that exist
        self.mode = mode
        self.catalog_seed = int(catalog_seed)
        self.catalog_size = int(catalog_size)
        self.goal: Goal | None = None
        self.target: Product | None = None
        self.page: Page | None = None
        self._server: ShopServer | None = None
        self._client: ShopClient | None = None
        self._admissible: list[str] = []

    # ------------------------------------------------------------------ the connection
    @property
    def server(self) -> ShopServer:
        """The shop this env shops at (this process's shared server for its catalog)."""
        if self._server is None:
            self._server = shared_server(self.catalog_seed, self.catalog_size)
        return self._server

    def _get(self, target: str) -> Page:
        if self._client is None:
            self._client = ShopClient(self.server.url)
        _, html = self._client.get(target)
        return parse_page(html)

    def _show(self, page: Page) -> str:
        self.page = page
        if page.kind == "search":
            self._admissible = [f"search[{category}]" for category in CATEGORIES]
        else:
            self._admissible = [f"click[{name}]" for name, _ in page.clickables]
        return page.text

    # ------------------------------------------------------------------ TextEnv hooks
    def _reset_task(self, task_id: str, rng: np.random.Generator) -> str:
        # The goal comes from the task id alone; the episode rng is not needed.
        self.goal = make_goal(task_id, self.server.catalog)
        self.target = self.server.catalog.get(self.goal.asin)
        return self._show(self._get(f"/{task_id}/"))

    def _step(self, action: str) -> StepOutcome:
        if len(action) > _MAX_ACTION_CHARS:
            return self._invalid(f"the action is {len(action)} characters long; actions are at most {_MAX_ACTION_CHARS}")
        match = _ACTION.fullmatch(action)
        if match is None:
            return self._invalid(f"{_shown(action)} is not an action; write search[query] or click[element]")
        verb, argument = match.group(1).lower(), match.group(2)
        if verb == "search":
            return self._search(argument)
        return self._click(argument)

    def _search(self, argument: str) -> StepOutcome:
        if self.page.search_action is None:
            return self._invalid("search[...] works only on the search page; click[Back to Search] first")
        query = " ".join("".join(ch if ch.isprintable() else " " for ch in argument).split())
        if not query:
            return self._invalid("search[] needs a query, e.g. search[long sleeve shirt]")
        if len(query) > MAX_QUERY_CHARS:
            return self._invalid(f"the query is {len(query)} characters long; keep it under {MAX_QUERY_CHARS}")
        return StepOutcome(self._show(self._get(f"{self.page.search_action}?{urlencode({'q': query, 'page': 1})}")))

    def _click(self, argument: str) -> StepOutcome:
        href = self.page.find(argument)
        if href is None:
            if not self.page.clickables:
                return self._invalid("there is nothing to click on this page; use search[query]")
            return self._invalid(f"there is no element {_shown(argument.strip(), 40)} to click on this page")
        page = self._get(href)
        observation = self._show(page)
        if page.kind == "done":
            reward = float(page.meta.get("reward", "0"))
            return StepOutcome(observation, reward=reward, terminated=True, success=reward >= 1.0)
        return StepOutcome(observation)

    def _invalid(self, reason: str) -> StepOutcome:
        valid = self._admissible[:_LISTED]
        more = f", ... ({len(self._admissible) - _LISTED} more)" if len(self._admissible) > _LISTED else ""
        hint = "search[any query]" if self.page.kind == "search" else ", ".join(valid) + more
        observation = f"Invalid action: {reason}. Valid actions here: {hint}."
        return StepOutcome(observation, valid_action=False, error=reason)

    def _state_payload(self) -> Any:
        return self.page.state if self.page is not None else None

    def admissible_actions(self) -> list[str] | None:
        """The clickable elements as ``click[...]`` actions; on the search page, one example
        search per department (any ``search[...]`` with a query is valid there)."""
        if self.page is None:
            return None
        return list(self._admissible)

    def oracle_action(self) -> str:
        """The next action of the shortest purchase that scores 1.0 (full knowledge of the goal)."""
        if self.page is None:
            raise gymnasium.error.ResetNeeded("call reset() before oracle_action()")
        action = next_action(self.page, self.goal, self.target)
        if action is None:
            raise gymnasium.error.ResetNeeded("the purchase is made; call reset() for a new episode")
        return action

    def _extra_info(self) -> dict[str, Any]:
        return {"instruction": self.goal.instruction} if self.goal is not None else {}

    # ------------------------------------------------------------------ forking and closing
    def fork(self) -> "ShopEnv":
        """A native snapshot: the page and the bookkeeping are copied; the fork opens its own connection."""
        if self.task_id is None:
            return super().fork()  # raises ResetNeeded with the base class's message
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone._actions = list(self._actions)
        clone._admissible = list(self._admissible)
        clone._np_random = copy.deepcopy(self._np_random)
        clone._client = None
        return clone

    def __getstate__(self) -> dict[str, Any]:
        # Picklable (e.g. to a worker process): the server and connection are per process.
        state = dict(self.__dict__)
        state["_server"] = None
        state["_client"] = None
        return state

    def close(self) -> None:
        """Close this env's connection to the shop (the shared server keeps serving)."""
        if self._client is not None:
            self._client.close()
            self._client = None
        super().close()
