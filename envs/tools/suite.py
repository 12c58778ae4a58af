"""``SuiteEnv``: a :class:`ToolEnv` whose tasks are generated from the task id, in ``train``/``test``.

A built-in suite subclasses it, names itself (``suite``) and writes :meth:`SuiteEnv.generate`
(an rng seeded from the suite name and the task id -> :class:`ToolTask`). A task is thus the same
whatever the reset seed, and the train and test tasks differ.
"""

from __future__ import annotations

import hashlib
from typing import ClassVar

import numpy as np

from agentgym.env import TaskIds, TaskSet
from agentgym.envs.tools.env import ToolEnv, ToolTask

__all__ = ["SuiteEnv", "SPLIT_SIZES", "task_rng"]

#: The splits of every built-in suite and their sizes.
SPLIT_SIZES = {"train": 5000, "test": 1000}


def task_rng(suite: str, task_id: str) -> np.random.Generator:
    """The generator a task is drawn from: a pure function of the suite and the task id."""
    digest = hashlib.blake2b(f"tools.{suite}|{task_id}".encode(), digest_size=8).digest()
    return np.random.default_rng(int.from_bytes(digest, "little"))


class SuiteEnv(ToolEnv):
    """A tool suite with seeded, generated tasks (``train``: 5000, ``test``: 1000).

    Args:
        split: ``train`` or ``test``.
        max_steps: the step limit (default ``default_max_steps``).
        render_mode: ``ansi`` or ``human``.
        oracle_format: the call format of :meth:`oracle_action`, ``hermes`` or ``openai``.
    """

    #: The suite's name (``calculator``); its env id is ``agentgym/tools.<suite>-v0``.
    suite: ClassVar[str] = ""

    def __init__(
        self,
        *,
        split: str = "train",
        max_steps: int | None = None,
        render_mode: str | None = None,
        oracle_format: str = "hermes",
    ):
        super().__init__(split=split, max_steps=max_steps, render_mode=render_mode, oracle_format=oracle_format)
        self.task_set = TaskSet({name: TaskIds(name, size) for name, size in SPLIT_SIZES.items()})
        self.task_set.ids(split)  # an unknown split fails here, naming the ones that exist

    def make_task(self, task_id: str, rng: np.random.Generator) -> ToolTask:
        """The task ``task_id``, from :meth:`generate` with the task's own rng (not the episode's)."""
        return self.generate(task_rng(self.suite, task_id))

    def generate(self, rng: np.random.Generator) -> ToolTask:
        """Draw one task from ``rng``."""
        raise NotImplementedError
