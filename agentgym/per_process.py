"""One shared instance per process and key: servers and browsers that many envs reuse.

A forked child gets its own instance rather than its parent's (sockets, threads and browser
pipes do not survive a fork).
"""

from __future__ import annotations

import os
import threading
from typing import Callable, Hashable, TypeVar

__all__ = ["PerProcess"]

T = TypeVar("T")


class PerProcess:
    """A thread-safe map from key to an instance built on first use in this process.

    Example::

        _SERVERS = PerProcess()
        server = _SERVERS.get((seed, size), lambda: ShopServer(seed, size).start())
    """

    def __init__(self) -> None:
        self._items: dict[tuple[int, Hashable], object] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """The instance for ``key`` in this process, built with ``build()`` the first time."""
        full = (os.getpid(), key)
        with self._lock:
            if full not in self._items:
                self._items[full] = build()
            return self._items[full]  # type: ignore[return-value]
