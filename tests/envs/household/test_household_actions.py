"""Admissible actions and the random policy: the admissible list is exactly the legal actions,
and picking among them at random rarely solves a task (the env is not trivial)."""

from __future__ import annotations

import numpy as np
import pytest

from agentgym.envs.household import HouseholdEnv
from agentgym.envs.household.commands import Command, parse
from agentgym.envs.household.world import World


def random_episode(env: HouseholdEnv, task_id: str, rng: np.random.Generator, seed: int = 0) -> bool:
    """Play one episode uniformly over the admissible actions; return success."""
    _, info = env.reset(seed=seed, options={"task": task_id})
    while True:
        actions = info["admissible_actions"]
        _, _, terminated, truncated, info = env.step(actions[int(rng.integers(len(actions)))])
        assert info["valid_action"]
        if terminated or truncated:
            return bool(info["success"])


def test_random_policy_rarely_succeeds() -> None:
    """Guards against tasks that are trivially solvable by luck (e.g. goal already nearly met,
    or success checks that are too loose): a uniform random policy must solve under 10%."""
    env = HouseholdEnv(split="train")
    rng = np.random.default_rng(0)
    ids = env.task_set.ids("train")
    wins = sum(random_episode(env, ids[i], rng, seed=i) for i in range(200))
    assert wins / 200 < 0.10, f"random policy solved {wins}/200 tasks"


@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
def test_every_admissible_action_is_valid(difficulty: str) -> None:
    """Guards against an admissible list that offers actions the rules then refuse: in states
    sampled along random walks, every listed action is taken (on a fork) and must be valid."""
    env = HouseholdEnv(split="train", difficulty=difficulty)
    rng = np.random.default_rng(1)
    checked = 0
    for i in range(25):
        _, info = env.reset(seed=i, options={"task": f"train-{2000 + i:05d}"})
        for _ in range(30):
            for action in info["admissible_actions"]:
                _, _, _, _, fork_info = env.fork().step(action)
                assert fork_info["valid_action"], f"admissible {action!r} was refused: {fork_info.get('error')}"
                checked += 1
            actions = info["admissible_actions"]
            _, _, terminated, truncated, info = env.step(actions[int(rng.integers(len(actions)))])
            if terminated or truncated:
                break
    assert checked > 1000


def every_command(world: World) -> list[str]:
    """Every command of the grammar over every name in the home (legal or not)."""
    layout = world.layout
    receptacles = list(layout.receptacles)
    things = list(layout.objects) + list(layout.lamps)
    names = receptacles + things
    commands = ["look", "inventory"]
    for name in names:
        commands += [f"go to {name}", f"open {name}", f"close {name}", f"examine {name}", f"use {name}"]
    for thing in things:
        for receptacle in receptacles:
            commands += [f"take {thing} from {receptacle}", f"put {thing} in/on {receptacle}"]
            commands += [f"{verb} {thing} with {receptacle}" for verb in ("clean", "heat", "cool")]
    return commands


def test_admissible_list_is_complete() -> None:
    """Guards against legal actions missing from the admissible list (ALFWorld lists them all):
    every command of the grammar over every name is tried on a copy of the world, and the set
    that succeeds must equal the admissible set."""
    env = HouseholdEnv(split="train")
    rng = np.random.default_rng(2)
    for i in range(12):
        _, info = env.reset(seed=i, options={"task": f"train-{3000 + i:05d}"})
        for _ in range(12):
            world = env.world
            legal = []
            for text in every_command(world):
                command = parse(text)
                assert isinstance(command, Command), text
                valid, _ = world.copy().apply(command)
                if valid:
                    legal.append(text)
            assert sorted(legal) == sorted(info["admissible_actions"])
            actions = info["admissible_actions"]
            _, _, terminated, truncated, info = env.step(actions[int(rng.integers(len(actions)))])
            if terminated or truncated:
                break


def test_admissible_list_is_a_fresh_copy() -> None:
    """Guards against the cached admissible list leaking: a caller mutating it must not change
    what the env offers next."""
    env = HouseholdEnv()
    env.reset(seed=0, options={"task": "train-00002"})
    first = env.admissible_actions()
    first.clear()
    assert env.admissible_actions(), "mutating the returned list emptied the env's cache"
