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
  agentgym play Household-v0                       play an episode yourself
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
    p.add_argument("--policy", default="oracle", help="oracle | random | human (default: oracle)")
    p.add_argument("--episodes", type=int, default=100, help="how many tasks to play (default 100)")
    p.add_argument("--attempts", type=int, default=1, help="attempts per task, k; k > 1 reports pass@k and pass^k (default 1)")
    p.add_argument("--split", default="train", help="task split, e.g. train, test-seen, test-unseen (default train)")
    p.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    p.add_argument("--out", default=None, metavar="DIR", help="write episodes.jsonl and summary.json here")
    p.add_argument("--max-turns", type=int, default=None, help="cap on actions per episode (default: the env's step limit)")
    p.add_argument("--context", choices=["full", "window"], default="full", help="prompt context: full history or a window of the last --window turns")
    p.add_argument("--window", type=int, default=4, help="turns kept in window mode (default 4)")
    p.add_argument("--batch-size", type=int, default=32, help="tasks played concurrently (default 32)")
    p.add_argument("--kwarg", action="append", default=[], metavar="KEY=VALUE", help="env constructor argument (repeatable), e.g. difficulty=easy")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=_cmd_eval)

    p = sub.add_parser("play", help="play an env yourself in the terminal", description="Play one episode in the terminal. Type an action, or the number of an admissible action; ':quit' leaves.")
    p.add_argument("env_id", metavar="ENV", help="a registered env id, e.g. Household-v0")
    p.add_argument("--task", default=None, help="task id to play (default: drawn from --split by --seed)")
    p.add_argument("--split", default="train", help="split to draw the task from (default train)")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    p.add_argument("--kwarg", action="append", default=[], metavar="KEY=VALUE", help="env constructor argument (repeatable)")
    p.set_defaults(func=_cmd_play)
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
    from agentgym.policies import load_policy
    from agentgym.rollout import RolloutConfig

    policy = load_policy(args.policy, seed=args.seed)
    config = RolloutConfig(max_turns=args.max_turns, context=args.context, window=args.window)
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
    )
    print(format_summary(summary))
    if args.out:
        print(f"wrote {args.out}/episodes.jsonl and {args.out}/summary.json")
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
