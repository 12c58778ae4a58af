"""The static HTTP server for the MiniWoB++ task pages, on 127.0.0.1 and an ephemeral port.

The pages ship in the ``miniwob`` package (``miniwob/html/``). They are served over HTTP rather
than opened as ``file://`` URLs because some of them (the flight tasks) refuse ``file://``, and
so that every page has the same origin. One server per process, shared by every env.
"""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from agentgym.per_process import PerProcess

__all__ = ["html_dir", "TaskServer", "shared_server"]


def html_dir() -> Path:
    """The ``html/`` folder of the installed ``miniwob`` package; a clear error if it is missing."""
    import importlib.util

    # Located, not imported: importing miniwob would register its own gymnasium envs.
    spec = importlib.util.find_spec("miniwob")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "the MiniWoB++ envs need the task pages of the `miniwob` package: "
            "pip install 'miniwob==1.1.0' --no-deps (or bash scripts/install.sh dev)"
        )
    path = Path(list(spec.submodule_search_locations)[0]).resolve() / "html"
    if not (path / "miniwob").is_dir():
        raise FileNotFoundError(f"the miniwob package at {path.parent} has no html/miniwob/ folder; reinstall miniwob==1.1.0")
    return path


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A browser context closed mid-transfer (the env moved on) is routine, not an error to print.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class TaskServer:
    """Serves ``html_dir()`` at ``http://127.0.0.1:PORT/`` from a daemon thread."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root is not None else html_dir()
        handler = functools.partial(_QuietHandler, directory=str(self.root))
        self._httpd = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="miniwob-http", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """The base URL, ending in ``/``."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/"

    def task_url(self, task: str) -> str:
        """The page of one task, e.g. ``click-button`` -> ``.../miniwob/click-button.html``."""
        return f"{self.url}miniwob/{task}.html"

    def close(self) -> None:
        """Stop serving."""
        self._httpd.shutdown()
        self._httpd.server_close()


_SERVERS = PerProcess()


def shared_server() -> TaskServer:
    """This process's task server (started on first use; a forked child starts its own)."""
    return _SERVERS.get(None, TaskServer)
