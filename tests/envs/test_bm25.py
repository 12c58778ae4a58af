"""The shared BM25 index: ranking, ties, limits and queries that find nothing."""

import numpy as np

from agentgym.envs.bm25 import BM25Index, normalize_query


def _index() -> BM25Index:
    return BM25Index(["red apple pie", "green apple", "blue car", "green apple", "the of and"])


def test_ranks_by_score_and_keeps_text_order_on_ties():
    index = _index()
    # "green apple" (texts 1 and 3, equal scores) beats "red apple pie" (one word, longer text).
    assert index.search("green apple", 10) == (1, 3, 0)
    assert index.search("GREEN   apple", 2) == (1, 3)  # normalised query, cut to k


def test_queries_that_find_nothing():
    index = _index()
    for query in ("", "   ", "the of and", "zebra"):
        assert index.search(query, 5) == ()
        assert not index.scores(query).any()
    assert index.search("apple", 0) == ()


def test_scores_cover_every_text_and_match_search():
    index = _index()
    scores = index.scores("car")
    assert scores.shape == (5,)
    assert np.flatnonzero(scores > 0).tolist() == [2]
    assert index.search("car", 3) == (2,)


def test_cache_returns_the_same_results_and_stays_bounded():
    index = BM25Index(["a1 word", "b2 word", "c3 word"], cache_size=2)
    first = index.search("word", 3)
    for query in ("a1", "b2", "c3", "word"):
        index.search(query, 3)
    assert len(index._cache) == 2
    assert index.search("word", 3) == first == (0, 1, 2)


def test_normalize_query():
    assert normalize_query("  Red\tApple \n") == "red apple"
