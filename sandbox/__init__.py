"""Isolated code execution for tool envs (bubblewrap and Docker backends behind one interface).
Installed as ``agentgym.sandbox``.

``run(code, language="python", timeout_s=10, memory_mb=512, files=None)`` runs code in a fresh
sandbox and returns an ``ExecResult`` (stdout, stderr, exit_code, timed_out, oom, truncated, ...).
``Sandbox`` is a pool of warm workers with the same ``run`` for throughput. ``available_backends()``
lists what works here; ``SandboxUnavailable`` is raised (never a silent unsandboxed run) where
nothing does.

Modules: ``backends`` (choice and ``run``), ``local`` (bubblewrap, cold), ``pool`` (warm workers),
``docker_backend``, ``bwrap`` (the mount plan), ``cgroups`` (per-run limits), ``seccomp`` (the
syscall filter), ``guest`` (the program
inside the sandbox), ``jobs``, ``streams``, ``result``, ``errors``.
"""

from .backends import available_backends, get_backend, run
from .errors import SandboxError, SandboxUnavailable
from .pool import Sandbox
from .result import ExecResult, Limits

__all__ = ["run", "ExecResult", "Limits", "Sandbox", "SandboxError", "SandboxUnavailable", "available_backends",
           "get_backend"]
