"""The bubblewrap backend: each run in a fresh sandbox (new namespaces, cgroup, tmpfs work dir)."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import time
from typing import Mapping

from .bwrap import GUEST_DIR, BwrapPlan, find_bwrap
from .cgroups import RunCgroup, cgroups_usable
from .errors import HOW_TO_GET_A_BACKEND, SandboxError, SandboxUnavailable
from .jobs import check_request, looks_like_memory_error, make_job
from .result import ExecResult, Limits
from .seccomp import filter_fd
from .streams import capture

__all__ = ["BubblewrapBackend", "spawn_in_cgroup", "HOST_ENV"]

HOST_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
"""The environment bwrap itself starts with (the sandbox's own is set with --setenv)."""


def spawn_in_cgroup(argv: list[str], cgroup: RunCgroup | None, **popen_kwargs) -> subprocess.Popen:
    """Start ``argv`` as a new session, inside ``cgroup`` from its first instruction.

    A tiny shell joins the cgroup and then execs ``argv``, so no process of the tree ever runs
    outside it (moving a process later would leave any children it already forked behind).
    """
    if cgroup is not None:
        joins = " && ".join(f"echo $$ > {shlex.quote(str(p))}" for p in cgroup.procs_files)
        argv = ["/bin/sh", "-c", f'{joins} && exec "$@"', "sh", *argv]
    return subprocess.Popen(argv, start_new_session=True, env=HOST_ENV, **popen_kwargs)


class BubblewrapBackend:
    """Runs each snippet in a new bubblewrap sandbox (cold start every time).

    ``use_cgroups=None`` uses per-run cgroups wherever they can be created; ``False`` forces the
    rlimit fallback.
    """

    name = "bubblewrap"

    def __init__(self, bwrap: str | None = None, *, use_cgroups: bool | None = None, plan: BwrapPlan | None = None):
        bwrap = bwrap or find_bwrap()
        if bwrap is None or not os.access(bwrap, os.X_OK):
            raise SandboxUnavailable(f"No bubblewrap (bwrap) binary found. {HOW_TO_GET_A_BACKEND}")
        self.plan = plan or BwrapPlan(bwrap)
        self.use_cgroups = cgroups_usable() if use_cgroups is None else use_cgroups

    def run(self, code: str, language: str = "python", limits: Limits | None = None,
            files: Mapping[str, str | bytes] | None = None) -> ExecResult:
        """Run ``code`` once in a fresh sandbox and return what happened."""
        check_request(code, language, files)
        limits = limits or Limits()
        start = time.monotonic()
        cgroup = RunCgroup.create() if self.use_cgroups else None
        if self.use_cgroups and cgroup is None:
            raise SandboxError("could not create a cgroup for the run (use_cgroups=False falls back to rlimits)")
        job_fd = os.memfd_create("agentgym-job")
        try:
            if cgroup is not None:
                # The tree also holds bwrap twice (outside and as the namespace's init).
                cgroup.set_limits(limits.memory_mb << 20, limits.max_processes + 2, limits.cpus)
            os.write(job_fd, json.dumps(make_job(code, language, files, limits, cgroup is not None)).encode())
            os.lseek(job_fd, 0, os.SEEK_SET)
            job_path = f"{GUEST_DIR}/job.json"
            seccomp_fd = filter_fd()
            fds = (job_fd,) if seccomp_fd is None else (job_fd, seccomp_fd)
            try:
                argv = self.plan.command(["once", job_path], files={job_path: job_fd}, seccomp_fd=seccomp_fd,
                                         workdir_size_mb=limits.memory_mb)
                proc = spawn_in_cgroup(argv, cgroup, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, pass_fds=fds)
            finally:
                if seccomp_fd is not None:
                    os.close(seccomp_fd)
            os.close(job_fd)
            job_fd = -1
            try:
                got = capture(proc.stdout.fileno(), proc.stderr.fileno(), start + limits.timeout_s, limits.max_output_bytes)
                if got.timed_out or got.truncated:
                    _kill_tree(proc, cgroup)
                exit_code = -9 if (got.timed_out or got.truncated) else proc.wait()
            finally:
                _kill_tree(proc, cgroup)
                proc.stdout.close()
                proc.stderr.close()
            duration = time.monotonic() - start
            stderr = got.stderr.decode("utf-8", "replace")
            if cgroup is not None:
                oom = cgroup.oom_kills() > 0
            else:
                oom = looks_like_memory_error(exit_code, stderr)
            return ExecResult(stdout=got.stdout.decode("utf-8", "replace"), stderr=stderr, exit_code=exit_code,
                              timed_out=got.timed_out, oom=oom, truncated=got.truncated, duration_s=duration,
                              backend=self.name, limits="cgroup" if cgroup is not None else "rlimit")
        finally:
            if job_fd >= 0:
                os.close(job_fd)
            if cgroup is not None:
                cgroup.remove()


def _kill_tree(proc: subprocess.Popen, cgroup: RunCgroup | None) -> None:
    """Kill bwrap's session (its namespace's init dies with it, and the namespace with that)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if cgroup is not None:
        cgroup.kill_all()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - the kernel did not let go
        raise SandboxError(f"sandbox process {proc.pid} did not die after SIGKILL")
