"""Helpers and fixtures for the vLLM tests (imported by the test modules; not a conftest.py,
whose module name would clash with tests/conftest.py).

Tests that need vLLM FAIL when its venv is missing (with how to make it), unless
``AGENTGYM_SKIP_VLLM=1`` is set, which skips them instead.
"""

from __future__ import annotations

import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

import pytest


class FakeServer:
    """A tiny HTTP server on 127.0.0.1 in a thread; ``handler(method, path, body)`` returns
    ``(status, json_body)``. Counts requests and the most served at once."""

    def __init__(self, handler: Callable[[str, str, Any], tuple[int, Any]]):
        self.handler = handler
        self.hits = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                with fake._lock:
                    fake.hits += 1
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                try:
                    status, payload = fake.handler(method, self.path, body)
                finally:
                    with fake._lock:
                        fake.in_flight -= 1
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def completion_answer(token_ids: list[int], prompt: list[int] | None = None, finish_reason: str = "stop") -> dict[str, Any]:
    """A /v1/completions answer shaped like vLLM's (return_token_ids, logprobs as token ids)."""
    return {
        "id": "cmpl-test",
        "object": "text_completion",
        "created": int(time.time()),
        "model": "m",
        "choices": [
            {
                "index": 0,
                "text": "hi",
                "logprobs": {
                    "text_offset": list(range(len(token_ids))),
                    "token_logprobs": [-0.5] * len(token_ids),
                    "tokens": [f"token_id:{t}" for t in token_ids],
                    "top_logprobs": [{f"token_id:{t}": -0.5, "token_id:99999": -1.0} for t in token_ids],
                },
                "finish_reason": finish_reason,
                "stop_reason": None,
                "token_ids": token_ids,
                "prompt_token_ids": prompt,
            }
        ],
        "usage": {"prompt_tokens": len(prompt or []), "completion_tokens": len(token_ids), "total_tokens": 0},
    }


def make_adapter(path, seed, scale=0.1):
    """A peft LoRA adapter for SmolLM2 with random (non-zero) B matrices, saved to ``path``.

    Both A and B come from a generator seeded with ``seed`` (peft draws A from the global RNG),
    so an adapter is the same on every run."""
    import torch
    from peft import LoraConfig, get_peft_model

    from agentgym.policies.models import load_model

    model = get_peft_model(
        load_model("smollm2-135m"),
        LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj", "o_proj", "down_proj"], task_type="CAUSAL_LM"),
    )
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_A" in name:
                p.copy_(torch.randn(p.shape, generator=g) / p.shape[1] ** 0.5)
            elif "lora_B" in name:  # peft starts B at zero: an untouched adapter changes nothing
                p.copy_(torch.randn(p.shape, generator=g) * scale)
    model.save_pretrained(str(path))
    return path


def outputs_differ(a, b, tol=1e-3) -> bool:
    """True if two lists of completions differ in their token ids or, where the ids agree, in a
    logprob by more than ``tol``."""
    for x, y in zip(a, b):
        if x.token_ids != y.token_ids:
            return True
        if any(abs(p - q) > tol for p, q in zip(x.logprobs, y.logprobs)):
            return True
    return False


# ---------------------------------------------------------------------- fixtures
SKIP_ENV = "AGENTGYM_SKIP_VLLM"


def require_vllm_python() -> str:
    """The vLLM venv's python; fails the test with setup instructions if missing."""
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"{SKIP_ENV}=1: vLLM tests skipped")
    from agentgym.policies.vllm.server import VLLMNotInstalledError, find_vllm_python

    try:
        return find_vllm_python()
    except VLLMNotInstalledError as exc:
        pytest.fail(f"{exc}. To skip the vLLM tests instead, set {SKIP_ENV}=1.", pytrace=False)


@pytest.fixture(scope="session")
def vllm_python() -> str:
    return require_vllm_python()


@pytest.fixture(scope="session")
def model_dir() -> Path:
    from agentgym.policies.models import prepare_model

    return prepare_model("smollm2-135m")


@pytest.fixture
def fake_server():
    servers: list[FakeServer] = []

    def make(handler: Callable[[str, str, Any], tuple[int, Any]]) -> FakeServer:
        server = FakeServer(handler)
        servers.append(server)
        return server

    yield make
    for s in servers:
        s.close()
