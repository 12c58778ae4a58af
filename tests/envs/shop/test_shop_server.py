"""The web shop: real HTTP on 127.0.0.1, stateless addresses, BM25 search."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from urllib.parse import quote, urlsplit

import pytest

from agentgym.envs.shop.oracle import oracle_query
from agentgym.envs.shop.page import parse_page
from agentgym.envs.shop.search import MAX_RESULTS
from agentgym.envs.shop.server import ShopServer, shared_server


@pytest.fixture(scope="module")
def server():
    with ShopServer(catalog_seed=0) as s:
        yield s


def fetch(server: ShopServer, target: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(server.url + target, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8")


def test_serves_html_over_http_on_localhost(server) -> None:
    """Guards against a shop that is not really a web server (the env must be an HTTP client)."""
    assert server.host == "127.0.0.1" and server.port > 0
    status, html = fetch(server, "/train-00003/")
    assert status == 200 and html.startswith("<!doctype html>") and '<form action="/train-00003/results"' in html
    goal = server.goal("train-00003")
    page = parse_page(html)
    assert page.kind == "search" and page.text == f"Instruction: [SEP] {goal.instruction} [SEP] Search"
    status, html = fetch(server, "/train-00003/results?q=" + quote("cotton t-shirt"))
    page = parse_page(html)
    assert status == 200 and page.kind == "results"
    assert page.text.split(" [SEP] ")[2:5] == ["Back to Search", "Page 1 (Total results: 50)", "Next >"]
    asins = [name for name, _ in page.clickables if name.startswith("B0")]
    assert len(asins) == 10
    assert fetch(server, "/no-such-task/")[0] == 404
    assert fetch(server, "/train-00003/item/B0NOPENOPE")[0] == 404
    assert fetch(server, "/train-00003/nowhere")[0] == 404


def test_results_pages_and_item_page(server) -> None:
    """Guards against broken paging (10 per page, 50 at most) and option links that lose state."""
    seen = []
    for n in range(1, 6):
        page = parse_page(fetch(server, f"/test-00001/results?q=organic&page={n}")[1])
        seen += [name for name, _ in page.clickables if name.startswith("B0")]
        assert (page.find("Next >") is None) == (n == 5) and (page.find("< Prev") is None) == (n == 1)
    assert len(seen) == len(set(seen)) == MAX_RESULTS
    # Past the last page clamps to it.
    assert parse_page(fetch(server, "/test-00001/results?q=organic&page=99")[1]).state == "/results?page=5&q=organic"
    item = parse_page(fetch(server, urlsplit(page.find(seen[-1])).path + "?page=5&q=organic")[1])
    product = server.catalog.get(seen[-1])
    assert item.kind == "item" and item.meta["asin"] == product.asin
    kind, values = product.options[0]
    selected = parse_page(fetch(server, item.find(values[1]))[1])
    assert selected.meta["selected"] == f'{{"{kind}": "{values[1]}"}}'
    assert f"You have selected {kind}: {values[1]}" in selected.text
    back = parse_page(fetch(server, selected.find("< Prev"))[1])
    assert back.state == "/results?page=5&q=organic"
    done = parse_page(fetch(server, selected.find("Buy Now"))[1])
    assert done.kind == "done" and 0.0 <= float(done.meta["reward"]) <= 1.0 and not done.clickables


def test_bm25_ranks_a_product_first_for_its_title(server) -> None:
    """Guards against search that is not a real ranking: every product's own title finds it in the
    top 3 (titles are unique), and nearly always first."""
    first = 0
    for product in server.catalog.products:
        ranked = [p.asin for p in server.index.search(oracle_query(product))]
        assert product.asin in ranked[:3], product.title
        first += ranked[0] == product.asin
    assert first >= 0.98 * len(server.catalog)
    # Over HTTP, too, and for a few words of the title in another order and case.
    product = server.catalog.products[17]
    words = product.title.split()
    query = " ".join([words[2].upper(), words[1], words[0]])
    page = parse_page(fetch(server, "/train-00000/results?q=" + quote(query))[1])
    assert [n for n, _ in page.clickables if n.startswith("B0")][0] == product.asin
    assert server.index.search("zzzz qqqq") == [] and server.index.search("") == []


def test_stateless_and_concurrent(server) -> None:
    """Guards against server-side session state: the same address always gives the same page,
    from any number of threads at once."""
    target = "/test-00002/results?q=" + quote("wireless headphones") + "&page=2"
    expected = fetch(server, target)
    errors = []

    def worker():
        for _ in range(20):
            if fetch(server, target) != expected:
                errors.append("differs")

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_shared_server_is_one_per_catalog() -> None:
    """Guards against every env starting its own server (ports and threads would pile up)."""
    assert shared_server(0) is shared_server(0)
    assert shared_server(0) is not shared_server(1)
    assert shared_server(1).catalog.seed == 1
