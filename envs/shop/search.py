"""The shop's search engine: a BM25 index (:mod:`agentgym.envs.bm25`) over the catalog.

Each product is indexed by its title, department, type, attributes and option values. A query
returns at most :data:`MAX_RESULTS` products with a positive BM25 score, best first; ties keep
catalog order, so results are deterministic.
"""

from __future__ import annotations

from agentgym.envs.bm25 import BM25Index, normalize_query
from agentgym.envs.shop.catalog import Catalog, Product

__all__ = ["SearchIndex", "MAX_RESULTS", "normalize_query"]

#: The most results a query returns (WebShop shows 50, ten to a page).
MAX_RESULTS = 50


class SearchIndex:
    """BM25 search over one catalog; thread-safe, with an LRU cache of recent queries."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self._index = BM25Index(
            [p.search_text() for p in catalog.products], install_hint="pip install 'agentgym[web]'", cache_size=4096
        )

    def search(self, query: str) -> list[Product]:
        """The products matching ``query``, best first (at most :data:`MAX_RESULTS`)."""
        return [self.catalog.products[i] for i in self._index.search(query, MAX_RESULTS)]
