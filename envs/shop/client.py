"""A small HTTP client for the shop: GET over one keep-alive connection, reconnecting when dropped.

Built on the standard library's :mod:`http.client` (what :mod:`urllib` uses underneath), so the
env needs no HTTP package; one connection per env keeps a step to a single round trip.
"""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

__all__ = ["ShopClient", "ShopUnavailable"]


class ShopUnavailable(RuntimeError):
    """The shop server did not answer (it is not running, or the connection keeps failing)."""


class ShopClient:
    """GET pages from one shop server (``base_url`` is ``http://host:port``)."""

    def __init__(self, base_url: str, *, timeout: float = 30.0):
        split = urlsplit(base_url)
        if split.scheme != "http" or not split.hostname or not split.port:
            raise ValueError(f"base_url must look like http://127.0.0.1:PORT, got {base_url!r}")
        self.base_url = base_url
        self._host, self._port, self._timeout = split.hostname, split.port, timeout
        self._conn: http.client.HTTPConnection | None = None

    def get(self, target: str) -> tuple[int, str]:
        """``(status, body)`` for a request target such as ``/train-00001/``."""
        # GETs are idempotent (the server is stateless), so one retry on a fresh connection is safe:
        # the server may have closed an idle keep-alive connection.
        for attempt in (0, 1):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
            try:
                self._conn.request("GET", target)
                response = self._conn.getresponse()
                body = response.read().decode("utf-8", errors="replace")
                if response.will_close:
                    self.close()
                return response.status, body
            except (http.client.HTTPException, OSError) as exc:
                self.close()
                if attempt == 1:
                    raise ShopUnavailable(f"the shop at {self.base_url} did not answer GET {target[:80]!r}: {exc}") from exc
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close the connection (the next :meth:`get` opens another)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
