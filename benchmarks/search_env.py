"""Search env speed: dataset build time, BM25 query latency, env steps per second.

Measures, in one run on one machine:

1. ``build``: the time to generate the world, write the corpus, deal the questions and index the
   passages with ``bm25s`` (what the first env in a process pays), median of ``--builds`` runs,
   with each part's share.
2. ``query``: BM25 latency per query on the default corpus (10,630 passages), uncached: the
   oracle's queries (a name and a cue word) and whole question texts (what an untrained policy
   often sends), p50/p95 over ``--queries`` distinct queries of each kind; and a cached repeat.
3. ``recall``: for every distinct fact any question chains (both splits), whether the oracle's
   query (a name and a cue word) ranks the passage stating it first, or within the top ``--k``.
4. ``env``: oracle episodes on the test split through the full tool-call path (parse the
   ``<tool_call>``, validate it with ``jsonschema``, search, JSON response, state hash):
   steps/s and episodes/s, resets included, and the time per reset and per step apart,
   medians of ``--repeats`` runs.

Usage::

    python benchmarks/search_env.py --builds 3 --queries 2000 --episodes 500 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import numpy as np

from agentgym.envs.search import SearchEnv
from agentgym.envs.search.corpus import build_corpus
from agentgym.envs.search.index import SearchIndex
from agentgym.envs.search.oracle import oracle_query
from agentgym.envs.search.questions import QuestionBank
from agentgym.envs.search.world import build_world


def time_build(repeats: int) -> dict[str, float]:
    parts: dict[str, list[float]] = {"world": [], "corpus": [], "questions": [], "index": [], "total": []}
    for _ in range(repeats):
        t0 = time.perf_counter()
        world = build_world(0)
        t1 = time.perf_counter()
        corpus = build_corpus(world)
        t2 = time.perf_counter()
        QuestionBank(world, corpus)
        t3 = time.perf_counter()
        SearchIndex(corpus)
        t4 = time.perf_counter()
        for name, value in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0)):
            parts[name].append(value)
    return {name: round(statistics.median(values), 3) for name, values in parts.items()}


def time_queries(index: SearchIndex, queries: list[str], k: int) -> dict[str, float]:
    latencies = []
    for query in queries:
        start = time.perf_counter()
        index.search(query, k)
        latencies.append(time.perf_counter() - start)
    ms = np.array(latencies) * 1e3
    return {"n": len(queries), "p50_ms": round(float(np.percentile(ms, 50)), 3), "p95_ms": round(float(np.percentile(ms, 95)), 3)}


def time_env(env: SearchEnv, tasks: list[str]) -> tuple[float, float, int]:
    """(seconds in reset, seconds in oracle_action + step, steps) over oracle episodes of ``tasks``."""
    steps = 0
    in_reset = in_step = 0.0
    for task in tasks:
        t0 = time.perf_counter()
        env.reset(seed=0, options={"task": task})
        t1 = time.perf_counter()
        while not env.done:
            env.step(env.oracle_action())
            steps += 1
        in_reset += t1 - t0
        in_step += time.perf_counter() - t1
    return in_reset, in_step, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--builds", type=int, default=3)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--episodes", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--k", type=int, default=3)
    args = parser.parse_args()

    build = time_build(args.builds)

    env = SearchEnv(split="test", k=args.k)
    bank, index = env.dataset.questions, env.dataset.index
    questions = bank.questions("train")
    oracle_queries = list(dict.fromkeys(oracle_query(h.kind, h.relation, h.subject) for q in questions for h in q.chain))
    question_texts = list(dict.fromkeys(q.text for q in questions))
    fresh = SearchIndex(env.dataset.corpus)  # an empty query cache
    query = {
        "oracle_queries": time_queries(fresh, oracle_queries[: args.queries], args.k),
        "question_texts": time_queries(fresh, question_texts[: args.queries], args.k),
        "cached_repeat": time_queries(fresh, oracle_queries[: args.queries], args.k),
    }

    facts = {}
    for split in ("train", "test"):
        for q in bank.questions(split):
            for h in q.chain:
                facts[(h.kind, h.relation, h.subject)] = h.passage
    ranks = [index.search(oracle_query(*key), args.k) for key in facts]
    recall = {
        "facts": len(facts),
        "at_1": round(sum(r[:1] == (pid,) for r, pid in zip(ranks, facts.values())) / len(facts), 5),
        f"at_{args.k}": round(sum(pid in r for r, pid in zip(ranks, facts.values())) / len(facts), 5),
    }

    tasks = list(env.task_set.ids("test"))[: args.episodes]
    runs = [time_env(env, tasks) for _ in range(args.repeats)]
    seconds = statistics.median(r[0] + r[1] for r in runs)
    reset_s = statistics.median(r[0] for r in runs)
    step_s = statistics.median(r[1] for r in runs)
    steps = runs[0][2]
    result = {
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip() + f", {os.cpu_count()} cpus",
        "python": platform.python_version(),
        "passages": len(env.dataset.corpus),
        "build_seconds": build,
        "query_latency": query,
        "oracle_query_recall": recall,
        "env": {
            "episodes": len(tasks),
            "steps": steps,
            "steps_per_s": round(steps / seconds, 1),
            "episodes_per_s": round(len(tasks) / seconds, 1),
            "ms_per_reset": round(reset_s / len(tasks) * 1e3, 2),
            "ms_per_step": round(step_s / steps * 1e3, 2),
        },
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
