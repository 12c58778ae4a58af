"""Everything an episode reads, built once per process: world, corpus, questions and index.

:func:`shared_dataset` builds a :class:`SearchDataset` the first time a process asks for a seed
and size and hands the same one to every env after that (see :mod:`agentgym.per_process`).
"""

from __future__ import annotations

from dataclasses import dataclass

from agentgym.envs.search.corpus import Corpus, build_corpus
from agentgym.envs.search.index import SearchIndex
from agentgym.envs.search.questions import QuestionBank
from agentgym.envs.search.world import DEFAULT_SIZE, World, WorldSize, build_world
from agentgym.per_process import PerProcess

__all__ = ["SearchDataset", "build_dataset", "shared_dataset"]


@dataclass(frozen=True)
class SearchDataset:
    """One seed's world, its encyclopedia, its questions by split, and the BM25 index."""

    world: World
    corpus: Corpus
    questions: QuestionBank
    index: SearchIndex


def build_dataset(seed: int = 0, size: WorldSize = DEFAULT_SIZE) -> SearchDataset:
    """Build the dataset for ``seed`` (deterministic; about half a second at the default size)."""
    world = build_world(seed, size)
    corpus = build_corpus(world)
    return SearchDataset(world, corpus, QuestionBank(world, corpus), SearchIndex(corpus))


_SHARED = PerProcess()


def shared_dataset(seed: int = 0, size: WorldSize = DEFAULT_SIZE) -> SearchDataset:
    """This process's dataset for ``(seed, size)``: built on first use, then reused."""
    return _SHARED.get((seed, size), lambda: build_dataset(seed, size))
