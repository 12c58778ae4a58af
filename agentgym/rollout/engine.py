"""The batched multi-turn rollout engine.

Each step gathers the next turn of every live episode into one ``policy.generate`` call, then
steps the envs (concurrently on a thread pool for I/O-bound envs: browsers, HTTP, sandboxes),
records the turns, and retires episodes that ended. Envs are pooled per (env id, kwargs) and
reused across runs, so a browser or server env is started once.
"""

from __future__ import annotations

import gc
import json
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable, Sequence, Union

from agentgym.policy import Policy, chat_tokenizer_of
from agentgym.registry import make as make_env
from agentgym.rollout.config import RolloutConfig
from agentgym.rollout.episode import Episode
from agentgym.trajectory import Group, Trajectory, new_uid

__all__ = ["RolloutEngine", "TaskRef"]

#: A task to play: its id, or ``(task_id, seed)``.
TaskRef = Union[str, tuple[str, Union[int, None]]]

_DEFAULT_IO_WORKERS = 16

# While episodes are reset and stepped, the cyclic garbage collector's youngest generation is collected
# after this many net allocations instead of Python's default 700. A rollout allocates a few
# container objects per step (turn records, info dicts, observation lists) that live until the
# run ends and form no cycles, so the default threshold makes the collector re-scan them over
# and over; that cost ~8% of an env step in benchmarks/env_throughput.py.
_ROLLOUT_GC_THRESHOLD0 = 50_000


class RolloutEngine:
    """Plays B tasks x G attempts with a policy, one batched policy call per step.

    Args:
        policy: anything with ``generate(requests, sampling)`` (see :mod:`agentgym.policy`).
        config: how episodes are played (group size, context mode, limits, sampling).
        env_factory: builds an env from ``(env_id, **kwargs)``; defaults to the registry's ``make``.

    Example::

        engine = RolloutEngine(OraclePolicy(), RolloutConfig(group_size=4))
        groups = engine.run("agentgym/Household-v0", ["train-00001", "train-00002"])
    """

    def __init__(
        self,
        policy: Policy,
        config: RolloutConfig | None = None,
        env_factory: Callable[..., Any] | None = None,
    ):
        if not callable(getattr(policy, "generate", None)):
            raise TypeError(f"policy must have a generate(requests, sampling) method, got {type(policy).__name__}")
        self.policy = policy
        self.config = config or RolloutConfig()
        self.env_factory = env_factory or make_env
        self.tokenizer = chat_tokenizer_of(policy)
        self._env_pool: dict[str, list[Any]] = {}
        self._executor: ThreadPoolExecutor | None = None
        self._executor_workers = 0

    # ------------------------------------------------------------------ public API
    def run(
        self,
        env_id: str,
        tasks: Sequence[TaskRef],
        *,
        env_kwargs: dict[str, Any] | None = None,
        on_episode_end: Callable[[Trajectory], None] | None = None,
    ) -> list[Group]:
        """Play every task ``group_size`` times; returns one :class:`Group` per task, in order."""
        with _fewer_gc_passes():  # the resets allocate what the run keeps, as the steps do
            episodes = self.start(env_id, tasks, env_kwargs=env_kwargs)
            self.run_episodes(episodes, on_episode_end=on_episode_end)
            groups: dict[str, Group] = {}
            for ep in episodes:
                traj = ep.trajectory
                group = groups.get(traj.group_id)
                if group is None:  # not setdefault: that would build a Group per episode
                    group = groups[traj.group_id] = Group(traj.group_id, traj.task_id)
                group.trajectories.append(traj)
            self.release(episodes, env_kwargs=env_kwargs)
        return list(groups.values())

    def start(self, env_id: str, tasks: Sequence[TaskRef], *, env_kwargs: dict[str, Any] | None = None) -> list[Episode]:
        """Reset one env per (task, attempt) and return the live episodes (not yet played).
        I/O-bound envs (browsers, HTTP, sandboxes) are reset concurrently on the thread pool."""
        pool = self._env_pool.setdefault(_pool_key(env_id, env_kwargs), [])
        starts = []
        for task in tasks:
            task_id, seed = (task, None) if isinstance(task, str) else (str(task[0]), task[1])
            group_id = new_uid()
            for _ in range(self.config.group_size):
                env = pool.pop() if pool else self.env_factory(env_id, **(env_kwargs or {}))
                starts.append((env, task_id, seed, group_id))

        config, tokenizer = self.config, self.tokenizer

        def start_one(args: tuple[Any, str, int | None, str]) -> Episode:
            env, task_id, seed, group_id = args
            return Episode.start(env, env_id=env_id, task_id=task_id, seed=seed, group_id=group_id, config=config, tokenizer=tokenizer)

        if not starts:
            return []
        executor = self._executor_for(starts[0][0])
        if executor is None or len(starts) == 1:
            return [start_one(args) for args in starts]
        return list(executor.map(start_one, starts))

    def run_episodes(self, episodes: Iterable[Episode], *, on_episode_end: Callable[[Trajectory], None] | None = None) -> None:
        """Step the episodes until every one has ended (forked episodes welcome)."""
        episodes = list(episodes)
        if on_episode_end is not None:
            for ep in episodes:
                if ep.done:
                    on_episode_end(ep.trajectory)
        live = [ep for ep in episodes if not ep.done]
        with _fewer_gc_passes():
            while live:
                ended = self.step(live)
                if ended:
                    if on_episode_end is not None:
                        for ep in ended:
                            on_episode_end(ep.trajectory)
                    live = [ep for ep in live if not ep.done]

    def step(self, episodes: Sequence[Episode]) -> list[Episode]:
        """Advance every live episode by one turn; returns those that ended in this step."""
        ended: list[Episode] = []
        live = [ep for ep in episodes if not ep.done]
        if self.config.max_context_tokens is not None:
            for ep in live:
                if ep.over_token_budget():
                    ep.stop_for_tokens()
                    ended.append(ep)
            live = [ep for ep in live if not ep.done]
        if not live:
            return ended
        requests = [ep.request() for ep in live]
        completions = self.policy.generate(requests, self.config.sampling)
        if len(completions) != len(requests):
            raise RuntimeError(
                f"policy {getattr(self.policy, 'name', type(self.policy).__name__)!r} returned "
                f"{len(completions)} completions for {len(requests)} requests"
            )
        executor = self._executor_for(live[0].env) if len(live) > 1 else None
        if executor is None:
            _step_and_apply(live, completions, ended)
        else:
            results = list(executor.map(_safe_step, [ep.env for ep in live], [c.text for c in completions]))
            for ep, completion, result in zip(live, completions, results):
                ep.apply(completion, result)
                if ep.done:
                    ended.append(ep)
        return ended

    def release(self, episodes: Iterable[Episode], *, env_kwargs: dict[str, Any] | None = None) -> None:
        """Return the episodes' envs to the pool for reuse by later runs."""
        pools: dict[str, list[Any]] = {}
        for ep in episodes:
            env_id = ep.trajectory.env_id
            if env_id not in pools:
                pools[env_id] = self._env_pool.setdefault(_pool_key(env_id, env_kwargs), [])
            pools[env_id].append(ep.env)

    def close(self) -> None:
        """Close pooled envs and the worker threads."""
        for envs in self._env_pool.values():
            for env in envs:
                try:
                    env.close()
                except Exception:
                    pass
        self._env_pool.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def __enter__(self) -> "RolloutEngine":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------------ internals
    def _workers_for(self, env: Any) -> int:
        if self.config.env_workers is not None:
            return self.config.env_workers
        return _DEFAULT_IO_WORKERS if getattr(env, "io_bound", False) else 1

    def _executor_for(self, env: Any) -> ThreadPoolExecutor | None:
        """The thread pool to step or reset ``env``'s kind on, or None to run them inline."""
        workers = self._workers_for(env)
        if workers <= 1:
            return None
        if self._executor is None or self._executor_workers != workers:
            if self._executor is not None:
                self._executor.shutdown(wait=True)
            self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="agentgym-env")
            self._executor_workers = workers
        return self._executor


@contextmanager
def _fewer_gc_passes():
    """Raise the youngest GC generation's threshold for the block (see _ROLLOUT_GC_THRESHOLD0);
    the collector still runs, and the caller's thresholds come back afterwards."""
    thresholds = gc.get_threshold()
    if thresholds[0] >= _ROLLOUT_GC_THRESHOLD0 or thresholds[0] == 0:  # already raised, or GC off
        yield
        return
    gc.set_threshold(_ROLLOUT_GC_THRESHOLD0, *thresholds[1:])
    try:
        yield
    finally:
        _promote_young_objects()
        gc.set_threshold(*thresholds)


def _promote_young_objects() -> None:
    """Move every object the collector tracks to its oldest generation, without a scan.

    A run leaves tens of thousands of young objects (its records), nearly all kept. With the
    default threshold restored, the next allocation would scan them all in a young collection
    and the next few would scan the survivors again; freeze + unfreeze moves them straight to
    the oldest generation, which only full collections walk (any cyclic garbage among them is
    freed then). Skipped when the program froze objects itself: unfreeze would thaw them too.
    """
    if gc.isenabled() and gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


def _safe_step(env: Any, action: str) -> Any:
    # An env that raises ends its own episode (StopReason.ENV_ERROR); the run goes on.
    try:
        return env.step(action)
    except Exception as exc:
        return exc


def _step_and_apply(live: list[Episode], completions: Sequence[Any], ended: list[Episode]) -> None:
    """Step each env inline and record its turn at once, appending the episodes that end to
    ``ended``. _safe_step's try/except is inlined: a call frame per step is a measurable share
    of the engine's cost. Each episode's apply only touches that episode, so stepping and
    recording one episode at a time is the same as stepping them all first."""
    for ep, completion in zip(live, completions):
        try:
            result = ep.env.step(completion.text)
        except Exception as exc:  # as in _safe_step
            result = exc
        ep.apply(completion, result)
        if ep.done:
            ended.append(ep)


def _pool_key(env_id: str, env_kwargs: dict[str, Any] | None) -> str:
    if not env_kwargs:  # the common case; json.dumps({}) costs more than a short run's step
        return env_id + "|{}"
    return env_id + "|" + json.dumps(env_kwargs, sort_keys=True, default=str)
