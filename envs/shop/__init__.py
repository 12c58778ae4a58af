"""WebShop-style shop env: ``agentgym/Shop-v0``, a real web shop served over HTTP on 127.0.0.1.

The agent reads an instruction ("i need a t-shirt that is crew neck, with size: large, and color:
navy, and price lower than 30.00 dollars"), searches a generated catalog, opens products, selects
options and buys; the purchase is scored with WebShop's reward.

Modules, one idea each:

- :mod:`~agentgym.envs.shop.catalog`: product types (static data) and the seeded catalog generator;
- :mod:`~agentgym.envs.shop.goals`: task id -> goal and instruction (pure, seeded, satisfiable);
- :mod:`~agentgym.envs.shop.splits`: the lazy task-id lists of ``train``/``test``;
- :mod:`~agentgym.envs.shop.reward`: the purchase score (WebShop's formula);
- :mod:`~agentgym.envs.shop.search`: the BM25 index (``bm25s``) behind the search box;
- :mod:`~agentgym.envs.shop.pages`: the HTML pages;
- :mod:`~agentgym.envs.shop.server`: the HTTP server (stateless: the state is in the address);
- :mod:`~agentgym.envs.shop.client`: the env's HTTP client;
- :mod:`~agentgym.envs.shop.page`: HTML page -> ``[SEP]`` text observation and clickable elements;
- :mod:`~agentgym.envs.shop.oracle`: the solver behind ``oracle_action()``;
- :mod:`~agentgym.envs.shop.env`: :class:`ShopEnv`, the :class:`~agentgym.TextEnv` (text mode);
- :mod:`~agentgym.envs.shop.browser_env`: :class:`ShopBrowserEnv`, the browser mode
  (``agentgym/ShopBrowser-v0``): the same site in headless Chromium, read as a DOM text view
  with element references and driven with click/type/press (the MiniWoB++ envs' browser pool,
  view and actions, :mod:`agentgym.envs.web`);
- :mod:`~agentgym.envs.shop.browser_oracle`: the text-mode oracle's steps on element references.
"""

from agentgym.envs.shop.browser_env import ShopBrowserEnv
from agentgym.envs.shop.env import ShopEnv

__all__ = ["ShopEnv", "ShopBrowserEnv", "register"]


def register() -> None:
    """Register ``agentgym/Shop-v0`` (text mode) and ``agentgym/ShopBrowser-v0`` (browser mode)."""
    import agentgym

    agentgym.register(
        "agentgym/Shop-v0",
        "agentgym.envs.shop.env:ShopEnv",
        description="WebShop-style shop over real HTTP: search, open products, select options, buy what the instruction asks.",
        mode="text",
    )
    agentgym.register(
        "agentgym/ShopBrowser-v0",
        "agentgym.envs.shop.browser_env:ShopBrowserEnv",
        description="The same shop in headless Chromium: a DOM text view with element references, click/type/press actions.",
    )
