"""The search engine: a BM25 index (the ``bm25s`` package) over the encyclopedia's passages.

Each passage is indexed by its title and text, tokenised by ``bm25s``'s tokenizer (lower case,
words of two or more characters, English stopwords dropped, no stemming). A query returns the
``k`` passages with the highest positive BM25 score, best first; equal scores keep corpus order,
so results are deterministic. Recent queries are cached (training asks the same ones often).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from agentgym.envs.search.corpus import Corpus

__all__ = ["SearchIndex", "normalize_query"]

_CACHE_SIZE = 8192


def normalize_query(query: str) -> str:
    """Lower case, whitespace collapsed: queries equal under this give the same results."""
    return " ".join(query.lower().split())


def _import_bm25s():
    try:
        import bm25s
        from bm25s.tokenization import Tokenizer
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "the search env's index needs the bm25s package: pip install 'agentgym[tools]' (or pip install bm25s)"
        ) from exc
    return bm25s, Tokenizer


class SearchIndex:
    """BM25 search over one corpus; thread-safe.

    Args:
        corpus: the passages to index.
    """

    def __init__(self, corpus: Corpus):
        bm25s, Tokenizer = _import_bm25s()
        self.corpus = corpus
        self._tokenizer = Tokenizer(stopwords="en")
        tokens = self._tokenizer.tokenize(
            [f"{p.title} {p.text}" for p in corpus.passages], return_as="tuple", show_progress=False
        )
        self._bm25 = bm25s.BM25()
        self._bm25.index(tokens, show_progress=False)
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, int], tuple[int, ...]] = OrderedDict()

    def search(self, query: str, k: int) -> tuple[int, ...]:
        """The pids of the (at most) ``k`` best passages for ``query``, best first.

        A query with no indexed word (empty, only stopwords, only unknown words) finds nothing.
        """
        key = (normalize_query(query), int(k))
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        hit = self._rank(*key)
        with self._lock:
            self._cache[key] = hit
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return hit

    def scores(self, query: str) -> np.ndarray:
        """The BM25 score of every passage for ``query`` (zeros where no word is indexed)."""
        tokens = self._query_tokens(normalize_query(query))
        if not tokens:
            return np.zeros(len(self.corpus), dtype=np.float64)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float64)

    def _query_tokens(self, query: str) -> list[str]:
        if not query:
            return []
        [tokens] = self._tokenizer.tokenize([query], update_vocab=False, return_as="string", show_progress=False)
        return [t for t in tokens if t in self._bm25.vocab_dict]

    def _rank(self, query: str, k: int) -> tuple[int, ...]:
        if k < 1:
            return ()
        scores = self.scores(query)
        positive = np.flatnonzero(scores > 0)
        if positive.size == 0:
            return ()
        # Score descending, then corpus order (lexsort's last key is the primary one).
        order = positive[np.lexsort((positive, -scores[positive]))]
        return tuple(int(i) for i in order[:k])
