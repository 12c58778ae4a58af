"""The Docker backend: each run in a fresh container (no network, read-only root, limits).

Used where a Docker engine is reachable (``docker.from_env()``). The image must already be
present (nothing is pulled at run time); any image with ``python3`` works. The guest program and
the job travel in the container's command and environment, so nothing is copied into the image.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Mapping

from .bwrap import SANDBOX_UID, WORKDIR
from .errors import HOW_TO_GET_BWRAP, SandboxError, SandboxUnavailable
from .jobs import check_request, make_job
from .result import ExecResult, Limits

__all__ = ["DockerBackend", "DEFAULT_IMAGE"]

DEFAULT_IMAGE = "python:3.11-slim"
"""The image runs use unless told otherwise (pull it once: ``docker pull python:3.11-slim``)."""

# Where Docker is missing, the other isolating backend.
_OR_BUBBLEWRAP = f"Or use the bubblewrap backend: {HOW_TO_GET_BWRAP}."

_ENV_CHUNK = 100_000  # below the kernel's 128 KiB limit on one environment string
_GUEST_SOURCE = Path(__file__).with_name("guest.py")


class DockerBackend:
    """Runs each snippet in a new container: ``--network none``, read-only root, an unprivileged
    user, no capabilities, no-new-privileges, memory (swap included), pids and CPU limits, tmpfs
    work dir and ``/tmp``; the container is removed after the run whatever happened.
    """

    name = "docker"

    def __init__(self, image: str = DEFAULT_IMAGE, client=None):
        try:
            import docker
        except ImportError as exc:
            raise SandboxUnavailable(f"The docker SDK is not installed ({exc}): `pip install docker`. {_OR_BUBBLEWRAP}") from exc
        self._errors = docker.errors
        try:
            self.client = client or docker.from_env(timeout=10)
            self.client.ping()
        except Exception as exc:  # the SDK raises DockerException or requests' errors here
            raise SandboxUnavailable(f"No Docker engine is reachable ({exc}): start one that this user can reach. {_OR_BUBBLEWRAP}") from exc
        try:
            self.client.images.get(image)
        except docker.errors.ImageNotFound as exc:
            raise SandboxUnavailable(f"Docker image {image!r} is not present; pull it once: docker pull {image}") from exc
        self.image = image

    def run(self, code: str, language: str = "python", limits: Limits | None = None,
            files: Mapping[str, str | bytes] | None = None) -> ExecResult:
        """Run ``code`` once in a fresh container and return what happened."""
        from docker.types import Ulimit

        check_request(code, language, files)
        limits = limits or Limits()
        job = make_job(code, language, files, limits, with_cgroup=True)
        job["rlimits"].pop("RLIMIT_CPU")  # set as container ulimits below
        blob = base64.b64encode(json.dumps(job).encode()).decode()
        env = {f"AGENTGYM_JOB_{i}": blob[j:j + _ENV_CHUNK] for i, j in enumerate(range(0, len(blob), _ENV_CHUNK))}
        mem = f"{limits.memory_mb}m"
        start = time.monotonic()
        try:
            container = self.client.containers.create(
                self.image, command=["python3", "-I", "-B", "-u", "-c", _GUEST_SOURCE.read_text(), "env"],
                environment=env, network_mode="none", read_only=True, user=f"{SANDBOX_UID}:{SANDBOX_UID}",
                cap_drop=["ALL"], security_opt=["no-new-privileges"], mem_limit=mem, memswap_limit=mem,
                pids_limit=limits.max_processes, nano_cpus=int(limits.cpus * 1e9), working_dir=WORKDIR,
                tmpfs={WORKDIR: f"size={mem},mode=1777", "/tmp": f"size={mem},mode=1777"},
                ulimits=[Ulimit(name="cpu", soft=limits.cpu_seconds, hard=limits.cpu_seconds + 1)],
                detach=True)
        except self._errors.DockerException as exc:
            raise SandboxError(f"could not create a container: {exc}") from exc
        timed_out = False
        try:
            container.start()
            try:
                exit_code = int(container.wait(timeout=limits.timeout_s)["StatusCode"])
            except Exception:  # requests' ReadTimeout / ConnectionError at the deadline
                timed_out = True
                container.kill()
                exit_code = -9
            duration = time.monotonic() - start
            stdout, cut_out = _read_logs(container, limits.max_output_bytes, stdout=True)
            stderr, cut_err = _read_logs(container, limits.max_output_bytes, stdout=False)
            container.reload()
            oom = bool(container.attrs.get("State", {}).get("OOMKilled"))
        finally:
            try:
                container.remove(force=True)
            except self._errors.DockerException:
                pass
        return ExecResult(stdout=stdout, stderr=stderr, exit_code=exit_code, timed_out=timed_out, oom=oom,
                          truncated=cut_out or cut_err, duration_s=duration, backend=self.name, limits="cgroup")


def _read_logs(container, cap: int, stdout: bool) -> tuple[str, bool]:
    """One stream of the container's output, at most ``cap`` bytes (and whether it was cut)."""
    buf = bytearray()
    for chunk in container.logs(stdout=stdout, stderr=not stdout, stream=True, follow=False):
        buf += chunk
        if len(buf) > cap:
            return bytes(buf[:cap]).decode("utf-8", "replace"), True
    return bytes(buf).decode("utf-8", "replace"), False
