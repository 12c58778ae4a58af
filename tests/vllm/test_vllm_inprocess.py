"""VLLMInProcessPolicy, run inside the vLLM venv (vllm is not importable in the main env)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).with_name("inprocess_check.py")


def test_inprocess_policy_in_the_vllm_venv(vllm_python, model_dir):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(VLLM_CPU_KVCACHE_SPACE="1", HF_HUB_OFFLINE="1", VLLM_NO_USAGE_STATS="1")
    try:
        proc = subprocess.run(
            [vllm_python, str(SCRIPT), str(model_dir)], capture_output=True, text=True, timeout=480, env=env, cwd=str(SCRIPT.parent)
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the in-process vLLM check did not finish in {exc.timeout} s; output tail:\n{(exc.stdout or '')[-3000:]}")
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        if "No module named 'agentgym'" in proc.stderr:
            pytest.fail(f"the vLLM venv ({vllm_python}) lacks agentgym; re-run `bash scripts/vllm_env.sh`", pytrace=False)
        pytest.fail(f"the in-process vLLM check failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    result = json.loads(lines[-1][len("RESULT ") :])
    print(f"\n[vllm in-process] {result}")
    assert result["rollout_token_exact"] and result["turns"] >= 2
    assert result["score_lengths_ok"]
    assert result["changed_after_reload"]
    assert result["partial_refused"] and result["unchanged_after_refusal"]
    assert result["restored"]
