"""Choosing a backend and the one-call entry point ``run()``.

Preference order: bubblewrap (no daemon, fastest cold start), then Docker. Where neither works,
``SandboxUnavailable`` says how to get one; code is never run without a sandbox.
"""

from __future__ import annotations

import threading
from typing import Mapping

from .errors import HOW_TO_GET_A_BACKEND, SandboxError, SandboxUnavailable
from .result import ExecResult, Limits

__all__ = ["available_backends", "get_backend", "run", "BACKENDS"]

BACKENDS = ("bubblewrap", "docker")
"""Backend names, in the order ``run()`` prefers them."""

_lock = threading.Lock()
_instances: dict[str, object] = {}
_failures: dict[str, str] = {}


def _build(name: str) -> object:
    if name == "bubblewrap":
        from .local import BubblewrapBackend

        backend = BubblewrapBackend()
        probe = backend.run("print('ok')", limits=Limits(timeout_s=30))
        if probe.stdout != "ok\n":
            raise SandboxUnavailable(f"bwrap at {backend.plan.bwrap} could not run a sandbox: {probe.stderr.strip()[-500:]}")
        return backend
    if name == "docker":
        from .docker_backend import DockerBackend

        return DockerBackend()
    raise ValueError(f"unknown sandbox backend {name!r}; known: {', '.join(BACKENDS)}")


def get_backend(name: str | None = None) -> object:
    """The backend ``name`` (or the first one that works here), built and checked once per process."""
    names = [name] if name else list(BACKENDS)
    with _lock:
        for candidate in names:
            if candidate in _instances:
                return _instances[candidate]
            if candidate in _failures and name is None:
                continue
            try:
                _instances[candidate] = _build(candidate)
                _failures.pop(candidate, None)
                return _instances[candidate]
            except SandboxError as exc:
                _failures[candidate] = str(exc)
        tried = "; ".join(f"{n}: {_failures.get(n, 'not tried')}" for n in names)
    raise SandboxUnavailable(f"No sandbox backend is available ({tried}). {HOW_TO_GET_A_BACKEND}")


def available_backends() -> list[str]:
    """Names of the backends that can run code here, in preference order (each checked for real)."""
    found = []
    for name in BACKENDS:
        try:
            get_backend(name)
            found.append(name)
        except SandboxUnavailable:
            pass
    return found


def run(code: str, language: str = "python", timeout_s: float = 10.0, memory_mb: int = 512,
        files: Mapping[str, str | bytes] | None = None, *, backend: str | None = None, **limits) -> ExecResult:
    """Run ``code`` in a fresh sandbox and return its ``ExecResult``.

    ``files`` (name -> str or bytes) are written into the work dir (the code's current directory)
    first. Other ``Limits`` fields (``max_processes``, ``max_output_bytes``, ``cpu_time_s``, ...)
    may be given as keywords. ``backend`` picks one by name; by default the first available of
    ``BACKENDS``. Raises ``SandboxUnavailable`` where no backend works.

    Example::

        from agentgym.sandbox import run
        result = run("import csv; print(len(list(csv.reader(open('t.csv')))))", files={"t.csv": "a\\nb\\n"})
        assert result.stdout == "2\\n"
    """
    lim = Limits(timeout_s=timeout_s, memory_mb=memory_mb, **limits)
    return get_backend(backend).run(code, language, lim, files)
