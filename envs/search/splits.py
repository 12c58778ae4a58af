"""Task ids and splits of the search env: ``train-00042`` and ``test-00007``.

Task ``{split}-{i:05d}`` is question ``i`` of that split in the world's
:class:`~agentgym.envs.search.questions.QuestionBank`. The id lists are lazy
(:class:`~agentgym.env.TaskIds`); their sizes come from the question bank (for the default
world: 39,595 train and 1,055 test questions).
"""

from __future__ import annotations

from agentgym.env import TaskIds, TaskSet
from agentgym.envs.search.questions import QuestionBank

__all__ = ["search_task_set", "task_index"]


def search_task_set(bank: QuestionBank) -> TaskSet:
    """The task set over ``bank``'s ``train`` and ``test`` questions."""
    return TaskSet({split: TaskIds(split, size) for split, size in bank.split_sizes.items()})


def task_index(task_id: str) -> int:
    """``"test-00007"`` -> 7 (the id must already be known to be in a split)."""
    return int(task_id.rpartition("-")[2])
