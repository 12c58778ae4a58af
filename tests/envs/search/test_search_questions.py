"""Questions: answerable from their supporting passages, disjoint splits, answers never in the question."""

from __future__ import annotations

import collections

import pytest

from agentgym.envs.search.dataset import shared_dataset
from agentgym.envs.search.questions import TEMPLATES, TEST_PER_TEMPLATE, QuestionBank
from agentgym.envs.search.scoring import normalize_answer


@pytest.fixture(scope="module")
def dataset():
    return shared_dataset(0)


@pytest.fixture(scope="module")
def questions(dataset):
    return {split: dataset.questions.questions(split) for split in ("train", "test")}


def test_every_question_is_answerable_from_its_supporting_passages(dataset, questions) -> None:
    """Guards against a chain whose facts, or whose answer, are not in the passages it cites."""
    passages = dataset.corpus.passages
    for split in questions.values():
        for q in split:
            assert 1 <= q.hops <= 3
            for hop in q.chain:
                passage = passages[hop.passage]
                assert passage.title == hop.subject
                assert hop.value in passage.text
            assert q.chain[0].subject == q.anchor
            for before, after in zip(q.chain, q.chain[1:]):
                assert after.subject == before.value  # each hop starts where the last one ended
            assert q.answer == q.chain[-1].value
            assert q.answer in passages[q.supporting_passages[-1]].text


def test_no_answer_appears_in_its_question(questions) -> None:
    for split in questions.values():
        for q in split:
            assert f" {normalize_answer(q.answer)} " not in f" {normalize_answer(q.text)} ", q


def test_splits_are_disjoint_and_mix_every_template(questions) -> None:
    train = {q.text for q in questions["train"]}
    test = {q.text for q in questions["test"]}
    assert not train & test
    assert len(train) == len(questions["train"]) and len(test) == len(questions["test"])
    assert len(questions["test"]) >= 1000 and len(questions["train"]) >= 10_000
    first_round = [q.template for q in questions["test"][: len(TEMPLATES)]]
    assert first_round == [t.name for t in TEMPLATES]
    per_template = collections.Counter(q.template for q in questions["test"])
    assert max(per_template.values()) == TEST_PER_TEMPLATE
    hops = collections.Counter(q.hops for q in questions["test"])
    assert set(hops) == {1, 2, 3} and min(hops.values()) >= 200


def test_the_question_bank_is_deterministic(dataset) -> None:
    again = QuestionBank(dataset.world, dataset.corpus)
    for split in ("train", "test"):
        assert [again.get(split, i) for i in range(0, 1000, 7)] == [dataset.questions.get(split, i) for i in range(0, 1000, 7)]
