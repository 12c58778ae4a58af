"""What a sandboxed run returns (``ExecResult``) and the limits it ran under (``Limits``)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ExecResult", "Limits"]


@dataclass(frozen=True)
class Limits:
    """Resource limits for one run. Every field has a safe default."""

    timeout_s: float = 10.0
    """Wall-clock deadline; at it the whole process tree is killed and ``timed_out`` is set."""
    memory_mb: int = 512
    """Memory for the whole run (all processes, and files written to the work dir and /tmp)."""
    cpu_time_s: float | None = None
    """CPU seconds per process (RLIMIT_CPU); ``None`` means the wall-clock timeout, rounded up."""
    max_processes: int = 64
    """Processes and threads alive at once (a fork bomb stops here)."""
    max_output_bytes: int = 1 << 20
    """Bytes kept of stdout and of stderr each; more sets ``truncated`` and ends the run."""
    max_file_mb: int = 64
    """Largest file the code may write (RLIMIT_FSIZE)."""
    cpus: float = 1.0
    """CPU share (cgroup quota), in cores."""

    def __post_init__(self) -> None:
        for name in ("timeout_s", "memory_mb", "max_processes", "max_output_bytes", "max_file_mb", "cpus"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Limits.{name} must be a positive number, got {value!r}")
        if self.cpu_time_s is not None and self.cpu_time_s <= 0:
            raise ValueError(f"Limits.cpu_time_s must be positive or None, got {self.cpu_time_s!r}")

    @property
    def cpu_seconds(self) -> int:
        """The RLIMIT_CPU value in whole seconds."""
        import math

        return max(1, math.ceil(self.cpu_time_s if self.cpu_time_s is not None else self.timeout_s))


@dataclass(frozen=True)
class ExecResult:
    """The outcome of running code in a sandbox.

    ``exit_code`` is the program's exit status, 128+N when signal N ended it (shell convention),
    and negative when the sandbox itself was killed (deadline or output limit).
    """

    stdout: str
    stderr: str
    exit_code: int
    timed_out: bool = False
    """The wall-clock deadline was reached and the process tree was killed."""
    oom: bool = False
    """The run hit its memory limit (the kernel's OOM killer, or MemoryError under rlimits)."""
    truncated: bool = False
    """stdout or stderr passed ``max_output_bytes``: it was cut and the run ended."""
    duration_s: float = 0.0
    """Wall-clock seconds from start to the end of the process tree."""
    backend: str = ""
    """Which backend ran it: ``bubblewrap``, ``pool`` or ``docker``."""
    limits: str = ""
    """How limits were enforced: ``cgroup`` (memory, processes, CPU share) or ``rlimit`` (fallback)."""

    @property
    def ok(self) -> bool:
        """The program exited with status 0 within every limit."""
        return self.exit_code == 0 and not (self.timed_out or self.oom or self.truncated)
