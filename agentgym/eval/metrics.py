"""Evaluation metrics as pure functions over trajectories.

- success rate with a 95% Wilson score interval (well-behaved at 0% and 100%, unlike the
  normal approximation);
- pass@k: the chance that at least one of k attempts succeeds, by the unbiased estimator of
  Chen et al. 2021 ("Evaluating Large Language Models Trained on Code", eq. 1):
  ``1 - C(n-c, k) / C(n, k)`` for n attempts with c successes;
- pass^k: the chance that all of k attempts succeed (Yao et al. 2024, tau-bench):
  ``C(c, k) / C(n, k)``.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Any, Sequence

from agentgym.trajectory import Trajectory

__all__ = ["wilson_interval", "pass_at_k", "pass_hat_k", "summarize", "breakdown"]


def wilson_interval(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The Wilson score interval for a binomial proportion (95% by default)."""
    if n <= 0:
        return (0.0, 1.0)
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be in [0, n], got {successes} of {n}")
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def pass_at_k(n: int, c: int, k: int) -> float:
    """P(at least one of k attempts drawn from n succeeds), given c successes among n."""
    _check_nck(n, c, k)
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def pass_hat_k(n: int, c: int, k: int) -> float:
    """P(all k attempts drawn from n succeed), given c successes among n."""
    _check_nck(n, c, k)
    return math.comb(c, k) / math.comb(n, k)


def _check_nck(n: int, c: int, k: int) -> None:
    if not (0 <= c <= n and 1 <= k <= n):
        raise ValueError(f"need 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")


def summarize(trajectories: Sequence[Trajectory], by: Sequence[str] = ()) -> dict[str, Any]:
    """Aggregate eval figures over trajectories (attempts grouped by task id).

    Returns a JSON-able dict: ``episodes``, ``tasks``, ``successes``, ``success_rate``,
    ``success_rate_ci95``, ``mean_steps``, ``mean_reward``, ``invalid_action_rate`` (rejected
    actions / all actions), ``stop_reasons``, and with k >= 2 attempts per task ``pass@j`` and
    ``pass^j`` for j = 1..k (k = the fewest attempts any task had), averaged over tasks.

    For each info key in ``by`` (e.g. ``task_type``) that the episodes' first turns carry,
    ``by_<key>`` breaks the figures down per value (see :func:`breakdown`).
    """
    n = len(trajectories)
    successes = sum(t.success for t in trajectories)
    actions = sum(t.num_turns for t in trajectories)
    invalid = sum(t.invalid_actions for t in trajectories)
    lo, hi = wilson_interval(successes, n)
    summary: dict[str, Any] = {
        "episodes": n,
        "successes": successes,
        "success_rate": successes / n if n else 0.0,
        "success_rate_ci95": [lo, hi],
        "mean_steps": actions / n if n else 0.0,
        "mean_reward": sum(t.total_reward for t in trajectories) / n if n else 0.0,
        "invalid_action_rate": invalid / actions if actions else 0.0,
        "stop_reasons": dict(Counter(t.stop_reason.value if t.stop_reason else "unknown" for t in trajectories)),
    }
    by_task: dict[str, list[bool]] = defaultdict(list)
    for t in trajectories:
        by_task[t.task_id].append(t.success)
    summary["tasks"] = len(by_task)
    attempts = min((len(v) for v in by_task.values()), default=0)
    if attempts >= 2:
        for j in range(1, attempts + 1):
            summary[f"pass@{j}"] = sum(pass_at_k(len(v), sum(v), j) for v in by_task.values()) / len(by_task)
            summary[f"pass^{j}"] = sum(pass_hat_k(len(v), sum(v), j) for v in by_task.values()) / len(by_task)
    for key in by:
        table = breakdown(trajectories, key)
        if table:
            summary[f"by_{key}"] = table
    return summary


def breakdown(trajectories: Sequence[Trajectory], key: str) -> dict[str, dict[str, Any]]:
    """Episodes, successes, success rate, mean steps and invalid-action rate per value of the
    info key ``key`` (as the episode's first turn recorded it), sorted by value. Episodes whose
    first turn lacks the key (or that have no turn) are left out; an empty dict if none has it."""
    rows: dict[str, list[Trajectory]] = defaultdict(list)
    for t in trajectories:
        if t.turns and key in t.turns[0].info:
            rows[str(t.turns[0].info[key])].append(t)
    table = {}
    for value in sorted(rows):
        group = rows[value]
        actions = sum(t.num_turns for t in group)
        successes = sum(t.success for t in group)
        table[value] = {
            "episodes": len(group),
            "successes": successes,
            "success_rate": successes / len(group),
            "mean_steps": actions / len(group),
            "invalid_action_rate": sum(t.invalid_actions for t in group) / actions if actions else 0.0,
        }
    return table
