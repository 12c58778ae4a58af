"""The browser pool: one Chromium per process, driven by Playwright, a fresh context per episode.

Playwright's API is asynchronous and bound to one event loop, while the rollout engine steps
I/O-bound envs from a thread pool. So the pool owns an asyncio loop on a daemon thread and every
browser call is a coroutine submitted to it (:meth:`BrowserPool.run`); env threads wait on the
result with a timeout. Many envs share the one browser, each in its own context (cookies,
storage and page state kept apart).

Failure handling:

- a call that does not finish within its timeout (a hung page) kills the browser process
  (the pool launched it, and knows its pid) and raises :class:`BrowserCrashed`;
- a browser that died (killed, crashed) raises :class:`BrowserCrashed` from the call that met it;
- the next :meth:`BrowserPool.new_page` relaunches the browser, so the run goes on.

Chromium is Debian's (``/usr/bin/chromium``; ``apt-get install chromium``), never a browser that
``playwright install`` downloads. If it cannot start, :class:`BrowserUnavailable` says how to fix it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import signal
import threading
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable, TypeVar

from agentgym.per_process import PerProcess

__all__ = [
    "BrowserPool",
    "BrowserCrashed",
    "BrowserUnavailable",
    "shared_pool",
    "chromium_path",
    "CHROMIUM_ARGS",
]

T = TypeVar("T")

#: Flags for a quiet, headless Chromium in a container (root, no GPU, no network chatter).
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
)

_FIX = "install Chromium with `apt-get install -y chromium` (or `bash scripts/install.sh dev`), or set AGENTGYM_CHROMIUM=/path/to/chromium"


class BrowserCrashed(RuntimeError):
    """The browser died or hung during a call; the episode it served is lost, the pool relaunches."""


class BrowserUnavailable(RuntimeError):
    """Chromium or Playwright is missing or cannot start; the message says how to fix it."""


def chromium_path() -> str:
    """The Chromium executable: ``$AGENTGYM_CHROMIUM``, else ``/usr/bin/chromium``, else one on PATH."""
    candidates = [os.environ.get("AGENTGYM_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")]
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise BrowserUnavailable(f"no Chromium executable found (looked at $AGENTGYM_CHROMIUM, /usr/bin/chromium, PATH); {_FIX}")


def _find_browser_pid(marker: str) -> int | None:
    """The pid of the main browser process launched with ``marker`` among its arguments."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if marker.encode() in args and not any(a.startswith(b"--type=") for a in args):
            return int(entry.name)
    return None


class BrowserPool:
    """One Chromium for this process, shared by every env; see the module docstring.

    Args:
        executable: the Chromium binary (default: :func:`chromium_path`).
        call_timeout: seconds a single browser call may take before the page counts as hung.
        launch_timeout: seconds a launch may take.
    """

    def __init__(self, executable: str | None = None, *, call_timeout: float = 20.0, launch_timeout: float = 30.0):
        self.executable = executable
        self.call_timeout = float(call_timeout)
        self.launch_timeout = float(launch_timeout)
        self.launches = 0  # how many browsers this pool has started (relaunches included)
        self._playwright = None
        self._browser = None
        self._pid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._launch_lock: asyncio.Lock | None = None

    # ------------------------------------------------------------------ the loop
    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def serve() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                self._thread = threading.Thread(target=serve, name="agentgym-browser", daemon=True)
                self._thread.start()
                ready.wait()
                self._loop = loop
            return self._loop

    def run(self, factory: Callable[[], Awaitable[T]], timeout: float | None = None) -> T:
        """Run ``factory()`` (a coroutine function) on the pool's loop and return its result.

        Raises:
            BrowserCrashed: the call took longer than ``timeout`` (the browser is then killed),
                or the browser died under it.
            Exception: any other error of the call, as raised (e.g. an unknown key name).
        """
        loop = self._ensure_loop()
        timeout = self.call_timeout if timeout is None else timeout
        future = asyncio.run_coroutine_threadsafe(self._guarded(factory), loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            self.kill()
            raise BrowserCrashed(f"the page did not answer within {timeout:.0f} s (hung); the browser was restarted") from None

    async def _guarded(self, factory: Callable[[], Awaitable[T]]) -> T:
        try:
            return await factory()
        except BrowserCrashed:
            raise
        except Exception as exc:
            if self._browser is None or not self._browser.is_connected() or _is_closed_error(exc):
                raise BrowserCrashed(f"the browser or page died ({type(exc).__name__}: {str(exc).splitlines()[0][:160]})") from exc
            raise

    # ------------------------------------------------------------------ the browser
    async def _launch(self) -> None:
        try:
            from playwright.async_api import async_playwright
        except ImportError:
            raise BrowserUnavailable("the MiniWoB++ envs need Playwright: pip install playwright (never `playwright install`); " + _FIX) from None
        executable = self.executable or chromium_path()
        if self._playwright is None:
            self._playwright = await async_playwright().start()
        marker = f"--agentgym-browser-pool={uuid.uuid4().hex}"  # ignored by Chromium; finds its pid
        try:
            self._browser = await self._playwright.chromium.launch(
                executable_path=executable, args=[*CHROMIUM_ARGS, marker], timeout=self.launch_timeout * 1000
            )
        except Exception as exc:
            raise BrowserUnavailable(f"Chromium at {executable} failed to start: {str(exc).strip()[:600]}; {_FIX}") from exc
        self._pid = _find_browser_pid(marker)
        self.launches += 1

    async def browser(self):
        """The connected browser, (re)launched when there is none or it died."""
        if self._launch_lock is None:
            self._launch_lock = asyncio.Lock()
        async with self._launch_lock:
            if self._browser is None or not self._browser.is_connected():
                if self._browser is not None:
                    try:
                        await self._browser.close()
                    except Exception:
                        pass
                    self._browser = None
                await self._launch()
            return self._browser

    async def new_page(self, *, viewport: dict[str, int], clock_time: int | None = None):
        """A page in a fresh context; with ``clock_time`` (ms since the epoch) the page's clock is
        Playwright's fake one, installed at that time (time then moves only when told to)."""
        browser = await self.browser()
        context = await browser.new_context(viewport=viewport, device_scale_factor=1)
        if clock_time is not None:
            await context.clock.install(time=clock_time)
        page = await context.new_page()
        return context, page

    def discard(self, context) -> None:
        """Close a context from :meth:`new_page` without waiting (a dead browser has nothing to close)."""
        loop = self._loop
        if context is None or loop is None:
            return

        async def close() -> None:
            try:
                await context.close()
            except Exception:
                pass

        asyncio.run_coroutine_threadsafe(close(), loop)

    @property
    def pid(self) -> int | None:
        """The pid of the running browser process (None before the first launch)."""
        return self._pid

    def kill(self) -> None:
        """Kill the browser process now (hung page, or a test of recovery); the next page relaunches."""
        pid = self._pid
        if pid is not None:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def close(self) -> None:
        """Close the browser and stop Playwright and the loop."""
        if self._loop is None:
            return

        async def shutdown() -> None:
            if self._browser is not None:
                try:
                    await self._browser.close()
                except Exception:
                    pass
            if self._playwright is not None:
                await self._playwright.stop()
            self._browser = self._playwright = None

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        except Exception:
            self.kill()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._loop = None


def _is_closed_error(exc: Exception) -> bool:
    text = f"{type(exc).__name__} {exc}"
    return any(s in text for s in ("TargetClosedError", "Target closed", "Target page, context or browser has been closed", "crashed", "Browser has been closed", "Connection closed"))


_POOLS = PerProcess()


def shared_pool() -> BrowserPool:
    """This process's browser pool (a forked child gets its own)."""
    return _POOLS.get(None, BrowserPool)
