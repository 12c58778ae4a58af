""":class:`BfclSingleTurnEnv`: one BFCL single-turn entry per episode, scored with BFCL's AST rules.

The observation is the entry's function docs and question; the action is the model's reply.
A reply with calls (any format of :mod:`~agentgym.envs.tools.bfcl.actions`) ends the episode
and is scored: reward 1.0 and ``success`` when the calls match the possible answer
(:func:`~agentgym.envs.tools.bfcl.ast_checker.check_calls`), else 0.0 with the reason in the
observation and ``info["reason"]``. In the AST categories a reply without a readable call is
invalid and answered with the call format; the policy may try again until ``max_steps``
(default 3) truncates the episode unscored. ``max_steps=1`` is BFCL's protocol exactly: one
reply per entry, an unreadable one a failure.

Relevance categories: in ``irrelevance``/``live_irrelevance`` a reply with no call (plain text,
or call-shaped text that does not parse, as BFCL decodes it) succeeds; in ``live_relevance`` any
readable call succeeds. An empty reply is invalid everywhere.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from agentgym.env import StepOutcome, TaskSet, TextEnv
from agentgym.envs.tools.bfcl import data
from agentgym.envs.tools.bfcl.actions import CALL_FORMAT_HELP, format_reply, read_calls, resolve_names
from agentgym.envs.tools.bfcl.ast_checker import Verdict, answer_defects, check_calls, check_relevance, find_function
from agentgym.envs.tools.bfcl.oracle import first_answer_calls
from agentgym.envs.tools.bfcl.prompt import SYSTEM_PROMPT, format_functions, format_messages
from agentgym.envs.tools.bfcl.python_calls import PyCall
from agentgym.envs.tools.bfcl.schemas import language_docs, to_openai_tools

__all__ = ["BfclSingleTurnEnv", "call_fits_doc", "IRRELEVANT_REPLY"]

#: The oracle's reply where no function fits.
IRRELEVANT_REPLY = "None of the functions can be used for this request, so I call none of them."

_PLACEHOLDERS = {"integer": 1, "float": 1.0, "number": 1.0, "boolean": True, "array": [], "tuple": [], "dict": {}}


def call_fits_doc(functions: list[dict[str, Any]], call: PyCall) -> bool:
    """The call names an offered function, by keyword only, with every required parameter and no unknown one."""
    doc = find_function(functions, call.name)
    if doc is None or call.positional:
        return False
    parameters = doc.get("parameters", {})
    properties = parameters.get("properties", {})
    return all(p in call.arguments for p in parameters.get("required", [])) and all(k in properties for k in call.arguments)


class BfclSingleTurnEnv(TextEnv):
    """A BFCL single-turn category as a one-step tool env (task ids are BFCL entry ids).

    Args:
        category: a name from :data:`~agentgym.envs.tools.bfcl.data.SINGLE_TURN_CATEGORIES`.
        split: ``test``, the only split: every entry of the category.
        max_steps: replies allowed (default 3; 1 is BFCL's one response per entry).
    """

    description = "BFCL single-turn function calling, scored with BFCL's AST rules."
    system_prompt = SYSTEM_PROMPT
    default_max_steps = 3

    def __init__(self, category: str = "simple_python", *, split: str = "test", max_steps: int | None = None, render_mode: str | None = None):
        if category not in data.SINGLE_TURN_CATEGORIES:
            raise ValueError(f"category must be one of {list(data.SINGLE_TURN_CATEGORIES)}, got {category!r}")
        super().__init__(split=split, max_steps=max_steps, render_mode=render_mode)
        self.category = category
        self.language = data.language_of(category)
        self.kind = data.checker_kind(category)
        self.relevance = data.is_relevance_category(category)
        self.task_set = TaskSet({"test": data.load_entries(category)})
        self._functions: list[dict[str, Any]] = []
        self._tools: list[dict[str, Any]] = []
        self._possible_answer: Any = None
        self._oracle_reply = ""
        self._answered: list[tuple[str, dict[str, Any]]] | None = None
        self._verdict: Verdict | None = None
        self._counts = (0, 0)

    # ------------------------------------------------------------------ episode
    def step(self, action: str):
        """Score one reply (see the module docstring); ``info`` counts its calls."""
        self._counts = (0, 0)
        return super().step(action)

    def _reset_task(self, task_id: str, rng: np.random.Generator) -> str:
        entry = data.entry(self.category, task_id)
        self._functions = entry["function"]
        docs = language_docs(self._functions, self.language)
        self._tools = to_openai_tools(docs)
        self._possible_answer = data.possible_answer(self.category, task_id)
        self._oracle_reply = self._make_oracle_reply()
        self._answered = None
        self._verdict = None
        self._counts = (0, 0)
        return f"{format_functions(docs)}\n\n{format_messages(entry['question'][0])}"

    def _step(self, action: str) -> StepOutcome:
        if not action.strip():
            self._counts = (0, 0)
            return StepOutcome(
                "Empty reply. " + CALL_FORMAT_HELP + " If no function fits, say so in plain text.",
                valid_action=False,
                error="empty reply",
            )
        read = read_calls(action)
        calls = resolve_names(read.calls, [f["name"] for f in self._functions])
        self._counts = (len(calls) + len(read.errors), sum(call_fits_doc(self._functions, c) for c in calls))
        if self.relevance:
            return self._score(calls, check_relevance(self.category, len(calls)), valid=not read.errors)
        if read.errors or not calls:
            problem = "; ".join(read.errors) if read.errors else "no function call found in the reply"
            return StepOutcome(f"Invalid reply: {problem}. {CALL_FORMAT_HELP}", valid_action=False, error=problem)
        positional = [c.name for c in calls if c.positional]
        if positional:
            verdict = Verdict(
                False,
                f"Positional arguments in the call to {positional[0]}: name every argument (param=value).",
                "ast_decoder:positional_arguments",
            )
        else:
            verdict = check_calls(self.kind, self._functions, [(c.name, c.arguments) for c in calls], self._possible_answer, self.language)
        return self._score(calls, verdict, valid=True)

    def _score(self, calls: list[PyCall], verdict: Verdict, *, valid: bool) -> StepOutcome:
        self._answered = [(c.name, c.arguments) for c in calls]
        self._verdict = verdict
        text = "Correct." if verdict.valid else f"Incorrect: {verdict.error}"
        return StepOutcome(text, reward=float(verdict.valid), terminated=True, valid_action=valid, success=verdict.valid)

    # ------------------------------------------------------------------ oracle
    def _make_oracle_reply(self) -> str:
        if "irrelevance" in self.category:
            return IRRELEVANT_REPLY
        if self._possible_answer is None:  # live_relevance: any call that fits a doc
            doc = self._functions[0]
            properties = doc.get("parameters", {}).get("properties", {})
            arguments = {p: _placeholder(properties.get(p, {})) for p in doc.get("parameters", {}).get("required", [])}
            return format_reply([(doc["name"], arguments)])
        return format_reply(first_answer_calls(self._possible_answer, self._functions, self.language))

    def oracle_action(self) -> str:
        """The ground-truth reply: the first possible answer's calls (for irrelevance, a text reply)."""
        return self._oracle_reply

    def answer_defects(self) -> list[str]:
        """Why BFCL's possible answer for this entry cannot be met (empty for all but a few entries)."""
        if self._possible_answer is None:
            return []
        return answer_defects(self._functions, self._possible_answer)

    # ------------------------------------------------------------------ info
    def _state_payload(self) -> Any:
        if self._answered is None:
            return {"answered": False}
        return {"answered": json.dumps(self._answered, sort_keys=True, default=str), "success": self.success}

    def _extra_info(self) -> dict[str, Any]:
        return {
            "tools": self._tools,
            "answer": self._oracle_reply,
            "possible_answer": self._possible_answer,
            "tool_calls": self._counts[0],
            "tool_calls_valid": self._counts[1],
            "category": self.category,
            "reason": self._verdict.error if self._verdict is not None else "",
        }


def _placeholder(spec: dict[str, Any]) -> Any:
    if spec.get("enum"):
        return spec["enum"][0]
    if "default" in spec:
        return spec["default"]
    return _PLACEHOLDERS.get(spec.get("type", "string"), "value")
