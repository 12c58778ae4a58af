"""Fixtures of the MiniWoB++ browser tests: one browser for the whole session, failing loudly without one.

Imported by the test modules (not a conftest.py, whose module name would clash with tests/conftest.py,
which other tests import ``CountdownEnv`` from)."""

from __future__ import annotations

import pytest

from agentgym.envs.web.browser import BrowserUnavailable, shared_pool


@pytest.fixture(scope="session")
def pool():
    """The process's shared browser pool, with a browser started; a missing Chromium fails, never skips."""
    pool = shared_pool()

    async def start():
        await pool.browser()

    try:
        pool.run(start, timeout=60)
    except BrowserUnavailable as exc:
        pytest.fail(f"the MiniWoB++ browser tests need a working Chromium and Playwright: {exc}", pytrace=False)
    except ImportError as exc:
        pytest.fail(f"the MiniWoB++ browser tests need their packages: {exc}", pytrace=False)
    return pool
