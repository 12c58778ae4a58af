"""Code sandbox latency and throughput: cold runs (a fresh sandbox each) vs the warm pool.

Measures, in one run on one machine:

1. ``cold``: ``BubblewrapBackend.run`` of a trivial Python snippet (``print(1)``): new namespaces,
   a new cgroup, Python start-up, teardown. Per-run latency (p50, p95) and runs/s, one at a time.
2. ``pool_latency``: ``Sandbox(workers=W).run`` of the same snippet, one at a time (a warm worker
   forks a fresh child per run). p50, p95 and runs/s.
3. ``pool_throughput``: ``--threads`` threads calling the same pool at once: runs/s.
4. ``pool_start``: seconds to start the pool's workers.

Usage::

    python benchmarks/sandbox_latency.py --cold 40 --warm 300 --workers 2 --threads 4
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import threading
import time

from agentgym.sandbox import Sandbox
from agentgym.sandbox.local import BubblewrapBackend

SNIPPET = "print(1)"


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def timed_runs(run, n: int) -> dict:
    """Run ``run()`` n times, one after another; latency percentiles in ms and runs/s."""
    lat = []
    start = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        result = run()
        lat.append(time.perf_counter() - t)
        assert result.stdout == "1\n", result
    total = time.perf_counter() - start
    return {"n": n, "p50_ms": 1000 * statistics.median(lat), "p95_ms": 1000 * percentile(lat, 0.95),
            "runs_per_s": n / total}


def threaded_runs(box: Sandbox, n: int, threads: int) -> dict:
    """``threads`` threads share ``n`` runs on the pool; overall runs/s."""
    counter = iter(range(n))
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            assert box.run(SNIPPET).stdout == "1\n"

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    start = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return {"n": n, "threads": threads, "runs_per_s": n / (time.perf_counter() - start)}


def main() -> None:
    """Parse arguments, run the measurements, print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cold", type=int, default=40, help="cold runs")
    parser.add_argument("--warm", type=int, default=300, help="pool runs (and as many again for threads)")
    parser.add_argument("--workers", type=int, default=2, help="pool workers")
    parser.add_argument("--threads", type=int, default=4, help="threads for the pool throughput figure")
    args = parser.parse_args()

    cold = BubblewrapBackend()
    cold.run(SNIPPET)  # warm the page cache
    out = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
           "limits": cold.run(SNIPPET).limits}
    out["cold"] = timed_runs(lambda: cold.run(SNIPPET), args.cold)
    t = time.perf_counter()
    with Sandbox(workers=args.workers) as box:
        out["pool_start_s"] = time.perf_counter() - t
        box.run(SNIPPET)
        out["pool_latency"] = timed_runs(lambda: box.run(SNIPPET), args.warm)
        out["pool_throughput"] = threaded_runs(box, args.warm, args.threads)
        out["pool_workers_replaced"] = box.replaced
    out["pool_vs_cold_speedup_p50"] = out["cold"]["p50_ms"] / out["pool_latency"]["p50_ms"]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
