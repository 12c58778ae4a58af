"""``Sandbox``: a pool of warm bubblewrap workers for throughput.

Each worker is one long-lived sandbox (its own namespaces and cgroup) whose init process is the
guest program in ``serve`` mode, started as a clean Python. A run sends it the job and two pipe
ends for stdout and stderr; it forks a fresh child of that clean template, which drops to the
unprivileged uid and runs the code. When the child ends (or the host says its deadline passed)
the worker kills every other process of its namespace and empties the work dir and the scratch
dirs, so nothing of one run reaches the next. A worker that fails in any way is replaced by a
fresh one.
"""

from __future__ import annotations

import json
import os
import queue
import socket
import struct
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Mapping

from .bwrap import BwrapPlan, find_bwrap
from .cgroups import RunCgroup, cgroups_usable
from .errors import HOW_TO_GET_A_BACKEND, SandboxError, SandboxUnavailable
from .jobs import check_request, looks_like_memory_error, make_job
from .local import _kill_tree, spawn_in_cgroup
from .result import ExecResult, Limits
from .seccomp import filter_fd
from .streams import capture

__all__ = ["Sandbox"]

_SERVER_MEMORY_MB = 48
"""Memory added to each run's limit for the worker's own (idle) Python process."""
_REPLY_GRACE_S = 10.0


_SPAWNER: ThreadPoolExecutor | None = None
_SPAWNER_LOCK = threading.Lock()


def _spawner() -> ThreadPoolExecutor:
    """The process's one thread that starts pool workers (it lives as long as the process)."""
    global _SPAWNER
    with _SPAWNER_LOCK:
        if _SPAWNER is None:
            _SPAWNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agentgym-sandbox-spawn")
        return _SPAWNER


class _Worker:
    """One warm sandbox: a bwrap process tree, its cgroup and the socket to its guest."""

    def __init__(self, plan: BwrapPlan, use_cgroups: bool, start_timeout_s: float = 30.0):
        self.cgroup = RunCgroup.create() if use_cgroups else None
        if use_cgroups and self.cgroup is None:
            raise SandboxError("could not create a cgroup for a pool worker")
        host, guest = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock = host
        try:
            if self.cgroup is not None:
                self.cgroup.set_limits((Limits().memory_mb + _SERVER_MEMORY_MB) << 20, Limits().max_processes + 2, 1.0)
            seccomp_fd = filter_fd()
            fds = (guest.fileno(),) if seccomp_fd is None else (guest.fileno(), seccomp_fd)
            try:
                argv = plan.command(["serve", str(guest.fileno())], as_pid_1=True, seccomp_fd=seccomp_fd)
                self.proc = spawn_in_cgroup(argv, self.cgroup, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.PIPE, pass_fds=fds)
            finally:
                if seccomp_fd is not None:
                    os.close(seccomp_fd)
        except BaseException:
            host.close()
            if self.cgroup is not None:
                self.cgroup.remove()
            raise
        finally:
            guest.close()
        self.sock.settimeout(start_timeout_s)
        try:
            ready = self._recv()
        except (OSError, EOFError, ValueError) as exc:
            err = self._stop_and_stderr()
            raise SandboxError(f"a pool worker did not start ({exc}): {err[-500:]}") from exc
        if "ready" not in ready:
            self._stop_and_stderr()
            raise SandboxError(f"a pool worker answered {ready!r} instead of ready")
        self._protect_server()

    def _protect_server(self) -> None:
        """Make the OOM killer pick the user's processes, never the worker's own init."""
        try:
            children = open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read().split()
            for pid in children:
                with open(f"/proc/{pid}/oom_score_adj", "w") as f:
                    f.write("-1000")
        except OSError:
            pass

    def _recv(self) -> dict:
        head = self._recv_exact(4)
        (size,) = struct.unpack("!I", head)
        return json.loads(self._recv_exact(size))

    def _recv_exact(self, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise EOFError("the worker closed its socket")
            buf += chunk
        return bytes(buf)

    def _send(self, obj: dict, fds: list[int] | None = None) -> None:
        data = json.dumps(obj).encode()
        head = struct.pack("!I", len(data))
        if fds:
            socket.send_fds(self.sock, [head], fds)
        else:
            self.sock.sendall(head)
        self.sock.sendall(data)

    def run(self, job: dict, limits: Limits, start: float) -> tuple[ExecResult, bool]:
        """Run one job; returns the result and whether this worker may serve another."""
        oom_before = 0
        if self.cgroup is not None:
            self.cgroup.set_limits((limits.memory_mb + _SERVER_MEMORY_MB) << 20, limits.max_processes + 2, limits.cpus)
            oom_before = self.cgroup.oom_kills()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        healthy = True
        exit_code = -9
        try:
            self.sock.settimeout(_REPLY_GRACE_S)
            try:
                self._send(job, [out_w, err_w])
            finally:
                os.close(out_w)
                os.close(err_w)
            deadline = start + limits.timeout_s
            got = capture(out_r, err_r, deadline, limits.max_output_bytes)
            exited = None
            if not (got.timed_out or got.truncated):
                # Both streams closed, but a program that closed its own fds 1 and 2 may still
                # run: its exit is awaited until the deadline, not the reply grace. (The worker
                # sends a message in one write, so a timeout does not split one.)
                self.sock.settimeout(max(deadline - time.monotonic(), 0.001))
                try:
                    exited = self._recv()
                except TimeoutError:
                    got.timed_out = True
                self.sock.settimeout(_REPLY_GRACE_S)
            if got.timed_out or got.truncated:
                self._send({"kill": True})
            if exited is None:
                exited = self._recv()
            cleaned = self._recv()  # after the worker emptied the dirs and killed what was left
            exit_code = -9 if (got.timed_out or got.truncated) else int(exited["exit_code"])
            healthy = not cleaned.get("dirty", False)
        except (OSError, EOFError, ValueError, KeyError):
            healthy = False
            got = locals().get("got") or capture(out_r, err_r, time.monotonic() + 1, limits.max_output_bytes)
        finally:
            os.close(out_r)
            os.close(err_r)
        stderr = got.stderr.decode("utf-8", "replace")
        if self.cgroup is not None:
            oom = self.cgroup.oom_kills() > oom_before
        else:
            oom = looks_like_memory_error(exit_code, stderr)
        result = ExecResult(stdout=got.stdout.decode("utf-8", "replace"), stderr=stderr, exit_code=exit_code,
                            timed_out=got.timed_out, oom=oom, truncated=got.truncated,
                            duration_s=time.monotonic() - start, backend="pool",
                            limits="cgroup" if self.cgroup is not None else "rlimit")
        return result, healthy and self.proc.poll() is None

    def _stop_and_stderr(self) -> str:
        self.close()
        try:
            return self.proc.stderr.read().decode("utf-8", "replace") if self.proc.stderr else ""
        except (OSError, ValueError):
            return ""

    def close(self) -> None:
        """Kill the worker's whole tree and remove its cgroup."""
        try:
            self.sock.close()
        finally:
            _kill_tree(self.proc, self.cgroup)
            if self.proc.stderr:
                self.proc.stderr.close()
            if self.cgroup is not None:
                self.cgroup.remove()


class Sandbox:
    """A pool of ``workers`` warm bubblewrap sandboxes with the same ``run`` as ``agentgym.sandbox.run``.

    Thread-safe: ``run`` waits for a free worker. Each run gets a fresh process forked from a clean
    template inside a worker, a clean work dir and clean scratch dirs; a worker that fails is
    replaced. Use as a context manager or call ``close()``.

    Example::

        with Sandbox(workers=2) as box:
            results = [box.run(f"print({i} * {i})") for i in range(10)]
    """

    def __init__(self, workers: int = 2, *, bwrap: str | None = None, use_cgroups: bool | None = None):
        if not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers must be a positive int, got {workers!r}")
        bwrap = bwrap or find_bwrap()
        if bwrap is None or not os.access(bwrap, os.X_OK):
            raise SandboxUnavailable(f"No bubblewrap (bwrap) binary found. {HOW_TO_GET_A_BACKEND}")
        self.plan = BwrapPlan(bwrap)
        self.use_cgroups = cgroups_usable() if use_cgroups is None else use_cgroups
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False
        self.replaced = 0
        """How many workers were replaced after a failure or an unclean run."""
        try:
            for _ in range(workers):
                self._add_worker()
        except BaseException:
            self.close()
            raise

    def _add_worker(self) -> None:
        # Started from one long-lived thread: bwrap's --die-with-parent follows the *thread* that
        # spawned it, so a worker started on a short-lived thread (a rollout engine's pool) would
        # be killed when that thread exits.
        worker = _spawner().submit(_Worker, self.plan, self.use_cgroups).result()
        with self._lock:
            self._all.append(worker)
        self._idle.put(worker)

    def run(self, code: str, language: str = "python", timeout_s: float = 10.0, memory_mb: int = 512,
            files: Mapping[str, str | bytes] | None = None, **limits) -> ExecResult:
        """Run ``code`` on a warm worker; arguments as for ``agentgym.sandbox.run``."""
        if self._closed:
            raise SandboxError("this Sandbox is closed")
        check_request(code, language, files)
        lim = Limits(timeout_s=timeout_s, memory_mb=memory_mb, **limits)
        job = make_job(code, language, files, lim, self.use_cgroups)
        worker = self._take_worker()
        start = time.monotonic()
        try:
            result, reusable = worker.run(job, lim, start)
        except BaseException:
            reusable = False
            raise
        finally:
            if reusable and not self._closed:
                self._idle.put(worker)
            else:
                self._retire(worker)
        return result

    def _take_worker(self) -> _Worker:
        """An idle worker; if none is alive (replacements failed), start one or raise."""
        while True:
            if self._closed:
                raise SandboxError("this Sandbox is closed")
            try:
                return self._idle.get(timeout=1.0)
            except queue.Empty:
                if self.size == 0:
                    self._add_worker()  # raises SandboxError if a worker cannot start

    def _retire(self, worker: _Worker) -> None:
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)
        worker.close()
        if not self._closed:
            self.replaced += 1
            try:
                self._add_worker()
            except SandboxError:
                pass  # the pool runs smaller; _take_worker starts one when none is left

    @property
    def size(self) -> int:
        """Workers alive now."""
        with self._lock:
            return len(self._all)

    def close(self) -> None:
        """Stop every worker (idempotent)."""
        self._closed = True
        with self._lock:
            workers, self._all = self._all, []
        for worker in workers:
            worker.close()

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - best effort when not closed
        try:
            self.close()
        except Exception:
            pass
