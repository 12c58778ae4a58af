"""Eval metrics against numbers computed by hand."""

import math

import pytest

from agentgym.eval.metrics import breakdown, pass_at_k, pass_hat_k, summarize, wilson_interval
from agentgym.trajectory import StopReason, Trajectory, Turn


def test_wilson_interval_by_hand():
    # p = 0.5, n = 100, z = 1.96: centre = (0.5 + 1.96^2/200) / (1 + 1.96^2/100) = 0.5
    # half = 1.96 * sqrt(0.25/100 + 1.96^2/40000) / (1 + 0.038416) = 1.96 * 0.0509514 / 1.038416 = 0.096170
    lo, hi = wilson_interval(50, 100)
    assert lo == pytest.approx(0.5 - 0.096170, abs=1e-5) and hi == pytest.approx(0.5 + 0.096170, abs=1e-5)
    # all successes: the upper bound is 1, the lower bound n / (n + z^2) = 10 / 13.8415 = 0.72246
    lo, hi = wilson_interval(10, 10)
    assert hi == pytest.approx(1.0) and lo == pytest.approx(10 / (10 + 1.959963984540054**2), abs=1e-9)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_pass_at_k_by_hand():
    # n=4, c=1, k=2: 1 - C(3,2)/C(4,2) = 1 - 3/6 = 0.5
    assert pass_at_k(4, 1, 2) == pytest.approx(0.5)
    # n=5, c=2, k=1: 1 - C(3,1)/C(5,1) = 0.4 = c/n
    assert pass_at_k(5, 2, 1) == pytest.approx(0.4)
    assert pass_at_k(3, 2, 2) == 1.0  # n - c < k
    assert pass_at_k(3, 0, 3) == 0.0


def test_pass_hat_k_by_hand():
    # n=4, c=3, k=2: C(3,2)/C(4,2) = 3/6
    assert pass_hat_k(4, 3, 2) == pytest.approx(0.5)
    assert pass_hat_k(4, 1, 2) == 0.0
    assert pass_hat_k(4, 4, 4) == 1.0
    with pytest.raises(ValueError):
        pass_hat_k(2, 3, 1)


def _traj(task, success, turns=2, invalid=0):
    t = Trajectory(env_id="e", task_id=task, success=success, stop_reason=StopReason.SUCCESS if success else StopReason.MAX_TURNS)
    t.turns = [Turn(observation="o", action="a", valid_action=i >= invalid, reward=float(success and i == turns - 1)) for i in range(turns)]
    return t


def _typed(task, success, turns, invalid, task_type):
    t = _traj(task, success, turns, invalid)
    for turn in t.turns:
        turn.info = {"task_type": task_type}
    return t


def test_breakdown_by_an_info_key_by_hand():
    trajs = [
        _typed("a", True, 2, 0, "heat"),
        _typed("b", False, 4, 2, "heat"),
        _typed("c", True, 3, 1, "cool"),
        _traj("d", False, 5, 5),  # no task_type in its info: left out
        Trajectory(env_id="e", task_id="z"),  # no turns: left out
    ]
    table = breakdown(trajs, "task_type")
    assert list(table) == ["cool", "heat"]
    assert table["heat"] == {"episodes": 2, "successes": 1, "success_rate": 0.5, "mean_steps": 3.0, "invalid_action_rate": 2 / 6}
    assert table["cool"] == {"episodes": 1, "successes": 1, "success_rate": 1.0, "mean_steps": 3.0, "invalid_action_rate": 1 / 3}
    assert summarize(trajs, by=["task_type"])["by_task_type"] == table
    assert "by_task_type" not in summarize(trajs) and "by_room" not in summarize(trajs, by=["room"])


def test_summarize_by_hand():
    trajs = [_traj("a", True, 2), _traj("a", False, 4, invalid=2), _traj("b", False, 2), _traj("b", False, 4, invalid=1)]
    s = summarize(trajs)
    assert s["episodes"] == 4 and s["tasks"] == 2 and s["successes"] == 1
    assert s["success_rate"] == 0.25
    assert s["mean_steps"] == 3.0  # (2 + 4 + 2 + 4) / 4
    assert s["invalid_action_rate"] == 3 / 12
    # task a: n=2, c=1 -> pass@1 = 0.5, pass@2 = 1; task b: 0, 0. Means: 0.25, 0.5
    assert s["pass@1"] == 0.25 and s["pass@2"] == 0.5
    # pass^1 = 0.25; pass^2: task a C(1,2)=0 -> 0
    assert s["pass^1"] == 0.25 and s["pass^2"] == 0.0
    assert s["stop_reasons"] == {"success": 1, "max_turns": 3}
    assert math.isclose(sum(s["success_rate_ci95"]) / 2, 0.25, abs_tol=0.2)
