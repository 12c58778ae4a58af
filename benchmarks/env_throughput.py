"""Env throughput and the rollout engine's overhead over a plain ``env.step`` loop.

Measures, in one run on one machine:

1. ``oracle``: household steps/s with the oracle policy (``env.oracle_action()`` + ``env.step``),
   a plain loop.
2. ``plain`` vs ``engine``: the same episodes (the oracle's action lists, recorded beforehand)
   played by a plain ``reset``/``step`` loop and by the :class:`RolloutEngine` with a replay
   policy that costs nothing. ``engine / plain`` is the engine's overhead; the target is <= 1.10.

Each timing is the median of ``--repeats`` runs. Usage::

    python benchmarks/env_throughput.py --episodes 200 --repeats 5
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time

import agentgym
from agentgym.policies import ReplayPolicy
from agentgym.rollout import RolloutConfig, RolloutEngine


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


def time_engine(engine, env_id, tasks, env_kwargs) -> tuple[float, int]:
    start = time.perf_counter()
    groups = engine.run(env_id, tasks, env_kwargs=env_kwargs)
    elapsed = time.perf_counter() - start
    assert all(t.success for g in groups for t in g)
    return elapsed, sum(t.num_turns for g in groups for t in g)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default="agentgym/Household-v0")
    parser.add_argument("--episodes", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--split", default="train")
    parser.add_argument("--difficulty", default=None, help="household difficulty (default: the env's)")
    args = parser.parse_args()

    env_kwargs = {"difficulty": args.difficulty} if args.difficulty else {}
    ids = agentgym.make(args.env, **env_kwargs).task_set.ids(args.split)
    tasks = [(ids[i], i) for i in range(args.episodes)]
    plans = record_oracle_plans(args.env, tasks, env_kwargs)

    engine = RolloutEngine(ReplayPolicy(plans), RolloutConfig())
    time_engine(engine, args.env, tasks, env_kwargs)  # warm-up: builds the pooled envs once

    oracle, plain, eng = [], [], []
    for _ in range(args.repeats):
        oracle.append(time_oracle(args.env, tasks, env_kwargs))
        plain.append(time_plain(args.env, tasks, plans, env_kwargs))
        eng.append(time_engine(engine, args.env, tasks, env_kwargs))
    engine.close()

    def rate(runs):
        return statistics.median(steps / secs for secs, steps in runs)

    t_plain = statistics.median(s for s, _ in plain)
    t_engine = statistics.median(s for s, _ in eng)
    result = {
        "env": args.env,
        "env_kwargs": env_kwargs,
        "episodes": args.episodes,
        "steps": plain[0][1],
        "repeats": args.repeats,
        "oracle_steps_per_s": round(rate(oracle), 1),
        "plain_loop_steps_per_s": round(rate(plain), 1),
        "engine_steps_per_s": round(rate(eng), 1),
        "engine_over_plain_time_ratio": round(t_engine / t_plain, 3),
        "machine": f"{platform.machine()} {platform.processor() or ''} python {platform.python_version()}".strip(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
