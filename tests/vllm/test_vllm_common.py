"""Checkpoint completeness checks and the top-k entropy estimate; no vLLM needed."""

from __future__ import annotations

import math

import pytest
import torch
from safetensors.torch import save_file

from agentgym.policies.vllm import CheckpointMismatchError, check_checkpoint_complete, safetensors_index, topk_entropy
from agentgym.policies.vllm.common import compare_tensor_index


def _save(directory, tensors, files=1):
    directory.mkdir(parents=True, exist_ok=True)
    names = sorted(tensors)
    for i in range(files):
        part = {k: tensors[k] for k in names[i::files]}
        save_file(part, str(directory / f"model-{i:05d}-of-{files:05d}.safetensors"))
    return directory


REF = {"a.weight": torch.zeros(2, 3), "b.weight": torch.zeros(4), "lm_head.weight": torch.zeros(5, 3)}


def test_index_reads_headers_across_shards(tmp_path):
    d = _save(tmp_path / "m", REF, files=2)
    assert safetensors_index(d) == {"a.weight": ((2, 3), "F32"), "b.weight": ((4,), "F32"), "lm_head.weight": ((5, 3), "F32")}


def test_complete_checkpoint_passes_even_in_another_dtype(tmp_path):
    ref = _save(tmp_path / "ref", REF)
    cand = _save(tmp_path / "cand", {k: v.to(torch.bfloat16) for k, v in REF.items()}, files=3)
    check_checkpoint_complete(cand, ref)


def test_missing_unexpected_and_reshaped_are_named(tmp_path):
    ref = _save(tmp_path / "ref", REF)
    cand = _save(tmp_path / "cand", {"a.weight": torch.zeros(3, 3), "extra.bias": torch.zeros(1), "lm_head.weight": torch.zeros(5, 3)})
    with pytest.raises(CheckpointMismatchError) as info:
        check_checkpoint_complete(cand, ref)
    msg = str(info.value)
    assert "1 missing: b.weight" in msg and "1 unexpected: extra.bias" in msg and "a.weight: (3, 3) != (2, 3)" in msg
    assert "refusing to load" in msg


def test_optional_tensors_may_be_absent(tmp_path):
    ref = _save(tmp_path / "ref", REF)
    cand = _save(tmp_path / "cand", {k: v for k, v in REF.items() if k != "lm_head.weight"})
    check_checkpoint_complete(cand, ref, optional={"lm_head.weight"})
    with pytest.raises(CheckpointMismatchError, match="missing: lm_head.weight"):
        check_checkpoint_complete(cand, ref)


def test_empty_dir_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CheckpointMismatchError, match="no \\*.safetensors"):
        safetensors_index(tmp_path / "empty")


def test_compare_in_memory_index():
    ref = {"a": ((2,), "F32")}
    compare_tensor_index({"a": ((2,), "torch.float32")}, ref)
    with pytest.raises(CheckpointMismatchError, match="missing: a"):
        compare_tensor_index({}, ref, what="the state dict")


def test_topk_entropy_is_exact_with_full_mass_and_a_lower_bound_otherwise():
    probs = torch.softmax(torch.randn(50, generator=torch.Generator().manual_seed(0)), -1)
    logp = probs.log()
    exact = float(-(probs * logp).sum())
    full = {i: float(logp[i]) for i in range(50)}
    assert topk_entropy(full) == pytest.approx(exact, abs=1e-5)
    top = torch.topk(logp, 5)
    estimate = topk_entropy({int(i): float(v) for v, i in zip(top.values, top.indices)})
    assert 0 < estimate <= exact + 1e-6
    assert topk_entropy({1: 0.0, 2: -9999.0}) == 0.0  # a certain step; -9999 is vLLM's -inf
    assert math.isnan(topk_entropy({}))
