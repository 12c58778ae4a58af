"""The search env's engine: a BM25 index (:mod:`agentgym.envs.bm25`) over the encyclopedia's
passages, each indexed by its title and text. ``search(query, k)`` returns the pids of the ``k``
best passages; see :class:`agentgym.envs.bm25.BM25Index` for the tokenisation and tie order.
"""

from __future__ import annotations

from agentgym.envs.bm25 import BM25Index, normalize_query
from agentgym.envs.search.corpus import Corpus

__all__ = ["SearchIndex", "normalize_query"]


class SearchIndex(BM25Index):
    """BM25 search over one corpus; thread-safe. Results are passage ids (positions in the corpus).

    Args:
        corpus: the passages to index.
    """

    def __init__(self, corpus: Corpus):
        super().__init__([f"{p.title} {p.text}" for p in corpus.passages], install_hint="pip install 'agentgym[tools]'")
        self.corpus = corpus
