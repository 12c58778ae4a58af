"""Several MiniWoB++ envs stepped at once by the rollout engine's thread pool, in one shared browser."""

from __future__ import annotations

import threading
import time

import agentgym
from agentgym.envs.web import env_id
from agentgym.policies import OraclePolicy
from agentgym.rollout import RolloutConfig, RolloutEngine
from agentgym.trajectory import StopReason
from web_helpers import pool  # noqa: F401 (fixture)

TASKS = ("click-button", "enter-text", "login-user", "click-checkboxes")
SEEDS = (3, 4)


class _StepClock:
    """Wraps each env's ``step`` to record when it ran, to measure how many ran at once."""

    def __init__(self) -> None:
        self.spans: list[tuple[float, float]] = []
        self._lock = threading.Lock()

    def make(self, id: str, **kwargs):
        env = agentgym.make(id, **kwargs)
        step = env.step

        def timed(action):
            start = time.perf_counter()
            try:
                return step(action)
            finally:
                with self._lock:
                    self.spans.append((start, time.perf_counter()))

        env.step = timed
        return env

    def most_at_once(self) -> int:
        events = sorted([(s, 1) for s, _ in self.spans] + [(e, -1) for _, e in self.spans])
        now = best = 0
        for _, delta in events:
            now += delta
            best = max(best, now)
        return best


def _sequential_reward(task: str, seed: int) -> float:
    env = agentgym.make(env_id(task))
    env.reset(seed=seed, options={"task": task})
    total = 0.0
    while not env.done:
        total += env.step(env.oracle_action())[1]
    env.close()
    return total


def test_concurrent_episodes_complete_with_the_rewards_of_sequential_ones(pool):
    """Guards against envs that share browser state across threads (a page answering another env's
    action, a context closed under a live episode) and against the engine stepping browser envs one
    at a time: 4 tasks x 2 seeds x G=2 episodes, stepped together on the engine's thread pool, end
    with the reward each (task, seed) gets when played alone."""
    expected = {(task, seed): _sequential_reward(task, seed) for task in TASKS for seed in SEEDS}
    assert sum(expected.values()) >= 0.8 * len(expected)  # the solvers mostly succeed: rewards are informative

    clock = _StepClock()
    engine = RolloutEngine(OraclePolicy(), RolloutConfig(group_size=2, env_workers=8), env_factory=clock.make)
    episodes = []
    for task in TASKS:
        episodes += engine.start(env_id(task), [(task, seed) for seed in SEEDS])
    engine.run_episodes(episodes)
    engine.release(episodes)
    engine.close()

    assert len(episodes) == len(TASKS) * len(SEEDS) * 2
    for ep in episodes:
        traj = ep.trajectory
        assert ep.done and traj.stop_reason in (StopReason.SUCCESS, StopReason.FAILURE), traj.stop_reason
        assert traj.total_reward == expected[(traj.task_id, traj.seed)], (traj.task_id, traj.seed)
        assert traj.success == (traj.total_reward > 0)
    assert clock.most_at_once() >= 4, f"at most {clock.most_at_once()} steps at once: the engine's thread pool stepped the browser envs one at a time"
