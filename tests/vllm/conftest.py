"""Fixtures for the vLLM tests: the vLLM venv's python, the prepared model, fake HTTP servers.

Tests that need vLLM FAIL when its venv is missing (with how to make it), unless
``AGENTGYM_SKIP_VLLM=1`` is set, which skips them instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import pytest
from vllm_helpers import FakeServer

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
