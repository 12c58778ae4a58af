"""Retrieval QA env: ``agentgym/Search-v0``, multi-hop questions over a generated encyclopedia.

A seeded world (people, cities, countries, rivers, universities, companies, creative works and
their relations) is written out as 10,000+ titled passages and indexed with BM25 (``bm25s``).
Each task is a 1- to 3-hop question ("In which country was the founder of Hopaerk Labs born?")
with a known answer and known supporting passages; the agent calls ``search(query)`` and
``answer(text)`` and is scored by exact match and F1.

Modules, one idea each:

- :mod:`~agentgym.envs.search.names`: invented names and word lists;
- :mod:`~agentgym.envs.search.world`: seed -> entities and facts (pure);
- :mod:`~agentgym.envs.search.sentences`: the sentence templates that write and read facts;
- :mod:`~agentgym.envs.search.corpus`: world -> titled passages, and which passage states each fact;
- :mod:`~agentgym.envs.search.questions`: question templates, questions, the train/test split;
- :mod:`~agentgym.envs.search.splits`: the lazy task-id lists;
- :mod:`~agentgym.envs.search.index`: the BM25 index;
- :mod:`~agentgym.envs.search.dataset`: world + corpus + questions + index, built once per process;
- :mod:`~agentgym.envs.search.scoring`: exact match and F1 (SQuAD normalisation; pure);
- :mod:`~agentgym.envs.search.tools`: the ``search`` and ``answer`` tools;
- :mod:`~agentgym.envs.search.oracle`: the oracle's searches, reading each bridge entity from results;
- :mod:`~agentgym.envs.search.env`: :class:`SearchEnv`, the :class:`~agentgym.envs.tools.env.ToolEnv`.
"""

from typing import TYPE_CHECKING

from agentgym.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from agentgym.envs.search.env import SearchEnv

# Imported on first use: registering the env must not need jsonschema or bm25s (the `tools` extra).
__getattr__ = lazy_exports(__name__, {"SearchEnv": "agentgym.envs.search.env"})

__all__ = ["SearchEnv", "register"]


def register() -> None:
    """Register ``agentgym/Search-v0``."""
    import agentgym

    agentgym.register(
        "agentgym/Search-v0",
        "agentgym.envs.search.env:SearchEnv",
        description="Retrieval QA: 1- to 3-hop questions over a generated 10k-passage encyclopedia, BM25 search tool, EM/F1.",
    )
