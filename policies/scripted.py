"""Scripted policies: ``random`` (uniform over admissible actions), ``oracle`` (the env's own
solver) and ``human`` (a person at the terminal). They act on text only (no tokens)."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from agentgym.policy import Completion, GenerationRequest, SamplingParams

__all__ = ["RandomPolicy", "OraclePolicy", "HumanPolicy", "ReplayPolicy"]


class RandomPolicy:
    """Picks uniformly among ``info["admissible_actions"]``; for envs without that list, samples
    a random string from the env's action space (mostly malformed, which is the point)."""

    name = "random"

    def __init__(self, seed: int | None = None):
        self.rng = np.random.default_rng(seed)

    def generate(self, requests: Sequence[GenerationRequest], sampling: SamplingParams) -> list[Completion]:
        """One admissible action per request, drawn uniformly (a random string of the env's action
        space where the env lists none); ``sampling`` is ignored."""
        out = []
        for req in requests:
            actions = req.info.get("admissible_actions")
            if actions:
                out.append(Completion(text=actions[int(self.rng.integers(len(actions)))]))
            elif req.env is not None:
                out.append(Completion(text=req.env.action_space.sample()[:64]))
            else:
                out.append(Completion(text=""))
        return out


class OraclePolicy:
    """Asks the env's own solver (``env.oracle_action()``) for the next action."""

    name = "oracle"

    def generate(self, requests: Sequence[GenerationRequest], sampling: SamplingParams) -> list[Completion]:
        """The env's own next action for each request; ``sampling`` is ignored."""
        out = []
        for req in requests:
            if req.env is None:
                raise ValueError("the oracle policy needs the live env in each request (the rollout engine passes it)")
            env = getattr(req.env, "unwrapped", req.env)
            out.append(Completion(text=env.oracle_action()))
        return out


class HumanPolicy:
    """A person types each action at the terminal.

    The observation is printed, then the admissible actions (if the env lists them); typing a
    number picks that admissible action. ``:quit`` or end of input ends the session (raises
    ``KeyboardInterrupt``).
    """

    name = "human"

    def __init__(self, input_fn: Callable[[str], str] = input, print_fn: Callable[[str], None] = print):
        self.input_fn = input_fn
        self.print_fn = print_fn

    def generate(self, requests: Sequence[GenerationRequest], sampling: SamplingParams) -> list[Completion]:
        """Shows each request's latest observation and reads the action typed for it."""
        out = []
        for req in requests:
            self.print_fn("\n" + req.messages[-1]["content"])
            actions = req.info.get("admissible_actions") or []
            if actions:
                self.print_fn("\nAdmissible actions: " + ", ".join(f"[{i}] {a}" for i, a in enumerate(actions)))
            try:
                text = self.input_fn("> ").strip()
            except EOFError:  # the input ran out: leave like ':quit'
                raise KeyboardInterrupt from None
            if text == ":quit":
                raise KeyboardInterrupt
            if text.isdigit() and int(text) < len(actions):
                text = actions[int(text)]
            out.append(Completion(text=text))
        return out


class ReplayPolicy:
    """Plays fixed action lists, one per task id: for benchmarks and tests of the engine itself."""

    name = "replay"

    def __init__(self, actions_by_task: dict[str, Sequence[str]]):
        self.actions_by_task = {k: list(v) for k, v in actions_by_task.items()}

    def generate(self, requests: Sequence[GenerationRequest], sampling: SamplingParams) -> list[Completion]:
        """The next recorded action of each request's task; ``sampling`` is ignored."""
        out = []
        plans = self.actions_by_task
        for req in requests:
            env = req.env.unwrapped
            plan = plans[env.task_id]
            step = env.steps
            out.append(Completion(plan[step] if step < len(plan) else "look"))
        return out
