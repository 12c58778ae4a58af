"""The warm pool: runs reuse workers, yet nothing of one run is visible to the next."""

from __future__ import annotations

import threading
import time

import pytest

from agentgym.sandbox import Sandbox, SandboxError

from sandbox_helpers import pool  # noqa: F401 (fixture)

LEAVE_TRACES = (
    "import json, os, subprocess, sys, time\n"
    "json.LEFT_BY_PREVIOUS_RUN = True\n"
    "os.environ['LEFT'] = '1'\n"
    "for path in ('left.txt', '/tmp/left.txt', '/var/tmp/left.txt', '/dev/shm/left.txt'):\n"
    "    open(path, 'w').write('x')\n"
    "os.makedirs('deep/locked'); os.chmod('deep', 0)\n"
    "# a daemon that outlives this run if nothing stops it: it keeps rewriting a beacon file\n"
    "subprocess.Popen([sys.executable, '-c', 'import time\\nwhile True:\\n    open(\"/tmp/beacon\", \"w\").write(\"b\"); time.sleep(0.05)'],\n"
    "                 start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "time.sleep(0.3)\n"
    "print('left')\n"
)

CHECK_CLEAN = (
    "import json, os, time\n"
    "time.sleep(0.2)\n"
    "others = sorted(int(p) for p in os.listdir('/proc') if p.isdigit() and int(p) not in (1, os.getpid()))\n"
    "print(hasattr(json, 'LEFT_BY_PREVIOUS_RUN'), 'LEFT' in os.environ, sorted(os.listdir('.')),\n"
    "      os.listdir('/tmp'), os.listdir('/var/tmp'), os.listdir('/dev/shm'), others)\n"
)


def test_nothing_survives_from_one_run_to_the_next(pool):
    for _ in range(3):  # both workers, in some order
        assert pool.run(LEAVE_TRACES).stdout == "left\n"
        clean = pool.run(CHECK_CLEAN)
        assert clean.stdout == "False False ['.agentgym'] [] [] [] []\n", clean.stdout + clean.stderr


def test_workers_are_reused_not_restarted():
    with Sandbox(workers=1) as box:
        pids = {box.run("import os; print(os.getppid())").stdout for _ in range(5)}
        assert pids == {"1\n"}  # the worker's init forks every run
        assert box.replaced == 0 and box.size == 1


def test_a_worker_with_leftover_ipc_objects_is_replaced():
    code = (
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "print(libc.shmget(0, 4096, 0o1000 | 0o600) >= 0)  # IPC_PRIVATE, IPC_CREAT\n"
    )
    with Sandbox(workers=1) as box:
        assert box.run(code).stdout == "True\n"
        assert box.replaced == 1
        after = box.run("print(open('/proc/sysvipc/shm').read().count('\\n'))")
        assert after.stdout == "1\n"  # just the header: the segment went with the old worker


def test_concurrent_runs_from_threads(pool):
    results = {}

    def work(i):
        results[i] = pool.run(f"import time; time.sleep(0.05); print({i} * 3)", files={"n.txt": str(i)})

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {i: r.stdout for i, r in results.items()} == {i: f"{i * 3}\n" for i in range(8)}


def test_closed_pool_refuses_and_bad_size_is_refused():
    box = Sandbox(workers=1)
    box.close()
    with pytest.raises(SandboxError, match="closed"):
        box.run("print(1)")
    with pytest.raises(ValueError, match="workers"):
        Sandbox(workers=0)


def test_a_pool_started_on_a_thread_that_ended_still_runs():
    """Guards against workers tied to the thread that created the pool (bwrap's
    --die-with-parent follows the spawning thread): a rollout engine's worker threads come and go."""
    holder = {}
    thread = threading.Thread(target=lambda: holder.setdefault("box", Sandbox(workers=1)))
    thread.start()
    thread.join()
    time.sleep(0.5)
    with holder["box"] as box:
        result = box.run("print(6 * 7)")
    assert (result.exit_code, result.stdout) == (0, "42\n"), result


def test_a_pool_with_no_worker_left_raises_instead_of_waiting(monkeypatch):
    """Guards against callers blocking for ever once every worker is gone and none can start."""
    import agentgym.sandbox.pool as pool_module

    box = Sandbox(workers=1)
    try:
        worker = box._idle.get()
        with box._lock:
            box._all.remove(worker)
        worker.close()

        def cannot_start(*args, **kwargs):
            raise SandboxError("a pool worker did not start (test)")

        monkeypatch.setattr(pool_module, "_Worker", cannot_start)
        with pytest.raises(SandboxError, match="did not start"):
            box.run("print(1)")
    finally:
        box.close()
