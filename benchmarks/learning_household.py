"""Does GRPO measurably improve SmolLM2-135M on household tasks? Held-out success after GRPO
against its starting checkpoint (the SFT warm start), over several GRPO seeds.

The recipe is ``--config`` (by default the quickstart's). The starting checkpoint is built once
(SFT warm start on oracle demonstrations, then a greedy held-out eval) in ``OUT/start``; each
seed then runs GRPO from that same checkpoint in ``OUT/seed<N>`` (tasks, sampling and the
minibatch order differ per seed) and is evaluated greedily on the same held-out tasks. The
script prints per-seed figures and the mean gain with its spread. Every run directory resumes
if the script is killed and started again. Usage::

    python benchmarks/learning_household.py --seeds 0 1 2 --iterations 8 --eval-episodes 48
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import time
from pathlib import Path

from agentgym.train import load_config
from agentgym.train.checkpoint import latest_checkpoint, save_checkpoint
from agentgym.train.grpo import GRPOTrainer
from agentgym.train.sft import warm_start


def build_start(config_path: str, overrides: list[str], start_dir: Path) -> dict:
    """The SFT warm start and its held-out eval, saved as the iteration-0 checkpoint."""
    config = load_config(config_path, [*overrides, f"out_dir={start_dir}"])
    if latest_checkpoint(start_dir) is None:
        trainer = GRPOTrainer(config, progress=False)
        started = time.perf_counter()
        state = {"sft": warm_start(trainer.policy, config, progress=False)}
        trainer.backend.sync()
        state["eval_before"] = trainer.evaluate()
        state["start_minutes"] = round((time.perf_counter() - started) / 60, 1)
        save_checkpoint(start_dir, 0, trainer.model, trainer.optimizer, trainer.scheduler, state)
        trainer.backend.close()
    return json.loads((latest_checkpoint(start_dir) / "state.json").read_text())


def _solved_by_type(before: dict, after: dict) -> dict[str, str]:
    """``{task type: "solved before -> after / episodes"}`` where the evals broke success down
    by task type (they do on the household env)."""
    b, a = before.get("by_task_type", {}), after.get("by_task_type", {})
    return {k: f"{b[k]['successes']} -> {a[k]['successes']} / {a[k]['episodes']}" for k in a if k in b}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="configs/household_smollm2.yaml")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--iterations", type=int, default=8)
    parser.add_argument("--eval-episodes", type=int, default=48)
    parser.add_argument("--out", default="runs/learning_household")
    parser.add_argument("overrides", nargs="*", help="extra config overrides, e.g. trainer.lr=5e-5")
    args = parser.parse_args()

    out = Path(args.out)
    common = [f"trainer.iterations={args.iterations}", f"eval.episodes={args.eval_episodes}", *args.overrides]
    start = build_start(args.config, common, out / "start")
    print(json.dumps({"start": {"eval_before": start["eval_before"], "sft": start["sft"]}}), flush=True)

    rows = []
    for seed in args.seeds:
        run_dir = out / f"seed{seed}"
        if latest_checkpoint(run_dir) is None:
            shutil.copytree(out / "start" / "checkpoints", run_dir / "checkpoints")
        config = load_config(args.config, [*common, f"trainer.seed={seed}", f"out_dir={run_dir}"])
        started = time.perf_counter()
        result = GRPOTrainer(config, progress=False).run()
        metrics = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
        rows.append(
            {
                "seed": seed,
                "before": result["eval_before"]["success_rate"],
                "after": result["eval_after"]["success_rate"],
                "invalid_before": result["eval_before"]["invalid_action_rate"],
                "invalid_after": result["eval_after"]["invalid_action_rate"],
                "solved_by_task_type": _solved_by_type(result["eval_before"], result["eval_after"]),
                "train_success_by_iteration": [round(m["success_rate"], 3) for m in metrics],
                "minutes": round((time.perf_counter() - started) / 60, 1),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    gains = [r["after"] - r["before"] for r in rows]
    summary = {
        "config": args.config,
        "overrides": args.overrides,
        "iterations": args.iterations,
        "eval_episodes": args.eval_episodes,
        "start": start["eval_before"],
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
