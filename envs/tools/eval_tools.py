"""``agentgym eval-tools``: evaluate a policy on tool envs and report tool-use metrics.

Suite names resolve to registered env ids (:func:`resolve_tool_envs`); each env is evaluated
with :func:`agentgym.eval.evaluate` (the same runner, policies and episode records as
``agentgym eval``), and the episodes it writes are read back and scored with
:mod:`agentgym.eval.tool_metrics`.
"""

from __future__ import annotations

import fnmatch
import tempfile
from pathlib import Path
from typing import Any, Sequence

from agentgym.eval.tool_metrics import episode_counts, pooled_metrics

__all__ = ["resolve_tool_envs", "is_tool_env", "evaluate_tools", "format_tool_report"]

_NAMESPACE = "agentgym/"


def is_tool_env(env_id: str) -> bool:
    """True if ``env_id`` is a tool env: its class is a :class:`~agentgym.envs.tools.ToolEnv`, or
    (for envs built otherwise) its ``info`` after a reset carries ``tools``."""
    import agentgym
    from agentgym.envs.tools.env import ToolEnv
    from agentgym.registry import spec

    target = spec(env_id).load()
    if isinstance(target, type) and issubclass(target, ToolEnv):
        return True
    env = agentgym.make(env_id)
    try:
        _, info = env.reset(seed=0)
        return "tools" in info
    finally:
        env.close()


def resolve_tool_envs(names: Sequence[str]) -> list[str]:
    """Suite names -> registered env ids, in the order given, without repeats.

    Each name is tried as, in turn:

    1. a registered env id, with or without the ``agentgym/`` namespace (taken as given);
    2. a built-in suite name: ``calculator`` -> ``agentgym/tools.calculator-v0``;
    3. a glob over the ids, with or without the namespace: ``bfcl.*``, ``*multi_turn*``;
    4. a prefix of the ids without the namespace, in any case: ``bfcl``, ``bfcl.live``, ``tools``,
       ``search``.

    Matches of 3 and 4 are kept if they are tool envs (:func:`is_tool_env`).

    Raises:
        ValueError: a name matches no tool env; the message lists the tool envs there are.
    """
    from agentgym.envs.tools import SUITES, suite_env_id
    from agentgym.registry import registered_envs

    registered = list(registered_envs())
    out: list[str] = []
    probed: dict[str, bool] = {}

    def tool(env_id: str) -> bool:
        if env_id not in probed:
            probed[env_id] = is_tool_env(env_id)
        return probed[env_id]

    for name in names:
        if name in registered or _NAMESPACE + name in registered:
            found = [name if name in registered else _NAMESPACE + name]
        elif name in SUITES:
            found = [suite_env_id(name)]
        else:
            if any(ch in name for ch in "*?["):
                found = [i for i in registered if fnmatch.fnmatchcase(i, name) or fnmatch.fnmatchcase(i.removeprefix(_NAMESPACE), name)]
            else:
                # Prefixes ignore case, so ``search`` finds ``agentgym/Search-v0``.
                found = [i for i in registered if i.removeprefix(_NAMESPACE).lower().startswith(name.lower())]
            found = [i for i in found if tool(i)]
        if not found:
            known = _known_tool_envs(registered)
            raise ValueError(
                f"no tool env matches {name!r}. Give a suite ({', '.join(SUITES)}), an env id, a prefix "
                f"(bfcl) or a glob (bfcl.*multi*). Tool envs: {', '.join(known)}"
            )
        out.extend(i for i in found if i not in out)
    return out


def _known_tool_envs(registered: Sequence[str]) -> list[str]:
    """For error messages: the ToolEnv subclasses (found without building an env) and the BFCL envs."""
    from agentgym.envs.tools.env import ToolEnv
    from agentgym.registry import spec

    known = []
    for env_id in registered:
        try:
            target = spec(env_id).load()
        except Exception:  # a broken plugin must not hide the message
            continue
        if (isinstance(target, type) and issubclass(target, ToolEnv)) or env_id.startswith(_NAMESPACE + "bfcl."):
            known.append(env_id)
    return sorted(known)


def evaluate_tools(
    env_ids: Sequence[str],
    policy: Any,
    *,
    episodes: int = 50,
    split: str = "test",
    seed: int = 0,
    out_dir: str | Path | None = None,
    rollout: Any = None,
    batch_size: int = 32,
    progress: bool = True,
) -> dict[str, Any]:
    """Evaluate ``policy`` on ``episodes`` tasks of ``split`` in each env and score tool use.

    With ``out_dir``, each env's ``episodes.jsonl`` and ``summary.json`` go to
    ``out_dir/<env name>/`` and the report to ``out_dir/tool_report.json``.

    Returns:
        ``{"policy", "split", "episodes", "seed", "suites": {env_id: metrics}, "overall": metrics}``
        with the metrics of :func:`agentgym.eval.tool_metrics.pooled_metrics`; each suite's
        entry also carries its ``seconds``.
    """
    import json

    from agentgym.eval import evaluate
    from agentgym.trajectory import read_jsonl

    with tempfile.TemporaryDirectory(prefix="agentgym-eval-tools-") as scratch:
        root = Path(out_dir) if out_dir is not None else Path(scratch)
        per_suite = {}
        seconds = {}
        for env_id in env_ids:
            where = root / env_id.removeprefix(_NAMESPACE).replace("/", "_")
            summary = evaluate(
                env_id,
                policy,
                episodes=episodes,
                split=split,
                seed=seed,
                out_dir=where,
                rollout=rollout,
                batch_size=batch_size,
                progress=progress,
            )
            per_suite[env_id] = [episode_counts(t) for t in read_jsonl(where / "episodes.jsonl")]
            seconds[env_id] = summary["seconds"]
    report = pooled_metrics(per_suite)
    for env_id, metrics in report["suites"].items():
        metrics["seconds"] = seconds[env_id]
    report = {
        "policy": getattr(policy, "name", type(policy).__name__),
        "split": split,
        "episodes": episodes,
        "seed": seed,
        **report,
    }
    if out_dir is not None:
        (Path(out_dir) / "tool_report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


def format_tool_report(report: dict[str, Any]) -> str:
    """The summary table: one row per suite and an overall row."""
    header = ("suite", "tasks", "success", "95% CI", "valid calls", "calls/task", "productivity")
    rows = [_row(env_id.removeprefix(_NAMESPACE), m) for env_id, m in report["suites"].items()]
    rows.append(_row("overall", report["overall"]))
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells):
        return "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    rule = "  ".join("-" * w for w in widths)
    lines = [f"policy {report['policy']}, split {report['split']}, {report['episodes']} tasks per suite", line(header), rule]
    lines += [line(r) for r in rows[:-1]] + [rule, line(rows[-1])]
    macro = report["overall"].get("macro_success_rate")
    if macro is not None and len(rows) > 2:
        lines.append(f"macro success (mean over suites): {macro:.1%}")
    lines.append("productivity = solved tasks / tool calls; '-' = no calls made")
    return "\n".join(lines)


def _row(name: str, m: dict[str, Any]) -> tuple:
    lo, hi = m["success_rate_ci95"]
    return (
        name,
        m["episodes"],
        _pct(m["success_rate"]),
        f"{lo:.0%}-{hi:.0%}",
        _pct(m["call_validity_rate"]),
        "-" if m["calls_per_task"] is None else f"{m['calls_per_task']:.2f}",
        "-" if m["tool_productivity"] is None else f"{m['tool_productivity']:.3f}",
    )


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"
