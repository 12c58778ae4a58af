"""Tool-use metric math (agentgym.eval.tool_metrics) against hand-computed numbers."""

import pytest

from agentgym.eval.tool_metrics import ToolEpisode, episode_counts, pooled_metrics, tool_use_metrics
from agentgym.trajectory import Trajectory, Turn


def test_tool_use_metrics_by_hand():
    episodes = [
        ToolEpisode(success=True, tool_calls=2, valid_calls=2),
        ToolEpisode(success=False, tool_calls=5, valid_calls=3),
        ToolEpisode(success=True, tool_calls=1, valid_calls=1),
        ToolEpisode(success=False, tool_calls=0, valid_calls=0),
    ]
    m = tool_use_metrics(episodes)
    # 4 tasks, 2 solved; 2 + 5 + 1 + 0 = 8 calls, 2 + 3 + 1 + 0 = 6 valid
    assert (m["episodes"], m["successes"], m["tool_calls"], m["valid_tool_calls"]) == (4, 2, 8, 6)
    assert m["success_rate"] == 0.5  # 2 / 4
    assert m["call_validity_rate"] == 0.75  # 6 / 8
    assert m["calls_per_task"] == 2.0  # 8 / 4
    assert m["tool_productivity"] == 0.25  # 2 solved / 8 calls
    lo, hi = m["success_rate_ci95"]
    assert lo < 0.5 < hi


def test_rates_without_calls_are_undefined_not_zero():
    m = tool_use_metrics([ToolEpisode(False, 0, 0), ToolEpisode(False, 0, 0)])
    assert m["success_rate"] == 0.0 and m["calls_per_task"] == 0.0
    assert m["call_validity_rate"] is None and m["tool_productivity"] is None
    assert tool_use_metrics([])["success_rate"] is None


def test_pooled_and_macro():
    per_suite = {
        "a": [ToolEpisode(True, 1, 1)] * 3 + [ToolEpisode(False, 3, 0)],  # 3/4 solved, 6 calls, 3 valid
        "b": [ToolEpisode(False, 2, 1)] * 2,  # 0/2 solved, 4 calls, 2 valid
    }
    report = pooled_metrics(per_suite)
    assert report["suites"]["a"]["success_rate"] == 0.75
    assert report["suites"]["a"]["tool_productivity"] == 0.5  # 3 / 6
    assert report["suites"]["b"]["call_validity_rate"] == 0.5  # 2 / 4
    overall = report["overall"]
    assert overall["episodes"] == 6 and overall["success_rate"] == 0.5  # 3 / 6
    assert overall["call_validity_rate"] == 0.5  # (3 + 2) / (6 + 4)
    assert overall["calls_per_task"] == pytest.approx(10 / 6)
    assert overall["tool_productivity"] == 0.3  # 3 / 10
    assert overall["macro_success_rate"] == 0.375  # (0.75 + 0.0) / 2


def test_episode_counts_sum_the_turns():
    traj = Trajectory(env_id="x", task_id="t", seed=0, group_id="g")
    traj.turns = [
        Turn(observation="o", action="a", info={"tool_calls": 2, "tool_calls_valid": 1}),
        Turn(observation="o", action="b", info={}),
        Turn(observation="o", action="c", info={"tool_calls": 3, "tool_calls_valid": 3}),
    ]
    traj.success = True
    assert episode_counts(traj) == ToolEpisode(True, 5, 4)
    with pytest.raises(ValueError, match="valid_calls <= tool_calls"):
        ToolEpisode(True, 1, 2)
