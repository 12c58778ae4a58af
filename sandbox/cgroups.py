"""Per-run control groups: a memory limit, a process limit and a CPU share for a process tree.

A ``RunCgroup`` is created under the caller's own cgroup (so limits set on the caller still apply
above it). On cgroup v1 it is one directory per controller hierarchy (memory, pids, cpu); on
cgroup v2 one directory with those controllers enabled. Creating one needs write access to the
cgroup tree (root, or a delegated subtree); ``RunCgroup.create`` returns ``None`` where that is not
possible and callers fall back to rlimits.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["RunCgroup", "cgroups_usable"]

_NEEDED = ("memory", "pids")
_counter = itertools.count()
_usable: bool | None = None
_STALE_NAME = re.compile(r"agentgym-sandbox-(?:probe-)?(\d+)(?:-\d+)?")
_swept: set[Path] = set()


def _own_cgroups() -> dict[str, str]:
    """Map a v1 controller name (or ``""`` for v2) to this process's cgroup path in it."""
    paths: dict[str, str] = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else [""]:
            paths[name] = path
    return paths


def _mounts() -> list[tuple[str, str, str, set[str]]]:
    """(mount point, root inside the hierarchy, fs type, options) of every cgroup mount."""
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fields, rfields = left.split(), right.split()
        if len(rfields) >= 3 and rfields[0] in ("cgroup", "cgroup2"):
            found.append((fields[4], fields[3], rfields[0], set(rfields[2].split(","))))
    return found


def _join(mount: str, root: str, path: str) -> Path:
    rel = os.path.relpath(path, root) if path.startswith(root) else path.lstrip("/")
    return Path(mount) / ("" if rel == "." else rel)


def _write(path: Path, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


@dataclass
class RunCgroup:
    """The cgroup directories that hold one sandboxed process tree."""

    dirs: dict[str, Path]
    """Controller name -> directory (v1); on v2 every controller maps to the same directory."""
    version: int

    @classmethod
    def create(cls, name: str | None = None) -> "RunCgroup | None":
        """Make a fresh cgroup for one run, or ``None`` where cgroups cannot be used here."""
        name = name or f"agentgym-sandbox-{os.getpid()}-{next(_counter)}"
        try:
            own = _own_cgroups()
            mounts = _mounts()
            v1 = {}
            for mount, root, fstype, options in mounts:
                if fstype != "cgroup":
                    continue
                for controller in ("memory", "pids", "cpu"):
                    if controller in options and controller in own:
                        v1[controller] = _join(mount, root, own[controller]) / name
            if all(c in v1 for c in _NEEDED):
                _sweep_stale({path.parent for path in v1.values()})
                made = {}
                try:
                    for controller, path in v1.items():
                        path.mkdir()
                        made[controller] = path
                except OSError:
                    cls(made, 1).remove()
                    if not all(c in made for c in _NEEDED):
                        return None
                return cls(made, 1)
            for mount, root, fstype, _ in mounts:
                if fstype == "cgroup2" and "" in own:
                    parent = _join(mount, root, own[""])
                    enabled = set((parent / "cgroup.subtree_control").read_text().split())
                    if not set(_NEEDED) <= enabled:
                        return None
                    _sweep_stale({parent})
                    path = parent / name
                    path.mkdir()
                    return cls({c: path for c in ("memory", "pids", "cpu")}, 2)
        except OSError:
            return None
        return None

    @property
    def procs_files(self) -> list[Path]:
        """The ``cgroup.procs`` files a process writes its pid to, to join this cgroup."""
        return sorted({d / "cgroup.procs" for d in self.dirs.values()})

    def set_limits(self, memory_bytes: int, pids_max: int, cpus: float) -> None:
        """Set the memory limit (swap included), the process limit and the CPU quota."""
        mem, pids = self.dirs["memory"], self.dirs["pids"]
        if self.version == 1:
            memsw = mem / "memory.memsw.limit_in_bytes"
            # memory.limit_in_bytes may never exceed memsw: order the two writes by direction.
            for order in ((mem / "memory.limit_in_bytes", memsw), (memsw, mem / "memory.limit_in_bytes")):
                try:
                    for path in order:
                        if path.exists():
                            _write(path, str(memory_bytes))
                    break
                except OSError:
                    continue
            else:
                raise OSError(f"could not set the memory limit in {mem}")
            _write(pids / "pids.max", str(pids_max))
            cpu = self.dirs.get("cpu")
            if cpu is not None:
                period = int((cpu / "cpu.cfs_period_us").read_text())
                _write(cpu / "cpu.cfs_quota_us", str(max(1000, int(period * cpus))))
        else:
            _write(mem / "memory.max", str(memory_bytes))
            if (mem / "memory.swap.max").exists():
                _write(mem / "memory.swap.max", "0")
            _write(pids / "pids.max", str(pids_max))
            if (mem / "cpu.max").exists():
                _write(mem / "cpu.max", f"{max(1000, int(100000 * cpus))} 100000")

    def oom_kills(self) -> int:
        """How many processes the kernel's OOM killer has killed in this cgroup so far."""
        if self.version == 1:
            text = (self.dirs["memory"] / "memory.oom_control").read_text()
        else:
            text = (self.dirs["memory"] / "memory.events").read_text()
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def peak_memory_bytes(self) -> int:
        """The largest memory use seen in this cgroup (0 where the kernel does not say)."""
        name = "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"
        try:
            return int((self.dirs["memory"] / name).read_text())
        except (OSError, ValueError):
            return 0

    def pids(self) -> set[int]:
        """Host pids of every process in this cgroup. The kernel lists a process it cannot name
        in this PID namespace (or one that is exiting) as 0; those are left out, since
        ``os.kill(0, ...)`` would signal this process's own group."""
        found: set[int] = set()
        for path in self.procs_files:
            try:
                found.update(int(p) for p in path.read_text().split())
            except OSError:
                pass
        found.discard(0)
        return found

    def kill_all(self, except_pids: frozenset[int] = frozenset(), timeout_s: float = 5.0) -> bool:
        """SIGKILL every process in the cgroup (except ``except_pids``) until none is left."""
        deadline = time.monotonic() + timeout_s
        while True:
            left = self.pids() - except_pids
            if not left:
                return True
            if time.monotonic() > deadline:
                return False
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.002)

    def remove(self) -> None:
        """Kill what is left and remove the directories (retrying while the kernel lets go)."""
        self.kill_all()
        for path in set(self.dirs.values()):
            for _ in range(200):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.005)


def _sweep_stale(parents: set[Path]) -> None:
    """Remove the run cgroups that processes which have died left behind (a host killed by
    SIGKILL cannot clean up): once per parent dir and process, only names whose pid is gone and
    only empty ones. (A dead host's sandboxes die with it: bwrap runs with --die-with-parent.)"""
    for parent in parents - _swept:
        _swept.add(parent)
        try:
            children = list(parent.glob("agentgym-sandbox-*"))
        except OSError:
            continue
        for path in children:
            match = _STALE_NAME.fullmatch(path.name)
            if match and not _alive(int(match.group(1))):
                # rmdir only: the kernel refuses a cgroup that still holds processes (EBUSY), so
                # nothing running is touched, whoever made it.
                try:
                    path.rmdir()
                except OSError:
                    pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's, or not a pid: left alone
    return True


def cgroups_usable() -> bool:
    """Whether this process can create per-run cgroups (checked once, by creating one)."""
    global _usable
    if _usable is None:
        group = RunCgroup.create(f"agentgym-sandbox-probe-{os.getpid()}")
        _usable = group is not None
        if group is not None:
            group.remove()
    return _usable
