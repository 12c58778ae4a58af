"""``SearchEnv``: answer a 1- to 3-hop question by searching a generated encyclopedia with BM25."""

from __future__ import annotations

import dataclasses
import re
from typing import Any, ClassVar

import numpy as np

from agentgym.env import StepOutcome, TaskSet
from agentgym.envs.search.dataset import SearchDataset, shared_dataset
from agentgym.envs.search.oracle import OraclePlan
from agentgym.envs.search.scoring import exact_match, f1_score
from agentgym.envs.search.splits import search_task_set, task_index
from agentgym.envs.search.tools import SearchTools
from agentgym.envs.tools.calls import ToolCall, format_tool_calls
from agentgym.envs.tools.env import ToolEnv, ToolTask

__all__ = ["SearchEnv", "REWARDS"]

#: What the final answer is rewarded with: exact match (0 or 1) or token F1.
REWARDS = ("em", "f1")

# The short forms search[query] and answer[text], read as the equivalent tool calls.
_SHORT_FORM = re.compile(r"\s*(search|answer)\s*\[(.*)\]\s*", re.IGNORECASE | re.DOTALL)
_SHORT_ARGUMENT = {"search": "query", "answer": "text"}

_PROMPT = (
    "Answer the question below. Search the encyclopedia with the search tool as often as you need "
    "(each search returns the best-matching passages with their titles), then give the final answer "
    "with the answer tool: the answer alone, as short as possible.\n\nQuestion: {question}"
)


class SearchEnv(ToolEnv):
    """Retrieval QA in the style of HotpotQA and Search-R1, over a real BM25 index.

    A seeded world of people, cities, countries, rivers, universities, companies and creative
    works is written out as an encyclopedia of 10,630 short titled passages (the default world);
    each task is a question chaining one to three facts ("In which country was the founder of
    Hopaerk Labs born?"), answerable from the passages. The corpus, the questions and the
    ``bm25s`` index are built once per process (about 1.5 s) and shared by every env.

    Tools (a :class:`~agentgym.envs.tools.env.ToolEnv`, so calls are ``<tool_call>`` blocks or
    OpenAI ``tool_calls`` JSON; see that class for the protocol):

    - ``search(query)``: the top ``k`` passages as ``{"title", "text"}`` objects;
    - ``answer(text)``: the final answer; ends the episode. ``<answer>...</answer>`` does too.

    The short forms ``search[query]`` and ``answer[text]`` are read as those calls.

    The answer is scored with SQuAD's normalisation (lower case, no punctuation or articles):
    ``success`` is exact match, the reward is exact match or token F1 (``reward=``), and after
    the answer ``info`` carries both as ``exact_match`` and ``f1``. ``info["answer"]`` is the
    ground truth (for the trainer; never shown), and every step's ``info`` also carries
    ``question``, ``template``, ``hops`` and ``supporting_passages`` (passage ids).

    Args:
        split: ``train`` or ``test`` (disjoint questions).
        k: passages a search returns (default 3).
        max_passage_chars: each passage's text is cut to this many characters (default 300,
            which shows every passage of the default world whole).
        reward: ``em`` (default) or ``f1``.
        world_seed: the seed of the world, corpus and questions.
        max_steps: the step limit (default 10).
        render_mode: ``ansi`` or ``human``.
        oracle_format: the call format of :meth:`oracle_action`, ``hermes`` or ``openai``.
    """

    default_max_steps: ClassVar[int] = 10
    answer_tool: ClassVar[str | None] = "answer"
    description: ClassVar[str] = (
        "Retrieval QA (HotpotQA/Search-R1 style): 1- to 3-hop questions over a generated 10k-passage "
        "encyclopedia, with a BM25 search tool and an answer tool; EM and F1."
    )
    system_prompt: ClassVar[str] = (
        "You answer questions by searching an encyclopedia. The tools are listed as JSON schemas in "
        "<tools></tools>. Call one with "
        '<tool_call>{"name": "search", "arguments": {"query": "..."}}</tool_call>; the results come back '
        "in a <tool_response> block. A question may need several searches: find the first fact, then "
        "search for the entity it names. When you know the answer, call "
        '<tool_call>{"name": "answer", "arguments": {"text": "..."}}</tool_call> with the answer alone.'
    )

    def __init__(
        self,
        *,
        split: str = "train",
        k: int = 3,
        max_passage_chars: int = 300,
        reward: str = "em",
        world_seed: int = 0,
        max_steps: int | None = None,
        render_mode: str | None = None,
        oracle_format: str = "hermes",
    ):
        super().__init__(split=split, max_steps=max_steps, render_mode=render_mode, oracle_format=oracle_format)
        if not isinstance(k, int) or not 1 <= k <= 50:
            raise ValueError(f"k (passages per search) must be an integer from 1 to 50, got {k!r}")
        if not isinstance(max_passage_chars, int) or max_passage_chars < 40:
            raise ValueError(f"max_passage_chars must be an integer of at least 40, got {max_passage_chars!r}")
        if reward not in REWARDS:
            raise ValueError(f"reward must be one of {list(REWARDS)}, got {reward!r}")
        self.k = k
        self.max_passage_chars = max_passage_chars
        self.reward_kind = reward
        self.world_seed = int(world_seed)
        self.dataset: SearchDataset = shared_dataset(self.world_seed)
        self.task_set: TaskSet = search_task_set(self.dataset.questions)
        self.task_set.ids(split)  # an unknown split fails here, naming the ones that exist
        self.tools = SearchTools(self.dataset.index, k, max_passage_chars)
        self._tool_list = self.tools.as_tools()
        # Room for k whole passages in a tool response (the base class cuts longer ones).
        self.max_result_chars = max(type(self).max_result_chars, k * (max_passage_chars + 120))

    # ------------------------------------------------------------------ ToolEnv hook
    def make_task(self, task_id: str, rng: np.random.Generator) -> ToolTask:
        """The question behind ``task_id``, its tools, and the oracle's plan (``rng`` is unused)."""
        question = self.dataset.questions.get(self.split, task_index(task_id))
        plan = OraclePlan(question)
        return ToolTask(
            prompt=_PROMPT.format(question=question.text),
            answer=question.answer,
            tools=self._tool_list,
            plan=plan.steps(),
            finish=plan.finish,
            check=lambda text: exact_match(text, question.answer) == 1.0,
            metadata={
                "question": question.text,
                "template": question.template,
                "hops": question.hops,
                "supporting_passages": list(question.supporting_passages),
            },
        )

    # ------------------------------------------------------------------ TextEnv hooks
    def _step(self, action: str) -> StepOutcome:
        outcome = super()._step(_expand_short_form(action))
        if outcome.terminated and self.given_answer is not None:
            score = self.scores()
            reward = score["exact_match"] if self.reward_kind == "em" else score["f1"]
            outcome = dataclasses.replace(outcome, reward=reward)
        return outcome

    def _extra_info(self) -> dict[str, Any]:
        info = super()._extra_info()
        if self.given_answer is not None:
            info.update(self.scores())
        return info

    # ------------------------------------------------------------------ public helpers
    def scores(self) -> dict[str, float]:
        """``exact_match`` and ``f1`` of the given answer against the ground truth (0.0 before an answer)."""
        given = self.given_answer or ""
        if self.task is None or self.given_answer is None:
            return {"exact_match": 0.0, "f1": 0.0}
        return {"exact_match": exact_match(given, self.task.answer), "f1": f1_score(given, self.task.answer)}


def _expand_short_form(action: str) -> str:
    """``search[q]`` -> the ``search`` tool call (likewise ``answer[t]``); anything else as it is."""
    match = _SHORT_FORM.fullmatch(action)
    if match is None:
        return action
    name = match.group(1).lower()
    return format_tool_calls([ToolCall(name, {_SHORT_ARGUMENT[name]: match.group(2)})])
