"""The household oracle: it solves every task, from the start or from any state, within the limit."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from agentgym.envs.household import HouseholdEnv
from agentgym.envs.household.oracle import plan
from agentgym.envs.household.tasks import TASK_TYPES

SPLITS = ("train", "test-seen", "test-unseen")


def solve(env: HouseholdEnv, task_id: str, seed: int = 0) -> tuple[bool, int, int]:
    """Play ``task_id`` with the oracle: (success, steps taken, initial plan length)."""
    env.reset(seed=seed, options={"task": task_id})
    planned = len(plan(env.world, env.home.task))
    done, info = False, {}
    while not done:
        action = env.oracle_action()
        _, reward, terminated, truncated, info = env.step(action)
        assert info["valid_action"], f"{task_id}: the oracle's action {action!r} was refused: {info.get('error')}"
        done = terminated or truncated
    if info["success"]:
        assert reward == 1.0 and terminated and not truncated
    return bool(info["success"]), env.steps, planned


@pytest.mark.parametrize("split", SPLITS)
@pytest.mark.parametrize("difficulty, count", [("medium", 500), ("easy", 150), ("hard", 150)])
def test_oracle_solves_every_task(split: str, difficulty: str, count: int) -> None:
    """Guards against unsolvable generated homes, oracle plans that stall or take illegal actions,
    and tasks too long for the 50-step limit (the oracle must finish with a wide margin)."""
    env = HouseholdEnv(split=split, difficulty=difficulty)
    ids = env.task_set.ids(split)
    lengths = []
    for i in range(count):
        success, steps, planned = solve(env, ids[i], seed=i)
        assert success, f"oracle failed {ids[i]} ({difficulty})"
        # Following a shortest plan shortens it by exactly one per step.
        assert steps == planned, f"{ids[i]}: planned {planned} steps, took {steps}"
        lengths.append(steps)
    assert max(lengths) <= 25, f"a task needs {max(lengths)} oracle steps; the limit of 50 leaves too little margin"


@pytest.mark.parametrize("split", SPLITS)
def test_all_six_task_types_appear_and_are_solved(split: str) -> None:
    """Guards against a task type that the generator never sets, or one the oracle cannot solve."""
    env = HouseholdEnv(split=split)
    ids = env.task_set.ids(split)
    solved: Counter[str] = Counter()
    for i in range(120):
        success, _, _ = solve(env, ids[i])
        assert success
        solved[env.home.task.type] += 1
    assert set(solved) == set(TASK_TYPES), f"task types seen: {dict(solved)}"
    assert min(solved.values()) >= 8, f"task types are badly unbalanced: {dict(solved)}"


def test_oracle_recovers_from_random_states() -> None:
    """Guards against an oracle that only works from the initial state: after random admissible
    actions (wrong objects in hand, doors left open, objects moved, lamps switched) it must
    still reach the goal, each of its steps shortening its plan by one."""
    env = HouseholdEnv()
    ids = env.task_set.ids("train")
    rng = np.random.default_rng(7)
    for i in range(200):
        _, info = env.reset(seed=i, options={"task": ids[1000 + i]})
        walk = int(rng.integers(0, 26))
        for _ in range(walk):
            actions = info["admissible_actions"]
            _, _, terminated, _, info = env.step(actions[int(rng.integers(len(actions)))])
            if terminated:
                break
        if info["success"]:
            continue
        remaining = len(plan(env.world, env.home.task))
        while True:
            _, _, terminated, truncated, info = env.step(env.oracle_action())
            assert info["valid_action"]
            if terminated or truncated:
                break
            now = len(plan(env.world, env.home.task))
            assert now == remaining - 1, f"{ids[1000 + i]}: plan went from {remaining} to {now} steps"
            remaining = now
        assert info["success"], f"oracle failed {ids[1000 + i]} after {walk} random steps"


def test_oracle_puts_down_a_wrong_object_first() -> None:
    """Guards against the oracle trying to take the goal object while the hand is full."""
    env = HouseholdEnv()
    for i in range(100):
        task_id = f"train-{i:05d}"
        env.reset(seed=0, options={"task": task_id})
        layout, task = env.home.layout, env.home.task
        distractors = [o for o in layout.objects if layout.object_type[o] != task.object_type]
        if not distractors:
            continue
        obj = distractors[0]
        where = layout.start[obj]
        env.step(f"go to {where}")
        if where in layout.openable:
            env.step(f"open {where}")
        _, _, _, _, info = env.step(f"take {obj} from {where}")
        assert info["valid_action"] and env.world.held == obj
        taken = []
        while not env.done:
            taken.append(env.oracle_action())
            env.step(taken[-1])
        assert env.success, f"{task_id}: {taken}"
        assert any(a.startswith(f"put {obj} in/on ") for a in taken), f"{task_id}: never put down {obj}: {taken}"
