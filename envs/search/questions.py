"""Questions over the world: 1- to 3-hop chains of relations from a named entity.

A :class:`Template` is a chain of relations and its wording: ``founder -> born_in -> country``
from a company reads "In which country was the founder of Hopaerk Labs born?". Following the
chain through the world's facts gives the answer; the passages stating each fact along the way
are the question's supporting passages (HotpotQA's "supporting facts"). Every relation is
functional, so every question has exactly one answer.

:class:`QuestionBank` holds every (template, entity) question dealt into a ``train`` and a
``test`` split: disjoint, each interleaved template by template so that any prefix of a split
mixes every template.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from agentgym.envs.search.corpus import Corpus
from agentgym.envs.search.world import World

__all__ = ["Hop", "Template", "Question", "TEMPLATES", "TARGET_KIND", "QuestionBank", "resolve", "TEST_PER_TEMPLATE"]

#: ``(kind, relation) -> kind of the value`` (``None``: a year).
TARGET_KIND: dict[tuple[str, str], str | None] = {
    ("person", "born_in"): "city",
    ("person", "birth_year"): None,
    ("person", "educated_at"): "university",
    ("city", "country"): "country",
    ("city", "river"): "river",
    ("city", "founded"): None,
    ("country", "capital"): "city",
    ("river", "country"): "country",
    ("river", "mouth"): "sea",
    ("university", "located_in"): "city",
    ("university", "founded"): None,
    ("company", "founder"): "person",
    ("company", "headquarters"): "city",
    ("company", "founded"): None,
    ("work", "creator"): "person",
    ("work", "year"): None,
    ("work", "setting"): "city",
}

#: Questions per template in the test split (at most half of a template's questions).
TEST_PER_TEMPLATE = 40


@dataclass(frozen=True)
class Template:
    """A question shape: the anchor entity's kind, the relations to follow, and the wording.

    ``text`` has the fields ``{anchor}`` (the entity's name) and ``{kind}`` (a work's kind).
    """

    name: str
    anchor_kind: str
    relations: tuple[str, ...]
    text: str

    @property
    def hops(self) -> int:
        """The number of facts the question chains."""
        return len(self.relations)

    def kinds(self) -> tuple[str, ...]:
        """The kind of the subject at each hop."""
        kinds = [self.anchor_kind]
        for relation in self.relations[:-1]:
            kinds.append(TARGET_KIND[(kinds[-1], relation)])
        return tuple(kinds)


TEMPLATES: tuple[Template, ...] = (
    # One hop.
    Template("birthplace", "person", ("born_in",), "In which city was {anchor} born?"),
    Template("birth_year", "person", ("birth_year",), "In what year was {anchor} born?"),
    Template("alma_mater", "person", ("educated_at",), "Which university did {anchor} attend?"),
    Template("city_country", "city", ("country",), "In which country is the city of {anchor}?"),
    Template("city_river", "city", ("river",), "Which river flows through {anchor}?"),
    Template("capital", "country", ("capital",), "What is the capital of {anchor}?"),
    Template("founder", "company", ("founder",), "Who founded {anchor}?"),
    Template("headquarters", "company", ("headquarters",), "In which city is {anchor} headquartered?"),
    Template("company_year", "company", ("founded",), "In what year was {anchor} founded?"),
    Template("creator", "work", ("creator",), "Who created the {kind} {anchor}?"),
    Template("university_city", "university", ("located_in",), "In which city is {anchor} located?"),
    Template("river_mouth", "river", ("mouth",), "Into which sea does the {anchor} flow?"),
    # Two hops.
    Template("founder_birthplace", "company", ("founder", "born_in"), "In which city was the founder of {anchor} born?"),
    Template("founder_birth_year", "company", ("founder", "birth_year"), "In what year was the founder of {anchor} born?"),
    Template("birth_country", "person", ("born_in", "country"), "In which country was {anchor} born?"),
    Template(
        "birthplace_river", "person", ("born_in", "river"), "Which river flows through the city where {anchor} was born?"
    ),
    Template(
        "creator_birthplace", "work", ("creator", "born_in"), "In which city was the creator of the {kind} {anchor} born?"
    ),
    Template(
        "creator_alma_mater",
        "work",
        ("creator", "educated_at"),
        "Which university did the creator of the {kind} {anchor} attend?",
    ),
    Template("hq_country", "company", ("headquarters", "country"), "In which country is {anchor} headquartered?"),
    Template("university_country", "university", ("located_in", "country"), "In which country is {anchor}?"),
    Template("setting_country", "work", ("setting", "country"), "In which country is the {kind} {anchor} set?"),
    # Three hops.
    Template(
        "founder_birth_country",
        "company",
        ("founder", "born_in", "country"),
        "In which country was the founder of {anchor} born?",
    ),
    Template(
        "creator_birth_country",
        "work",
        ("creator", "born_in", "country"),
        "In which country was the creator of the {kind} {anchor} born?",
    ),
    Template(
        "birth_country_capital",
        "person",
        ("born_in", "country", "capital"),
        "What is the capital of the country where {anchor} was born?",
    ),
    Template(
        "creator_alma_mater_city",
        "work",
        ("creator", "educated_at", "located_in"),
        "In which city is the university that the creator of the {kind} {anchor} attended?",
    ),
    Template(
        "hq_country_capital",
        "company",
        ("headquarters", "country", "capital"),
        "What is the capital of the country in which {anchor} is headquartered?",
    ),
    Template(
        "founder_alma_mater_city",
        "company",
        ("founder", "educated_at", "located_in"),
        "In which city is the university attended by the founder of {anchor}?",
    ),
)


@dataclass(frozen=True)
class Hop:
    """One fact along a question's chain: ``subject``'s ``relation`` is ``value``."""

    kind: str
    subject: str
    relation: str
    value: str
    passage: int


@dataclass(frozen=True)
class Question:
    """One question with its ground truth.

    Attributes:
        template: the name of its :class:`Template`.
        anchor: the entity the question names.
        text: the question as the agent reads it.
        answer: the ground-truth answer (the last hop's value).
        chain: the facts from the anchor to the answer, with the passage stating each.
    """

    template: str
    anchor: str
    text: str
    answer: str
    chain: tuple[Hop, ...]

    @property
    def hops(self) -> int:
        """How many facts the question chains (1 to 3)."""
        return len(self.chain)

    @property
    def supporting_passages(self) -> tuple[int, ...]:
        """The pids of the passages that state the chain's facts, in order."""
        return tuple(hop.passage for hop in self.chain)


def resolve(template: Template, anchor: str, world: World, corpus: Corpus) -> Question:
    """The question ``template`` asks about ``anchor``, with its answer and supporting passages.

    Every relation is total over its subject kind, so every entity of the template's anchor
    kind gives a question. Entity names are invented words handed out once (and years are
    digits), so no answer occurs in its own question's text.
    """
    chain = []
    subject = anchor
    for kind, relation in zip(template.kinds(), template.relations):
        value = world.fact(subject, relation)
        if value is None:
            raise ValueError(f"{kind} {subject!r} has no {relation!r} fact")
        chain.append(Hop(kind, subject, relation, value, corpus.fact_passage[(subject, relation)]))
        subject = value
    text = template.text.format(anchor=anchor, kind=world.entity(anchor).attrs.get("kind", ""))
    return Question(template.name, anchor, text, chain[-1].value, tuple(chain))


class QuestionBank:
    """Every question of a world, dealt into disjoint ``train`` and ``test`` splits.

    Each template's anchors are shuffled (seeded by the world's seed); the first
    :data:`TEST_PER_TEMPLATE` (at most half) go to ``test``, the rest to ``train``; each split
    then takes one question per template in turn, so any prefix of a split mixes every template.
    Questions are resolved (their chain followed) when first asked for.

    Args:
        world: the world to ask about.
        corpus: its encyclopedia (for the supporting passages).
    """

    def __init__(self, world: World, corpus: Corpus):
        self.world = world
        self.corpus = corpus
        rng = random.Random(f"agentgym-search-questions-{world.seed}")
        test_parts: list[list[tuple[int, str]]] = []
        train_parts: list[list[tuple[int, str]]] = []
        for number, template in enumerate(TEMPLATES):
            anchors = [(number, e.name) for e in world.of_kind(template.anchor_kind)]
            rng.shuffle(anchors)
            n_test = min(TEST_PER_TEMPLATE, len(anchors) // 2)
            test_parts.append(anchors[:n_test])
            train_parts.append(anchors[n_test:])
        self._keys = {"train": _interleave(train_parts), "test": _interleave(test_parts)}
        self._cache: dict[tuple[int, str], Question] = {}

    @property
    def split_sizes(self) -> dict[str, int]:
        """The number of questions in each split."""
        return {split: len(keys) for split, keys in self._keys.items()}

    def get(self, split: str, index: int) -> Question:
        """Question ``index`` of ``split`` (``KeyError``/``IndexError`` for ones that do not exist)."""
        key = self._keys[split][index]
        question = self._cache.get(key)
        if question is None:
            question = resolve(TEMPLATES[key[0]], key[1], self.world, self.corpus)
            self._cache[key] = question
        return question

    def questions(self, split: str) -> list[Question]:
        """Every question of ``split``, in task order."""
        return [self.get(split, i) for i in range(len(self._keys[split]))]


def _interleave(parts: list[list[tuple[int, str]]]) -> tuple[tuple[int, str], ...]:
    rounds = max((len(p) for p in parts), default=0)
    return tuple(p[i] for i in range(rounds) for p in parts if i < len(p))
