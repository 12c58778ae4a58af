"""The household env's optional shaped reward (``progress_reward``)."""

import pytest

from agentgym.envs.household.env import HouseholdEnv

# Easy training tasks and the oracle's plans for them (checked below, not assumed).
CLEAN_TASK = "train-00000"  # go to sinkbasin 1, take spoon 1, clean it, go to countertop 1, put it
PICK_TWO_TASK = "train-00001"


def _oracle_rewards(env: HouseholdEnv, task: str) -> tuple[list[str], list[float]]:
    env.reset(seed=0, options={"task": task})
    actions, rewards = [], []
    while True:
        actions.append(env.oracle_action())
        _, reward, terminated, truncated, info = env.step(actions[-1])
        rewards.append(reward)
        if terminated or truncated:
            assert info["success"]
            return actions, rewards


def test_the_default_pays_only_the_outcome():
    actions, rewards = _oracle_rewards(HouseholdEnv(difficulty="easy"), CLEAN_TASK)
    assert actions[2] == "clean spoon 1 with sinkbasin 1"
    assert rewards == [0.0, 0.0, 0.0, 0.0, 1.0]


def test_each_sub_goal_pays_once_on_the_step_that_reaches_it():
    env = HouseholdEnv(difficulty="easy", progress_reward=0.1)
    actions, rewards = _oracle_rewards(env, CLEAN_TASK)
    assert [a.split()[0] for a in actions] == ["go", "take", "clean", "go", "put"]
    assert rewards == [0.0, 0.1, 0.1, 0.0, 1.0]  # take the spoon, clean it, place it
    actions, rewards = _oracle_rewards(env, PICK_TWO_TASK)
    assert [a.split()[0] for a in actions] == ["go", "take", "go", "open", "put", "go", "take", "go", "put"]
    assert rewards == [0.0, 0.1, 0.0, 0.0, 0.0, 0.0, 0.1, 0.0, 1.0]  # the second object in hand, one placed


def test_putting_down_and_taking_again_earns_nothing():
    env = HouseholdEnv(difficulty="easy", progress_reward=0.25)
    env.reset(seed=0, options={"task": CLEAN_TASK})
    steps = ["go to sinkbasin 1", "take spoon 1 from sinkbasin 1", "put spoon 1 in/on sinkbasin 1", "take spoon 1 from sinkbasin 1"]
    rewards = [env.step(a)[1] for a in steps]
    assert rewards == [0.0, 0.25, 0.0, 0.0]
    fork = env.fork()  # the sub-goals reached travel with a fork
    assert fork.step("clean spoon 1 with sinkbasin 1")[1] == env.step("clean spoon 1 with sinkbasin 1")[1] == 0.25
    env.reset(seed=0, options={"task": CLEAN_TASK})  # and a reset forgets them
    assert [env.step(a)[1] for a in steps[:2]] == [0.0, 0.25]


@pytest.mark.parametrize("bad", [-0.1, 1.0, 2, "0.1", True, None])
def test_a_progress_reward_outside_0_1_is_refused(bad):
    with pytest.raises(ValueError, match=r"progress_reward must be a number in \[0, 1\)"):
        HouseholdEnv(progress_reward=bad)
