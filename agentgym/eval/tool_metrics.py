"""Tool-use metrics as pure functions over episodes (``agentgym eval-tools``).

For a set of episodes with ``n`` tasks, ``s`` successes, ``c`` tool calls attempted and ``v`` of
them valid (a known tool, arguments that pass its schema):

- success rate ``s / n`` (with a 95% Wilson interval);
- call validity rate ``v / c``;
- calls per task ``c / n``;
- tool productivity ``s / c``: correct tasks per tool call (higher is better: the same successes
  with fewer calls).

A rate whose denominator is zero (no calls made) is ``None``, not 0: nothing was measured.
Per-episode counts come from the ``tool_calls`` and ``tool_calls_valid`` keys that tool envs put
in every step's ``info`` (kept in each :class:`~agentgym.trajectory.Turn`'s ``info``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from agentgym.eval.metrics import wilson_interval
from agentgym.trajectory import Trajectory

__all__ = ["ToolEpisode", "episode_counts", "tool_use_metrics", "pooled_metrics"]


@dataclass(frozen=True)
class ToolEpisode:
    """The tool-use facts of one episode.

    Attributes:
        success: the task was solved.
        tool_calls: tool calls attempted over the episode.
        valid_calls: those that named a known tool and passed its schema.
    """

    success: bool
    tool_calls: int
    valid_calls: int

    def __post_init__(self) -> None:
        if not 0 <= self.valid_calls <= self.tool_calls:
            raise ValueError(f"need 0 <= valid_calls <= tool_calls, got {self.valid_calls} of {self.tool_calls}")


def episode_counts(trajectory: Trajectory) -> ToolEpisode:
    """The :class:`ToolEpisode` of a trajectory (turns without the info keys count 0 calls)."""
    calls = sum(int(turn.info.get("tool_calls", 0)) for turn in trajectory.turns)
    valid = sum(int(turn.info.get("tool_calls_valid", 0)) for turn in trajectory.turns)
    return ToolEpisode(success=bool(trajectory.success), tool_calls=calls, valid_calls=valid)


def tool_use_metrics(episodes: Sequence[ToolEpisode]) -> dict[str, Any]:
    """Success rate, call validity rate, calls per task and tool productivity (see the module docstring).

    Returns a JSON-able dict: ``episodes``, ``successes``, ``success_rate``, ``success_rate_ci95``,
    ``tool_calls``, ``valid_tool_calls``, ``call_validity_rate``, ``calls_per_task``,
    ``tool_productivity``.
    """
    n = len(episodes)
    successes = sum(e.success for e in episodes)
    calls = sum(e.tool_calls for e in episodes)
    valid = sum(e.valid_calls for e in episodes)
    lo, hi = wilson_interval(successes, n)
    return {
        "episodes": n,
        "successes": successes,
        "success_rate": successes / n if n else None,
        "success_rate_ci95": [lo, hi],
        "tool_calls": calls,
        "valid_tool_calls": valid,
        "call_validity_rate": valid / calls if calls else None,
        "calls_per_task": calls / n if n else None,
        "tool_productivity": successes / calls if calls else None,
    }


def pooled_metrics(per_suite: dict[str, Sequence[ToolEpisode]]) -> dict[str, Any]:
    """Metrics per suite and ``overall`` (every episode of every suite pooled, so a suite weighs
    by its episode count), plus ``macro_success_rate`` (the unweighted mean of the suites' rates)."""
    suites = {name: tool_use_metrics(eps) for name, eps in per_suite.items()}
    overall = tool_use_metrics([e for eps in per_suite.values() for e in eps])
    rates = [m["success_rate"] for m in suites.values() if m["success_rate"] is not None]
    overall["macro_success_rate"] = sum(rates) / len(rates) if rates else None
    return {"suites": suites, "overall": overall}
