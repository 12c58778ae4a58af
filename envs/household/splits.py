"""Task ids and splits: ``train-00042``, ``test-seen-00007``, ``test-unseen-00999``.

A task id names a home and a task; the generator derives both from the id alone. The id lists
are lazy (:class:`TaskIds` computes an id from its index and answers ``in`` by parsing), so a
task set of twelve thousand tasks costs nothing to build.
"""

from __future__ import annotations

from typing import Iterator, Sequence, overload

from agentgym.env import TaskSet

__all__ = ["SPLIT_SIZES", "UNSEEN_SPLIT", "TaskIds", "parse_task_id", "household_task_set"]

#: The splits and their sizes. ``test-unseen`` homes use held-out object types and layouts.
SPLIT_SIZES = {"train": 10_000, "test-seen": 1_000, "test-unseen": 1_000}
UNSEEN_SPLIT = "test-unseen"
_DIGITS = 5


class TaskIds(Sequence[str]):
    """The ids ``{split}-00000`` ... ``{split}-{n-1:05d}``, computed on demand."""

    def __init__(self, split: str, size: int):
        self.split = split
        self.size = size

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.size))]
        index = int(index)
        if index < 0:
            index += self.size
        if not 0 <= index < self.size:
            raise IndexError(f"task index {index} out of range for split {self.split!r} ({self.size} tasks)")
        return f"{self.split}-{index:0{_DIGITS}d}"

    def __iter__(self) -> Iterator[str]:
        return (f"{self.split}-{i:0{_DIGITS}d}" for i in range(self.size))

    def __contains__(self, task_id: object) -> bool:
        if not isinstance(task_id, str):
            return False
        prefix, _, number = task_id.rpartition("-")
        return (
            prefix == self.split
            and len(number) == _DIGITS
            and number.isascii()
            and number.isdigit()
            and int(number) < self.size
        )

    def index(self, task_id: object, start: int = 0, stop: int | None = None) -> int:
        """The position of ``task_id`` (fast: parsed, not searched)."""
        if task_id not in self:
            raise ValueError(f"{task_id!r} is not in split {self.split!r}")
        position = int(str(task_id).rpartition("-")[2])
        if not start <= position < (self.size if stop is None else stop):
            raise ValueError(f"{task_id!r} is not in the given range")
        return position

    def count(self, task_id: object) -> int:
        """1 if the id is in this split, else 0."""
        return int(task_id in self)

    def __repr__(self) -> str:
        return f"TaskIds({self.split!r}, {self.size})"


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
