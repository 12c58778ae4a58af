"""Task ids and splits of the shop: ``train-00042`` and ``test-00007``.

A task id names an instruction; :func:`~agentgym.envs.shop.goals.make_goal` derives it from the id
(and the catalog) alone. The id lists are lazy, as the household env's are.
"""

from __future__ import annotations

from agentgym.env import TaskIds, TaskSet

__all__ = ["SPLIT_SIZES", "parse_task_id", "shop_task_set"]

#: The splits and their sizes. ``test`` instructions target products that ``train`` never targets.
SPLIT_SIZES = {"train": 10_000, "test": 1_000}

_TASK_SET: TaskSet | None = None


def parse_task_id(task_id: str) -> tuple[str, int]:
    """``"test-00007"`` -> ``("test", 7)``; an unknown id raises ``ValueError``."""
    for split, size in SPLIT_SIZES.items():
        if task_id in TaskIds(split, size):
            return split, int(task_id.rpartition("-")[2])
    raise ValueError(f"unknown shop task id {task_id!r}; ids look like 'train-00042' or 'test-00007'")


def shop_task_set() -> TaskSet:
    """The (shared, immutable) task set of the shop envs."""
    global _TASK_SET
    if _TASK_SET is None:
        _TASK_SET = TaskSet({split: TaskIds(split, size) for split, size in SPLIT_SIZES.items()})
    return _TASK_SET
