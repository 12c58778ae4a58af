"""Escape attempts that must fail, each checked inside the sandbox and on the host.

Every attempt runs both cold (a fresh bubblewrap sandbox) and on the warm pool. The bomb tests
bound themselves (their code stops after a few seconds and caps its own process count with an
rlimit), so a broken limit shows as a failed assertion, not a downed machine.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from agentgym.sandbox import Limits

from sandbox_helpers import (  # noqa: F401 (fixtures)
    SANDBOX_UID, HostWatch, cold, pool, processes_of_uid, run_both, wait_for_no_new_processes)

PROJECT_FILE = Path(__file__).resolve()


def _probe_reads(paths: list[str]) -> str:
    return (
        "import os\n"
        f"for p in {paths!r}:\n"
        "    try:\n"
        "        data = open(p, 'rb').read()\n"
        "        print('READ', p, data[:200])\n"
        "    except OSError as e:\n"
        "        print('DENIED', p, type(e).__name__)\n"
    )


def test_files_outside_the_sandbox_cannot_be_read(cold, pool, tmp_path):
    token = secrets.token_hex(16)
    host_tmp = tmp_path / "secret.txt"
    host_tmp.write_text(token)
    home_secret = Path(tempfile.mkstemp(dir=Path.home(), prefix=".agentgym-sandbox-test-")[1])
    try:
        home_secret.write_text(token)
        paths = [str(PROJECT_FILE), str(host_tmp), str(home_secret), "/etc/shadow"]
        assert all(Path(p).read_bytes() for p in paths)  # the host can read them all
        for result in run_both(cold, pool, _probe_reads(paths)):
            assert result.exit_code == 0, result.stderr
            assert "READ" not in result.stdout and result.stdout.count("DENIED") == len(paths)
            assert token not in result.stdout and "root:" not in result.stdout
        listing = cold.run(f"import os\nprint(os.path.exists({str(PROJECT_FILE.parents[2])!r}), sorted(os.listdir('/root')))")
        assert listing.stdout.startswith("False ") and home_secret.name not in listing.stdout
    finally:
        home_secret.unlink()


def test_files_outside_the_sandbox_cannot_be_written(cold, pool, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("original")
    token = secrets.token_hex(8)
    targets = [str(victim), str(PROJECT_FILE.parent / f"planted-{token}.py"), f"/etc/planted-{token}",
               f"/usr/planted-{token}", f"{Path.home()}/planted-{token}", f"/planted-{token}"]
    code = (
        f"for p in {targets!r}:\n"
        "    try:\n"
        "        open(p, 'w').write('pwned')\n"
        "        print('WROTE', p)\n"
        "    except OSError as e:\n"
        "        print('DENIED', p, type(e).__name__)\n"
        f"open('/tmp/inside-{token}', 'w').write('private')\n"
        "print('tmp ok')\n"
    )
    for result in run_both(cold, pool, code):
        assert "WROTE" not in result.stdout and result.stdout.endswith("tmp ok\n"), result.stdout + result.stderr
    assert victim.read_text() == "original"
    for target in targets[1:]:
        assert not os.path.exists(target)
    assert not os.path.exists(f"/tmp/inside-{token}")  # the sandbox's /tmp is its own


class _Listener:
    """A TCP server and a UDP socket on the host's 127.0.0.1 that record whoever reaches them."""

    def __init__(self):
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.tcp.settimeout(0.2)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp.settimeout(0.2)
        self.connections = 0
        self.datagrams = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._accept, daemon=True), threading.Thread(target=self._recv, daemon=True)]
        for t in self._threads:
            t.start()

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.tcp.accept()
                self.connections += 1
                conn.close()
            except OSError:
                pass

    def _recv(self):
        while not self._stop.is_set():
            try:
                self.udp.recvfrom(4096)
                self.datagrams += 1
            except OSError:
                pass

    def close(self):
        self._stop.set()
        for t in self._threads:
            t.join()
        self.tcp.close()
        self.udp.close()


def test_no_network_to_a_host_server_or_a_resolver(cold, pool):
    listener = _Listener()
    try:
        tcp_port, udp_port = listener.tcp.getsockname()[1], listener.udp.getsockname()[1]
        # Control: from the host both are reachable, so the test can fail.
        socket.create_connection(("127.0.0.1", tcp_port), timeout=2).close()
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"\x00" * 12, ("127.0.0.1", udp_port))
        time.sleep(0.5)
        assert (listener.connections, listener.datagrams) == (1, 1)
        code = (
            "import socket\n"
            f"try:\n    socket.create_connection(('127.0.0.1', {tcp_port}), timeout=2); print('CONNECTED')\n"
            "except OSError as e:\n    print('tcp', type(e).__name__)\n"
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            f"try:\n    s.sendto(b'\\x12\\x34' + bytes(10), ('127.0.0.1', {udp_port})); print('udp sent')\n"
            "except OSError as e:\n    print('udp', type(e).__name__)\n"
            "for name in ('pypi.org', 'example.com'):\n"
            "    try:\n        print('RESOLVED', socket.getaddrinfo(name, 443))\n"
            "    except OSError as e:\n        print('dns', type(e).__name__)\n"
            "print(sorted(i[1] for i in socket.if_nameindex()))\n"
        )
        for result in run_both(cold, pool, code, timeout_s=30):
            assert "CONNECTED" not in result.stdout and "RESOLVED" not in result.stdout, result.stdout
            assert "tcp ConnectionRefusedError" in result.stdout and result.stdout.count("dns gaierror") == 2
            assert result.stdout.rstrip().endswith("['lo']")
        time.sleep(0.5)
        assert (listener.connections, listener.datagrams) == (1, 1)  # nothing from inside arrived
    finally:
        listener.close()


def test_fork_bomb_is_contained(cold, pool):
    limit = 32
    bomb = (
        "import os, resource, time\n"
        "resource.setrlimit(resource.RLIMIT_NPROC, (400, 400))  # the test's own safety net\n"
        "end = time.time() + 6\n"
        "while time.time() < end:\n"
        "    try:\n        os.fork()\n    except OSError:\n        time.sleep(0.005)\n"
    )
    before = set(processes_of_uid())
    for run in (lambda: cold.run(bomb, limits=Limits(timeout_s=3, max_processes=limit)),
                lambda: pool.run(bomb, timeout_s=3, max_processes=limit)):
        with HostWatch() as watch:
            result = run()
        assert result.timed_out and result.duration_s < 6
        assert 1 < watch.peak_count <= limit + 1  # the sandbox uid's processes on the host
        assert not wait_for_no_new_processes(before)
    assert pool.run("print('alive')").stdout == "alive\n"


def test_memory_bomb_is_contained(cold, pool):
    bomb = (
        "import time\nchunks = []\nend = time.time() + 6\n"
        "while time.time() < end and len(chunks) < 40:\n"
        "    chunks.append(bytearray(64 * 1024 * 1024))  # touches every page\n"
        "print('survived', len(chunks))\n"
    )
    before = set(processes_of_uid())
    for run in (lambda: cold.run(bomb, limits=Limits(timeout_s=10, memory_mb=256)),
                lambda: pool.run(bomb, timeout_s=10, memory_mb=256)):
        with HostWatch(interval_s=0.005) as watch:
            result = run()
        assert result.oom and "survived" not in result.stdout and not result.timed_out
        assert watch.peak_rss_kib < 320 * 1024
        assert not wait_for_no_new_processes(before)


def test_infinite_loop_with_children_is_killed_at_the_deadline(cold, pool):
    code = (
        "import os, signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        while True: pass\n    os._exit(0)\n"
        "while True: pass\n"
    )
    before = set(processes_of_uid())
    for result in run_both(cold, pool, code, timeout_s=1.5):
        assert result.timed_out and result.duration_s < 4
        assert not wait_for_no_new_processes(before)


def test_a_hundred_megabytes_of_output_is_truncated(cold, pool):
    code = "import sys\nchunk = 'z' * (1 << 20)\nfor _ in range(100):\n    sys.stdout.write(chunk)\nprint('done')"
    before = set(processes_of_uid())
    for result in run_both(cold, pool, code, timeout_s=30, max_output_bytes=1 << 20):
        assert result.truncated and len(result.stdout) == 1 << 20 and not result.timed_out
        assert "done" not in result.stdout and result.duration_s < 15
        assert not wait_for_no_new_processes(before)


def test_killing_the_parent_or_everything_reaches_nothing_outside(cold, pool):
    sentinel = subprocess.Popen(["setpriv", f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_UID}", "--clear-groups",
                                 "sleep", "60"]) if os.geteuid() == 0 else subprocess.Popen(["sleep", "60"])
    try:
        time.sleep(0.2)
        code = (
            "import os, signal\n"
            f"for pid in (os.getppid(), 1, {sentinel.pid}, {os.getpid()}, -1):\n"
            "    try:\n        os.kill(pid, signal.SIGKILL); print('killed', pid)\n"
            "    except OSError as e:\n        print('refused', pid, type(e).__name__)\n"
        )
        results = run_both(cold, pool, code)
        for result in results:
            assert f"killed {sentinel.pid}" not in result.stdout and f"killed {os.getpid()}" not in result.stdout
        assert sentinel.poll() is None  # a same-uid process outside the sandbox survived kill(-1)
        assert pool.run("print('pool still works')").stdout == "pool still works\n"
    finally:
        sentinel.kill()
        sentinel.wait()


def test_no_way_back_to_root(cold, pool):
    code = (
        "import os, subprocess\n"
        "for attempt in (lambda: os.setuid(0), lambda: os.setgid(0), lambda: os.setgroups([0])):\n"
        "    try:\n        attempt(); print('BECAME ROOT')\n"
        "    except PermissionError:\n        print('refused')\n"
        "status = dict(l.split(':\\t', 1) for l in open('/proc/self/status').read().splitlines() if ':\\t' in l)\n"
        "print(status['CapEff'], status['CapPrm'], status['NoNewPrivs'], os.getuid())\n"
        "for cmd in (['su', '-c', 'cat /etc/shadow'], ['unshare', '-r', 'cat', '/etc/shadow'],\n"
        "            ['unshare', '-r', 'sh', '-c', 'echo x > /etc/passwd']):\n"
        "    try:\n        p = subprocess.run(cmd, capture_output=True, text=True, timeout=5, stdin=subprocess.DEVNULL)\n"
        "        print('rc', p.returncode, p.stdout[:40])\n"
        "    except OSError as e:\n        print('no', cmd[0], type(e).__name__)\n"
    )
    passwd_before = Path("/etc/passwd").read_bytes()
    for result in run_both(cold, pool, code, timeout_s=30):
        lines = result.stdout.splitlines()
        assert lines[:3] == ["refused"] * 3, result.stdout + result.stderr
        assert lines[3] == f"0000000000000000 0000000000000000 1 {SANDBOX_UID}"
        assert "root:" not in result.stdout and "BECAME ROOT" not in result.stdout
        assert all(not line.startswith("rc 0") for line in lines[4:]), result.stdout
    assert Path("/etc/passwd").read_bytes() == passwd_before


def test_no_channel_through_the_kernel_keyring_or_new_namespaces(cold, pool):
    token = secrets.token_hex(8)
    plant = (
        "import ctypes, platform, subprocess\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "add_key = {'x86_64': 248, 'aarch64': 217}[platform.machine()]\n"
        f"r = libc.syscall(add_key, b'user', b'agentgym-{token}', b'secret', 6, -4)  # the uid's user keyring\n"
        "print('add_key', r, ctypes.get_errno())\n"
        "print('unshare', subprocess.run(['unshare', '-r', 'true']).returncode)\n"
    )
    look = (
        "import ctypes, platform\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "request_key = {'x86_64': 249, 'aarch64': 218}[platform.machine()]\n"
        f"print(libc.syscall(request_key, b'user', b'agentgym-{token}', None, 0))\n"
    )
    for result in run_both(cold, pool, plant):
        assert result.stdout.splitlines()[0] == "add_key -1 1"  # EPERM
        assert result.stdout.splitlines()[1] != "unshare 0"
    for result in run_both(cold, pool, look):
        assert result.stdout == "-1\n"
