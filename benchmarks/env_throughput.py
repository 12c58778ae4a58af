"""Env throughput and the rollout engine's overhead over a plain ``env.step`` loop.

Measures, in one run on one machine:

1. ``oracle``: household steps/s with the oracle policy (``env.oracle_action()`` + ``env.step``),
   a plain loop.
2. ``plain`` vs ``engine``: the same episodes (the oracle's action lists, recorded beforehand)
   played by a plain sequential ``reset``/``step`` loop on one env and by the
   :class:`RolloutEngine` with a no-op policy (it hands out completions built before the
   timing), ``--batch-size`` tasks at a time (as ``agentgym eval`` runs them).
   ``engine / plain`` is the engine's overhead; the target is <= 1.10. It is reported two
   ways: the ratio of the median times, and the median of the per-repeat ratios (each repeat
   runs both back to back, in alternating order; the medians of each order are shown too).
   ``engine_replay`` is the same with :class:`ReplayPolicy`, which builds a fresh
   ``Completion`` per action as any scripted policy does: what a cheap policy adds on top.
   ``plain_batched`` is the plain loop stepping ``--batch-size`` envs in turn (what any batched
   policy makes a loop do, engine or not): ``plain_batched / plain`` is the cost of batching
   itself (memory locality), ``engine / plain_batched`` the engine's own. ``plain_kept`` is
   that loop holding each episode's last observation and info until its next step, as a
   batched policy needs them.
3. ``engine_us_per_step``: the engine's own cost per step, on an env whose ``step`` does nothing.

Each timing is the median of ``--repeats`` runs. Usage::

    python benchmarks/env_throughput.py --episodes 200 --repeats 5
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import agentgym
from agentgym.policies import ReplayPolicy
from agentgym.policy import Completion
from agentgym.rollout import RolloutConfig, RolloutEngine


class NoOpPolicy:
    """Answers each request with a completion built before the timing (by task and step), so
    the engine's time is the engine's own. The completions are shared between episodes: fine
    for a benchmark that reads only success and turn counts, never for training."""

    name = "no-op"

    def __init__(self, plans: dict[str, list[str]]):
        self.answers = {task: [Completion(action) for action in plan] for task, plan in plans.items()}

    def generate(self, requests, sampling):
        answers = self.answers
        return [answers[req.env.task_id][req.env.steps] for req in requests]


def record_oracle_plans(env_id: str, tasks: list[tuple[str, int]], env_kwargs: dict) -> dict[str, list[str]]:
    env = agentgym.make(env_id, **env_kwargs)
    plans = {}
    for task, seed in tasks:
        env.reset(seed=seed, options={"task": task})
        actions = []
        while not env.done:
            action = env.oracle_action()
            actions.append(action)
            env.step(action)
        assert env.success, f"oracle failed on {task}"
        plans[task] = actions
    return plans


def time_oracle(env_id, tasks, env_kwargs) -> tuple[float, int]:
    env = agentgym.make(env_id, **env_kwargs)
    steps = 0
    start = time.perf_counter()
    for task, seed in tasks:
        env.reset(seed=seed, options={"task": task})
        while not env.done:
            env.step(env.oracle_action())
            steps += 1
    return time.perf_counter() - start, steps


def time_plain(env_id, tasks, plans, env_kwargs) -> tuple[float, int]:
    env = agentgym.make(env_id, **env_kwargs)
    steps = 0
    start = time.perf_counter()
    for task, seed in tasks:
        env.reset(seed=seed, options={"task": task})
        for action in plans[task]:
            env.step(action)
            steps += 1
    return time.perf_counter() - start, steps


def time_plain_batched(envs, tasks, plans, keep: bool = False) -> tuple[float, int]:
    """The plain loop stepping ``len(envs)`` episodes in turn, as any batched policy must: one
    step of each live episode, then the next round. Same episodes, no engine. With ``keep``,
    each episode's last step result is held until its next step, as a batched policy needs
    every episode's observation and info to answer (the engine holds them the same way)."""
    steps = 0
    start = time.perf_counter()
    for i in range(0, len(tasks), len(envs)):
        chunk = tasks[i : i + len(envs)]
        live = []
        for env, (task, seed) in zip(envs, chunk):
            first = env.reset(seed=seed, options={"task": task})
            live.append([env, plans[task], first if keep else None])
        turn = 0
        while live:
            for episode in live:
                result = episode[0].step(episode[1][turn])
                if keep:
                    episode[2] = result
                steps += 1
            turn += 1
            live = [episode for episode in live if turn < len(episode[1])]
    return time.perf_counter() - start, steps


def time_engine(engine, env_id, tasks, env_kwargs, batch_size) -> tuple[float, int]:
    groups = []
    start = time.perf_counter()
    for i in range(0, len(tasks), batch_size):
        groups += engine.run(env_id, tasks[i : i + batch_size], env_kwargs=env_kwargs)
    elapsed = time.perf_counter() - start
    assert all(t.success for g in groups for t in g)
    return elapsed, sum(t.num_turns for g in groups for t in g)


class NullEnv:
    """An env whose reset and step do nothing: what is left is the engine's own cost."""

    io_bound = False
    task_id = "null"

    def __init__(self, episode_length: int = 10):
        self.episode_length = episode_length
        self.steps = 0

    def _info(self):
        return {"success": False, "valid_action": True, "state_key": "s", "task_id": "null", "split": "train", "step": self.steps}

    def reset(self, seed=None, options=None):
        self.steps = 0
        return "observation", self._info()

    def step(self, action):
        self.steps += 1
        return "observation", 0.0, False, self.steps >= self.episode_length, self._info()

    def close(self):
        pass

    @property
    def unwrapped(self):
        return self


def engine_cost_per_step(batch_size: int, repeats: int) -> float:
    engine = RolloutEngine(NoOpPolicy({"null": ["act"] * 10}), env_factory=lambda *a, **k: NullEnv())
    tasks = [("null", i) for i in range(batch_size)]
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        engine.run("null", tasks)
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:]) / (10 * batch_size) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default="agentgym/Household-v0")
    parser.add_argument("--episodes", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--split", default="train")
    parser.add_argument("--difficulty", default=None, help="household difficulty (default: the env's)")
    parser.add_argument("--batch-size", type=int, default=32, help="tasks the engine plays at a time (default 32)")
    args = parser.parse_args()

    env_kwargs = {"difficulty": args.difficulty} if args.difficulty else {}
    ids = agentgym.make(args.env, **env_kwargs).task_set.ids(args.split)
    tasks = [(ids[i], i) for i in range(args.episodes)]
    plans = record_oracle_plans(args.env, tasks, env_kwargs)

    engine = RolloutEngine(NoOpPolicy(plans), RolloutConfig())
    replay_engine = RolloutEngine(ReplayPolicy(plans), RolloutConfig())
    for e in (engine, replay_engine):  # warm-up: builds the pooled envs once
        time_engine(e, args.env, tasks, env_kwargs, args.batch_size)

    batch_envs = [agentgym.make(args.env, **env_kwargs) for _ in range(args.batch_size)]
    oracle, plain, batched, kept, eng, replay = [], [], [], [], [], []
    for repeat in range(args.repeats):
        # The plain loop and the engine run back to back, plain first in even repeats and the
        # engine first in odd ones: the second of a pair runs on the heap the first left
        # behind, and with a fixed order that moved the ratio by about 1.5 points.
        if repeat % 2 == 0:
            plain.append(time_plain(args.env, tasks, plans, env_kwargs))
            eng.append(time_engine(engine, args.env, tasks, env_kwargs, args.batch_size))
        else:
            eng.append(time_engine(engine, args.env, tasks, env_kwargs, args.batch_size))
            plain.append(time_plain(args.env, tasks, plans, env_kwargs))
        oracle.append(time_oracle(args.env, tasks, env_kwargs))
        batched.append(time_plain_batched(batch_envs, tasks, plans))
        kept.append(time_plain_batched(batch_envs, tasks, plans, keep=True))
        replay.append(time_engine(replay_engine, args.env, tasks, env_kwargs, args.batch_size))
    engine.close()
    replay_engine.close()

    def rate(runs):
        return statistics.median(steps / secs for secs, steps in runs)

    t_plain = statistics.median(s for s, _ in plain)
    t_batched = statistics.median(s for s, _ in batched)
    t_kept = statistics.median(s for s, _ in kept)
    t_engine = statistics.median(s for s, _ in eng)
    t_replay = statistics.median(s for s, _ in replay)
    # Each repeat times the plain loop and the engine back to back, so the ratio within a repeat
    # sees the same machine state; its median is steadier than the ratio of the two medians.
    pairs = [e / p for (e, _), (p, _) in zip(eng, plain)]
    paired = statistics.median(pairs)
    result = {
        "env": args.env,
        "env_kwargs": env_kwargs,
        "episodes": args.episodes,
        "steps": plain[0][1],
        "repeats": args.repeats,
        "batch_size": args.batch_size,
        "oracle_steps_per_s": round(rate(oracle), 1),
        "plain_loop_steps_per_s": round(rate(plain), 1),
        "engine_steps_per_s": round(rate(eng), 1),
        "plain_batched_steps_per_s": round(rate(batched), 1),
        "engine_over_plain_time_ratio": round(t_engine / t_plain, 3),
        "engine_over_plain_paired_ratio": round(paired, 3),
        "engine_over_plain_paired_ratio_plain_first": round(statistics.median(pairs[0::2]), 3),
        "engine_over_plain_paired_ratio_engine_first": round(statistics.median(pairs[1::2]), 3),
        "engine_over_plain_batched_time_ratio": round(t_engine / t_batched, 3),
        "engine_replay_steps_per_s": round(rate(replay), 1),
        "engine_replay_over_plain_time_ratio": round(t_replay / t_plain, 3),
        "plain_batched_over_plain_time_ratio": round(t_batched / t_plain, 3),
        "plain_kept_over_plain_time_ratio": round(t_kept / t_plain, 3),
        "engine_over_plain_kept_time_ratio": round(t_engine / t_kept, 3),
        "engine_us_per_step_null_env": round(engine_cost_per_step(args.batch_size, args.repeats), 2),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}",
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
