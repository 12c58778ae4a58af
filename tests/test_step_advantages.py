"""GiGPO's step-level advantages: hand-computed numbers, and per-turn advantages reaching the
right tokens of a training sample."""

import math

import pytest

from agentgym.algorithms import (
    combine_advantages,
    discounted_returns,
    gigpo_advantages,
    grpo_advantages,
    step_advantages,
    step_group_sizes,
    step_groups,
    turn_rewards,
)
from agentgym.train.config import AlgorithmConfig
from agentgym.train.grpo import _with_step_advantages
from agentgym.train.batches import build_samples
from agentgym.trajectory import Group, StopReason, Trajectory, Turn

# Two attempts at one task (gamma 0.5, penalty 0.1):
# A visits s0, s1, s2 and succeeds on its last action: turn rewards 0, 0, 1 -> returns 0.25, 0.5, 1.
# B visits s0, s1, then repeats an invalid action in s1: turn rewards 0, -0.1, 0 -> returns -0.05, -0.1, 0.
KEYS = [["s0", "s1", "s2"], ["s0", "s1", "s1"]]
RETURNS = [[0.25, 0.5, 1.0], [-0.05, -0.1, 0.0]]


def test_turn_rewards_and_discounted_returns_by_hand():
    assert turn_rewards([0, 0, 1], [True, True, True], 0.1) == [0.0, 0.0, 1.0]
    assert turn_rewards([0, 0, 0], [True, False, True], 0.1) == [0.0, -0.1, 0.0]
    assert discounted_returns([0.0, 0.0, 1.0], 0.5) == RETURNS[0]
    assert discounted_returns([0.0, -0.1, 0.0], 0.5) == RETURNS[1]
    assert discounted_returns([1.0, 1.0], 1.0) == [2.0, 1.0]
    assert discounted_returns([], 0.9) == []
    with pytest.raises(ValueError, match="gamma"):
        discounted_returns([1.0], 1.5)
    with pytest.raises(ValueError, match="validity"):
        turn_rewards([0.0, 1.0], [True], 0.1)


def test_step_groups_and_their_sizes_by_hand():
    # s0: A's and B's first turns; s1: A's second, B's second and third; s2: A's third alone.
    assert step_groups(KEYS) == {"s0": [(0, 0), (1, 0)], "s1": [(0, 1), (1, 1), (1, 2)], "s2": [(0, 2)]}
    assert step_group_sizes(KEYS) == [[2, 3, 1], [2, 3, 3]]
    assert step_group_sizes([["", "x"], ["x"]]) == [[0, 2], [2]]
    assert step_group_sizes([]) == []


def test_step_advantages_mean_only_by_hand():
    # s0: returns 0.25 and -0.05, mean 0.1 -> +0.15, -0.15.
    # s1: returns 0.5, -0.1, 0.0 (B's twice), mean 0.4/3 -> 0.36667, -0.23333, -0.13333.
    # s2: visited once -> 0.
    got = step_advantages(KEYS, RETURNS, normalize_std=False)
    want = [[0.15, 0.5 - 0.4 / 3, 0.0], [-0.15, -0.1 - 0.4 / 3, 0.0 - 0.4 / 3]]
    for g, w in zip(got, want):
        assert g == pytest.approx(w, abs=1e-9)


def test_step_advantages_std_normalised_by_hand():
    got = step_advantages(KEYS, RETURNS, normalize_std=True, eps=0.0)
    centred = [0.5 - 0.4 / 3, -0.1 - 0.4 / 3, -0.4 / 3]
    std = math.sqrt(sum(c * c for c in centred) / 3)  # population std, as GRPO's
    assert got[0][0] == pytest.approx(1.0) and got[1][0] == pytest.approx(-1.0)
    assert [got[0][1], got[1][1], got[1][2]] == pytest.approx([c / std for c in centred])
    assert got[0][2] == 0.0


def test_empty_state_keys_form_no_step_group():
    assert step_advantages([["", ""], ["", ""]], [[1.0, 0.0], [0.0, 0.0]]) == [[0.0, 0.0], [0.0, 0.0]]
    with pytest.raises(ValueError, match="shape"):
        step_advantages([["a"]], [[1.0, 2.0]])


def test_combine_adds_the_weighted_step_term():
    import torch

    episode = grpo_advantages(torch.tensor([1.0, -0.1]), eps=0.0).tolist()  # +1, -1
    step = step_advantages(KEYS, RETURNS, normalize_std=False)
    got = combine_advantages(episode, step, 2.0)
    assert got[0] == pytest.approx([1.3, 1.0 + 2 * (0.5 - 0.4 / 3), 1.0])
    assert got[1] == pytest.approx([-1.3, -1.0 + 2 * (-0.1 - 0.4 / 3), -1.0 + 2 * (-0.4 / 3)])
    with pytest.raises(ValueError):
        combine_advantages([1.0], step, 1.0)


def _traj(context_mode: str) -> Trajectory:
    turns = [
        Turn("o0", "a0", prompt_ids=[1, 2, 3], action_ids=[10, 11], action_logprobs=[-0.1, -0.2]),
        Turn("o1", "a1", prompt_ids=[4, 5], action_ids=[12], action_logprobs=[-0.3]),
        Turn("o2", "a2", prompt_ids=[6], action_ids=[13, 14, 15], action_logprobs=[-0.4, -0.5, -0.6]),
    ]
    return Trajectory("agentgym/Household-v0", "t", turns=turns, context_mode=context_mode, window=1)


def test_per_turn_advantages_land_on_their_turns_tokens_in_full_mode():
    (sample,) = build_samples([Group("g", "t", [_traj("full")])], [[[0.5, -1.0, 2.0]]], [True])
    assert sample.input_ids == [1, 2, 3, 10, 11, 4, 5, 12, 6, 13, 14, 15]
    assert sample.advantage == [0, 0, 0, 0.5, 0.5, 0, 0, -1.0, 0, 2.0, 2.0, 2.0]


def test_per_turn_advantages_land_on_their_turns_tokens_in_window_mode():
    samples = build_samples([Group("g", "t", [_traj("window")])], [[[0.5, -1.0, 2.0]]], [True])
    assert len(samples) == 3
    for s, adv in zip(samples, [0.5, -1.0, 2.0]):
        assert [a for a, m in zip(s.advantage, s.loss_mask) if m] == [adv] * sum(s.loss_mask)
        assert all(a == 0 for a, m in zip(s.advantage, s.loss_mask) if not m)


def test_per_turn_advantages_must_match_the_turns():
    with pytest.raises(ValueError, match="per-turn"):
        build_samples([Group("g", "t", [_traj("full")])], [[[0.5, -1.0]]], [True])


def test_gigpo_advantages_from_rewards_flags_and_keys():
    got = gigpo_advantages(
        [1.0, -1.0], [[0, 0, 1], [0, 0, 0]], [[True] * 3, [True, False, True]], KEYS, weight=2.0, gamma=0.5, invalid_action_penalty=0.1, normalize_std=False
    )
    assert got == [pytest.approx(g) for g in combine_advantages([1.0, -1.0], step_advantages(KEYS, RETURNS, normalize_std=False), 2.0)]
    with pytest.raises(ValueError, match=">= 0"):
        gigpo_advantages([0.0], [[0.0]], [[True]], [["s"]], weight=-1.0, gamma=0.5)


def _played(keys, rewards, valid, stop=StopReason.MAX_TURNS) -> Trajectory:
    turns = [Turn("o", "a", float(r), k, ok) for k, r, ok in zip(keys, rewards, valid)]
    return Trajectory("agentgym/Household-v0", "t", turns=turns, stop_reason=stop)


def _groups():
    # 1: both attempts fail with one invalid action each (tied rewards, -0.1), in different states:
    #    A's turn rewards -0.1, 0 -> returns (gamma 0.5) -0.1, 0; B's 0, -0.1 -> returns -0.05, -0.1.
    #    s0 holds A0, A1 and B0 (returns -0.1, 0, -0.05; mean -0.05); s1 holds B1 alone.
    tied = Group("g1", "t", [_played(["s0", "s0"], [0, 0], [False, True]), _played(["s0", "s1"], [0, 0], [True, False])])
    # 2: two identical attempts: every advantage is zero.
    same = Group("g2", "t", [_played(["s0", "s1"], [0, 0], [True, True]), _played(["s0", "s1"], [0, 0], [True, True])])
    # 3: A succeeds; B's env raised on its first action (recorded invalid, reward 0).
    error = Group("g3", "t", [_played(["s0", "s1"], [0, 1], [True, True], StopReason.SUCCESS), _played(["s0"], [0], [False], StopReason.ENV_ERROR)])
    return [tied, same, error]


def test_trainer_step_advantages_by_hand_mean_only():
    a = AlgorithmConfig(step_advantage_weight=1.0, step_gamma=0.5, invalid_action_penalty=0.1, step_normalize_std=False)
    advs, keep, stats = _with_step_advantages(_groups(), [[0.0, 0.0], [0.0, 0.0], [1.0, -1.0]], [False, False, True], a)
    assert advs[0][0] == pytest.approx([-0.05, 0.05]) and advs[0][1] == pytest.approx([0.0, 0.0])
    assert advs[1] == [[0.0, 0.0], [0.0, 0.0]]
    # the errored attempt joins no step group, so A's s0 is alone: episode advantages only
    assert advs[2] == [[1.0, 1.0], [-1.0]]
    assert keep == [True, False, True]  # the tied group ranks its actions; the identical one does not
    assert stats["shared_state_turns"] == pytest.approx(7 / 11)  # 3 of 4, 4 of 4, 0 of 3


def test_trainer_step_advantages_use_step_normalize_std():
    a = AlgorithmConfig(step_advantage_weight=1.0, step_gamma=0.5, invalid_action_penalty=0.1, step_normalize_std=True)
    advs, _, _ = _with_step_advantages(_groups()[:1], [[0.0, 0.0]], [False], a)
    std = math.sqrt((0.05**2 + 0.05**2) / 3)
    assert advs[0][0] == pytest.approx([-0.05 / std, 0.05 / std], rel=1e-4)
