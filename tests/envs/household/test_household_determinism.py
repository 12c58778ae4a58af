"""Determinism, forking and the state key of the household env."""

from __future__ import annotations

import numpy as np

from agentgym.env import TextEnv
from agentgym.envs.household import HouseholdEnv


def play(env: HouseholdEnv, task_id: str, seed: int, actions: list[str]) -> list[tuple]:
    """Reset then take ``actions`` (stopping at the end of the episode); the full trace."""
    obs, info = env.reset(seed=seed, options={"task": task_id})
    trace = [(obs, info["state_key"])]
    for action in actions:
        obs, reward, terminated, truncated, info = env.step(action)
        trace.append((obs, reward, terminated, truncated, info["state_key"], info["valid_action"]))
        if terminated or truncated:
            break
    return trace


def random_actions(env: HouseholdEnv, task_id: str, seed: int, n: int) -> list[str]:
    """A random walk over admissible actions (with a few invalid ones mixed in)."""
    rng = np.random.default_rng(seed)
    _, info = env.reset(seed=seed, options={"task": task_id})
    taken = []
    for _ in range(n):
        if rng.random() < 0.1:
            action = "take moon 1 from sky 2"
        else:
            actions = info["admissible_actions"]
            action = actions[int(rng.integers(len(actions)))]
        taken.append(action)
        _, _, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            break
    return taken


def test_same_seed_and_task_give_the_same_episode() -> None:
    """Guards against hidden randomness (set iteration order, global RNGs, caches) changing an
    episode: the same (seed, task, actions) must give identical observations and state keys,
    in a fresh env and in a reused one."""
    for i in range(30):
        task_id = f"test-seen-{i:05d}"
        actions = random_actions(HouseholdEnv(split="test-seen"), task_id, seed=i, n=40)
        first = play(HouseholdEnv(split="test-seen"), task_id, i, actions)
        reused = HouseholdEnv(split="test-seen")
        play(reused, "test-seen-00999", 3, ["look"])
        assert play(reused, task_id, i, actions) == first
        assert play(HouseholdEnv(split="test-seen"), task_id, i + 1000, actions)[1:] == first[1:]


def test_reset_without_task_is_seeded() -> None:
    """Guards against reset(seed=s) drawing a different task each time."""
    a, b = HouseholdEnv(), HouseholdEnv()
    assert a.reset(seed=5) == b.reset(seed=5)
    assert a.task_id == b.task_id and a.task_id.startswith("train-")


def test_fork_matches_replay_and_the_original() -> None:
    """Guards against a native fork that copies too little (shared mutable state) or differs
    from the base class's replay fork: after forking at step k, the original, the native fork
    and the replay fork must produce the same observations for the same actions."""
    for i in range(40):
        task_id = f"train-{4000 + i:05d}"
        env = HouseholdEnv()
        actions = random_actions(env, task_id, seed=i, n=45)
        k = len(actions) // 2
        play(env, task_id, i, actions[:k])
        native = env.fork()
        replay = TextEnv.fork(env)
        assert native.state_key() == replay.state_key() == env.state_key()
        assert native.steps == replay.steps == env.steps == k
        assert native.actions == env.actions
        traces = []
        for clone in (env, native, replay):
            trace = []
            for action in actions[k:]:
                if clone.done:
                    break
                obs, reward, terminated, truncated, info = clone.step(action)
                trace.append((obs, reward, terminated, truncated, info))
            trace.append(clone.oracle_action() if not clone.done else None)
            traces.append(trace)
        assert traces[0] == traces[1] == traces[2]


def test_fork_is_independent() -> None:
    """Guards against a fork sharing the world with its parent: acting in the fork must not
    change the original's state, observations or step count."""
    env = HouseholdEnv()
    env.reset(seed=0, options={"task": "train-00002"})
    env.step("go to fridge 1")
    key, steps = env.state_key(), env.steps
    clone = env.fork()
    clone.step("open fridge 1")
    clone.step("take mug 1 from fridge 1")
    assert env.state_key() == key and env.steps == steps and env.world.held is None
    _, _, _, _, info = env.step("open fridge 1")
    assert info["valid_action"] and "mug 1" in env.last_observation


def test_state_key_is_path_independent() -> None:
    """Guards against state keys that depend on history (GiGPO groups states by key): different
    paths to the same state give the same key, and refused actions leave the key unchanged."""
    env = HouseholdEnv()
    env.reset(seed=0, options={"task": "train-00002"})
    env.step("go to fridge 1")
    direct = env.state_key()

    env.reset(seed=1, options={"task": "train-00002"})
    for action in ("go to shelf 1", "look", "go to fridge 1", "open fridge 1", "close fridge 1", "inventory"):
        env.step(action)
    assert env.state_key() == direct
    _, _, _, _, info = env.step("take mug 1 from fridge 1")  # refused: the fridge is closed
    assert not info["valid_action"] and info["state_key"] == direct

    # Moving an object out and back restores the state too.
    env.step("open fridge 1")
    opened = env.state_key()
    env.step("take mug 1 from fridge 1")
    env.step("put mug 1 in/on fridge 1")
    assert env.state_key() == opened
    # Cleaning an already-clean object is a no-op for the state.
    env.reset(seed=0, options={"task": "train-00002"})
    for action in ("go to fridge 1", "open fridge 1", "take mug 1 from fridge 1", "go to sinkbasin 1",
                   "clean mug 1 with sinkbasin 1"):
        env.step(action)
    clean = env.state_key()
    env.step("clean mug 1 with sinkbasin 1")
    assert env.state_key() == clean
