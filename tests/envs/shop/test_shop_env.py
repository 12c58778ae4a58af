"""ShopEnv: the oracle buys right, a random clicker does not, bad actions are answered, episodes replay."""

from __future__ import annotations

import subprocess
import sys
import time
import warnings

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import agentgym
from agentgym.envs.shop import ShopEnv


def play_oracle(env: ShopEnv, task_id: str, seed: int) -> tuple[float, dict]:
    env.reset(seed=seed, options={"task": task_id})
    done, reward, info = False, 0.0, {}
    while not done:
        action = env.oracle_action()
        _, reward, terminated, truncated, info = env.step(action)
        assert info["valid_action"], f"{task_id}: the oracle's {action!r} was refused: {info.get('error')}"
        done = terminated or truncated
    assert terminated and not truncated, f"{task_id}: the oracle ran out of steps"
    return reward, info


@pytest.mark.parametrize("split", ["train", "test"])
def test_oracle_scores_one_on_every_instruction(split: str) -> None:
    """Guards against unsatisfiable instructions, a search that cannot find the target, and an
    oracle that forgets an option: 100 seeded instructions per split, each bought with score 1.0."""
    env = ShopEnv(split=split)
    ids = env.task_set.ids(split)
    steps = []
    for i in range(100):
        reward, info = play_oracle(env, ids[(i * 97) % len(ids)], seed=i)
        assert reward == 1.0 and info["success"]
        steps.append(env.steps)
    assert max(steps) <= 6, "search, open, up to three options, buy"


def test_oracle_recovers_from_any_page() -> None:
    """Guards against an oracle that only works from the start: after random clicks it still buys right."""
    env = ShopEnv()
    rng = np.random.default_rng(1)
    for ep in range(30):
        _, info = env.reset(seed=ep)
        for _ in range(int(rng.integers(1, 6))):
            actions = [a for a in info["admissible_actions"] if a != "click[Buy Now]"]
            _, _, _, _, info = env.step(actions[int(rng.integers(len(actions)))])
        env.max_steps = env.steps + 12
        done = False
        while not done:
            _, reward, terminated, truncated, info = env.step(env.oracle_action())
            done = terminated or truncated
        assert terminated and reward == 1.0, env.task_id


def test_random_clicker_scores_low() -> None:
    """Guards against a task that is too easy (a random walk over the admissible actions must
    average well under WebShop-level scores)."""
    env = ShopEnv()
    rng = np.random.default_rng(0)
    rewards = []
    for ep in range(200):
        _, info = env.reset(seed=ep)
        done, reward = False, 0.0
        while not done:
            actions = info["admissible_actions"]
            _, reward, terminated, truncated, info = env.step(actions[int(rng.integers(len(actions)))])
            done = terminated or truncated
        rewards.append(reward)
    assert np.mean(rewards) < 0.2, np.mean(rewards)


@pytest.mark.parametrize(
    "action, says",
    [
        ("click[nonexistent]", "no element 'nonexistent'"),
        ("search[]", "only on the search page"),
        ("search[shirt]", "only on the search page"),
        ("buy", "is not an action"),
        ("click[Buy Now", "is not an action"),
        ("", "is not an action"),
        ("click[" + "x" * 5000 + "]", "at most 1000"),
        ("\x00\x01", "is not an action"),
    ],
)
def test_bad_actions_on_an_item_page_are_answered(action: str, says: str) -> None:
    """Guards against an exception, a silent no-op, or a page change on a bad action."""
    env = ShopEnv(max_steps=30)
    env.reset(seed=4)
    env.step(env.oracle_action())
    env.step(env.oracle_action())
    before = (env.page, env.state_key())
    obs, reward, terminated, truncated, info = env.step(action)
    assert says in obs and obs.startswith("Invalid action: ") and "click[Back to Search]" in obs
    assert info["valid_action"] is False and info["error"] and reward == 0.0 and not terminated and not truncated
    assert (env.page, env.state_key()) == before and env.steps == 3


def test_bad_actions_on_the_search_page() -> None:
    env = ShopEnv()
    env.reset(seed=0)
    for action, says in [
        ("search[]", "needs a query"),
        ("search[   ]", "needs a query"),
        ("click[Search]", "nothing to click"),
        ("search[" + "q " * 400 + "]", "under 500"),
    ]:
        obs, _, _, _, info = env.step(action)
        assert says in obs and not info["valid_action"], action
    obs, _, _, _, info = env.step("  SEARCH [zzzz qqqq]  ")  # a valid search with no results
    assert info["valid_action"] and "Total results: 0" in obs
    assert info["admissible_actions"] == ["click[Back to Search]"]
    assert env.steps == 5


def test_actions_match_elements_ignoring_case_and_spacing() -> None:
    env = ShopEnv()
    env.reset(seed=2)
    env.step(env.oracle_action())
    asin = env.oracle_action()[len("click[") : -1]
    _, _, _, _, info = env.step(f"Click[ {asin.lower()} ]")
    assert info["valid_action"] and env.page.kind == "item"


def test_same_seed_and_task_give_the_same_episode() -> None:
    """Guards against hidden randomness: two envs (and a reused one) replay an action list identically."""
    rng = np.random.default_rng(3)
    a = ShopEnv()
    _, info = a.reset(seed=11, options={"task": "test-00042"})
    actions, trace_a = [], []
    while not a.done:
        choices = info["admissible_actions"] + ["click[nope]"]
        actions.append(choices[int(rng.integers(len(choices)))])
        obs, r, te, tr, info = a.step(actions[-1])
        trace_a.append((obs, r, te, tr, info["state_key"], info["valid_action"]))
    b = ShopEnv()
    b.reset(seed=0, options={"task": "train-00001"})
    b.step("search[socks]")
    b.reset(seed=11, options={"task": "test-00042"})
    trace_b = []
    for action in actions:
        obs, r, te, tr, info = b.step(action)
        trace_b.append((obs, r, te, tr, info["state_key"], info["valid_action"]))
    assert trace_a == trace_b
    assert ShopEnv().reset(seed=5) == ShopEnv().reset(seed=5)


def test_same_episode_in_another_process() -> None:
    """Guards against per-process state (ports, hash seeds) leaking into observations."""
    code = (
        "from agentgym.envs.shop import ShopEnv\n"
        "e = ShopEnv(split='test'); o, i = e.reset(seed=9)\n"
        "while not e.done: o = e.step(e.oracle_action())[0]\n"
        "print(repr((i['task_id'], i['state_key'], o)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    e = ShopEnv(split="test")
    o, i = e.reset(seed=9)
    while not e.done:
        o = e.step(e.oracle_action())[0]
    assert out.stdout.strip() == repr((i["task_id"], i["state_key"], o))


def test_state_key_is_the_page_not_the_path() -> None:
    """Guards against a state key that depends on the path taken (GiGPO groups by it): results
    page 1 reached by searching or by paging back is one state; another page is another."""
    env = ShopEnv()
    _, start = env.reset(seed=0, options={"task": "train-00005"})
    _, _, _, _, first = env.step("search[Organic   COFFEE]")
    _, _, _, _, second = env.step("click[Next >]")
    _, _, _, _, back = env.step("click[< Prev]")
    assert first["state_key"] == back["state_key"] != second["state_key"] != start["state_key"]
    _, _, _, _, again = env.step("click[Back to Search]")
    assert again["state_key"] == start["state_key"]
    other = ShopEnv()
    _, other_start = other.reset(seed=0, options={"task": "train-00006"})
    assert other_start["state_key"] != start["state_key"], "the task is part of the state"


def test_fork_continues_like_the_original() -> None:
    env = ShopEnv()
    env.reset(seed=7)
    env.step(env.oracle_action())
    fork = env.fork()
    assert fork.state_key() == env.state_key() and fork.actions == env.actions
    while not env.done:
        action = env.oracle_action()
        assert env.step(action) == fork.step(action)
    assert fork.done and fork.success
    fork.close()
    env.close()


def test_steps_are_fast() -> None:
    """Guards against a slow round trip (e.g. Nagle's algorithm adding 40 ms to every request)."""
    env = ShopEnv()
    env.reset(seed=0)
    timings = []
    for ep in range(10):
        env.reset(seed=ep)
        while not env.done:
            action = env.oracle_action()
            start = time.perf_counter()
            env.step(action)
            timings.append(time.perf_counter() - start)
    assert np.median(timings) < 0.010, f"median step {np.median(timings) * 1000:.1f} ms"


def test_registration_and_modes() -> None:
    """Guards against the env missing from the registry, and a browser mode that half-works."""
    assert "agentgym/Shop-v0" in agentgym.registered_envs()
    env = gymnasium.make("agentgym/Shop-v0")
    assert isinstance(env.unwrapped, ShopEnv) and env.unwrapped.mode == "text"
    assert env.unwrapped.max_steps == 15 and ShopEnv.io_bound
    obs, info = env.reset(seed=0)
    assert obs.startswith("Instruction: [SEP] ") and info["task_id"].startswith("train-")
    assert info["instruction"] in obs
    with pytest.raises(NotImplementedError, match="mode='text'"):
        ShopEnv(mode="browser")
    with pytest.raises(ValueError, match="mode must be one of"):
        ShopEnv(mode="html")
    with pytest.raises(KeyError, match="train"):
        ShopEnv(split="dev")
    test_env = agentgym.make("Shop-v0", split="test", max_steps=3, render_mode="ansi")
    obs, _ = test_env.reset(seed=1)
    assert test_env.render() == obs
    for _ in range(3):
        _, _, terminated, truncated, _ = test_env.step("click[nothing]")
    assert (terminated, truncated) == (False, True)


def test_gymnasium_env_checker_passes() -> None:
    env = ShopEnv()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(env)


@pytest.mark.parametrize("kwargs", [{"catalog_seed": 1}, {"catalog_size": 100, "split": "test"}])
def test_other_catalogs(kwargs: dict) -> None:
    """Guards against a catalog seed or size that only half reaches the server, the goals or the oracle."""
    env = ShopEnv(**kwargs)
    ids = env.task_set.ids(env.split)
    for i in range(20):
        reward, _ = play_oracle(env, ids[i], seed=i)
        assert reward == 1.0
    assert len(env.server.catalog) == kwargs.get("catalog_size", 1200)
    assert env.server.catalog.seed == kwargs.get("catalog_seed", 0)
    assert env.fork().server is env.server


def test_pickles_mid_episode() -> None:
    """Guards against an env that cannot be sent to a worker process (sockets do not pickle)."""
    import pickle

    env = ShopEnv()
    env.reset(seed=3)
    env.step(env.oracle_action())
    clone = pickle.loads(pickle.dumps(env))
    assert clone.state_key() == env.state_key()
    while not clone.done:
        action = clone.oracle_action()
        assert clone.step(action) == env.step(action)
