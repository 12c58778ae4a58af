"""The BM25 index: deterministic ranking, and the oracle's queries find every supporting passage."""

from __future__ import annotations

import pytest

from agentgym.envs.search.corpus import Corpus, Passage
from agentgym.envs.search.dataset import shared_dataset
from agentgym.envs.search.index import SearchIndex
from agentgym.envs.search.oracle import oracle_query

K = 3


def _tiny_index() -> SearchIndex:
    texts = [
        ("Varnholm", "Varnholm is a city in Ostrava."),
        ("Kesh", "Kesh is a city in Ostrava. Kesh lies on the banks of the Lune River."),
        ("Lune River", "The Lune River flows into the Pale Sea."),
        ("Ostrava", "Ostrava is a country. Its capital is Varnholm."),
    ]
    passages = tuple(Passage(i, title, "Overview", text) for i, (title, text) in enumerate(texts))
    return SearchIndex(Corpus(passages, {}))


def test_ranking_on_a_tiny_corpus() -> None:
    index = _tiny_index()
    # "kesh" occurs only in passage 1; "lune river" in passages 1 and 2, twice each in 2 (title + text).
    assert index.search("Kesh", 3) == (1,)
    assert index.search("Lune River", 3)[0] == 2
    assert set(index.search("Lune River", 3)) == {1, 2}
    assert index.search("capital Varnholm", 1) == (3,)
    assert index.search("LUNE   river", 3) == index.search("lune river", 3)  # case and spacing do not matter


def test_queries_without_indexed_words_find_nothing() -> None:
    index = _tiny_index()
    assert index.search("", 3) == ()
    assert index.search("the of and", 3) == ()  # stopwords only
    assert index.search("zzzqqq", 3) == ()
    assert index.search("Kesh", 0) == ()


def test_scores_are_bm25_ordered_and_ties_keep_corpus_order() -> None:
    index = _tiny_index()
    scores = index.scores("city Ostrava")
    ranked = index.search("city Ostrava", 4)
    assert list(ranked) == sorted(ranked, key=lambda pid: (-scores[pid], pid))
    assert all(scores[pid] > 0 for pid in ranked)


def test_the_oracle_queries_retrieve_every_supporting_passage() -> None:
    """Every fact any question chains (both splits) is found by the oracle's query in the top K.

    Guards against bridge entities the search cannot reach: a name whose words other passages
    outrank, or a cue word the stating passage lacks.
    """
    dataset = shared_dataset(0)
    facts = {}
    for split in ("train", "test"):
        for q in dataset.questions.questions(split):
            for hop in q.chain:
                facts[(hop.kind, hop.relation, hop.subject)] = hop.passage
    found = sum(pid in dataset.index.search(oracle_query(*key), K) for key, pid in facts.items())
    rate = found / len(facts)
    assert len(facts) > 10_000
    assert rate == 1.0, f"the oracle's queries retrieve {rate:.4%} of {len(facts)} supporting passages in the top {K}"
