"""MiniWoB++ in a real browser: ``agentgym/miniwob.<task>-v0``, one env id per task.

The task pages that ship in the ``miniwob`` package (1.1.0) are served on 127.0.0.1 and driven
by Playwright in Debian's Chromium; the page's own JavaScript sets the problem (seeded with
``Math.seedrandom``), the reward and the end, read the way the miniwob package reads them.
The agent sees the instruction and a text view of the DOM with element references, and acts
with ``click(ref)``, ``type(ref, "text")``, ``press("Key")``, ``scroll(dx, dy)``, ``click_xy(x, y)``.

Needs ``pip install playwright 'miniwob==1.1.0' --no-deps`` and ``apt-get install chromium``
(``bash scripts/install.sh dev`` does both); never ``playwright install``.

Modules, one idea each:

- :mod:`~agentgym.envs.web.tasks`: the shipped tasks, the registered ones, the excluded ones and why;
- :mod:`~agentgym.envs.web.server`: the static HTTP server for the task pages;
- :mod:`~agentgym.envs.web.browser`: the browser pool (one Chromium per process, relaunch on death or hang);
- :mod:`~agentgym.envs.web.dom`: ``core.getDOMInfo()`` -> the text view;
- :mod:`~agentgym.envs.web.actions`: the action language and its parser;
- :mod:`~agentgym.envs.web.page_dom`: the same DOM tree read from any page (sites without MiniWoB's ``core.js``);
- :mod:`~agentgym.envs.web.page_actions`: actions on ordinary, navigating pages (used by the shop's browser mode);
- :mod:`~agentgym.envs.web.solvers`: scripted solvers over the text view (``oracle_action()``);
- :mod:`~agentgym.envs.web.env`: :class:`MiniWoBEnv`, the :class:`~agentgym.TextEnv`;
- :mod:`~agentgym.envs.web.probe`: the check that decided which tasks are registered.
"""

from agentgym.envs.web.env import MiniWoBEnv
from agentgym.envs.web.tasks import EXCLUDED, TASKS, env_id

__all__ = ["MiniWoBEnv", "register", "TASKS", "EXCLUDED", "REPRESENTATIVE_TASKS", "env_id"]

#: Tasks that stand for the family where checking all of them would be slow (the generic fuzz
#: test takes ~35 s per MiniWoB++ env on 2 cores): plain clicks, and a form with typing.
REPRESENTATIVE_TASKS: tuple[str, ...] = ("click-button", "login-user")


def register() -> None:
    """Register ``agentgym/miniwob.<task>-v0`` for every task in :data:`TASKS`."""
    import agentgym

    for task in TASKS:
        agentgym.register(
            env_id(task),
            "agentgym.envs.web.env:MiniWoBEnv",
            description=f"MiniWoB++ {task} in headless Chromium (text view of the DOM, click/type/press actions).",
            task=task,
        )
