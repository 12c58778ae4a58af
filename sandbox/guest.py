"""The program that runs inside a sandbox: drop privileges, apply limits, run the user's code.

This file is executed by the sandbox's own Python (``python -I guest.py ...``), never imported by
the host, so it uses the standard library only. It starts as uid 0 inside the sandbox's mount and
PID namespaces with a few capabilities (setuid, setgid, chown, kill) and the no-new-privileges bit
set; every run of user code happens in a process that has switched to an unprivileged uid and gid
(so the kernel clears its capabilities) with its resource limits set.

Two modes:

``guest.py once JOB``
    Run the job described by the JSON file ``JOB`` in this process and exit with its status.
``guest.py env``
    Run the job found in the environment (``AGENTGYM_JOB_*``), for containers.
``guest.py serve FD``
    Serve jobs sent by the host over the Unix socket ``FD`` (a warm worker): each job runs in a
    forked child of this clean template process; afterwards every process of the sandbox uid is
    killed and the work dir and ``/tmp`` are emptied, so nothing of one job reaches the next.

A job is a JSON object: ``language``, ``code``, ``files`` (name -> base64), ``workdir``, ``uid``,
``gid`` and ``rlimits`` (resource name -> soft and hard value).
"""

from __future__ import annotations

import base64
import json
import os
import resource
import selectors
import signal
import socket
import struct
import sys
import traceback
import types

SCRIPT_NAMES = {"python": "main.py", "bash": "main.sh"}
SCRATCH_DIRS = ("/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue")
SYSV_IPC_TABLES = ("/proc/sysvipc/shm", "/proc/sysvipc/msg", "/proc/sysvipc/sem")


def write_files(job: dict) -> str:
    """Write the job's files into its work dir and its code next to them; return the code's path."""
    workdir = job["workdir"]
    for name, payload in job.get("files", {}).items():
        path = os.path.normpath(os.path.join(workdir, name))
        if not path.startswith(workdir + os.sep):
            raise ValueError(f"file name {name!r} leaves the work dir")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(payload))
    code_dir = os.path.join(workdir, ".agentgym")
    os.makedirs(code_dir, exist_ok=True)
    path = os.path.join(code_dir, SCRIPT_NAMES[job["language"]])
    with open(path, "w", encoding="utf-8") as f:
        f.write(job["code"])
    return path


def drop_privileges(job: dict) -> None:
    """Apply the resource limits, then switch every uid and gid to the unprivileged ones.

    Started unprivileged already (a user namespace, or a container's ``--user``), only the
    limits are applied.
    """
    for name, (soft, hard) in job.get("rlimits", {}).items():
        resource.setrlimit(getattr(resource, name), (soft, hard))
    if os.geteuid() != 0:
        return
    os.setgroups([])
    os.setresgid(job["gid"], job["gid"], job["gid"])
    os.setresuid(job["uid"], job["uid"], job["uid"])  # clears all capabilities
    if os.getuid() == 0 or os.geteuid() == 0:
        raise SystemExit("sandbox guest: could not drop root")


def execute(job: dict) -> None:
    """Run the job's code in this (already unprivileged) process; never returns."""
    os.chdir(job["workdir"])
    path = write_files(job)
    if job["language"] == "bash":
        os.execv("/bin/bash", ["bash", path])
    sys.argv = [path]
    sys.path.insert(0, job["workdir"])
    main = types.ModuleType("__main__")
    main.__file__ = path
    main.__builtins__ = __builtins__
    sys.modules["__main__"] = main
    try:
        code = compile(job["code"], path, "exec")
        exec(code, main.__dict__)
    except SystemExit:
        raise
    except BaseException as exc:  # report like the interpreter would, without this file's frame
        traceback.print_exception(type(exc), exc, exc.__traceback__.tb_next if exc.__traceback__ else None)
        sys.stderr.flush()
        os._exit(1)
    sys.stdout.flush()
    sys.stderr.flush()
    raise SystemExit(0)


def run_once(job_path: str) -> None:
    """``once`` mode: prepare the work dir, drop privileges and run the job here."""
    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    if os.geteuid() == 0:
        os.chown(job["workdir"], job["uid"], job["gid"])
    drop_privileges(job)
    execute(job)


def run_from_env() -> None:
    """``env`` mode (containers): the job is base64 JSON split over ``AGENTGYM_JOB_0``, ``_1``, ..."""
    parts, i = [], 0
    while f"AGENTGYM_JOB_{i}" in os.environ:
        parts.append(os.environ.pop(f"AGENTGYM_JOB_{i}"))
        i += 1
    job = json.loads(base64.b64decode("".join(parts)))
    drop_privileges(job)
    execute(job)


# ---------------------------------------------------------------- warm worker ("serve" mode)

def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks = []
    while n:
        chunk = sock.recv(min(n, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _recv_message(sock: socket.socket) -> tuple[dict, list[int]]:
    """One message: a 4-byte length (with any passed fds), then that many bytes of JSON."""
    head, fds, _flags, _addr = socket.recv_fds(sock, 4, 4)
    if len(head) < 4:
        if not head:
            raise EOFError
        head += _recv_exact(sock, 4 - len(head))
    (size,) = struct.unpack("!I", head)
    return json.loads(_recv_exact(sock, size)), list(fds)


def _send(sock: socket.socket, obj: dict) -> None:
    data = json.dumps(obj).encode()
    sock.sendall(struct.pack("!I", len(data)) + data)


def _kill_all_but_me() -> None:
    """SIGKILL every other process of this PID namespace (this process is its init), reap them."""
    for _ in range(2):
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
    while True:
        try:
            pid, _ = os.waitpid(-1, 0)
        except ChildProcessError:
            return


def _empty_dir(path: str) -> None:
    """Remove everything below ``path`` whatever its modes (runs as root, before the next job)."""
    try:
        entries = list(os.scandir(path))
    except FileNotFoundError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            os.chmod(entry.path, 0o700)
            _empty_dir(entry.path)
            os.rmdir(entry.path)
        else:
            os.unlink(entry.path)


def _ipc_left() -> bool:
    """Whether System V IPC objects outlived the job (the host then replaces this worker)."""
    for table in SYSV_IPC_TABLES:
        try:
            with open(table) as f:
                if len(f.read().strip().splitlines()) > 1:
                    return True
        except OSError:
            pass
    return False


def _status_to_code(status: int) -> int:
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def serve(fd: int) -> None:
    """``serve`` mode: run jobs from the host one at a time, each in a fresh forked child."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    sock = socket.socket(fileno=fd)
    _send(sock, {"ready": os.getpid()})
    while True:
        try:
            job, fds = _recv_message(sock)
        except EOFError:
            return
        if "code" not in job:  # a late kill for a job that had already ended
            for fd in fds:
                os.close(fd)
            continue
        out_fd, err_fd = fds
        if os.geteuid() == 0:
            os.chown(job["workdir"], job["uid"], job["gid"])
        pid = os.fork()
        if pid == 0:
            try:
                sock.close()
                os.dup2(out_fd, 1)
                os.dup2(err_fd, 2)
                os.close(out_fd)
                os.close(err_fd)
                null = os.open("/dev/null", os.O_RDONLY)
                os.dup2(null, 0)
                drop_privileges(job)
                execute(job)
            except SystemExit as exc:
                code = exc.code
                if not (code is None or isinstance(code, int)):
                    print(code, file=sys.stderr)  # sys.exit("message") prints it, as the interpreter does
                for stream in (sys.stdout, sys.stderr):
                    try:
                        stream.flush()
                    except (OSError, ValueError):
                        pass
                os._exit(code if isinstance(code, int) else (0 if code is None else 1))
            except BaseException:
                traceback.print_exc()
                os._exit(1)
        os.close(out_fd)
        os.close(err_fd)
        # Two replies: the exit code as soon as the job ends (the host holds it to the job's
        # deadline), then whether cleaning up left anything behind (not part of the job's time).
        _send(sock, {"exit_code": _wait_or_kill(sock, pid)})
        _kill_all_but_me()
        for path in (job["workdir"], *SCRATCH_DIRS):
            _empty_dir(path)
        _send(sock, {"dirty": _ipc_left()})


def _wait_or_kill(sock: socket.socket, pid: int) -> int:
    """Wait for the job's process to end, or kill it when the host says so (its deadline)."""
    pidfd = os.pidfd_open(pid)
    with selectors.DefaultSelector() as sel:
        sel.register(pidfd, selectors.EVENT_READ, "exit")
        sel.register(sock, selectors.EVENT_READ, "host")
        while True:
            for key, _ in sel.select():
                if key.data == "exit":
                    os.close(pidfd)
                    _, status = os.waitpid(pid, 0)
                    return _status_to_code(status)
                message, _ = _recv_message(sock)  # {"kill": true}; EOF ends the worker below
                if message.get("kill"):
                    os.kill(-1, signal.SIGKILL)


def main(argv: list[str]) -> None:
    """Entry point: ``once JOB``, ``serve FD`` or ``env``."""
    if len(argv) == 2 and argv[1] == "env":
        run_from_env()
    elif len(argv) == 3 and argv[1] == "once":
        run_once(argv[2])
    elif len(argv) == 3 and argv[1] == "serve":
        serve(int(argv[2]))
    else:
        raise SystemExit("usage: guest.py once JOB | serve FD | env")


if __name__ == "__main__":
    main(sys.argv)
