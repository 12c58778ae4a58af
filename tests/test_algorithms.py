"""Advantage estimators, the PPO-clip loss and group filters, against hand computations."""

import math

import pytest
import torch

from agentgym.algorithms import grpo_advantages, group_advantages, informative_groups, ppo_clip_loss, rloo_advantages, sft_loss


def test_grpo_advantages_by_hand():
    # rewards 1, 0: mean 0.5, population std 0.5 -> (+0.5 / 0.5, -0.5 / 0.5) = (+1, -1)
    assert grpo_advantages(torch.tensor([1.0, 0.0]), eps=0.0).tolist() == [1.0, -1.0]
    # rewards 1, 0, 0, 0: mean 0.25; std = sqrt((0.5625 + 3 * 0.0625) / 4) = sqrt(0.1875) = 0.4330
    adv = grpo_advantages(torch.tensor([1.0, 0.0, 0.0, 0.0]), eps=0.0)
    assert adv.tolist() == pytest.approx([0.75 / 0.4330127, -0.25 / 0.4330127, -0.25 / 0.4330127, -0.25 / 0.4330127], rel=1e-6)
    # mean-only (Dr. GRPO): 0.75, -0.25, ...
    assert grpo_advantages(torch.tensor([1.0, 0.0, 0.0, 0.0]), normalize_std=False).tolist() == [0.75, -0.25, -0.25, -0.25]
    assert grpo_advantages(torch.tensor([1.0, 1.0])).tolist() == [0.0, 0.0]


def test_rloo_advantages_by_hand():
    # r = (1, 0, 0): baseline for 0 is mean(0, 0) = 0 -> 1; for the others mean(1, 0) = 0.5 -> -0.5
    assert rloo_advantages(torch.tensor([1.0, 0.0, 0.0])).tolist() == pytest.approx([1.0, -0.5, -0.5])
    assert rloo_advantages(torch.tensor([3.0])).tolist() == [0.0]
    with pytest.raises(ValueError, match="unknown advantage"):
        group_advantages(torch.tensor([1.0]), "ppo")


def _two_trajectory_group():
    """Trajectory A (advantage +1) has policy tokens at positions 2, 3; B (advantage -1) at
    1, 2, 3. Position 0 of each and nothing else is prompt/env."""
    new = torch.tensor([[0.0, -9.0, -1.0, -0.5], [0.0, -2.0, -0.1, -0.3]], requires_grad=True)
    old = torch.tensor([[0.0, -3.0, -1.2, -0.5], [0.0, -1.0, -0.1, -0.3]])
    mask = torch.tensor([[0, 0, 1, 1], [0, 1, 1, 1]])
    adv = torch.tensor([[1.0] * 4, [-1.0] * 4])
    return new, old, mask, adv


def test_ppo_clip_loss_by_hand_token_level():
    new, old, mask, adv = _two_trajectory_group()
    loss, stats = ppo_clip_loss(new, old, adv, mask, clip_low=0.2, clip_high=0.2)
    # A, pos 2: ratio e^0.2 = 1.2214 > 1.2, A = +1: min(1.2214, 1.2) = 1.2 -> loss -1.2
    # A, pos 3: ratio 1 -> -1
    # B, pos 1: ratio e^-1 = 0.3679, A = -1: min(-0.3679, -0.8) = -0.8 -> loss +0.8
    # B, pos 2 and 3: ratio 1 -> +1 each
    # token mean: (-1.2 - 1 + 0.8 + 1 + 1) / 5 = 0.6 / 5 = 0.12
    assert loss.item() == pytest.approx(0.12, abs=1e-6)
    assert stats.clip_fraction == pytest.approx(2 / 5)  # A pos 2 and B pos 1
    assert stats.policy_tokens == 5


def test_ppo_clip_loss_by_hand_sequence_level_and_clip_higher():
    new, old, mask, adv = _two_trajectory_group()
    loss, _ = ppo_clip_loss(new, old, adv, mask, aggregation="sequence")
    # A: (-1.2 - 1) / 2 = -1.1; B: (0.8 + 1 + 1) / 3 = 0.9333; mean = -0.08333
    assert loss.item() == pytest.approx((-1.1 + 2.8 / 3) / 2, abs=1e-6)
    # clip-higher 0.28: A pos 2's ratio 1.2214 is inside the range, so it counts unclipped
    loss, stats = ppo_clip_loss(new, old, adv, mask, clip_low=0.2, clip_high=0.28)
    assert loss.item() == pytest.approx((-math.exp(0.2) - 1 + 0.8 + 1 + 1) / 5, abs=1e-6)
    assert stats.clip_fraction == pytest.approx(1 / 5)


def test_env_tokens_get_exactly_zero_gradient():
    """Guards against the loss leaking onto prompt/env tokens (a masking bug trains the model
    to predict the environment)."""
    new, old, mask, adv = _two_trajectory_group()
    loss, _ = ppo_clip_loss(new, old, adv, mask, kl_coef=0.1, ref_logprobs_BT=old)
    loss.backward()
    grad = new.grad
    assert torch.all(grad[mask == 0] == 0)
    # Every policy token has a gradient (the clipped ones through the KL term).
    assert torch.all(grad[mask == 1] != 0)


def test_kl_penalty_k3_by_hand():
    new = torch.tensor([[0.0, -1.0]])
    ref = torch.tensor([[0.0, -1.5]])
    mask = torch.tensor([[0, 1]])
    zero = torch.zeros_like(new)
    loss, stats = ppo_clip_loss(new, new.detach(), zero, mask, ref_logprobs_BT=ref, kl_coef=0.5)
    # k3 with delta = ref - new = -0.5: e^-0.5 - (-0.5) - 1 = 0.60653 + 0.5 - 1 = 0.10653
    assert stats.kl_to_reference == pytest.approx(0.1065307, abs=1e-6)
    assert loss.item() == pytest.approx(0.5 * 0.1065307, abs=1e-6)


def test_normalizer_makes_micro_batches_add_up():
    new, old, mask, adv = _two_trajectory_group()
    whole, _ = ppo_clip_loss(new, old, adv, mask)
    parts = sum(ppo_clip_loss(new[i : i + 1], old[i : i + 1], adv[i : i + 1], mask[i : i + 1], normalizer=5.0)[0] for i in range(2))
    assert parts.item() == pytest.approx(whole.item())


def test_sft_loss_and_informative_groups():
    lp = torch.tensor([[0.0, -1.0, -3.0]])
    assert float(sft_loss(lp, torch.tensor([[0, 1, 1]]))) == pytest.approx(2.0)
    assert informative_groups([[1, 1], [0, 1], [], [0.5, 0.5, 0.5]]) == [False, True, False, False]


def test_episode_reward_subtracts_the_invalid_action_penalty():
    from agentgym.algorithms import episode_reward

    assert episode_reward(1.0, 0, 0.1) == 1.0
    assert episode_reward(1.0, 3, 0.1) == pytest.approx(0.7)
    assert episode_reward(0.0, 2, 0.25) == pytest.approx(-0.5)
    assert episode_reward(0.5, 4) == 0.5  # off by default
    with pytest.raises(ValueError):
        episode_reward(1.0, 1, -0.1)
    # Failed attempts now rank by validity: a group of failures carries a gradient.
    rewards = torch.tensor([episode_reward(0.0, n, 0.1) for n in (0, 1, 4, 0)])
    assert group_advantages(rewards, "grpo").abs().sum() > 0
