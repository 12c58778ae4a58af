"""The shop's HTML pages (pure functions of what they show; the server routes to them).

Every page is plain HTML a browser can use: links for everything clickable, a GET form for the
search box, and ``<meta>`` tags that say what the page is to a program reading it:

- ``page``: ``search``, ``results``, ``item``, ``description``, ``features``, ``done`` or ``error``;
- ``state``: the page's canonical address without the session prefix (``/results?page=2&q=...``):
  everything that makes this page this page, so a client can key its state on it;
- on item pages ``asin`` and ``selected`` (JSON: option kind -> value); on the done page
  ``asin``, ``selected`` and ``reward`` (the purchase score, a Python float's repr).

The visible text of every page starts with ``Instruction:`` and the session's instruction.
"""

from __future__ import annotations

import json
from html import escape
from typing import Mapping, Sequence
from urllib.parse import urlencode

from agentgym.envs.shop.catalog import Product
from agentgym.envs.shop.reward import Score

__all__ = [
    "RESULTS_PER_PAGE",
    "canonical",
    "search_page",
    "results_page",
    "item_page",
    "detail_page",
    "done_page",
    "error_page",
]

#: Products per results page.
RESULTS_PER_PAGE = 10


def canonical(path: str, params: Mapping[str, object] | None = None) -> str:
    """``path`` plus its parameters sorted by name: one address per page."""
    items = sorted((k, str(v)) for k, v in (params or {}).items() if v not in (None, ""))
    return path + ("?" + urlencode(items) if items else "")


def _document(kind: str, state: str, instruction: str, body: str, meta: Mapping[str, str] | None = None) -> str:
    metas = [("page", kind), ("state", state), *((meta or {}).items())]
    head = "".join(f'<meta name="{escape(k)}" content="{escape(v)}">' for k, v in metas)
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>agentgym shop</title>'
        f"{head}</head><body>"
        f'<div id="instruction">Instruction: <span>{escape(instruction)}</span></div>'
        f"{body}</body></html>"
    )


def _link(href: str, text: str, cls: str = "") -> str:
    cls_attr = f' class="{cls}"' if cls else ""
    return f'<a href="{escape(href)}"{cls_attr}>{escape(text)}</a>'


def search_page(session: str, instruction: str) -> str:
    """The start page: a search box."""
    body = (
        f'<form action="{escape(f"/{session}/results")}" method="get">'
        '<input type="text" name="q" aria-label="search"><button type="submit">Search</button></form>'
    )
    return _document("search", canonical("/"), instruction, body)


def results_page(session: str, instruction: str, query: str, page: int, results: Sequence[Product]) -> str:
    """One page of search results (``page`` counts from 1)."""
    pages = max(1, -(-len(results) // RESULTS_PER_PAGE))
    params = {"q": query, "page": page}
    parts = [_link(f"/{session}/", "Back to Search"), f"<p>Page {page} (Total results: {len(results)})</p>"]
    if page > 1:
        parts.append(_link(f"/{session}" + canonical("/results", {"q": query, "page": page - 1}), "< Prev"))
    if page < pages:
        parts.append(_link(f"/{session}" + canonical("/results", {"q": query, "page": page + 1}), "Next >"))
    if not results:
        parts.append(f"<p>No products match {escape(query)}.</p>" if query else "<p>No query given.</p>")
    for product in results[(page - 1) * RESULTS_PER_PAGE : page * RESULTS_PER_PAGE]:
        href = f"/{session}" + canonical(f"/item/{product.asin}", params)
        parts.append(
            f'<div class="product">{_link(href, product.asin)}'
            f"<span>{escape(product.title)}</span><span>${product.price:.2f}</span></div>"
        )
    return _document("results", canonical("/results", params), instruction, "".join(parts))


def _item_params(back: Mapping[str, object], selected: Mapping[str, str]) -> dict[str, object]:
    return {**back, **selected}


def _prev_href(session: str, back: Mapping[str, object]) -> str:
    if back.get("q"):
        return f"/{session}" + canonical("/results", back)
    return f"/{session}/"


def item_page(
    session: str, instruction: str, product: Product, back: Mapping[str, object], selected: Mapping[str, str]
) -> str:
    """A product's page: its options as links (a click selects one), title, price, Buy Now.

    ``back`` (``q`` and ``page``) is the results page ``< Prev`` returns to; ``selected`` maps
    option kinds to the values selected so far.
    """
    base = f"/{session}/item/{product.asin}"
    parts = [_link(f"/{session}/", "Back to Search"), _link(_prev_href(session, back), "< Prev")]
    for kind, values in product.options:
        parts.append(f'<div class="option"><p>{escape(kind)}</p>')
        for value in values:
            href = base + canonical("", _item_params(back, {**selected, kind: value}))
            parts.append(_link(href, value, "selected" if selected.get(kind) == value else ""))
        parts.append("</div>")
    if selected:
        chosen = ", ".join(f"{kind}: {selected[kind]}" for kind, _ in product.options if kind in selected)
        parts.append(f"<p>You have selected {escape(chosen)}</p>")
    here = _item_params(back, selected)
    parts += [
        f"<h1>{escape(product.title)}</h1>",
        f"<p>Price: ${product.price:.2f}</p>",
        f"<p>Rating: {product.rating:.1f}</p>",
        _link(base + "/description" + canonical("", here), "Description"),
        _link(base + "/features" + canonical("", here), "Features"),
        _link(f"/{session}/buy/{product.asin}" + canonical("", selected), "Buy Now"),
    ]
    meta = {"asin": product.asin, "selected": json.dumps(dict(sorted(selected.items())))}
    return _document("item", canonical(f"/item/{product.asin}", here), instruction, "".join(parts), meta)


def detail_page(
    session: str, instruction: str, product: Product, which: str, back: Mapping[str, object], selected: Mapping[str, str]
) -> str:
    """The ``description`` or ``features`` sub-page of an item; ``< Prev`` returns to the item."""
    here = _item_params(back, selected)
    parts = [
        _link(f"/{session}/", "Back to Search"),
        _link(f"/{session}/item/{product.asin}" + canonical("", here), "< Prev"),
    ]
    if which == "description":
        parts.append(f"<p>{escape(product.description)}</p>")
    else:
        parts.append("<ul>" + "".join(f"<li>{escape(a)}</li>" for a in product.attributes) + "</ul>")
    state = canonical(f"/item/{product.asin}/{which}", here)
    return _document(which, state, instruction, "".join(parts), {"asin": product.asin})


def done_page(instruction: str, product: Product, selected: Mapping[str, str], score: Score | None) -> str:
    """The order confirmation, with the purchase score when the session has a goal."""
    chosen = ", ".join(f"{kind}: {selected[kind]}" for kind, _ in product.options if kind in selected) or "none"
    parts = [
        "<p>Thank you for shopping with us!</p>",
        f"<p>Purchased: {escape(product.asin)}</p><p>{escape(product.title)}</p>",
        f"<p>Options: {escape(chosen)}</p><p>Price: ${product.price:.2f}</p>",
    ]
    meta = {"asin": product.asin, "selected": json.dumps(dict(sorted(selected.items())))}
    if score is not None:
        parts.append(f"<p>Your score (min 0.0, max 1.0)</p><p>{score.total:.4f}</p>")
        meta["reward"] = repr(float(score.total))
    return _document("done", canonical(f"/buy/{product.asin}", selected), instruction, "".join(parts), meta)


def error_page(session: str | None, instruction: str, message: str) -> str:
    """A page for an address the shop does not have (HTTP 404)."""
    back = _link(f"/{session}/", "Back to Search") if session else ""
    return _document("error", "/error", instruction, f"{back}<p>{escape(message)}</p>")
