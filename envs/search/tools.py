"""The search env's tools: ``search(query)`` over the BM25 index and ``answer(text)``.

Both are typed, documented methods, so :class:`~agentgym.envs.tools.schema.Tool` derives their
OpenAI schemas from the signatures and docstrings. ``search`` returns the top ``k`` passages as
``{"title", "text"}`` objects, each text cut to ``max_passage_chars`` at the last sentence end
that fits (else the last word boundary, marked ``...``).
"""

from __future__ import annotations

from agentgym.envs.search.corpus import Passage
from agentgym.envs.search.index import SearchIndex
from agentgym.envs.tools.schema import Tool
from agentgym.envs.tools.toolbox import ToolError

__all__ = ["SearchTools", "shorten", "MAX_QUERY_CHARS"]

#: A longer query is refused (a search box, not a document upload).
MAX_QUERY_CHARS = 500


def shorten(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else cut at the last sentence end that fits,
    else at the last word boundary, with `` ...`` appended."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    end = head.rfind(". ")
    if end >= limit // 2:
        return head[: end + 1] + " ..."
    space = head.rfind(" ")
    return (head[:space] if space > 0 else head).rstrip() + " ..."


class SearchTools:
    """The tools of one search env.

    Args:
        index: the BM25 index to search.
        k: passages a search returns.
        max_passage_chars: each passage's text is cut to this length.
    """

    def __init__(self, index: SearchIndex, k: int, max_passage_chars: int):
        self.index = index
        self.k = k
        self.max_passage_chars = max_passage_chars

    def search(self, query: str) -> list[dict]:
        """Search the encyclopedia and return the best-matching passages with their titles.

        Args:
            query: keywords to look for, e.g. a name and what you want to know about it.
        """
        if len(query) > MAX_QUERY_CHARS:
            raise ToolError(f"the query is {len(query)} characters long; write at most {MAX_QUERY_CHARS}")
        if not query.strip():
            raise ToolError("the query is empty; write some keywords, e.g. a name")
        pids = self.index.search(query, self.k)
        return [self.show(self.index.corpus.passages[pid]) for pid in pids]

    def answer(self, text: str) -> str:
        """Give your final answer to the question; this ends the task.

        Args:
            text: the answer alone, as short as possible (a name, a place or a year).
        """
        return "answer received"

    def show(self, passage: Passage) -> dict:
        """A passage as ``search`` returns it (title, and text cut to ``max_passage_chars``)."""
        return {"title": passage.title, "text": shorten(passage.text, self.max_passage_chars)}

    def as_tools(self) -> list[Tool]:
        """``search`` and ``answer`` as :class:`Tool` objects (schemas derived from the methods)."""
        return [Tool.from_function(self.search), Tool.from_function(self.answer)]
