"""GRPO with vLLM generating the rollouts: the whole path a user runs with
``agentgym train ... rollout.backend=vllm-server`` (a real vLLM server that the trainer starts
and stops itself) or ``rollout.backend=vllm-inprocess``, on SmolLM2-135M with LoRA."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from agentgym.train import load_config
from agentgym.train.grpo import GRPOTrainer
from vllm_helpers import model_dir, vllm_python  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow


def test_grpo_smoke_with_a_vllm_server(vllm_python, model_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("AGENTGYM_VLLM_PYTHON", vllm_python)
    config = load_config(
        Path(__file__).parents[2] / "configs" / "household_smollm2.yaml",
        [
            f"out_dir={tmp_path / 'run'}",
            "rollout.backend=vllm-server",
            "rollout.max_model_len=2048",
            "model.lora_rank=8",
            "model.lora_alpha=16",
            "sft.demos=2",
            "sft.epochs=1",
            "trainer.iterations=2",
            "trainer.tasks_per_iteration=2",
            "trainer.group_size=2",
            "trainer.max_turns=3",
            "trainer.temperature=1.0",
            "trainer.ppo_epochs=1",  # approx_kl below then compares vLLM's logprobs with the trainer's, before any update
            "trainer.minibatches=1",
            "trainer.lr=1e-2",  # large, so that one update visibly moves the served outputs
            "algorithm.dynamic_sampling=false",
            "eval.episodes=2",
        ],
    )
    trainer = GRPOTrainer(config, progress=False)
    served = trainer.backend.policy
    try:
        assert served.server.running and served.server.enable_lora
        names = []
        original_sync = trainer.backend.sync

        def recording_sync():
            seconds = original_sync()
            names.append(served.model_name)
            return seconds

        trainer.backend.sync = recording_sync
        result = trainer.run()
    finally:
        trainer.backend.close()
    assert not served.server.running, "the run stops the server it started"

    # One sync after the SFT warm start, then one per iteration (every iteration trains here:
    # dynamic sampling is off), each a new adapter hot-loaded under a new name.
    assert len(names) == 3 and len(set(names)) == 3
    assert all(name != served.base_model_name for name in names)
    versions = sorted(p.name for p in (tmp_path / "run" / "sync").iterdir())
    assert versions == ["v000002", "v000003"], "old adapter versions are pruned (keep_versions=2)"

    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in records] == [1, 2]
    for r in records:
        assert r["generated_tokens"] > 0 and r["trained_tokens"] > 0
        assert r["sync_s"] > 0
        # vLLM's behaviour logprobs against the trainer's own: the same weights, so the
        # first-epoch ratio stays near 1 and little is clipped.
        assert r["approx_kl"] < 0.05
    assert 0.0 <= result["eval_after"]["success_rate"] <= 1.0
    assert (tmp_path / "run" / "final" / "adapter_config.json").exists()


def test_grpo_smoke_with_vllm_in_process(vllm_python, model_dir, tmp_path):
    """``agentgym train ... rollout.backend=vllm-inprocess`` run as a user would, under the vLLM
    venv's interpreter (the only one where ``vllm`` imports): vLLM's engine generates in the
    trainer's own process and takes each new adapter after every update."""
    run_dir = tmp_path / "run"
    scratch = tempfile.mkdtemp(prefix="agentgym-vllm-tmp-")  # short: vLLM puts IPC sockets in TMPDIR
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(HF_HUB_OFFLINE="1", VLLM_NO_USAGE_STATS="1", OMP_WAIT_POLICY="PASSIVE", TMPDIR=scratch)
    command = [
        vllm_python, "-m", "agentgym", "train", "--no-progress",
        "--config", str(Path(__file__).parents[2] / "configs" / "household_smollm2.yaml"),
        f"out_dir={run_dir}", "rollout.backend=vllm-inprocess", "rollout.max_model_len=2048",
        "model.lora_rank=8", "model.lora_alpha=16", "sft.demos=0",
        "trainer.iterations=2", "trainer.tasks_per_iteration=2", "trainer.group_size=2", "trainer.max_turns=3",
        "trainer.temperature=1.0", "trainer.ppo_epochs=1", "trainer.minibatches=1",
        "algorithm.dynamic_sampling=false", "eval.episodes=2",
    ]  # fmt: skip
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env, cwd=str(tmp_path))
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"training with in-process vLLM did not finish in {exc.timeout} s; output tail:\n{(exc.stdout or '')[-3000:]}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    assert proc.returncode == 0, f"exit {proc.returncode}:\n{proc.stderr[-4000:]}"
    assert "held-out success" in proc.stdout
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in records] == [1, 2]
    for r in records:
        assert r["generated_tokens"] > 0 and r["trained_tokens"] > 0 and r["sync_s"] > 0
        assert r["approx_kl"] < 0.05
    # One sync before the first eval, one per update; the newest two are kept (keep_versions=2).
    assert sorted(p.name for p in (run_dir / "sync").iterdir()) == ["v000002", "v000003"]
