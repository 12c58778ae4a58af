"""The Docker backend, where an engine is reachable (skipped with the reason elsewhere)."""

from __future__ import annotations

import pytest

from agentgym.sandbox import Limits, SandboxUnavailable


@pytest.fixture(scope="module")
def docker_backend():
    from agentgym.sandbox.docker_backend import DockerBackend

    try:
        return DockerBackend()
    except SandboxUnavailable as exc:
        pytest.skip(f"no usable Docker engine here: {exc}")


def test_output_files_and_exit_code(docker_backend):
    result = docker_backend.run("import sys\nprint(open('t.csv').read().count(','))\nsys.exit(4)",
                                files={"t.csv": "a,b,c\n"})
    assert (result.stdout, result.exit_code, result.backend) == ("2\n", 4, "docker")


def test_no_network_read_only_root_unprivileged(docker_backend):
    code = (
        "import os, socket\nprint(os.getuid())\n"
        "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=2); print('CONNECTED')\n"
        "except OSError:\n    print('no network')\n"
        "try:\n    open('/planted', 'w'); print('WROTE')\n"
        "except OSError:\n    print('read-only')\n"
    )
    assert docker_backend.run(code, limits=Limits(timeout_s=30)).stdout == "65534\nno network\nread-only\n"


def test_limits(docker_backend):
    assert docker_backend.run("while True: pass", limits=Limits(timeout_s=2)).timed_out
    assert docker_backend.run("x = bytearray(600 << 20)", limits=Limits(memory_mb=128)).oom
    out = docker_backend.run("print('x' * 300000)", limits=Limits(max_output_bytes=1000))
    assert out.truncated and len(out.stdout) == 1000


def test_an_unreachable_engine_says_what_to_do():
    from agentgym.sandbox.docker_backend import DockerBackend

    class EngineDown:  # what docker.from_env() gives where no engine answers
        def ping(self):
            raise ConnectionError("connection refused")

    with pytest.raises(SandboxUnavailable, match=r"No Docker engine is reachable \(connection refused\): start one .* bubblewrap backend"):
        DockerBackend(client=EngineDown())
