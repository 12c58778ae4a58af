"""A BM25 index over a list of texts (the ``bm25s`` package), shared by the envs that search.

Texts are tokenised by ``bm25s``'s tokenizer (lower case, words of two or more characters,
English stopwords dropped, no stemming). A query returns the ``k`` texts with the highest
positive BM25 score, best first; equal scores keep the texts' order, so results are
deterministic. Recent queries are cached (training asks the same ones often).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Sequence

import numpy as np

__all__ = ["BM25Index", "normalize_query"]


def normalize_query(query: str) -> str:
    """Lower case, whitespace collapsed: queries equal under this give the same results."""
    return " ".join(query.lower().split())


def _import_bm25s(install_hint: str):
    try:
        import bm25s
        from bm25s.tokenization import Tokenizer
    except ImportError as exc:
        raise ModuleNotFoundError(f"BM25 search needs the bm25s package: {install_hint} (or pip install bm25s)", name="bm25s") from exc
    return bm25s, Tokenizer


class BM25Index:
    """BM25 search over ``texts``; thread-safe, with an LRU cache of recent queries.

    Args:
        texts: the documents, indexed by their position.
        install_hint: how to install ``bm25s``, named in the error when it is missing.
        cache_size: how many distinct (query, k) results to keep.
    """

    def __init__(self, texts: Sequence[str], *, install_hint: str = "pip install 'agentgym[tools]'", cache_size: int = 8192):
        bm25s, Tokenizer = _import_bm25s(install_hint)
        self.num_texts = len(texts)
        self._tokenizer = Tokenizer(stopwords="en")
        tokens = self._tokenizer.tokenize(list(texts), return_as="tuple", show_progress=False)
        self._bm25 = bm25s.BM25()
        self._bm25.index(tokens, show_progress=False)  # its vocabulary maps token strings to ids
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, int], tuple[int, ...]] = OrderedDict()
        self._cache_size = cache_size

    def search(self, query: str, k: int) -> tuple[int, ...]:
        """The positions of the (at most) ``k`` best texts for ``query``, best first.

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
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return hit

    def scores(self, query: str) -> np.ndarray:
        """The BM25 score of every text for ``query`` (zeros where no word is indexed)."""
        tokens = self._query_tokens(normalize_query(query))
        if not tokens:
            return np.zeros(self.num_texts, dtype=np.float64)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float64)

    def _query_tokens(self, query: str) -> list[str]:
        if not query:
            return []
        # Words no text uses are dropped (update_vocab=False), stopwords too. The tokenizer turns
        # a query with no word left into [""], and "" is in the vocabulary when a text had no
        # word either: without the check such a query would match exactly those texts.
        [tokens] = self._tokenizer.tokenize([query], update_vocab=False, return_as="string", show_progress=False)
        return [t for t in tokens if t and t in self._bm25.vocab_dict]

    def _rank(self, query: str, k: int) -> tuple[int, ...]:
        if k < 1:
            return ()
        scores = self.scores(query)
        positive = np.flatnonzero(scores > 0)
        if positive.size == 0:
            return ()
        # Score descending, then text order (lexsort's last key is the primary one).
        order = positive[np.lexsort((positive, -scores[positive]))]
        return tuple(int(i) for i in order[:k])
