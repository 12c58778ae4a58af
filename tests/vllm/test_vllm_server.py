"""VLLMServerPolicy against ONE real vLLM server on SmolLM2-135M (started once for the module).

Token-exact rollouts through the real engine, teacher-forced scoring, a LoRA hot-load and a
full-weight reload that change what the server generates, and an incomplete checkpoint that is
refused before anything reaches the server.
"""

from __future__ import annotations

import shutil
import time

import pytest
import torch
from safetensors.torch import load_file, save_file

from agentgym.policies.vllm import CheckpointMismatchError, VLLMError, VLLMServerPolicy
from agentgym.policy import GenerationRequest, SamplingParams
from agentgym.rollout import RolloutConfig, RolloutEngine
from vllm_helpers import make_adapter, model_dir, outputs_differ, vllm_python  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow

GREEDY = SamplingParams(temperature=0.0, max_new_tokens=12)
PROBES = [
    [{"role": "system", "content": "You are a household robot."}, {"role": "user", "content": "You are in the kitchen. What do you do first?"}],
    [{"role": "user", "content": "Name a fruit."}],
]


@pytest.fixture(scope="module")
def policy(vllm_python, model_dir, tmp_path_factory):
    started = time.monotonic()
    log = tmp_path_factory.mktemp("vllm-server") / "server.log"  # kept by pytest for post-mortems
    gpu = dict(weight_transfer_backend="nccl", gpu_memory_utilization=0.3) if torch.cuda.is_available() else {}
    pol = VLLMServerPolicy(
        model_dir,
        server_kwargs=dict(python=vllm_python, max_model_len=2048, max_lora_rank=8, startup_timeout=400, log_path=log, **gpu),
        request_timeout=120,
    )
    pol.startup_wall_seconds = time.monotonic() - started
    print(f"\n[vllm] server ready in {pol.server.startup_seconds:.1f} s (log {pol.server.log_path})")
    yield pol
    pol.close()
    assert not pol.server.running


@pytest.fixture
def recorder(policy):
    """Records every /v1/completions answer the policy gets: (prompt sent, choice returned)."""
    calls: list[tuple[list[int], dict]] = []
    inner = policy.client.aclient.completion

    async def recording(model, prompt, **kw):
        choice = await inner(model, prompt, **kw)
        calls.append((list(prompt), choice))
        return choice

    policy.client.aclient.completion = recording
    yield calls
    policy.client.aclient.completion = inner


def _probe(policy):
    requests = [GenerationRequest(messages=m) for m in PROBES]
    return policy.generate(requests, GREEDY)


def test_rollout_is_token_exact(policy, recorder):
    config = RolloutConfig(group_size=2, max_turns=3, sampling=SamplingParams(temperature=1.0, max_new_tokens=24, seed=7))
    started = time.monotonic()
    with RolloutEngine(policy, config) as engine:
        groups = engine.run("agentgym/Household-v0", ["train-00000", "train-00001"])
    elapsed = time.monotonic() - started
    trajectories = [t for g in groups for t in g.trajectories]
    assert len(trajectories) == 4 and all(t.num_turns >= 1 for t in trajectories)
    answers: dict[tuple[int, ...], list[dict]] = {}
    for prompt, choice in recorder:  # the attempts of a group share their first prompt
        answers.setdefault(tuple(prompt), []).append(choice)
    generated = sum(len(c["token_ids"]) for _, c in recorder)
    print(f"[vllm] rollout: {len(recorder)} completions, {generated} tokens in {elapsed:.1f} s ({generated / elapsed:.0f} tokens/s incl. envs)")
    eot = policy.chat_tokenizer.end_of_turn_id
    for traj in trajectories:
        context: list[int] = []
        previous: list[int] | None = None
        for turn in traj.turns:
            context = context + list(turn.prompt_ids)  # what the engine sent for this turn
            if previous is not None:
                assert context[: len(previous)] == previous  # turn k+1's prompt extends turn k's
            assert tuple(context) in answers, "the engine's context was not what the server received"
            # token-out: the stored ids are one of the answers to this exact context, as sampled
            matching = [c for c in answers[tuple(context)] if c["token_ids"] == turn.action_ids]
            assert matching, "the stored action ids are not what the server returned"
            choice = matching[0]
            answers[tuple(context)].remove(choice)
            assert choice["prompt_token_ids"] == context  # token-in: the server conditioned on exactly these ids
            assert turn.action_logprobs == pytest.approx(choice["logprobs"]["token_logprobs"])
            assert len(turn.action_entropies) == len(turn.action_ids) and all(e >= 0 for e in turn.action_entropies)
            assert all(lp <= 0 for lp in turn.action_logprobs)
            if turn.finish_reason == "stop":
                assert turn.action_ids[-1] == eot  # the end-of-turn token is kept, as the model saw it
            else:
                assert len(turn.action_ids) == 24
            previous = context
            context = context + list(turn.action_ids)  # what the model conditions on next


def test_score_matches_behaviour_logprobs_at_temperature_one(policy):
    # Four at once: with LoRA enabled, batched prompt_logprobs would kill vLLM 0.32's engine.
    requests = [GenerationRequest(messages=m) for m in PROBES + [[{"role": "user", "content": f"Count to {i}."}] for i in (3, 5)]]
    completions = policy.generate(requests, SamplingParams(temperature=1.0, max_new_tokens=16, seed=1))
    scores = policy.score(requests, [c.token_ids for c in completions])
    for c, s in zip(completions, scores):
        assert len(s) == len(c.token_ids)
        assert max(abs(a - b) for a, b in zip(s, c.logprobs)) < 0.1
    assert policy.client.health()


def test_generation_speed(policy):
    requests = [GenerationRequest(messages=[{"role": "user", "content": f"Tell me a story about the number {i}."}]) for i in range(8)]
    policy.generate(requests[:1], SamplingParams(max_new_tokens=4))
    started = time.monotonic()
    out = policy.generate(requests, SamplingParams(temperature=1.0, max_new_tokens=48, seed=0))
    elapsed = time.monotonic() - started
    tokens = sum(len(c.token_ids) for c in out)
    print(f"[vllm] batch 8: {tokens} tokens in {elapsed:.2f} s = {tokens / elapsed:.0f} tokens/s")
    assert tokens > 0


def test_lora_update_changes_served_outputs(policy, tmp_path):
    base = _probe(policy)
    v1 = make_adapter(tmp_path / "adapter-v1", seed=1)
    v2 = make_adapter(tmp_path / "adapter-v2", seed=2)
    try:
        name1 = policy.load_lora(v1)
        print(f"[vllm] LoRA load: {policy.last_sync_seconds * 1000:.0f} ms")
        assert policy.model_name == name1
        after1 = _probe(policy)
        assert outputs_differ(after1, base)

        name2 = policy.load_lora(v2)  # the next version: a new directory, a new name
        assert name2 != name1
        after2 = _probe(policy)
        assert outputs_differ(after2, after1) and outputs_differ(after2, base)

        # Rewriting a loaded directory would serve stale cached weights: refused.
        time.sleep(0.01)
        make_adapter(v2, seed=3)
        with pytest.raises(ValueError, match="new directory"):
            policy.load_lora(v2)
    finally:
        policy.use_base_model()
    assert not outputs_differ(_probe(policy), base, tol=0.05)


def _perturbed_copy(model_dir, target, scale=0.02, drop=()):
    """A copy of the model with noise on every matrix and the (tied) embedding scaled by 1.5,
    so a served output layer that missed the update would show."""
    target.mkdir()
    for f in model_dir.iterdir():
        if f.suffix != ".safetensors":
            shutil.copy(f, target / f.name)
    tensors = load_file(str(model_dir / "model.safetensors"))
    g = torch.Generator().manual_seed(0)
    out = {k: (v + scale * torch.randn(v.shape, generator=g) if v.ndim == 2 else v) for k, v in tensors.items() if k not in drop}
    if "model.embed_tokens.weight" in out:
        out["model.embed_tokens.weight"] = out["model.embed_tokens.weight"] * 1.5
    save_file(out, str(target / "model.safetensors"), metadata={"format": "pt"})
    return target


def _hf_logprobs(weights_dir, prompt, continuation):
    """Teacher-forced logprobs of ``continuation`` under transformers, loading ``weights_dir``."""
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(weights_dir), dtype=torch.float32)
    with torch.no_grad():
        logits = model(torch.tensor([prompt + continuation])).logits[0].float()
    logp = torch.log_softmax(logits, -1)
    return [float(logp[len(prompt) - 1 + i, t]) for i, t in enumerate(continuation)]


def test_full_weight_reload_changes_outputs_and_incomplete_is_refused(policy, model_dir, tmp_path):
    base = _probe(policy)
    request = GenerationRequest(messages=PROBES[1])
    prompt = policy.chat_tokenizer.encode_prompt(PROBES[1])
    continuation = base[1].token_ids[:6]
    # vLLM (bf16) against transformers (fp32) on the original weights: the yardstick.
    [served] = policy.score([request], [continuation])
    assert max(abs(a - b) for a, b in zip(served, _hf_logprobs(model_dir, prompt, continuation))) < 0.3
    try:
        new = _perturbed_copy(model_dir, tmp_path / "weights-v1")
        seconds = policy.reload_weights(new)
        print(f"[vllm] full reload: {seconds:.2f} s")
        after = _probe(policy)
        assert outputs_differ(after, base)
        # The served model is exactly the new checkpoint, tied output layer included.
        [served] = policy.score([request], [continuation])
        reference = _hf_logprobs(new, prompt, continuation)
        assert max(abs(a - b) for a, b in zip(served, reference)) < 0.3, (served, reference)

        # A checkpoint missing a tensor is refused before any request reaches the server.
        partial = _perturbed_copy(model_dir, tmp_path / "weights-partial", scale=0.5, drop={"model.layers.3.mlp.up_proj.weight"})
        sent = []
        real_post = policy.client.post
        policy.client.post = lambda *a, **k: sent.append(a) or real_post(*a, **k)
        try:
            with pytest.raises(CheckpointMismatchError, match=r"missing: model\.layers\.3\.mlp\.up_proj\.weight"):
                policy.reload_weights(partial)
        finally:
            policy.client.post = real_post
        assert sent == []
        assert not outputs_differ(_probe(policy), after, tol=0.05)  # still the v1 weights
    finally:
        policy.reload_weights(model_dir)  # back to the original weights
    assert not outputs_differ(_probe(policy), base, tol=0.05)


def test_nccl_push_needs_a_gpu(policy):
    if torch.cuda.is_available():
        pytest.skip("CUDA present: covered by test_nccl_push_on_gpu")
    with pytest.raises(VLLMError, match="CUDA GPU"):
        policy.push_weights_nccl(torch.nn.Linear(2, 2))


@pytest.mark.gpu
def test_nccl_push_on_gpu(request, model_dir):
    if not torch.cuda.is_available():
        pytest.skip("NCCL weight transfer needs a CUDA GPU (none here)")
    pytest.importorskip("vllm", reason="the NCCL trainer side drives vLLM's weight-transfer engine: vllm must be importable here")
    policy = request.getfixturevalue("policy")  # the module's server, started with the nccl backend on GPU
    from agentgym.policies.models import load_model

    base = _probe(policy)
    model = load_model(str(model_dir), device="cuda")
    with torch.no_grad():
        for p in model.parameters():
            if p.ndim == 2:
                p.add_(0.02 * torch.randn_like(p))
    try:
        seconds = policy.push_weights_nccl(model)
        print(f"[vllm] NCCL push: {seconds:.2f} s")
        assert outputs_differ(_probe(policy), base)
    finally:
        policy.reload_weights(model_dir)
    assert not outputs_differ(_probe(policy), base, tol=0.05)


def test_generation_is_cut_to_fit_max_model_len(policy):
    prompt = policy.chat_tokenizer.encode_prompt([{"role": "user", "content": "hello " * 2100}])[: 2048 - 5]
    [completion] = policy.generate([GenerationRequest(messages=[], prompt_ids=prompt)], SamplingParams(temperature=0.0, max_new_tokens=24))
    assert 1 <= len(completion.token_ids) <= 5
    assert completion.finish_reason == "length" or completion.token_ids[-1] == policy.chat_tokenizer.end_of_turn_id
    with pytest.raises(VLLMError, match="no room to generate"):
        policy.generate([GenerationRequest(messages=[], prompt_ids=prompt + [1] * 5)], SamplingParams(max_new_tokens=4))
