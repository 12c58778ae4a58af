"""Web env figures: steps/s, memory and where a step's time goes, for the shop (text and browser
modes) and MiniWoB++ tasks, one env alone and several at once through the rollout engine.

For each env (oracle policy throughout; every episode must succeed or the run stops):

1. ``single``: one env, a plain ``reset`` / ``oracle_action`` / ``step`` loop over ``--episodes``
   episodes. ``steps/s`` counts env steps over the whole loop, resets included.
2. ``engine xK``: the :class:`RolloutEngine` (``OraclePolicy``, ``env_workers=K``) playing K
   episodes at a time, ``--rounds`` times (its env pool keeps the K envs between rounds), so K
   envs are reset and stepped concurrently on its thread pool.
3. memory, sampled every 0.1 s during each run: the RSS of this Python process (the shop server
   and the Playwright driver's client live here) and the summed RSS of the browser's processes
   (the Chromium the pool launched and all its children; RSS counts shared pages in each process,
   so the sum over-counts; the PSS sum at the end of the run is given too). Peaks per run.
4. a profile of the single-env loop: time per step in each part (HTTP round trip, server work,
   BM25 search, page parsing; browser action with its navigation, DOM read, Python-side view), by
   timing wrappers around those functions (a separate, shorter pass, so the wrappers do not touch
   the timed runs).

Usage (about 1.5 minutes on 2 shared cores)::

    python benchmarks/web_envs.py
    python benchmarks/web_envs.py --episodes 20 --concurrency 4 --rounds 3 --miniwob click-button login-user
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import platform
import threading
import time
from collections import defaultdict
from typing import Any, Callable

import psutil

import agentgym
from agentgym.envs.web import env_id as miniwob_id
from agentgym.envs.web.browser import shared_pool
from agentgym.policies import OraclePolicy
from agentgym.rollout import RolloutConfig, RolloutEngine


# ---------------------------------------------------------------------- memory
class MemorySampler:
    """Samples this process's RSS and the browser tree's summed RSS every ``interval`` s; keeps peaks."""

    def __init__(self, interval: float = 0.1):
        self.interval = interval
        self.me = psutil.Process()
        self.peak_py = self.peak_browser = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _browser_procs(self) -> list[psutil.Process]:
        pid = shared_pool().pid
        if pid is None:
            return []
        try:
            root = psutil.Process(pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def browser_rss(self) -> tuple[int, int]:
        """(summed RSS in bytes, number of processes) of the browser now."""
        total, procs = 0, self._browser_procs()
        for p in procs:
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
        return total, len(procs)

    def browser_pss(self) -> int:
        """Summed PSS (shared pages split between the processes that map them) of the browser now."""
        total = 0
        for p in self._browser_procs():
            with contextlib.suppress(psutil.Error, AttributeError):
                total += p.memory_full_info().pss
        return total

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_py = max(self.peak_py, self.me.memory_info().rss)
            self.peak_browser = max(self.peak_browser, self.browser_rss()[0])

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_py = max(self.peak_py, self.me.memory_info().rss)
        self.peak_browser = max(self.peak_browser, self.browser_rss()[0])


def _mb(n: int) -> float:
    return round(n / 2**20, 1)


# ---------------------------------------------------------------------- runs
def tasks_for(env_id: str, n: int, offset: int = 0) -> list[tuple[str, int]]:
    """``n`` (task id, seed) pairs of the env's train split (MiniWoB++ envs have one task; seeds vary)."""
    ids = agentgym.make(env_id).task_set.ids("train")
    return [(ids[((offset + i) * 7919) % len(ids)], offset + i) for i in range(n)]


def run_single(env_id: str, tasks: list[tuple[str, int]]) -> dict[str, Any]:
    env = agentgym.make(env_id)
    env.reset(seed=10_000, options={"task": tasks[0][0]})  # warm-up: server, browser, first page
    steps, resets = 0, []
    with MemorySampler() as memory:
        start = time.perf_counter()
        for task, seed in tasks:
            t0 = time.perf_counter()
            env.reset(seed=seed, options={"task": task})
            resets.append(time.perf_counter() - t0)
            while not env.done:
                env.step(env.oracle_action())
                steps += 1
            if not env.success:
                raise RuntimeError(f"the oracle failed on {env_id} {task} seed {seed}")
        elapsed = time.perf_counter() - start
        pss = memory.browser_pss()
    env.close()
    return _row(env_id, "single", 1, len(tasks), steps, elapsed, memory, pss, reset_ms=1000 * sum(resets) / len(resets))


def run_engine(env_id: str, tasks: list[tuple[str, int]], concurrency: int) -> dict[str, Any]:
    engine = RolloutEngine(OraclePolicy(), RolloutConfig(group_size=1, env_workers=concurrency))
    engine.run(env_id, tasks_for(env_id, concurrency, offset=20_000))  # warm-up: builds the K pooled envs
    steps = 0
    with MemorySampler() as memory:
        start = time.perf_counter()
        for i in range(0, len(tasks), concurrency):
            for group in engine.run(env_id, tasks[i : i + concurrency]):
                for traj in group:
                    if not traj.success:
                        raise RuntimeError(f"the oracle failed on {env_id} {traj.task_id} seed {traj.seed}: {traj.stop_reason}")
                    steps += traj.num_turns
        elapsed = time.perf_counter() - start
        pss = memory.browser_pss()
    engine.close()
    return _row(env_id, f"engine x{concurrency}", concurrency, len(tasks), steps, elapsed, memory, pss)


def _row(env_id, how, at_once, episodes, steps, elapsed, memory, pss, reset_ms=None) -> dict[str, Any]:
    return {
        "env": env_id,
        "run": how,
        "envs_at_once": at_once,
        "episodes": episodes,
        "steps": steps,
        "seconds": round(elapsed, 2),
        "steps_per_s": round(steps / elapsed, 1),
        "reset_ms": None if reset_ms is None else round(reset_ms, 1),
        "python_rss_peak_mb": _mb(memory.peak_py),
        "browser_rss_peak_mb": _mb(memory.peak_browser),
        "browser_pss_end_mb": _mb(pss),
        "browser_processes_end": memory.browser_rss()[1],
    }


# ---------------------------------------------------------------------- profile
class Timers:
    """Accumulated seconds per named part, from wrappers around functions and methods."""

    def __init__(self) -> None:
        self.total: dict[str, float] = defaultdict(float)
        self._lock = threading.Lock()
        self._undo: list[Callable[[], None]] = []

    def _add(self, name: str, seconds: float) -> None:
        with self._lock:
            self.total[name] += seconds

    def wrap(self, owner: Any, attr: str, name: str) -> None:
        """Time every call of ``owner.attr`` (a function or coroutine function) under ``name``."""
        original = getattr(owner, attr)
        if asyncio.iscoroutinefunction(original):

            async def timed(*args, **kwargs):
                start = time.perf_counter()
                try:
                    return await original(*args, **kwargs)
                finally:
                    self._add(name, time.perf_counter() - start)
        else:

            def timed(*args, **kwargs):
                start = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    self._add(name, time.perf_counter() - start)

        own = attr in vars(owner)  # else inherited: restoring deletes the wrapper
        setattr(owner, attr, timed)
        self._undo.append(lambda: setattr(owner, attr, original) if own else delattr(owner, attr))

    def restore(self) -> None:
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()


def profile(env_id: str, tasks: list[tuple[str, int]], parts: list[tuple[Any, str, str]]) -> dict[str, dict[str, float]]:
    """Milliseconds in each part per env step (reset work excluded) and per reset, over a single-env oracle loop."""
    env = agentgym.make(env_id)
    env.reset(seed=10_000, options={"task": tasks[0][0]})
    timers = Timers()
    timers.wrap(type(env), "step", "step (all)")
    timers.wrap(type(env), "reset", "reset (all)")
    timers.wrap(type(env), "oracle_action", "oracle_action")
    for owner, attr, name in parts:
        timers.wrap(owner, attr, name)
    steps = 0
    in_resets: dict[str, float] = defaultdict(float)
    try:
        for task, seed in tasks:
            before = dict(timers.total)
            env.reset(seed=seed, options={"task": task})
            for name, seconds in timers.total.items():  # the parts' time during reset is not step time
                in_resets[name] += seconds - before.get(name, 0.0)
            while not env.done:
                env.step(env.oracle_action())
                steps += 1
    finally:
        timers.restore()
        env.close()
    return {
        "per_step_ms": {name: round(1000 * (t - in_resets[name]) / steps, 2) for name, t in sorted(timers.total.items()) if t > in_resets[name]},
        "per_reset_ms": {name: round(1000 * t / len(tasks), 2) for name, t in sorted(in_resets.items()) if t > 0},
    }


def shop_text_parts() -> list[tuple[Any, str, str]]:
    from agentgym.envs.shop import env as shop_env
    from agentgym.envs.shop.client import ShopClient
    from agentgym.envs.shop.search import SearchIndex
    from agentgym.envs.shop.server import ShopServer

    return [
        (ShopClient, "get", "HTTP GET, round trip (client)"),
        (ShopServer, "respond", "server: route + BM25 + HTML (in its thread)"),
        (SearchIndex, "search", "server: BM25 search"),
        (shop_env, "parse_page", "client: HTML -> [SEP] text"),
    ]


def shop_browser_parts() -> list[tuple[Any, str, str]]:
    from agentgym.envs.shop import browser_env
    from agentgym.envs.shop.server import ShopServer
    from agentgym.envs.web.browser import BrowserPool

    return [
        (BrowserPool, "run", "pool.run: thread hop + browser work"),
        (BrowserPool, "new_page", "browser: new context + page"),
        (browser_env.ShopBrowserEnv, "_open", "browser: open the search page"),
        (browser_env, "perform", "browser: action, navigation until load"),
        (browser_env.ShopBrowserEnv, "_read", "browser: DOM walk + outerHTML"),
        (browser_env.ShopBrowserEnv, "_show", "python: parse page, flatten, render view"),
        (ShopServer, "respond", "server: route + BM25 + HTML (in its thread)"),
    ]


def miniwob_parts() -> list[tuple[Any, str, str]]:
    from agentgym.envs.web.browser import BrowserPool
    from agentgym.envs.web.env import MiniWoBEnv

    return [
        (BrowserPool, "run", "pool.run: thread hop + browser work"),
        (BrowserPool, "new_page", "browser: new context + page"),
        (MiniWoBEnv, "_open", "browser: context, page load, episode start, read"),
        (MiniWoBEnv, "_perform", "browser: action + 1 s of page time + read"),
        (MiniWoBEnv, "_observe", "browser: read (image wait, core.getDOMInfo())"),
        (MiniWoBEnv, "_show", "python: flatten, render view"),
    ]


# ---------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=8, help="episodes per single-env shop browser run (x25 in text mode)")
    parser.add_argument("--concurrency", type=int, default=8, help="K: envs the engine steps at once")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of K episodes per shop browser engine run (x10 in text mode)")
    parser.add_argument("--miniwob", nargs="+", default=["click-button", "login-user", "click-checkboxes"])
    parser.add_argument("--miniwob-episodes", type=int, default=4, help="episodes per single-env MiniWoB++ run")
    parser.add_argument("--miniwob-rounds", type=int, default=1, help="rounds of K episodes per MiniWoB++ engine run")
    parser.add_argument("--profile-episodes", type=int, default=3)
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args()

    started = time.perf_counter()
    plan = [
        ("agentgym/Shop-v0", 25 * args.episodes, 10 * args.rounds, shop_text_parts),  # ~1 ms steps: more episodes
        ("agentgym/ShopBrowser-v0", args.episodes, args.rounds, shop_browser_parts),
    ]
    plan += [(miniwob_id(task), args.miniwob_episodes, args.miniwob_rounds, miniwob_parts) for task in args.miniwob]
    rows, profiles = [], {}
    for env_id, episodes, rounds, parts in plan:
        rows.append(run_single(env_id, tasks_for(env_id, episodes)))
        rows.append(run_engine(env_id, tasks_for(env_id, args.concurrency * rounds, offset=1000), args.concurrency))
        profiles[env_id] = profile(env_id, tasks_for(env_id, args.profile_episodes, offset=5000), parts())
        print(json.dumps(rows[-2]), json.dumps(rows[-1]), json.dumps({env_id: profiles[env_id]}), sep="\n", flush=True)

    load = os.getloadavg()
    result = {
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}, "
        f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
        "seconds": round(time.perf_counter() - started, 1),
        "rows": rows,
        "profile_ms_per_step": profiles,
    }
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    print()
    print("| env | run | episodes | steps | steps/s | reset ms | Python RSS peak MB | browser RSS peak MB (PSS end) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        reset = "" if r["reset_ms"] is None else r["reset_ms"]
        print(
            f"| {r['env'].removeprefix('agentgym/')} | {r['run']} | {r['episodes']} | {r['steps']} | {r['steps_per_s']} | {reset} "
            f"| {r['python_rss_peak_mb']} | {r['browser_rss_peak_mb']} ({r['browser_pss_end_mb']}) |"
        )
    print()
    for env_id, parts in profiles.items():
        for what, times in parts.items():
            print(f"{env_id} {what}: " + "; ".join(f"{k} {v}" for k, v in times.items()))
    print(f"\n{result['machine']}; {result['seconds']} s")


if __name__ == "__main__":
    main()
