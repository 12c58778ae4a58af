"""Run a policy over an env's tasks, write every episode as JSONL, and summarise."""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any, Sequence

from agentgym.eval.metrics import summarize
from agentgym.registry import make as make_env
from agentgym.registry import spec as env_spec
from agentgym.rollout import RolloutConfig, RolloutEngine
from agentgym.trajectory import Trajectory

__all__ = ["evaluate", "select_tasks", "DEFAULT_BREAKDOWN"]

#: The info keys an eval breaks its figures down by unless told otherwise.
DEFAULT_BREAKDOWN: tuple[str, ...] = ("task_type",)


def select_tasks(env_id: str, split: str | None, count: int, *, env_kwargs: dict[str, Any] | None = None) -> list[str]:
    """The first ``count`` task ids of ``split`` (the same tasks every run, so runs compare);
    ``None`` is the env's held-out split (:meth:`~agentgym.TaskSet.held_out_split`)."""
    return _split_and_tasks(env_id, split, count, env_kwargs)[1]


def _split_and_tasks(env_id: str, split: str | None, count: int, env_kwargs: dict[str, Any] | None) -> tuple[str, list[str]]:
    env = make_env(env_id, **(env_kwargs or {}))
    try:
        task_set = env.unwrapped.task_set
        split = task_set.held_out_split() if split is None else split
        try:
            return split, task_set.take(split, count)
        except ValueError as err:
            raise ValueError(f"{env_id}: {err}") from None
    finally:
        env.close()


def evaluate(
    env_id: str,
    policy: Any,
    *,
    episodes: int = 100,
    attempts: int = 1,
    split: str | None = None,
    seed: int = 0,
    out_dir: str | Path | None = None,
    env_kwargs: dict[str, Any] | None = None,
    rollout: RolloutConfig | None = None,
    batch_size: int = 32,
    progress: bool = True,
    by: Sequence[str] = DEFAULT_BREAKDOWN,
) -> dict[str, Any]:
    """Evaluate ``policy`` on ``episodes`` tasks of ``split``, ``attempts`` times each.

    ``split`` defaults to the env's held-out split (``test-seen`` for the household env, ``test``
    for most others; see :meth:`~agentgym.TaskSet.held_out_split`).

    Task *i* is played with seed ``seed + i``. With ``out_dir``, each episode is appended to
    ``episodes.jsonl`` as it ends (a killed run keeps what it finished) and the summary goes to
    ``summary.json``. A progress bar shows the running success rate. ``by`` names info keys
    to break the figures down by (``by_<key>`` in the summary), where the env reports them:
    the household env's ``task_type`` by default.

    Returns:
        the summary dict of :func:`agentgym.eval.metrics.summarize`, plus the run's settings.
    """
    if episodes < 1 or attempts < 1:
        raise ValueError(f"episodes and attempts must be >= 1, got {episodes} and {attempts}")
    env_id = env_spec(env_id).id
    config = dataclasses.replace(rollout or RolloutConfig(), group_size=attempts)
    split, tasks = _split_and_tasks(env_id, split, episodes, env_kwargs)
    out_path = Path(out_dir) if out_dir is not None else None
    jsonl = None
    if out_path is not None:
        out_path.mkdir(parents=True, exist_ok=True)
        jsonl = open(out_path / "episodes.jsonl", "w", encoding="utf-8")

    finished: list[Trajectory] = []
    bar = _progress_bar(total=episodes * attempts, enabled=progress, desc=f"eval {env_id}")
    start = time.perf_counter()

    def on_episode_end(traj: Trajectory) -> None:
        traj.metadata["policy"] = getattr(policy, "name", type(policy).__name__)
        finished.append(traj)
        if jsonl is not None:
            jsonl.write(json.dumps(traj.to_dict(), ensure_ascii=False) + "\n")
            jsonl.flush()
        if bar is not None:
            bar.update(1)
            bar.set_postfix(success=f"{sum(t.success for t in finished) / len(finished):.1%}")

    try:
        with RolloutEngine(policy, config) as engine:
            for i in range(0, len(tasks), batch_size):
                chunk = [(task, seed + i + j) for j, task in enumerate(tasks[i : i + batch_size])]
                engine.run(env_id, chunk, env_kwargs=env_kwargs, on_episode_end=on_episode_end)
    finally:
        if bar is not None:
            bar.close()
        if jsonl is not None:
            jsonl.close()

    summary = summarize(finished, by=by)
    summary.update(
        {
            "env_id": env_id,
            "policy": getattr(policy, "name", type(policy).__name__),
            "split": split,
            "attempts": attempts,
            "seed": seed,
            "seconds": round(time.perf_counter() - start, 3),
        }
    )
    if out_path is not None:
        (out_path / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def _progress_bar(total: int, enabled: bool, desc: str):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="ep", file=sys.stderr, dynamic_ncols=True)
