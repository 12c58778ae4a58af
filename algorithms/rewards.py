"""Episode rewards for training, from what an episode returned and how it behaved."""

from __future__ import annotations

__all__ = ["episode_reward"]


def episode_reward(env_return: float, invalid_actions: int, invalid_action_penalty: float = 0.0) -> float:
    """The env's return minus ``invalid_action_penalty`` per invalid action.

    A small penalty (0.1 against a success reward of 1 in ALFWorld-style envs, as verl-agent
    uses) makes groups whose attempts all fail still rank their attempts (fewer malformed
    commands is better), and counters the drift toward malformed commands that negative
    advantages otherwise cause in small models.

    >>> episode_reward(1.0, 2, 0.1)
    0.8
    """
    if invalid_action_penalty < 0:
        raise ValueError(f"invalid_action_penalty must be >= 0, got {invalid_action_penalty}")
    return float(env_return) - invalid_action_penalty * invalid_actions
