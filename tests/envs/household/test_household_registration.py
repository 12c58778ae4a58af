"""Registration and the gymnasium contract of the household env."""

from __future__ import annotations

import warnings

import gymnasium
import pytest
from gymnasium.utils.env_checker import check_env

import agentgym
from agentgym.envs.household import HouseholdEnv


def test_registered_through_entry_points() -> None:
    """Guards against the env not being reachable by id (entry point or registration broken)."""
    envs = agentgym.registered_envs()
    assert "agentgym/Household-v0" in envs and "agentgym/HouseholdEasy-v0" in envs
    assert envs["agentgym/Household-v0"].summary()
    env = gymnasium.make("agentgym/Household-v0")
    assert isinstance(env.unwrapped, HouseholdEnv) and env.unwrapped.difficulty == "medium"
    obs, info = env.reset(seed=0)
    assert "Your task is to: " in obs and info["task_id"].startswith("train-")
    easy = agentgym.make("HouseholdEasy-v0", split="test-unseen")
    assert easy.difficulty == "easy" and easy.split == "test-unseen"


@pytest.mark.parametrize("kwargs", [{}, {"difficulty": "easy", "split": "test-unseen", "render_mode": "ansi"}])
def test_gymnasium_env_checker_passes(kwargs: dict) -> None:
    """Guards against breaking gymnasium's Env contract (spaces, seeding, reset/step signatures)."""
    env = gymnasium.make("agentgym/Household-v0", **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. "no render_fps", a base-class metadata matter
        check_env(env.unwrapped)


def test_constructor_arguments_reach_the_base_class() -> None:
    """Guards against split/max_steps/render_mode being swallowed by the subclass: the step
    limit truncates (not terminates) and rendering returns the last observation."""
    env = HouseholdEnv(split="test-seen", max_steps=3, render_mode="ansi")
    assert env.split == "test-seen" and env.max_steps == 3
    obs, info = env.reset(seed=1)
    assert info["split"] == "test-seen" and env.render() == obs
    for step in range(3):
        obs, reward, terminated, truncated, info = env.step("look")
    assert (terminated, truncated, reward, info["success"]) == (False, True, 0.0, False)
    assert env.render() == obs
    assert HouseholdEnv().max_steps == 50
    assert info["task_type"] in {"pick_and_place", "examine_in_light", "clean_and_place", "heat_and_place",
                                 "cool_and_place", "pick_two_and_place"}
    assert HouseholdEnv.description and "\n" not in HouseholdEnv.description
