"""The shop's search engine: a BM25 index (the ``bm25s`` package) over the catalog.

Each product is indexed by its title, department, type, attributes and option values. A query
returns at most :data:`MAX_RESULTS` products with a positive BM25 score, best first; ties keep
catalog order, so results are deterministic.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from agentgym.envs.shop.catalog import Catalog, Product

__all__ = ["SearchIndex", "MAX_RESULTS", "normalize_query"]

#: The most results a query returns (WebShop shows 50, ten to a page).
MAX_RESULTS = 50
_CACHE_SIZE = 4096


def normalize_query(query: str) -> str:
    """Lowercase, whitespace collapsed: the canonical form of a query (and of its results page)."""
    return " ".join(query.lower().split())


def _import_bm25s():
    try:
        import bm25s
        from bm25s.tokenization import Tokenizer
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "the shop env's search needs the bm25s package: pip install 'agentgym[web]' (or pip install bm25s)"
        ) from exc
    return bm25s, Tokenizer


class SearchIndex:
    """BM25 search over one catalog; thread-safe, with an LRU cache of recent queries."""

    def __init__(self, catalog: Catalog):
        bm25s, Tokenizer = _import_bm25s()
        self.catalog = catalog
        self._tokenizer = Tokenizer(stopwords="en")
        corpus = self._tokenizer.tokenize(
            [p.search_text() for p in catalog.products], return_as="tuple", show_progress=False
        )
        self._bm25 = bm25s.BM25()
        self._bm25.index(corpus, show_progress=False)  # its vocabulary maps token strings to ids
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, tuple[int, ...]] = OrderedDict()

    def search(self, query: str) -> list[Product]:
        """The products matching ``query``, best first (at most :data:`MAX_RESULTS`)."""
        key = normalize_query(query)
        with self._lock:
            hit = self._cache.get(key)
            if hit is None:
                hit = self._rank(key)
                self._cache[key] = hit
                if len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)
            else:
                self._cache.move_to_end(key)
        return [self.catalog.products[i] for i in hit]

    def _rank(self, query: str) -> tuple[int, ...]:
        if not query:
            return ()
        # Words the catalog never uses are dropped (update_vocab=False), stopwords too.
        [tokens] = self._tokenizer.tokenize([query], update_vocab=False, return_as="string", show_progress=False)
        tokens = [t for t in tokens if t in self._bm25.vocab_dict]
        if not tokens:
            return ()
        scores = np.asarray(self._bm25.get_scores(tokens), dtype=np.float64)
        order = np.lexsort((np.arange(len(scores)), -scores))  # score descending, then catalog order
        top = [int(i) for i in order[:MAX_RESULTS] if scores[i] > 0]
        return tuple(top)
