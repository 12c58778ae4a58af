""":class:`BfclMultiTurnEnv`: a BFCL multi-turn entry played against BFCL's real API classes.

The protocol, one reply at a time:

- The first observation holds the function docs and the user's first request.
- A reply with calls (any format of :mod:`~agentgym.envs.tools.bfcl.actions`; positional
  arguments allowed, as in BFCL's ground truth) runs them in order on the entry's API instances;
  the next observation holds one ``<tool_response>`` per call with its result text.
- A reply without calls ends the user's turn. The turn is then checked as BFCL checks it
  (:func:`~agentgym.envs.tools.bfcl.multi_turn_checker.turn_check`, against instances that
  replayed the ground truth): a failure ends the episode (reward 0, the reason in the
  observation and ``info["reason"]``); otherwise the next request follows (in ``miss_func``,
  with the docs of the functions it adds), and after the last turn the episode ends with reward 1
  and ``success``.
- More than 20 replies with calls in one turn end the episode unsuccessfully (BFCL's force-quit).
- Invalid, never raised: an empty reply, and call-shaped text that does not parse (the turn goes
  on; BFCL would end the turn here). Calls to unknown functions or with bad arguments run and
  return BFCL's ``Error during execution`` text, with ``valid_action`` False.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from agentgym.env import StepOutcome, TaskSet, TextEnv
from agentgym.envs.tools.bfcl import data
from agentgym.envs.tools.bfcl.actions import CALL_FORMAT_HELP, read_calls, resolve_names
from agentgym.envs.tools.bfcl.apis import canonical, execute_call, make_instances, method_table
from agentgym.envs.tools.bfcl.multi_turn_checker import turn_check
from agentgym.envs.tools.bfcl.prompt import ADDED_FUNCTIONS_MESSAGE, MULTI_TURN_SYSTEM_PROMPT, format_functions, format_messages
from agentgym.envs.tools.bfcl.python_calls import PyCall, parse_python_calls
from agentgym.envs.tools.bfcl.schemas import to_openai_tools

__all__ = ["BfclMultiTurnEnv", "MAX_STEPS_PER_TURN", "END_TURN_REPLY", "CANNOT_DO_REPLY"]

#: Replies with calls allowed in one turn before BFCL force-quits the entry.
MAX_STEPS_PER_TURN = 20
#: The oracle's reply that ends a turn whose calls are done.
END_TURN_REPLY = "Done: the request is complete."
#: The oracle's reply in a turn whose request cannot be done yet (empty ground truth).
CANNOT_DO_REPLY = "I cannot do that with the functions and details I have; please tell me more."


class BfclMultiTurnEnv(TextEnv):
    """A BFCL multi-turn category (``multi_turn_base``, ``_miss_func``, ``_miss_param``,
    ``_long_context``); task ids are BFCL entry ids, all in the ``test`` split.

    Args:
        category: a name from :data:`~agentgym.envs.tools.bfcl.data.MULTI_TURN_CATEGORIES`.
        split: ``test``, the only split.
        max_steps: replies allowed in the whole episode (default 60).
    """

    description = "BFCL multi-turn function calling against BFCL's stateful APIs, checked as BFCL checks it."
    system_prompt = MULTI_TURN_SYSTEM_PROMPT
    default_max_steps = 60

    def __init__(self, category: str = "multi_turn_base", *, split: str = "test", max_steps: int | None = None, render_mode: str | None = None):
        if category not in data.MULTI_TURN_CATEGORIES:
            raise ValueError(f"category must be one of {list(data.MULTI_TURN_CATEGORIES)}, got {category!r}")
        super().__init__(split=split, max_steps=max_steps, render_mode=render_mode)
        self.category = category
        self.long_context = "long_context" in category
        self.task_set = TaskSet({"test": data.load_entries(category)})
        self._counts = (0, 0)
        self._reason = ""

    # ------------------------------------------------------------------ episode
    def _reset_task(self, task_id: str, rng: np.random.Generator) -> str:
        self._entry = data.entry(self.category, task_id)
        self._truth: list[list[str]] = data.possible_answer(self.category, task_id)
        self._functions, self._held_out = data.multi_turn_functions(self._entry)
        self._tools = to_openai_tools(self._functions)
        classes, config = self._entry["involved_classes"], self._entry.get("initial_config", {})
        self._instances = make_instances(classes, config, long_context=self.long_context)
        self._truth_instances = make_instances(classes, config, long_context=self.long_context)
        self._methods = method_table(self._instances)
        self._truth_methods = method_table(self._truth_instances)
        self._turn = 0
        self._calls_in_turn = 0
        self._steps_in_turn = 0
        self._results: list[str] = []
        self._counts = (0, 0)
        self._reason = ""
        return f"{format_functions(self._functions)}\n\n{format_messages(self._entry['question'][0])}"

    def step(self, action: str):
        """Run one reply (see the module docstring); ``info`` counts its calls."""
        self._counts = (0, 0)
        return super().step(action)

    def _step(self, action: str) -> StepOutcome:
        if not action.strip():
            return StepOutcome(
                "Empty reply. " + CALL_FORMAT_HELP + " To end your turn, reply in plain text without calls.",
                valid_action=False,
                error="empty reply",
            )
        read = read_calls(action)
        if read.errors:
            self._counts = (len(read.calls) + len(read.errors), 0)
            problem = "; ".join(read.errors)
            return StepOutcome(f"Invalid reply: {problem}. Nothing was run. {CALL_FORMAT_HELP}", valid_action=False, error=problem)
        if not read.calls:
            return self._end_turn()
        return self._run(resolve_names(read.calls, list(self._methods)))

    def _run(self, calls: list[PyCall]) -> StepOutcome:
        offered = {f["name"] for f in self._functions}
        blocks, valid = [], 0
        for call in calls:
            result, ran = execute_call(call, self._methods)
            self._results.append(result)
            valid += ran and call.name in offered
            blocks.append(
                "<tool_response>\n"
                + json.dumps({"name": call.name, "arguments": call.arguments, "result": result}, ensure_ascii=False, default=str)
                + "\n</tool_response>"
            )
        self._counts = (len(calls), valid)
        self._calls_in_turn += len(calls)
        self._steps_in_turn += 1
        observation = "\n".join(blocks)
        if self._steps_in_turn > MAX_STEPS_PER_TURN:
            self._reason = f"More than {MAX_STEPS_PER_TURN} replies with calls in turn {self._turn}: the entry is force-terminated."
            return StepOutcome(f"{observation}\n\n{self._reason}", terminated=True)
        return StepOutcome(observation, valid_action=valid == len(calls))

    def _end_turn(self) -> StepOutcome:
        truth_calls = self._truth[self._turn]
        truth_results = []
        for text in truth_calls:
            for call in parse_python_calls(text):
                truth_results.append(execute_call(call, self._truth_methods)[0])
        verdict = turn_check(
            self._turn, truth_calls, self._calls_in_turn, self._instances, self._truth_instances, self._results, truth_results
        )
        if not verdict.valid:
            self._reason = verdict.error
            return StepOutcome(f"Turn {self._turn} failed BFCL's check: {verdict.error}", terminated=True)
        self._turn += 1
        self._calls_in_turn = 0
        self._steps_in_turn = 0
        if self._turn >= len(self._truth):
            return StepOutcome("All requests are done.", reward=1.0, terminated=True, success=True)
        messages = self._entry["question"][self._turn]
        added = self._held_out.get(self._turn)
        if added:
            self._functions = self._functions + added
            self._tools = to_openai_tools(self._functions)
            return StepOutcome(f"{format_functions(added)}\n\n{format_messages(messages or [{'role': 'user', 'content': ADDED_FUNCTIONS_MESSAGE}])}")
        return StepOutcome(format_messages(messages))

    # ------------------------------------------------------------------ oracle
    def oracle_action(self) -> str:
        """The ground-truth calls of the current turn, then a plain-text reply that ends it."""
        if self.done:
            return END_TURN_REPLY
        truth = self._truth[self._turn]
        if not truth:
            return CANNOT_DO_REPLY
        if self._calls_in_turn == 0:
            return "[" + ", ".join(truth) + "]"
        return END_TURN_REPLY

    # ------------------------------------------------------------------ info
    def _state_payload(self) -> Any:
        return {
            "turn": self._turn,
            "called": self._calls_in_turn > 0,
            "done": self.done,
            "apis": {name: canonical(instance) for name, instance in sorted(self._instances.items())},
        }

    def _extra_info(self) -> dict[str, Any]:
        turn = min(self._turn, len(self._truth) - 1)
        return {
            "tools": self._tools,
            "answer": "[" + ", ".join(self._truth[turn]) + "]",
            "ground_truth": self._truth,
            "turn": self._turn,
            "turns": len(self._truth),
            "tool_calls": self._counts[0],
            "tool_calls_valid": self._counts[1],
            "category": self.category,
            "reason": self._reason,
        }
