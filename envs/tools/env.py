"""``ToolEnv``: a :class:`~agentgym.TextEnv` whose actions are tool calls and a final answer.

A subclass supplies a task set and :meth:`ToolEnv.make_task` (task id -> :class:`ToolTask`: the
request, the tools, the ground truth and the oracle's plan); the base class does the rest.

The protocol, one action at a time:

- The first observation is the request followed by the tool schemas in a ``<tools>`` block
  (one OpenAI schema per line, as Hermes/Qwen chat templates list them).
- An action holds one or more tool calls in either format of :mod:`~agentgym.envs.tools.calls`
  (at most ``max_calls_per_action``). Each is read, looked up, checked against its schema with
  ``jsonschema`` and run; the next observation holds one ``<tool_response>`` block per call with
  ``{"name", "arguments", "result"}`` or ``{"name", "arguments", "error"}``.
- ``<answer>...</answer>`` ends the episode (``terminated``); calls in the same action run first.
  Reward is 1.0 and ``success`` True if the answer is right, else 0.0. An env may also name an
  answer tool (``answer_tool = "answer"``): a valid call to it ends the episode the same way, its
  one string argument being the answer.
- An action with neither a call nor an answer is invalid and says how to call a tool.

``info`` on every step adds ``tools`` (the schemas), ``answer`` (the ground truth, never shown),
``tool_calls`` (calls attempted in this action) and ``tool_calls_valid`` (those that named a known
tool and passed the schema). ``valid_action`` is False when any call in the action was
unreadable, unknown or schema-invalid (a tool that ran and reported an error is a valid call).
``state_key`` hashes what the agent has learned (the set of distinct calls that ran, with their
results), the answer if given, and ``ToolTask.state()`` for tools that change a world. A call to
the answer tool counts in ``tool_calls`` like any other call.

A minimal tool env::

    def add(a: int, b: int) -> int:
        '''Add two integers.

        Args:
            a: the first.
            b: the second.
        '''
        return a + b

    class AddEnv(ToolEnv):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.task_set = TaskSet({"train": TaskIds("train", 100)})

        def make_task(self, task_id, rng):
            a, b = (int(x) for x in rng.integers(0, 100, size=2))
            return ToolTask(prompt=f"What is {a} + {b}?", answer=str(a + b), tools=[add],
                            plan=[ToolCall("add", {"a": a, "b": b})])
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Sequence, Union

import gymnasium
import numpy as np

from agentgym.env import StepOutcome, TaskSet, TextEnv
from agentgym.envs.tools.answers import answers_match
from agentgym.envs.tools.calls import CallError, ParsedAction, ToolCall, format_tool_calls, parse_action
from agentgym.envs.tools.schema import Tool
from agentgym.envs.tools.toolbox import CallResult, Toolbox

__all__ = ["ToolEnv", "ToolTask", "PlanStep", "TOOL_SYSTEM_PROMPT"]

#: A step of an oracle plan: a call, or a function of the results of the plan's earlier calls
#: (in order) that returns the call, for chains whose arguments come from earlier results.
PlanStep = Union[ToolCall, Callable[[list[Any]], ToolCall]]

TOOL_SYSTEM_PROMPT = (
    "You are an assistant that solves tasks with tools. The tools are listed as JSON schemas in "
    "<tools></tools>. To call a tool, reply with one or more blocks like "
    '<tool_call>{"name": "tool_name", "arguments": {"arg": "value"}}</tool_call> '
    '(or OpenAI JSON: {"tool_calls": [{"type": "function", "function": {"name": ..., "arguments": ...}}]}). '
    "Each result comes back in a <tool_response> block. When you know the answer, reply "
    "<answer>your answer</answer>; that ends the task."
)


@dataclass
class ToolTask:
    """One task of a tool suite.

    Attributes:
        prompt: the user's request (the first observation opens with it).
        answer: the ground truth (``info["answer"]``; never shown to the policy).
        tools: the tools on offer, as :class:`Tool` objects or plain functions; they may close
            over the task's data (a database, a calendar).
        plan: the oracle's calls, in order (see :data:`PlanStep`).
        finish: the oracle's answer from the plan's results, in order (default: the last
            result as text). Deriving it from what the tools returned, not from ``answer``,
            makes the oracle a check that the tools and the ground truth agree.
        check: ``answer text -> correct?`` (default :func:`answers_match` against ``answer``).
        state: a JSON-able description of a world the tools change, for ``state_key``.
        metadata: extra JSON-able facts about the task (e.g. its kind), put in ``info``.
    """

    prompt: str
    answer: str
    tools: Sequence[Union[Tool, Callable[..., Any]]]
    plan: Sequence[PlanStep] = ()
    finish: Callable[[list[Any]], str] | None = None
    check: Callable[[str], bool] | None = None
    state: Callable[[], Any] | None = None
    metadata: dict[str, Any] | None = None


class ToolEnv(TextEnv):
    """Base class of tool-calling envs (see the module docstring for the protocol).

    A subclass sets ``task_set`` in ``__init__`` (after calling ``super().__init__``) and
    implements :meth:`make_task`. Optional class attributes: ``max_calls_per_action``,
    ``max_result_chars``, ``answer_tool``, ``default_max_steps``, ``system_prompt``.

    Args:
        split: the task split to draw from.
        max_steps: the step limit (default ``default_max_steps``).
        render_mode: ``ansi`` or ``human``.
        oracle_format: the call format :meth:`oracle_action` writes: ``hermes`` or ``openai``.
    """

    default_max_steps: ClassVar[int] = 12
    system_prompt: ClassVar[str] = TOOL_SYSTEM_PROMPT
    #: Calls beyond this many in one action are not run (each is answered with an error).
    max_calls_per_action: ClassVar[int] = 8
    #: A longer result is cut to this many characters, saying so.
    max_result_chars: ClassVar[int] = 4000
    #: The name of a tool whose valid call gives the final answer (None: only ``<answer>``).
    answer_tool: ClassVar[str | None] = None

    def __init__(
        self,
        *,
        split: str = "train",
        max_steps: int | None = None,
        render_mode: str | None = None,
        oracle_format: str = "hermes",
    ):
        super().__init__(split=split, max_steps=max_steps, render_mode=render_mode)
        if oracle_format not in ("hermes", "openai"):
            raise ValueError(f"oracle_format must be 'hermes' or 'openai', got {oracle_format!r}")
        self.oracle_format = oracle_format
        self.task: ToolTask | None = None
        self.toolbox: Toolbox | None = None
        self.history: list[CallResult] = []
        self.given_answer: str | None = None
        self._seen: dict[str, str] = {}
        self._counts = (0, 0)

    # ------------------------------------------------------------------ subclass hook
    task_set: TaskSet

    def make_task(self, task_id: str, rng: np.random.Generator) -> ToolTask:
        """Build the task ``task_id`` (a pure function of the id, or of the id and ``rng``)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ TextEnv hooks
    def _reset_task(self, task_id: str, rng: np.random.Generator) -> str:
        self.task = self.make_task(task_id, rng)
        self.toolbox = Toolbox(self.task.tools)
        self.history = []
        self.given_answer = None
        self._seen = {}
        self._counts = (0, 0)
        listing = "\n".join(json.dumps(s, ensure_ascii=False) for s in self.toolbox.schemas)
        return f"{self.task.prompt}\n\n<tools>\n{listing}\n</tools>"

    def step(self, action: str):
        """Apply one action (see :meth:`agentgym.TextEnv.step`); counts this action's tool calls."""
        self._counts = (0, 0)
        return super().step(action)

    def _step(self, action: str) -> StepOutcome:
        parsed = parse_action(action)
        results = self.run_calls(parsed)
        answer = parsed.answer
        if answer is None and self.answer_tool is not None:
            answer = self._answer_from_tool(results)
        valid = all(r.valid for r in results) and not parsed.errors
        blocks = [self._response_block(r) for r in results]
        problems = list(parsed.errors)
        if not results and answer is None and not problems:
            problems.append(self._no_call_message())
            valid = False
        text = "\n".join(blocks + [f"Error: {p}" for p in problems])
        error = "; ".join([r.error for r in results if not r.valid] + problems) or None
        if answer is not None:
            self.given_answer = answer
            correct = self.is_correct(answer)
            verdict = "correct" if correct else "not correct"
            text = (text + "\n" if text else "") + f"Answer received: {answer!r} ({verdict}). The task is over."
            return StepOutcome(text, reward=1.0 if correct else 0.0, terminated=True, valid_action=valid, success=correct, error=error)
        return StepOutcome(text, valid_action=valid, error=error)

    def _state_payload(self) -> Any:
        world = self.task.state() if self.task is not None and self.task.state is not None else None
        return {"seen": sorted(self._seen.items()), "answer": self.given_answer, "world": world}

    def _extra_info(self) -> dict[str, Any]:
        if self.task is None:
            return {}
        info: dict[str, Any] = {
            "tools": self.toolbox.schemas,
            "answer": self.task.answer,
            "tool_calls": self._counts[0],
            "tool_calls_valid": self._counts[1],
        }
        if self.task.metadata:
            info.update(self.task.metadata)
        return info

    # ------------------------------------------------------------------ public helpers
    def run_calls(self, parsed: ParsedAction) -> list[CallResult]:
        """Run the calls of one parsed action (at most ``max_calls_per_action``), record them in
        ``history`` and this action's counts, and return their results in order."""
        results = []
        for i, call in enumerate(parsed.calls):
            if i >= self.max_calls_per_action:
                over = CallError(
                    f"not run: at most {self.max_calls_per_action} tool calls are run per message",
                    name=call.name,
                )
                results.append(CallResult(over, valid=False, error=over.message))
                continue
            result = self.toolbox.run(call)
            results.append(result)
            if result.valid:
                self._seen[call.key()] = json.dumps(result.response(), sort_keys=True, ensure_ascii=False)
        self.history.extend(results)
        self._counts = (len(results), sum(r.valid for r in results))
        return results

    def is_correct(self, answer: str) -> bool:
        """Whether ``answer`` solves the current task (the task's ``check``, else
        :func:`~agentgym.envs.tools.answers.answers_match`)."""
        if self.task.check is not None:
            return bool(self.task.check(answer))
        return answers_match(answer, self.task.answer)

    def oracle_action(self) -> str:
        """The next call of the task's plan not yet made, else the answer from the plan's results."""
        if self.task is None:
            raise gymnasium.error.ResetNeeded("call reset() before oracle_action()")
        done = {r.call.key(): r.result for r in self.history if isinstance(r.call, ToolCall) and r.ok}
        results: list[Any] = []
        for step in self.task.plan:
            call = step if isinstance(step, ToolCall) else step(list(results))
            if call.key() not in done:
                return format_tool_calls([call], self.oracle_format)
            results.append(done[call.key()])
        answer = self.task.finish(results) if self.task.finish is not None else _as_text(results[-1] if results else "")
        if self.answer_tool is not None:
            tool = self.toolbox.tools[self.answer_tool]
            [param] = tool.parameters["required"][:1] or list(tool.parameters["properties"])[:1]
            return format_tool_calls([ToolCall(self.answer_tool, {param: answer})], self.oracle_format)
        return f"<answer>{answer}</answer>"

    # ------------------------------------------------------------------ internals
    def _answer_from_tool(self, results: list[CallResult]) -> str | None:
        for r in results:
            if r.valid and r.name == self.answer_tool and isinstance(r.call, ToolCall):
                values = [v for v in r.call.arguments.values() if isinstance(v, str)]
                return values[0] if values else ""
        return None

    def _response_block(self, result: CallResult) -> str:
        text = json.dumps(result.response(), ensure_ascii=False)
        if len(text) > self.max_result_chars:
            text = text[: self.max_result_chars] + f" ... [cut: {len(text)} characters in all]"
        return f"<tool_response>\n{text}\n</tool_response>"

    def _no_call_message(self) -> str:
        return (
            "no tool call or answer found. Call a tool with "
            '<tool_call>{"name": "<tool>", "arguments": {...}}</tool_call>, or give the final answer as '
            f"<answer>...</answer>. The tools are: {', '.join(self.toolbox.names)}."
        )


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
