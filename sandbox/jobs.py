"""Turning a request (code, language, files, limits) into the job the guest program runs."""

from __future__ import annotations

import base64
import posixpath
from typing import Mapping

from .bwrap import SANDBOX_UID, WORKDIR
from .result import Limits

__all__ = ["LANGUAGES", "make_job", "rlimits_for", "check_request"]

LANGUAGES = ("python", "bash")
"""Languages every backend runs."""

MB = 1 << 20


def check_request(code: object, language: object, files: object) -> None:
    """Raise ``ValueError``/``TypeError`` with what was expected when a request is malformed."""
    if not isinstance(code, str):
        raise TypeError(f"code must be a str, got {type(code).__name__}")
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; supported: {', '.join(LANGUAGES)}")
    if files is None:
        return
    if not isinstance(files, Mapping):
        raise TypeError(f"files must be a dict of name -> str or bytes, got {type(files).__name__}")
    for name, content in files.items():
        if not isinstance(name, str) or not name or name.startswith("/"):
            raise ValueError(f"file name {name!r} must be a non-empty relative path")
        norm = posixpath.normpath(name)
        if norm == "." or norm.startswith("../") or norm == ".." or norm.split("/")[0] == ".agentgym":
            raise ValueError(f"file name {name!r} must stay inside the work dir")
        if not isinstance(content, (str, bytes)):
            raise TypeError(f"file {name!r} must be str or bytes, got {type(content).__name__}")


def rlimits_for(limits: Limits, with_cgroup: bool) -> dict[str, list[int]]:
    """The resource limits the guest sets before running the code.

    With a cgroup, memory and processes are limited there (shared by the whole tree); without one,
    RLIMIT_AS and RLIMIT_NPROC stand in (per process, and per uid for processes).
    """
    cpu = limits.cpu_seconds
    fsize = limits.max_file_mb * MB
    rl = {"RLIMIT_CPU": [cpu, cpu + 1], "RLIMIT_FSIZE": [fsize, fsize], "RLIMIT_CORE": [0, 0]}
    if not with_cgroup:
        mem = limits.memory_mb * MB
        rl["RLIMIT_AS"] = [mem, mem]
        rl["RLIMIT_NPROC"] = [limits.max_processes, limits.max_processes]
    return rl


def make_job(code: str, language: str, files: Mapping[str, str | bytes] | None, limits: Limits,
             with_cgroup: bool, uid: int = SANDBOX_UID) -> dict:
    """The JSON-able job for ``guest.py``."""
    encoded = {}
    for name, content in (files or {}).items():
        raw = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        encoded[posixpath.normpath(name)] = base64.b64encode(raw).decode("ascii")
    return {"language": language, "code": code, "files": encoded, "workdir": WORKDIR,
            "uid": uid, "gid": uid, "rlimits": rlimits_for(limits, with_cgroup)}


def looks_like_memory_error(exit_code: int, stderr: str) -> bool:
    """Under rlimits an allocation past the limit fails with MemoryError rather than an OOM kill."""
    return exit_code != 0 and stderr.rstrip().endswith("MemoryError")
