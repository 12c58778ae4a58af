"""Group-relative advantage estimators (outcome rewards, one scalar per trajectory).

- ``grpo``: ``A_i = (r_i - mean(r)) / (std(r) + eps)`` (Shao et al. 2024, DeepSeekMath, eq. 3 for
  outcome supervision); with ``normalize_std=False`` only the mean is removed (Dr. GRPO, Liu et
  al. 2025, who show the std division biases toward easy and hard groups).
- ``rloo``: leave-one-out baseline, ``A_i = r_i - mean_{j != i} r_j = G/(G-1) * (r_i - mean(r))``
  (Ahmadian et al. 2024, "Back to Basics"; LOOP, Chen et al. 2025, uses the same baseline).

All take ``rewards_G``, a 1-D tensor of the G rewards of one group, and return ``[G]``.
"""

from __future__ import annotations

from typing import Callable

import torch

__all__ = ["grpo_advantages", "rloo_advantages", "ADVANTAGE_ESTIMATORS", "group_advantages"]


def grpo_advantages(rewards_G: torch.Tensor, *, normalize_std: bool = True, eps: float = 1e-6) -> torch.Tensor:
    """``(r - mean) / (std + eps)``, or ``r - mean`` when ``normalize_std`` is False. std is the
    population std (ddof 0), so a group of 2 with rewards 0 and 1 gets advantages -1 and +1."""
    rewards_G = rewards_G.to(torch.float64)
    centred = rewards_G - rewards_G.mean()
    if not normalize_std:
        return centred
    return centred / (rewards_G.std(unbiased=False) + eps)


def rloo_advantages(rewards_G: torch.Tensor, **_: object) -> torch.Tensor:
    """``r_i`` minus the mean of the other G-1 rewards (zero for a group of one)."""
    rewards_G = rewards_G.to(torch.float64)
    g = rewards_G.numel()
    if g < 2:
        return torch.zeros_like(rewards_G)
    return (rewards_G - rewards_G.mean()) * g / (g - 1)


ADVANTAGE_ESTIMATORS: dict[str, Callable[..., torch.Tensor]] = {"grpo": grpo_advantages, "rloo": rloo_advantages}


def group_advantages(rewards_G: torch.Tensor, estimator: str, *, normalize_std: bool = True) -> torch.Tensor:
    """Look up ``estimator`` by name and apply it to one group's rewards."""
    try:
        fn = ADVANTAGE_ESTIMATORS[estimator]
    except KeyError:
        raise ValueError(f"unknown advantage estimator {estimator!r}; expected one of {sorted(ADVANTAGE_ESTIMATORS)}") from None
    return fn(rewards_G, normalize_std=normalize_std)
