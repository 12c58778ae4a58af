"""Per-run cgroups: created where the process may (always as root), limits written, trees killed."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from agentgym.sandbox.cgroups import RunCgroup, cgroups_usable
from agentgym.sandbox.local import spawn_in_cgroup


def _root_only():
    if os.geteuid() != 0:
        pytest.skip("creating cgroups needs root (or a delegated subtree); the rlimit fallback is tested instead")


def test_root_can_always_create_cgroups():
    _root_only()
    assert cgroups_usable(), "as root, per-run cgroups must be available: the sandbox's limits depend on them"


def test_limits_are_written_and_the_tree_is_killed():
    _root_only()
    group = RunCgroup.create()
    assert group is not None
    try:
        group.set_limits(96 << 20, 7, 0.5)
        mem, pids = group.dirs["memory"], group.dirs["pids"]
        if group.version == 1:
            assert int((mem / "memory.limit_in_bytes").read_text()) == 96 << 20
        else:
            assert int((mem / "memory.max").read_text()) == 96 << 20
        assert (pids / "pids.max").read_text().strip() == "7"
        # A shell that starts children inside the group from its first instruction.
        proc = spawn_in_cgroup(["/bin/sh", "-c", "sleep 30 & sleep 30 & sleep 30"], group)
        time.sleep(0.3)
        members = group.pids()
        assert proc.pid in members and len(members) == 4
        assert group.kill_all(timeout_s=5)
        proc.wait(timeout=5)
        assert not group.pids()
        # Raising the limit afterwards works too (the memory and swap limits are ordered).
        group.set_limits(256 << 20, 64, 1.0)
    finally:
        group.remove()
    assert not any(d.exists() for d in group.dirs.values())


def test_the_process_limit_holds_for_a_shell_loop():
    _root_only()
    group = RunCgroup.create()
    try:
        group.set_limits(64 << 20, 5, 1.0)
        proc = spawn_in_cgroup(["/bin/sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; wait"], group,
                               stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        assert 1 < len(group.pids()) <= 5  # the shell plus at most four sleeps, not nine processes
        group.kill_all()
        proc.wait(timeout=5)
    finally:
        group.remove()


def test_cgroups_left_by_a_dead_host_are_removed_when_the_next_run_starts(monkeypatch):
    """Guards against cgroups piling up after hosts that were killed with SIGKILL: the next
    RunCgroup.create sweeps the empty ones whose pid is gone, and leaves alone a live host's,
    one that still holds a process, and a name whose number is not a pid."""
    _root_only()
    from agentgym.sandbox import cgroups

    probe = RunCgroup.create()
    assert probe is not None
    parents = {path.parent for path in probe.dirs.values()}
    probe.remove()
    dead = subprocess.Popen(["/bin/true"])
    dead.wait()
    stale = [parent / f"agentgym-sandbox-{dead.pid}-0" for parent in parents]
    live = [parent / f"agentgym-sandbox-{os.getpid()}-999999" for parent in parents]
    odd = [parent / "agentgym-sandbox-99999999999999999999999-0" for parent in parents]
    for path in stale + live + odd:
        path.mkdir()
    busy = RunCgroup.create(f"agentgym-sandbox-{dead.pid}-1")  # a dead host's name, a process inside
    assert busy is not None
    sleeper = spawn_in_cgroup(["/bin/sleep", "30"], busy)
    deadline = time.monotonic() + 10
    while not all(str(sleeper.pid) in f.read_text().split() for f in busy.procs_files):  # it joins as it starts
        assert time.monotonic() < deadline
        time.sleep(0.01)
    monkeypatch.setattr(cgroups, "_swept", set())
    try:
        group = RunCgroup.create()
        assert group is not None
        group.remove()
        assert not any(path.exists() for path in stale)
        assert all(path.exists() for path in live + odd)
        assert all(path.exists() for path in busy.dirs.values()) and sleeper.poll() is None
    finally:
        busy.remove()
        sleeper.wait()
        for path in stale + live + odd:
            if path.exists():
                path.rmdir()
