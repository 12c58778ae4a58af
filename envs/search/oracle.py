"""The search env's oracle: search hop by hop, reading each bridge entity from the results.

What it relies on:

- the question's shape: its template (which relations to follow, in order) and the entity it
  names, which a reader gets from the question text;
- the encyclopedia's phrasing: it reads a fact from a shown passage titled with the subject's
  name, with the same sentence template the corpus wrote it with
  (:data:`~agentgym.envs.search.sentences.FACT_SENTENCES`);
- BM25 ranking the passage that states a fact within the top ``k`` for the query
  ``"<subject> <cue word>"`` (the cue word is one the stating passage uses and the subject's
  other passages do not, e.g. ``born`` for a birthplace). The tests measure this for every question.

It never looks at the world's facts or the stored answer: every value along the chain, the
answer included, comes from the text of the passages its own searches returned in this episode.
A passage missing from the results leaves the value unread, so a retrieval failure shows up as
a wrong answer, not as a silent success.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Iterable

from agentgym.envs.search.questions import TEMPLATES, Question
from agentgym.envs.search.sentences import FACT_SENTENCES
from agentgym.envs.tools.calls import ToolCall

__all__ = ["OraclePlan", "oracle_query", "read_fact", "CUE_WORDS"]

#: ``(kind, relation) -> the word added to the subject's name in the oracle's query``.
CUE_WORDS: dict[tuple[str, str], str] = {
    ("person", "born_in"): "born",
    ("person", "birth_year"): "born",
    ("person", "educated_at"): "studied",
    ("city", "country"): "population",
    ("city", "founded"): "population",
    ("city", "river"): "banks",
    ("country", "capital"): "capital",
    ("river", "country"): "flows",
    ("river", "mouth"): "flows",
    ("university", "located_in"): "located",
    ("university", "founded"): "located",
    ("company", "founder"): "headquartered",
    ("company", "headquarters"): "headquartered",
    ("company", "founded"): "headquartered",
    ("work", "creator"): "first presented",
    ("work", "year"): "first presented",
    ("work", "setting"): "first presented",
}

_TEMPLATES = {t.name: t for t in TEMPLATES}


def oracle_query(kind: str, relation: str, subject: str) -> str:
    """The query the oracle searches for one fact."""
    return f"{subject} {CUE_WORDS[(kind, relation)]}"


def read_fact(passages: Iterable[Any], kind: str, relation: str, subject: str) -> str | None:
    """The value of ``subject``'s ``relation`` read from shown passages (``{"title", "text"}``
    objects, as ``search`` returns them), or None when none of them states it."""
    sentence = FACT_SENTENCES[(kind, relation)]
    for passage in passages:
        if isinstance(passage, dict) and passage.get("title") == subject:
            value = sentence.read(str(passage.get("text", "")), relation)
            if value is not None:
                return value
    return None


class OraclePlan:
    """The oracle's searches and answer for one question, in the form
    :class:`~agentgym.envs.tools.env.ToolTask` takes (``plan`` steps and ``finish``).

    Search ``i`` asks about the subject read from the results of search ``i - 1``; the answer is
    the value read from the last search's results. A value that cannot be read becomes ``""``,
    so the episode ends with a wrong answer.
    """

    def __init__(self, question: Question):
        template = _TEMPLATES[question.template]
        self.anchor = question.anchor
        self.hops = list(zip(template.kinds(), template.relations))

    def subject(self, results: list[Any], hop: int) -> str:
        """The subject of hop ``hop``, read from the results of the searches before it."""
        subject = self.anchor
        for (kind, relation), passages in zip(self.hops[:hop], results):
            subject = read_fact(passages if isinstance(passages, list) else [], kind, relation, subject) or ""
        return subject

    def steps(self) -> list[Callable[[list[Any]], ToolCall]]:
        """One step per hop: earlier results -> the search call for this hop."""
        return [functools.partial(self._call, hop) for hop in range(len(self.hops))]

    def finish(self, results: list[Any]) -> str:
        """The answer: the last hop's value, read from the last search's results."""
        return self.subject(results, len(self.hops))

    def _call(self, hop: int, results: list[Any]) -> ToolCall:
        kind, relation = self.hops[hop]
        return ToolCall("search", {"query": oracle_query(kind, relation, self.subject(results, hop))})
