"""The web shop: a real HTTP server on 127.0.0.1 serving the catalog as HTML pages.

Addresses (``SESSION`` is a task id such as ``train-00042``: it names the instruction the pages
show and the goal the purchase is scored against)::

    /SESSION/                                   the search page (a GET form)
    /SESSION/results?q=QUERY&page=N             ten results per page, BM25-ranked
    /SESSION/item/ASIN?q=..&page=..&KIND=VALUE  a product; KIND=VALUE for each selected option
    /SESSION/item/ASIN/description?...          its description
    /SESSION/item/ASIN/features?...             its features (attributes)
    /SESSION/buy/ASIN?KIND=VALUE                buy it: the confirmation page and the score

Session handling: the server keeps no session state. Everything a page depends on (the query,
the results page, the selected options, where ``< Prev`` goes) is in its address, so any number
of clients (env instances, threads, a person's browser) share one server, a page can be fetched
twice with the same answer, and a client's state is just the address of its current page.

:func:`shared_server` starts one server per catalog in a process, lazily, on an ephemeral port,
in a daemon thread; envs share it. ``python -m agentgym.envs.shop.server`` serves one to open
in a browser.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from agentgym.envs.shop import pages
from agentgym.per_process import PerProcess
from agentgym.envs.shop.catalog import DEFAULT_CATALOG_SIZE, Catalog, generate_catalog
from agentgym.envs.shop.goals import Goal, make_goal
from agentgym.envs.shop.reward import score_purchase
from agentgym.envs.shop.search import SearchIndex, normalize_query

__all__ = ["ShopServer", "shared_server"]

#: Queries longer than this are cut (a browser would send them; a shop need not rank them whole).
MAX_QUERY_CHARS = 500


class ShopServer:
    """A web shop over one catalog, served on ``host`` (an ephemeral port unless ``port`` is given).

    Args:
        catalog_seed: the seed of the catalog (see :func:`~agentgym.envs.shop.catalog.generate_catalog`).
        catalog_size: how many products.
        host, port: where to listen; port 0 picks a free one.

    Use :meth:`start` (or the context manager) to serve and :meth:`close` to stop. :meth:`respond`
    answers a request path without the network.
    """

    def __init__(self, catalog_seed: int = 0, catalog_size: int = DEFAULT_CATALOG_SIZE, *, host: str = "127.0.0.1", port: int = 0):
        self.catalog: Catalog = generate_catalog(catalog_seed, catalog_size)
        self.index = SearchIndex(self.catalog)
        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.shop = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        """The address the server listens on."""
        return self._httpd.server_address[0]

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> "ShopServer":
        """Serve in a daemon thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever, name=f"shop-server:{self.port}", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> "ShopServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ routing
    def goal(self, session: str) -> Goal | None:
        """The goal of a session (a task id), or None for an unknown one."""
        try:
            return make_goal(session, self.catalog)
        except ValueError:
            return None

    def respond(self, target: str) -> tuple[int, str]:
        """``(HTTP status, HTML)`` for a request target such as ``/train-00001/results?q=shirt``."""
        split = urlsplit(target)
        parts = [unquote(p) for p in split.path.split("/")[1:]]
        if parts and parts[-1] == "":
            parts.pop()
        params = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        if not parts:
            return 200, pages.error_page(None, "", "agentgym shop: open /TASK_ID/ to shop, e.g. /train-00000/")
        session, rest = parts[0], parts[1:]
        goal = self.goal(session)
        if goal is None:
            return 404, pages.error_page(None, "", f"unknown session {session!r}: sessions are task ids such as train-00000")
        instruction = goal.instruction
        if not rest:
            return 200, pages.search_page(session, instruction)
        if rest == ["results"]:
            query = normalize_query(params.get("q", ""))[:MAX_QUERY_CHARS]
            results = self.index.search(query)
            last = max(1, -(-len(results) // pages.RESULTS_PER_PAGE))
            page = min(max(_int(params.get("page"), 1), 1), last)
            return 200, pages.results_page(session, instruction, query, page, results)
        if len(rest) >= 2 and rest[0] in ("item", "buy"):
            product = self.catalog.get(rest[1])
            if product is None:
                return 404, pages.error_page(session, instruction, f"no product {rest[1]!r}")
            selected = {kind: params[kind] for kind, values in product.options if params.get(kind) in values}
            query = normalize_query(params.get("q", ""))[:MAX_QUERY_CHARS]
            back = {"q": query, "page": max(_int(params.get("page"), 1), 1)} if query else {}
            if rest[0] == "buy" and len(rest) == 2:
                return 200, pages.done_page(instruction, product, selected, score_purchase(goal, product, selected))
            if rest[0] == "item" and len(rest) == 2:
                return 200, pages.item_page(session, instruction, product, back, selected)
            if rest[0] == "item" and len(rest) == 3 and rest[2] in ("description", "features"):
                return 200, pages.detail_page(session, instruction, product, rest[2], back, selected)
        return 404, pages.error_page(session, instruction, f"no page at {split.path!r}")


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: an env's client reuses one connection
    server_version = "agentgym-shop/0"
    timeout = 300  # an idle keep-alive connection is dropped (clients reconnect)
    disable_nagle_algorithm = True  # else headers and body in two writes cost a 40 ms delayed ACK

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        try:
            status, html = self.server.shop.respond(self.path)  # type: ignore[attr-defined]
        except Exception as exc:  # a bug in the shop: answer 500 rather than drop the connection
            status, html = 500, pages.error_page(None, "", f"internal error: {type(exc).__name__}: {exc}")
        body = html.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass  # quiet: thousands of requests per episode batch


_SHARED = PerProcess()


def shared_server(catalog_seed: int = 0, catalog_size: int = DEFAULT_CATALOG_SIZE) -> ShopServer:
    """This process's server for a catalog: started on first use, then reused by every env."""
    return _SHARED.get((catalog_seed, catalog_size), lambda: ShopServer(catalog_seed, catalog_size).start())


def main() -> None:
    """Serve a shop until interrupted: ``python -m agentgym.envs.shop.server [PORT]``."""
    import sys

    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = ShopServer(port=port).start()
    print(f"agentgym shop at {server.url}/train-00000/ (Ctrl-C to stop)")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.close()


if __name__ == "__main__":
    main()
