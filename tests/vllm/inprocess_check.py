"""Exercise VLLMInProcessPolicy; run under the vLLM venv's python by test_vllm_inprocess.py.

Prints one line ``RESULT {json}`` with what it measured; the pytest side asserts on it.
"""

from __future__ import annotations

import json
import sys
import time


def outputs_differ(a, b, tol=1e-3) -> bool:
    """As vllm_helpers.outputs_differ (that module needs pytest, which the vLLM venv lacks)."""
    for x, y in zip(a, b):
        if x.token_ids != y.token_ids or any(abs(p - q) > tol for p, q in zip(x.logprobs, y.logprobs)):
            return True
    return False


def main(model_dir: str, adapter_dir: str) -> dict:
    import torch
    from safetensors.torch import load_file

    from agentgym.policies.vllm import CheckpointMismatchError, VLLMInProcessPolicy
    from agentgym.policy import GenerationRequest, SamplingParams
    from agentgym.rollout import RolloutConfig, RolloutEngine

    result: dict = {}
    started = time.monotonic()
    policy = VLLMInProcessPolicy(model_dir, max_model_len=1024, max_lora_rank=8, top_logprobs=5)
    result["startup_s"] = time.monotonic() - started
    greedy = SamplingParams(temperature=0.0, max_new_tokens=10)
    probes = [GenerationRequest(messages=[{"role": "user", "content": "Name a fruit."}]), GenerationRequest(messages=[{"role": "user", "content": "Say hi."}])]

    # Token-exact rollouts through the real engine: the context of turn k+1 extends turn k's
    # with the action ids exactly as sampled.
    seen: list[tuple[list[int], list[int]]] = []
    inner = policy.generate

    def recording(requests, sampling):
        out = inner(requests, sampling)
        seen.extend((list(r.prompt_ids), list(c.token_ids)) for r, c in zip(requests, out))
        return out

    policy.generate = recording
    config = RolloutConfig(group_size=2, max_turns=3, sampling=SamplingParams(temperature=1.0, max_new_tokens=16, seed=3))
    with RolloutEngine(policy, config) as engine:
        groups = engine.run("agentgym/Household-v0", ["train-00002"])
    policy.generate = inner
    pairs = {(tuple(p), tuple(a)) for p, a in seen}
    exact = True
    for traj in groups[0].trajectories:
        context: list[int] = []
        for turn in traj.turns:
            context = context + list(turn.prompt_ids)
            exact &= (tuple(context), tuple(turn.action_ids)) in pairs
            exact &= len(turn.action_logprobs) == len(turn.action_ids) == len(turn.action_entropies or [])
            if turn.finish_reason == "stop":
                exact &= turn.action_ids[-1] == policy.chat_tokenizer.end_of_turn_id
            context = context + list(turn.action_ids)
    result["rollout_token_exact"] = bool(exact)
    result["turns"] = sum(t.num_turns for t in groups[0].trajectories)

    base = policy.generate(probes, greedy)
    scored = policy.score(probes, [c.token_ids for c in base])
    result["score_lengths_ok"] = [len(s) for s in scored] == [len(b.token_ids) for b in base]

    # A LoRA adapter changes the outputs; dropping it restores them.
    policy.load_lora(adapter_dir)
    result["lora_load_ms"] = policy.last_sync_seconds * 1000
    result["changed_with_lora"] = outputs_differ(policy.generate(probes, greedy), base)
    policy.use_base_model()
    result["base_after_lora"] = not outputs_differ(policy.generate(probes, greedy), base, tol=0.05)

    # Weights from memory: a perturbed state dict changes the outputs.
    state = load_file(f"{model_dir}/model.safetensors")
    g = torch.Generator().manual_seed(0)
    perturbed = {k: (v + 0.02 * torch.randn(v.shape, generator=g) if v.ndim == 2 else v) for k, v in state.items()}
    perturbed["model.embed_tokens.weight"] = perturbed["model.embed_tokens.weight"] * 1.5  # tied to lm_head
    result["reload_s"] = policy.reload_weights_from_state_dict(perturbed)
    changed = policy.generate(probes, greedy)
    result["changed_after_reload"] = outputs_differ(changed, base)
    # The engine now serves exactly those weights (tied output layer included): compare with
    # transformers on the same state dict.
    from transformers import AutoModelForCausalLM

    reference_model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    reference_model.load_state_dict(perturbed, strict=False)
    prompt = policy.chat_tokenizer.encode_prompt(probes[0].messages)
    continuation = base[0].token_ids[:6]
    with torch.no_grad():
        logp = torch.log_softmax(reference_model(torch.tensor([prompt + continuation])).logits[0].float(), -1)
    reference = [float(logp[len(prompt) - 1 + i, t]) for i, t in enumerate(continuation)]
    served = policy.score(probes[:1], [continuation])[0]
    result["reload_matches_transformers"] = max(abs(a - b) for a, b in zip(served, reference))
    # The same with the output layer left at its old value: what a stale tied head would serve.
    stale = dict(perturbed, **{"lm_head.weight": state["model.embed_tokens.weight"]})
    reference_model.config.tie_word_embeddings = False
    reference_model.lm_head.weight = torch.nn.Parameter(stale["lm_head.weight"].clone())
    with torch.no_grad():
        logp = torch.log_softmax(reference_model(torch.tensor([prompt + continuation])).logits[0].float(), -1)
    stale_ref = [float(logp[len(prompt) - 1 + i, t]) for i, t in enumerate(continuation)]
    result["distance_to_stale_head"] = max(abs(a - b) for a, b in zip(served, stale_ref))

    # An incomplete state dict is refused before anything is loaded.
    partial = dict(perturbed)
    partial.pop("model.layers.0.self_attn.q_proj.weight")
    try:
        policy.reload_weights_from_state_dict(partial)
        result["partial_refused"] = False
    except CheckpointMismatchError as exc:
        result["partial_refused"] = "missing: model.layers.0.self_attn.q_proj.weight" in str(exc)
    result["unchanged_after_refusal"] = not outputs_differ(policy.generate(probes, greedy), changed, tol=0.05)

    # Back to the original weights, from the directory.
    policy.reload_weights(model_dir)
    result["restored"] = not outputs_differ(policy.generate(probes, greedy), base, tol=0.05)
    policy.close()
    return result


if __name__ == "__main__":  # vLLM may spawn helpers: keep the entry point guarded
    print("RESULT " + json.dumps(main(sys.argv[1], sys.argv[2])), flush=True)
