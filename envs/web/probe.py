"""Which MiniWoB++ tasks work headless here: ``python -m agentgym.envs.web.probe [TASK ...]``.

For each task: two envs reset with the same seed must show the same page, and must stay equal
over a seeded walk of admissible actions (the conformance check the registered envs must pass);
a task page that fails to load, start, or be read is reported with the error. This is how
:data:`agentgym.envs.web.tasks.EXCLUDED` was decided.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from agentgym.envs.web.env import MiniWoBEnv
from agentgym.envs.web.tasks import ALL_TASKS


def probe(task: str, seeds: tuple[int, ...] = (0, 1), steps: int = 6) -> str | None:
    """None if ``task`` is deterministic under a seed over a random walk; else what went wrong."""
    a = MiniWoBEnv(task, max_steps=steps + 1, allow_excluded=True)
    b = MiniWoBEnv(task, max_steps=steps + 1, allow_excluded=True)
    try:
        for seed in seeds:
            obs_a, info = a.reset(seed=seed)
            obs_b, _ = b.reset(seed=seed)
            if obs_a != obs_b:
                return f"seed {seed}: two resets gave different pages"
            rng = np.random.default_rng(seed)
            for _ in range(steps):
                choices = info.get("admissible_actions") or ['press("Tab")']
                action = choices[int(rng.integers(len(choices)))]
                ra, rb = a.step(action), b.step(action)
                if ra[:4] != rb[:4]:
                    return f"seed {seed}: {action} gave different results in two envs reset alike"
                info = ra[4]
                if ra[2] or ra[3]:
                    break
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    finally:
        a.close()
        b.close()


def main(argv: list[str]) -> int:
    tasks = argv or list(ALL_TASKS)
    failed = 0
    for task in tasks:
        t0 = time.perf_counter()
        verdict = probe(task)
        failed += verdict is not None
        print(f"{task}\t{time.perf_counter() - t0:.1f}s\t{verdict or 'ok'}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
