"""Step-level advantages from shared env states (GiGPO: Feng et al. 2025, "Group-in-Group Policy
Optimization for LLM Agent Training", sec. 4.2).

An outcome advantage gives every action of an episode the same credit. The G attempts at one
task, though, often pass through the same env state: all start in one, and an invalid action
leaves the state as it was. Every action taken in one state (equal ``state_key``) across the
group forms a *step group*; comparing the discounted returns of those actions says which of
them was better *from that state*:

- ``R_{i,t} = sum_{k >= t} gamma^(k-t) r_{i,k}``: the discounted return after turn t of attempt i,
  where ``r`` is the per-turn reward (:func:`turn_rewards`);
- ``A^S_{i,t}``: ``R_{i,t}`` normalised within its step group, as GRPO normalises episode rewards
  (mean removed, optionally divided by the group's std); a state visited once gets 0;
- ``A_{i,t} = A^E_i + w * A^S_{i,t}``, with ``A^E`` the episode-level (GRPO/RLOO) advantage.

Turns whose ``state_key`` is empty (an env that reports none) form no step group.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Sequence

import torch

from agentgym.algorithms.advantages import grpo_advantages

__all__ = ["turn_rewards", "discounted_returns", "step_groups", "step_group_sizes", "step_advantages", "combine_advantages", "gigpo_advantages"]


def turn_rewards(env_rewards: Sequence[float], valid_actions: Sequence[bool], invalid_action_penalty: float = 0.0) -> list[float]:
    """Per-turn rewards: the env's, less ``invalid_action_penalty`` on each invalid action (the
    per-turn form of :func:`~agentgym.algorithms.episode_reward`; they sum to it)."""
    if len(env_rewards) != len(valid_actions):
        raise ValueError(f"{len(env_rewards)} rewards but {len(valid_actions)} validity flags")
    return [float(r) - (0.0 if ok else invalid_action_penalty) for r, ok in zip(env_rewards, valid_actions)]


def discounted_returns(rewards: Sequence[float], gamma: float) -> list[float]:
    """``R_t = r_t + gamma * R_{t+1}``, from the last turn back.

    >>> discounted_returns([0.0, -0.1, 1.0], 0.5)
    [0.2, 0.4, 1.0]
    """
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"gamma must be in [0, 1], got {gamma}")
    out = [0.0] * len(rewards)
    running = 0.0
    for t in range(len(rewards) - 1, -1, -1):
        running = float(rewards[t]) + gamma * running
        out[t] = running
    return out


def step_groups(state_keys: Sequence[Sequence[str]]) -> dict[str, list[tuple[int, int]]]:
    """The step groups of one group of attempts: ``{state_key: [(attempt i, turn t), ...]}``
    for every non-empty key, in order of first visit (a state may recur within one attempt)."""
    members: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for i, keys in enumerate(state_keys):
        for t, key in enumerate(keys):
            if key:
                members[key].append((i, t))
    return dict(members)


def step_group_sizes(state_keys: Sequence[Sequence[str]]) -> list[list[int]]:
    """``[G][T_i]``: how many actions of the group were taken in turn t's state (itself
    included; 0 for a turn without a state key). A size of 2 or more means a step-level term."""
    out = [[0] * len(keys) for keys in state_keys]
    for where in step_groups(state_keys).values():
        for i, t in where:
            out[i][t] = len(where)
    return out


def step_advantages(
    state_keys: Sequence[Sequence[str]], returns: Sequence[Sequence[float]], *, normalize_std: bool = True, eps: float = 1e-6
) -> list[list[float]]:
    """Step-level advantages of one group: ``state_keys[i][t]`` and ``returns[i][t]`` for turn t of
    attempt i; returns ``[G][T_i]``. Actions that share a non-empty state key are compared with
    each other (a state may recur within one attempt too); a lone action gets 0."""
    if len(state_keys) != len(returns) or any(len(k) != len(r) for k, r in zip(state_keys, returns)):
        raise ValueError("state_keys and returns must have the same shape")
    out = [[0.0] * len(keys) for keys in state_keys]
    for where in step_groups(state_keys).values():
        if len(where) < 2:
            continue
        adv = grpo_advantages(torch.tensor([returns[i][t] for i, t in where]), normalize_std=normalize_std, eps=eps)
        for (i, t), a in zip(where, adv.tolist()):
            out[i][t] = a
    return out


def combine_advantages(episode: Sequence[float], step: Sequence[Sequence[float]], weight: float) -> list[list[float]]:
    """``A_{i,t} = episode[i] + weight * step[i][t]``, shape ``[G][T_i]``."""
    if len(episode) != len(step):
        raise ValueError(f"{len(episode)} episode advantages but {len(step)} attempts of step advantages")
    return [[float(e) + weight * s for s in steps] for e, steps in zip(episode, step)]


def gigpo_advantages(
    episode: Sequence[float],
    env_rewards: Sequence[Sequence[float]],
    valid_actions: Sequence[Sequence[bool]],
    state_keys: Sequence[Sequence[str]],
    *,
    weight: float,
    gamma: float,
    invalid_action_penalty: float = 0.0,
    normalize_std: bool = True,
) -> list[list[float]]:
    """Per-turn advantages ``[G][T_i]`` of one group, from its episode-level advantages and each
    attempt's per-turn env rewards, validity flags and state keys: the whole recipe above."""
    if weight < 0:
        raise ValueError(f"the step advantage weight must be >= 0, got {weight}")
    returns = [discounted_returns(turn_rewards(r, v, invalid_action_penalty), gamma) for r, v in zip(env_rewards, valid_actions)]
    return combine_advantages(episode, step_advantages(state_keys, returns, normalize_std=normalize_std), weight)
