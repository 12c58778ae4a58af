"""BFCL envs: the oracle's score per category and scoring throughput.

For every category of ``agentgym/bfcl.<category>-v0`` the oracle plays every entry through the
env (single-turn: one reply; multi-turn: every turn against BFCL's API classes). Reported per
category: entries, oracle score, entries whose shipped possible answer contradicts its own docs,
and episodes/s through the env. For the single-turn categories it also times the AST checker
alone (reply parsing + :func:`check_calls`, entries/s), the part an external eval loop pays to
score a model's replies.

Usage::

    python benchmarks/bfcl_scoring.py            # all categories, ~15 s on a 2-core machine
    python benchmarks/bfcl_scoring.py --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import agentgym
from agentgym.envs.tools.bfcl import CATEGORIES, data, env_id
from agentgym.envs.tools.bfcl.actions import read_calls
from agentgym.envs.tools.bfcl.ast_checker import answer_defects, check_calls


def run_env(category: str) -> dict:
    env = agentgym.make(env_id(category))
    ids = data.load_entries(category)
    solved = defective = steps = 0
    start = time.perf_counter()
    for entry_id in ids:
        env.reset(seed=0, options={"task": entry_id})
        if hasattr(env.unwrapped, "answer_defects"):
            defective += bool(env.unwrapped.answer_defects())
        info = {}
        while not env.unwrapped.done:
            *_, info = env.step(env.unwrapped.oracle_action())
            steps += 1
        solved += bool(info.get("success"))
    seconds = time.perf_counter() - start
    return {
        "category": category,
        "entries": len(ids),
        "oracle_score": solved / len(ids),
        "defective_answers": defective,
        "episodes_per_s": len(ids) / seconds,
        "steps": steps,
    }


def time_checker(category: str, repeats: int) -> float:
    """Entries/s of reply parsing + AST check on the oracle's replies (no env)."""
    env = agentgym.make(env_id(category))
    cases = []
    for entry_id in data.load_entries(category):
        env.reset(seed=0, options={"task": entry_id})
        cases.append((env.unwrapped._functions, env.unwrapped.oracle_action(), data.possible_answer(category, entry_id)))
    kind, language = data.checker_kind(category), data.language_of(category)
    start = time.perf_counter()
    for _ in range(repeats):
        for functions, reply, answer in cases:
            calls = read_calls(reply).calls
            check_calls(kind, functions, [(c.name, c.arguments) for c in calls], answer, language)
    return repeats * len(cases) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="passes over each category when timing the checker")
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args()
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print("| category | entries | oracle score | defective answers | env episodes/s | checker entries/s |")
    print("|---|---|---|---|---|---|")
    rows = []
    for category in CATEGORIES:
        row = run_env(category)
        if category in data.SINGLE_TURN_CATEGORIES and not data.is_relevance_category(category):
            row["checker_entries_per_s"] = time_checker(category, args.repeats)
        rows.append(row)
        checker = f"{row['checker_entries_per_s']:,.0f}" if "checker_entries_per_s" in row else ""
        print(
            f"| {category} | {row['entries']} | {row['oracle_score']:.1%} | {row['defective_answers']} | "
            f"{row['episodes_per_s']:,.0f} | {checker} |",
            flush=True,
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
