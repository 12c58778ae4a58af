"""The generated world and its encyclopedia: deterministic per seed, 10,000+ passages, consistent facts."""

from __future__ import annotations

import pytest

from agentgym.envs.search import sentences as S
from agentgym.envs.search.corpus import build_corpus
from agentgym.envs.search.dataset import shared_dataset
from agentgym.envs.search.world import WorldSize, build_world


@pytest.fixture(scope="module")
def dataset():
    return shared_dataset(0)


def test_the_default_corpus_has_at_least_10000_passages(dataset) -> None:
    assert len(dataset.corpus) >= 10_000
    assert [p.pid for p in dataset.corpus.passages] == list(range(len(dataset.corpus)))


def test_world_and_corpus_are_a_pure_function_of_the_seed(dataset) -> None:
    again = build_corpus(build_world(0))
    assert again.passages == dataset.corpus.passages
    assert dict(again.fact_passage) == dict(dataset.corpus.fact_passage)
    other = build_corpus(build_world(1))
    assert other.passages != dataset.corpus.passages


def test_names_are_unique_and_facts_consistent(dataset) -> None:
    world = dataset.world
    names = [e.name for e in world.entities]
    assert len(set(names)) == len(names)
    for city in world.of_kind("city"):
        # A city's river flows through the city's country.
        assert world.fact(world.fact(city.name, "river"), "country") == world.fact(city.name, "country")
    for country in world.of_kind("country"):
        assert world.fact(world.fact(country.name, "capital"), "country") == country.name
    for company in world.of_kind("company"):
        founder = world.fact(company.name, "founder")
        assert int(world.fact(company.name, "founded")) - int(world.fact(founder, "birth_year")) >= 20
    founders = [world.fact(c.name, "founder") for c in world.of_kind("company")]
    assert len(set(founders)) == len(founders)  # each person founds at most one company


def test_every_fact_is_stated_in_its_passage_and_read_back(dataset) -> None:
    """Guards against a passage that omits or garbles the fact the index says it holds."""
    world, corpus = dataset.world, dataset.corpus
    checked = 0
    for (subject, relation), pid in corpus.fact_passage.items():
        passage = corpus.passages[pid]
        assert passage.title == subject
        kind = world.entity(subject).kind
        assert S.FACT_SENTENCES[(kind, relation)].read(passage.text, relation) == world.fact(subject, relation)
        checked += 1
    assert checked > 15_000


def test_sentence_read_picks_the_asked_field() -> None:
    text = S.BORN.render(name="Selka Dovrin", birth_year="1952", born_in="Port Avenel", surname="Dovrin", parent_job="teacher")
    assert text == "Selka Dovrin was born in 1952 in Port Avenel, where Dovrin grew up in a family of teachers."
    assert S.BORN.read(text, "born_in") == "Port Avenel"
    assert S.BORN.read(text, "birth_year") == "1952"
    assert S.STUDIED.read(text, "educated_at") is None


def test_a_small_world_builds_and_bad_sizes_are_refused() -> None:
    small = WorldSize(countries=3, seas=2, cities=6, rivers=4, universities=3, people=20, companies=5, works=8)
    corpus = build_corpus(build_world(7, small))
    assert len(corpus) == 3 * 2 + 6 * 2 + 4 + 3 + 20 * 2 + 5 + 8
    with pytest.raises(ValueError, match="one city per country"):
        WorldSize(countries=5, cities=3)
    with pytest.raises(ValueError, match="positive integer"):
        WorldSize(people=0)


def test_the_corpus_is_the_same_in_another_process_with_another_hash_seed(dataset) -> None:
    """Guards against generation that depends on set or hash order (randomised per process)."""
    import hashlib
    import os
    import subprocess
    import sys

    script = (
        "import hashlib;"
        "from agentgym.envs.search.world import build_world;"
        "from agentgym.envs.search.corpus import build_corpus;"
        "c = build_corpus(build_world(0));"
        "print(hashlib.sha256(repr(c.passages).encode()).hexdigest())"
    )
    digest = hashlib.sha256(repr(dataset.corpus.passages).encode()).hexdigest()
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == digest
