"""Shared test fixtures: a tiny arithmetic env that exercises the env contract quickly."""

from __future__ import annotations

import re

import pytest

import agentgym
from agentgym.env import StepOutcome, TaskSet, TextEnv


class CountdownEnv(TextEnv):
    """Reach a target number from 0 with ``add N`` / ``sub N`` (N in 1..3). Test-only env."""

    description = "Reach a target number with add/sub commands (test env)."
    default_max_steps = 12
    _COMMAND = re.compile(r"^\s*(add|sub)\s+([1-3])\s*$")

    def __init__(self, *, split: str = "train", max_steps: int | None = None, render_mode: str | None = None, flaky_at: int | None = None):
        super().__init__(split=split, max_steps=max_steps, render_mode=render_mode)
        self.task_set = TaskSet({"train": [f"count-{i}" for i in range(20)], "test": [f"count-t{i}" for i in range(5)]})
        self.flaky_at = flaky_at
        self.value = 0
        self.target = 0

    def _reset_task(self, task_id, rng):
        self.value = 0
        self.target = 3 + sum(map(ord, task_id)) % 6
        self.noise = int(rng.integers(1000))
        return f"Reach {self.target}. The value is 0. (noise {self.noise})"

    def _step(self, action):
        if self.flaky_at is not None and self.steps + 1 == self.flaky_at:
            raise RuntimeError("simulated env crash")
        m = self._COMMAND.match(action)
        if not m:
            return StepOutcome(f"Invalid action {action[:30]!r}: use 'add N' or 'sub N' with N in 1..3.", valid_action=False, error="unparsed")
        n = int(m.group(2)) * (1 if m.group(1) == "add" else -1)
        self.value += n
        done = self.value == self.target
        return StepOutcome(f"The value is {self.value}.", reward=1.0 if done else 0.0, terminated=done, success=done)

    def _state_payload(self):
        return {"value": self.value, "target": self.target}

    def admissible_actions(self):
        return [f"{op} {n}" for op in ("add", "sub") for n in (1, 2, 3)]

    def oracle_action(self):
        diff = self.target - self.value
        return f"add {min(3, diff)}" if diff > 0 else f"sub {min(3, -diff)}"


# Registered at import so that tests parametrised over every registered env see it too.
agentgym.register("test/Countdown-v0", CountdownEnv)


@pytest.fixture
def countdown_env():
    env = CountdownEnv()
    yield env
    env.close()
