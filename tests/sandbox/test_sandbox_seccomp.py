"""The seccomp filter's program, checked instruction by instruction where it matters."""

from __future__ import annotations

import struct

import pytest

from agentgym.sandbox.seccomp import filter_program


def _decode(prog: bytes) -> list[tuple[int, int, int, int]]:
    return [struct.unpack("=HBBI", prog[i:i + 8]) for i in range(0, len(prog), 8)]


def test_x86_64_program_shape():
    ins = _decode(filter_program("x86_64"))
    # Load arch; native -> skip one; else return ERRNO(EPERM) = 0x00050000 | 1.
    assert ins[:3] == [(0x20, 0, 0, 4), (0x15, 1, 0, 0xC000003E), (0x06, 0, 0, 0x00050001)]
    # Load nr; x32 syscalls (nr >= 0x40000000) denied.
    assert ins[3:6] == [(0x20, 0, 0, 0), (0x35, 0, 1, 0x40000000), (0x06, 0, 0, 0x00050001)]
    denied = {k for code, jt, jf, k in ins if code == 0x15 and jf == 1 and jt == 0}
    assert {248, 249, 250, 272, 308, 165} <= denied  # add_key, request_key, keyctl, unshare, setns, mount
    assert 56 not in denied  # clone itself is allowed, without CLONE_NEWUSER
    assert ins[-1] == (0x06, 0, 0, 0x7FFF0000)  # default: allow
    assert (0x45, 0, 1, 0x10000000) in ins      # clone flags & CLONE_NEWUSER -> EPERM
    assert (0x06, 0, 0, 0x00050000 | 38) in ins  # clone3 -> ENOSYS (38)


def test_aarch64_uses_its_own_numbers_and_unknown_arches_are_refused():
    ins = _decode(filter_program("aarch64"))
    assert ins[1] == (0x15, 1, 0, 0xC00000B7)
    denied = {k for code, jt, jf, k in ins if code == 0x15 and jf == 1 and jt == 0}
    assert {217, 218, 219, 97, 268} <= denied and 248 not in denied
    with pytest.raises(ValueError, match="riscv64"):
        filter_program("riscv64")
