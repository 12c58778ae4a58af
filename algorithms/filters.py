"""Which groups train: dynamic sampling (DAPO, Yu et al. 2025, sec. 3.2).

A group whose G rewards are all equal has zero advantage everywhere under any group-relative
estimator, so it contributes no gradient; dropping it keeps the batch informative.
"""

from __future__ import annotations

from typing import Sequence

__all__ = ["informative_groups"]


def informative_groups(rewards_per_group: Sequence[Sequence[float]], *, tol: float = 1e-9) -> list[bool]:
    """For each group, True if its rewards are not all equal."""
    return [bool(rewards) and (max(rewards) - min(rewards) > tol) for rewards in rewards_per_group]
