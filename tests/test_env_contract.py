"""The TextEnv base class: seeding, step limit, malformed input, info keys, forking."""

import gymnasium
import pytest

from agentgym.env import REQUIRED_INFO_KEYS, TaskSet, TextSpace, state_hash
from conftest import CountdownEnv


def test_reset_is_a_function_of_seed_and_task(countdown_env):
    """Guards against reset drawing episode randomness from state left by earlier episodes."""
    a = countdown_env.reset(seed=7, options={"task": "count-3"})
    countdown_env.reset(seed=99)
    countdown_env.step("add 1")
    b = countdown_env.reset(seed=7, options={"task": "count-3"})
    assert a == b
    c = countdown_env.reset(seed=8, options={"task": "count-3"})
    assert c[0] != a[0]  # the noise drawn from the episode rng differs


def test_seed_alone_picks_a_task_deterministically():
    """Guards against task selection that ignores the seed."""
    picks = {CountdownEnv().reset(seed=s)[1]["task_id"] for s in range(30)}
    assert len(picks) > 3
    assert CountdownEnv().reset(seed=5)[1]["task_id"] == CountdownEnv().reset(seed=5)[1]["task_id"]


def test_split_option_and_unknown_task(countdown_env):
    _, info = countdown_env.reset(seed=0, options={"split": "test"})
    assert info["split"] == "test" and info["task_id"].startswith("count-t")
    with pytest.raises(ValueError, match="unknown task"):
        countdown_env.reset(seed=0, options={"task": "nope"})
    with pytest.raises(KeyError, match="splits"):
        countdown_env.reset(seed=0, options={"split": "nope"})
    with pytest.raises(ValueError, match="unknown reset options"):
        countdown_env.reset(seed=0, options={"tsk": "count-1"})


def test_info_keys_after_reset_and_step(countdown_env):
    _, info = countdown_env.reset(seed=0)
    assert set(REQUIRED_INFO_KEYS) <= set(info)
    _, _, _, _, info = countdown_env.step("add 1")
    assert set(REQUIRED_INFO_KEYS) <= set(info) and info["step"] == 1 and info["valid_action"]


def test_invalid_actions_count_toward_the_step_limit_and_truncate():
    """Guards against merging terminated and truncated, and against free invalid steps."""
    env = CountdownEnv(max_steps=3)
    env.reset(seed=0)
    flags = [env.step("nonsense")[2:4] for _ in range(3)]
    assert flags == [(False, False), (False, False), (False, True)]
    with pytest.raises(gymnasium.error.ResetNeeded):
        env.step("add 1")


def test_success_terminates_not_truncates(countdown_env):
    countdown_env.reset(seed=0, options={"task": "count-0"})
    while True:
        obs, reward, terminated, truncated, info = countdown_env.step(countdown_env.oracle_action())
        if terminated or truncated:
            break
    assert terminated and not truncated and info["success"] and reward == 1.0


@pytest.mark.parametrize("action", [None, 3, b"add 1", ["add", 1], {"a": 1}])
def test_non_string_actions_are_answered(countdown_env, action):
    countdown_env.reset(seed=0)
    obs, _, _, _, info = countdown_env.step(action)
    assert "expected text" in obs and info["valid_action"] is False


def test_fork_continues_like_the_original(countdown_env):
    countdown_env.reset(seed=3, options={"task": "count-2"})
    countdown_env.step("add 1")
    countdown_env.step("bad")
    fork = countdown_env.fork()
    assert fork.state_key() == countdown_env.state_key()
    assert fork.actions == countdown_env.actions
    for action in ["sub 2", "sub 1", "sub 3"]:
        assert fork.step(action)[:4] == countdown_env.step(action)[:4]
    fork.step("add 1")
    assert fork.steps == countdown_env.steps + 1  # independent afterwards


def test_fork_of_unseeded_episode_replays_exactly():
    """Guards against fork re-deriving randomness from a missing seed."""
    env = CountdownEnv()
    obs, _ = env.reset()
    assert env.fork().last_observation == obs


def test_text_space_admits_any_unicode():
    space = TextSpace(max_length=10)
    assert space.contains("漢字 ☃\x00") and space.contains("")
    assert not space.contains("x" * 11) and not space.contains(5)
    assert isinstance(space.sample(), str)


def test_state_hash_is_canonical():
    assert state_hash({"a": 1, "b": [1, 2]}) == state_hash({"b": [1, 2], "a": 1})
    assert state_hash({"a": 1}) != state_hash({"a": 2})


def test_bad_constructor_arguments_fail_clearly():
    with pytest.raises(ValueError, match="max_steps"):
        CountdownEnv(max_steps=0)
    with pytest.raises(ValueError, match="render_mode"):
        CountdownEnv(render_mode="rgb")
    with pytest.raises(ValueError, match="at least one split"):
        TaskSet({})
