"""Multi-turn sampling speed of the embedded transformers backend, and what its attention and
cross-turn key/value reuse are worth.

Plays the same household episodes (``--tasks`` tasks x ``--group-size`` attempts, up to
``--turns`` turns, sampled at temperature 1 with a fixed seed) through the rollout engine with
one policy under three settings, in one process, in turn, ``--repeats`` times:

- ``grouped``: the policy as it ships (grouped key/value heads go to torch's sdpa as they are,
  keys and values of the previous turn are reused);
- ``stock_sdpa``: the same model on transformers' own ``sdpa`` attention, which repeats every
  key/value head for its query heads (a copy of the cache per layer and token) when a mask is
  passed, as padded batches always do;
- ``no_prefix_cache``: grouped attention, but every prompt run from its first token.

All three sample the same tokens (checked), so the times compare like for like. Usage::

    python benchmarks/sampling_speed.py --tasks 8 --group-size 4 --turns 8 --repeats 2
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import torch

import agentgym
from agentgym.policies.attention import GROUPED_SDPA
from agentgym.policies.transformers_policy import LoraSettings, TransformersPolicy
from agentgym.policy import SamplingParams
from agentgym.rollout import RolloutConfig, RolloutEngine


def play(policy: TransformersPolicy, setting: str, env_id: str, tasks: list[str], config: RolloutConfig, seed: int):
    policy.model.set_attn_implementation("sdpa" if setting == "stock_sdpa" else GROUPED_SDPA)
    policy.prefix_cache_size = 0 if setting == "no_prefix_cache" else 4 * len(tasks) * config.group_size
    policy.weights_changed()
    policy.reseed(seed)
    with RolloutEngine(policy, config) as engine:
        start = time.perf_counter()
        groups = engine.run(env_id, tasks)
        seconds = time.perf_counter() - start
    trajectories = [t for g in groups for t in g]
    return seconds, [turn.action_ids for t in trajectories for turn in t.turns]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--env", default="agentgym/HouseholdEasy-v0")
    parser.add_argument("--tasks", type=int, default=8)
    parser.add_argument("--group-size", type=int, default=4)
    parser.add_argument("--turns", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--settings", nargs="+", default=["grouped", "stock_sdpa", "no_prefix_cache"])
    args = parser.parse_args()

    torch.manual_seed(0)
    policy = TransformersPolicy(args.model, lora=LoraSettings(rank=16, alpha=32, top_layers=8), max_batch_size=32)
    tasks = agentgym.make(args.env).task_set.ids("train")[: args.tasks]
    config = RolloutConfig(
        group_size=args.group_size,
        max_turns=args.turns,
        context="full",
        sampling=SamplingParams(temperature=1.0, max_new_tokens=args.max_new_tokens),
    )
    times: dict[str, list[float]] = {s: [] for s in args.settings}
    tokens: dict[str, list] = {}
    for _ in range(args.repeats):
        for setting in args.settings:
            seconds, actions = play(policy, setting, args.env, tasks, config, seed=1234)
            times[setting].append(seconds)
            tokens.setdefault(setting, actions)
    generated = sum(len(a) for a in tokens[args.settings[0]])
    base = statistics.median(times[args.settings[0]])
    result = {
        "model": args.model,
        "env": args.env,
        "episodes": args.tasks * args.group_size,
        "turns": args.turns,
        "generated_tokens": generated,
        "same_tokens_in_every_setting": all(tokens[s] == tokens[args.settings[0]] for s in args.settings),
        "seconds": {s: round(statistics.median(v), 1) for s, v in times.items()},
        "tokens_per_s": {s: round(generated / statistics.median(v), 1) for s, v in times.items()},
        "time_over_" + args.settings[0]: {s: round(statistics.median(v) / base, 2) for s, v in times.items()},
        "threads": torch.get_num_threads(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}, torch {torch.__version__}",
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
