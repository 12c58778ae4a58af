"""Reading a sandboxed program's stdout and stderr with a byte cap and a deadline."""

from __future__ import annotations

import os
import selectors
import time
from dataclasses import dataclass

__all__ = ["Captured", "capture"]


@dataclass
class Captured:
    """What was read, and why reading stopped."""

    stdout: bytes
    stderr: bytes
    timed_out: bool = False
    """The deadline came before both streams closed."""
    truncated: bool = False
    """A stream passed the cap; the bytes past it were dropped."""


def capture(out_fd: int, err_fd: int, deadline: float, max_bytes: int) -> Captured:
    """Read both fds until both close, the monotonic ``deadline`` passes, or one passes ``max_bytes``.

    The caller owns the fds (they are not closed here) and kills the program when reading stopped
    early.
    """
    buffers = {out_fd: bytearray(), err_fd: bytearray()}
    result = Captured(b"", b"")
    with selectors.DefaultSelector() as sel:
        for fd in buffers:
            os.set_blocking(fd, False)
            sel.register(fd, selectors.EVENT_READ)
        open_fds = set(buffers)
        while open_fds:
            left = deadline - time.monotonic()
            if left <= 0:
                result.timed_out = True
                break
            for key, _ in sel.select(left):
                fd = key.fd
                try:
                    chunk = os.read(fd, 1 << 16)
                except BlockingIOError:
                    continue
                if not chunk:
                    sel.unregister(fd)
                    open_fds.discard(fd)
                    continue
                buf = buffers[fd]
                buf += chunk
                if len(buf) > max_bytes:
                    del buf[max_bytes:]
                    result.truncated = True
            if result.truncated:
                break
    if not (result.timed_out or result.truncated) and time.monotonic() > deadline:
        # Both streams closed, but only after the deadline (the program ran past it, e.g. until
        # its CPU-time limit ended it in the same moment): that is a timeout too.
        result.timed_out = True
    result.stdout, result.stderr = bytes(buffers[out_fd]), bytes(buffers[err_fd])
    return result
