"""Does GRPO measurably improve SmolLM2-135M on household tasks? Held-out success after GRPO
versus its starting checkpoint (the SFT warm start), over several seeds.

Each seed runs the whole recipe of ``--config`` (SFT warm start, held-out eval, GRPO, held-out
eval) in its own run directory, and the script prints per-seed figures and the mean gain with
its spread. Usage::

    python benchmarks/learning_household.py --seeds 0 1 2 --iterations 20 --eval-episodes 40
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time

from agentgym.train import load_config
from agentgym.train.grpo import GRPOTrainer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="configs/household_smollm2.yaml")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--eval-episodes", type=int, default=40)
    parser.add_argument("--out", default="runs/learning_household")
    parser.add_argument("overrides", nargs="*", help="extra config overrides, e.g. trainer.lr=5e-5")
    args = parser.parse_args()

    rows = []
    for seed in args.seeds:
        overrides = [
            f"trainer.seed={seed}",
            f"trainer.iterations={args.iterations}",
            f"eval.episodes={args.eval_episodes}",
            f"out_dir={args.out}/seed{seed}",
            *args.overrides,
        ]
        config = load_config(args.config, overrides)
        start = time.perf_counter()
        result = GRPOTrainer(config, progress=False).run()
        rows.append(
            {
                "seed": seed,
                "before": result["eval_before"]["success_rate"],
                "after": result["eval_after"]["success_rate"],
                "minutes": round((time.perf_counter() - start) / 60, 1),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    gains = [r["after"] - r["before"] for r in rows]
    summary = {
        "config": args.config,
        "overrides": args.overrides,
        "iterations": args.iterations,
        "eval_episodes": args.eval_episodes,
        "seeds": rows,
        "mean_before": statistics.mean(r["before"] for r in rows),
        "mean_after": statistics.mean(r["after"] for r in rows),
        "mean_gain_points": 100 * statistics.mean(gains),
        "gain_std_points": 100 * (statistics.stdev(gains) if len(gains) > 1 else 0.0),
        "machine": f"{platform.machine()}, python {platform.python_version()}",
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
