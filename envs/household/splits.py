"""Task ids and splits: ``train-00042``, ``test-seen-00007``, ``test-unseen-00999``.

A task id names a home and a task; the generator derives both from the id alone. The id lists
are lazy (:class:`TaskIds` computes an id from its index and answers ``in`` by parsing), so a
task set of twelve thousand tasks costs nothing to build.
"""

from __future__ import annotations

from agentgym.env import TaskIds, TaskSet

__all__ = ["SPLIT_SIZES", "UNSEEN_SPLIT", "TaskIds", "parse_task_id", "household_task_set"]

#: The splits and their sizes. ``test-unseen`` homes use held-out object types and layouts.
SPLIT_SIZES = {"train": 10_000, "test-seen": 1_000, "test-unseen": 1_000}
UNSEEN_SPLIT = "test-unseen"


def parse_task_id(task_id: str) -> tuple[str, int]:
    """``"test-seen-00007"`` -> ``("test-seen", 7)``; an unknown id raises ``ValueError``."""
    for split, size in SPLIT_SIZES.items():
        if task_id in TaskIds(split, size):
            return split, int(task_id.rpartition("-")[2])
    raise ValueError(f"unknown household task id {task_id!r}; ids look like 'train-00042' or 'test-unseen-00007'")


_TASK_SET: TaskSet | None = None


def household_task_set() -> TaskSet:
    """The (shared, immutable) task set of the household envs."""
    global _TASK_SET
    if _TASK_SET is None:
        _TASK_SET = TaskSet({split: TaskIds(split, size) for split, size in SPLIT_SIZES.items()})
    return _TASK_SET
