"""A small seccomp filter for the sandbox: deny the system calls that reach past its walls.

Denied with EPERM: the kernel keyrings (``add_key``, ``request_key``, ``keyctl``: a uid's user
keyring is shared by every sandbox on the host, a channel between runs), new or joined namespaces
(``unshare``, ``setns``, and ``clone`` with ``CLONE_NEWUSER``), mounting, loading kernel modules or
kernels, ``bpf``, ``perf_event_open``, ``userfaultfd`` and file-handle opens. ``clone3`` gets
ENOSYS (its flags sit in memory a filter cannot read), so the C library falls back to ``clone``.
Syscalls of a foreign ABI (i386 or x32 on x86_64) are denied outright, since their numbers differ.

The filter is a classic BPF program, the format bwrap's ``--seccomp FD`` loads. Syscall numbers
come from the kernel's ``asm/unistd_64.h`` (x86_64) and ``asm-generic/unistd.h`` (aarch64).
"""

from __future__ import annotations

import errno
import os
import platform
import struct

__all__ = ["filter_program", "filter_fd", "supported"]

_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_DENY = {
    # name: (x86_64, aarch64)
    "add_key": (248, 217), "request_key": (249, 218), "keyctl": (250, 219),
    "unshare": (272, 97), "setns": (308, 268),
    "mount": (165, 40), "umount2": (166, 39), "pivot_root": (155, 41),
    "open_tree": (428, 428), "move_mount": (429, 429), "fsopen": (430, 430), "fsconfig": (431, 431),
    "fsmount": (432, 432), "fspick": (433, 433), "mount_setattr": (442, 442),
    "kexec_load": (246, 104), "init_module": (175, 105), "finit_module": (313, 273), "delete_module": (176, 106),
    "bpf": (321, 280), "perf_event_open": (298, 241), "userfaultfd": (323, 282), "open_by_handle_at": (304, 265),
}
_CLONE = (56, 220)
_CLONE3 = (435, 435)
_CLONE_NEWUSER = 0x10000000
_X32_BIT = 0x40000000

# BPF opcodes and seccomp return values (linux/filter.h, linux/seccomp.h).
_LD_W_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_ALLOW = 0x7FFF0000
_ERRNO = 0x00050000
_OFF_NR, _OFF_ARCH, _OFF_ARG0 = 0, 4, 16  # struct seccomp_data; arg0's low word (little-endian)


def supported(machine: str | None = None) -> bool:
    """Whether a filter exists for this CPU architecture."""
    return (machine or platform.machine()) in _ARCH


def _ins(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def filter_program(machine: str | None = None) -> bytes:
    """The filter as packed ``struct sock_filter`` entries, for ``machine`` (default: this one)."""
    machine = machine or platform.machine()
    if machine not in _ARCH:
        raise ValueError(f"no seccomp filter for architecture {machine!r}; known: {', '.join(_ARCH)}")
    col = 0 if machine == "x86_64" else 1
    eperm = _ERRNO | errno.EPERM
    deny = sorted({nrs[col] for nrs in _DENY.values()})
    prog = [
        _ins(_LD_W_ABS, _OFF_ARCH),
        _ins(_JEQ, _ARCH[machine], jt=1),  # native ABI: go on
        _ins(_RET, eperm),                 # any other ABI: denied
        _ins(_LD_W_ABS, _OFF_NR),
    ]
    if machine == "x86_64":
        prog += [_ins(_JGE, _X32_BIT, jf=1), _ins(_RET, eperm)]
    for nr in deny:
        prog += [_ins(_JEQ, nr, jf=1), _ins(_RET, eperm)]
    prog += [
        _ins(_JEQ, _CLONE3[col], jf=1), _ins(_RET, _ERRNO | errno.ENOSYS),
        _ins(_JEQ, _CLONE[col], jf=3),
        _ins(_LD_W_ABS, _OFF_ARG0),
        _ins(_JSET, _CLONE_NEWUSER, jf=1),
        _ins(_RET, eperm),
        _ins(_RET, _ALLOW),
    ]
    return b"".join(prog)


def filter_fd() -> int | None:
    """A memfd holding this machine's filter (the caller closes it), or ``None`` where none exists."""
    if not supported():
        return None
    fd = os.memfd_create("agentgym-seccomp")
    os.write(fd, filter_program())
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
