"""Tool env speed: oracle steps per second per suite, and the cost of the call path's parts.

Measures, in one run on one machine:

1. ``env``: oracle episodes on the ``test`` split of each built-in suite through the full path
   (parse the ``<tool_call>``, validate with ``jsonschema``, run the tool, JSON response, state
   hash): steps/s and episodes/s with resets included, and the time per reset and per step apart;
   the median of ``--repeats`` runs. The code suite runs Python in the sandbox's warm pool.
2. ``parts``: per call, with no env: parsing a ``<tool_call>`` action, parsing an OpenAI
   ``tool_calls`` action, and checking arguments against the schema; medians of ``--repeats``.

Usage::

    python benchmarks/tool_envs.py --episodes 200 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import agentgym
from agentgym.envs.tools import SUITES, ToolCall, Toolbox, format_tool_calls, parse_action, suite_env_id
from agentgym.envs.tools.suites.calculator import calculate, convert_units


def time_suite(env_id: str, episodes: int) -> dict[str, float]:
    """One pass of ``episodes`` oracle episodes; seconds spent in reset and in step, and counts."""
    env = agentgym.make(env_id, split="test")
    reset_s = step_s = 0.0
    steps = calls = 0
    env.reset(seed=0, options={"task": "test-00000"})  # warm: imports, sandbox pool
    for i in range(episodes):
        t0 = time.perf_counter()
        env.reset(seed=i, options={"task": f"test-{i:05d}"})
        t1 = time.perf_counter()
        reset_s += t1 - t0
        while not env.done:
            action = env.oracle_action()
            t2 = time.perf_counter()
            *_, info = env.step(action)
            step_s += time.perf_counter() - t2
            steps += 1
            calls += info["tool_calls"]
        assert info["success"], f"{env_id} test-{i:05d}: the oracle failed"
    env.close()
    return {"reset_s": reset_s, "step_s": step_s, "steps": steps, "calls": calls, "episodes": episodes}


def time_parts(n: int) -> dict[str, float]:
    """Microseconds per call of the parsing and validation steps."""
    call = ToolCall("convert_units", {"value": 12.5, "from_unit": "mi", "to_unit": "km"})
    hermes, openai = format_tool_calls([call], "hermes"), format_tool_calls([call], "openai")
    box = Toolbox([calculate, convert_units])
    out = {}
    for name, fn in (
        ("parse_hermes_us", lambda: parse_action(hermes)),
        ("parse_openai_us", lambda: parse_action(openai)),
        ("schema_check_us", lambda: box.check(call)),
    ):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        out[name] = (time.perf_counter() - t0) / n * 1e6
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=200, help="oracle episodes per suite per repeat")
    parser.add_argument("--repeats", type=int, default=3, help="runs; medians are reported")
    parser.add_argument("--calls", type=int, default=5000, help="calls per micro-benchmark")
    args = parser.parse_args()
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, Python {platform.python_version()}")
    rows = []
    for suite in SUITES:
        env_id = suite_env_id(suite)
        runs = [time_suite(env_id, args.episodes) for _ in range(args.repeats)]
        total = [r["reset_s"] + r["step_s"] for r in runs]
        run = runs[0]
        row = {
            "suite": suite,
            "episodes": args.episodes,
            "steps_per_episode": run["steps"] / run["episodes"],
            "calls_per_episode": run["calls"] / run["episodes"],
            "steps_per_s": statistics.median(r["steps"] / (r["reset_s"] + r["step_s"]) for r in runs),
            "episodes_per_s": statistics.median(r["episodes"] / t for r, t in zip(runs, total)),
            "reset_ms": statistics.median(r["reset_s"] / r["episodes"] * 1e3 for r in runs),
            "step_ms": statistics.median(r["step_s"] / r["steps"] * 1e3 for r in runs),
        }
        rows.append(row)
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}))
    parts = [time_parts(args.calls) for _ in range(args.repeats)]
    print(json.dumps({k: round(statistics.median(p[k] for p in parts), 2) for k in parts[0]}))
    print("\n| suite | steps/episode | calls/episode | steps/s | episodes/s | reset ms | step ms |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['suite']} | {r['steps_per_episode']:.2f} | {r['calls_per_episode']:.2f} | {r['steps_per_s']:,.0f} | "
            f"{r['episodes_per_s']:,.0f} | {r['reset_ms']:.2f} | {r['step_ms']:.3f} |"
        )


if __name__ == "__main__":
    main()
