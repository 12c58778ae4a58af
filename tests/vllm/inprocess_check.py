"""Exercise VLLMInProcessPolicy; run under the vLLM venv's python by test_vllm_inprocess.py.

Prints one line ``RESULT {json}`` with what it measured; the pytest side asserts on it.
"""

from __future__ import annotations

import json
import sys
import time


def main(model_dir: str) -> dict:
    import torch
    from safetensors.torch import load_file

    from agentgym.policies.vllm import CheckpointMismatchError, VLLMInProcessPolicy
    from agentgym.policy import GenerationRequest, SamplingParams
    from agentgym.rollout import RolloutConfig, RolloutEngine

    result: dict = {}
    started = time.monotonic()
    policy = VLLMInProcessPolicy(model_dir, max_model_len=1024, enable_lora=False, top_logprobs=5)
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

    base = [c.token_ids for c in policy.generate(probes, greedy)]
    scored = policy.score(probes, base)
    result["score_lengths_ok"] = [len(s) for s in scored] == [len(b) for b in base]

    # Weights from memory: a perturbed state dict changes the outputs.
    state = load_file(f"{model_dir}/model.safetensors")
    g = torch.Generator().manual_seed(0)
    perturbed = {k: (v + 0.02 * torch.randn(v.shape, generator=g) if v.ndim == 2 else v) for k, v in state.items()}
    result["reload_s"] = policy.reload_weights_from_state_dict(perturbed)
    changed = [c.token_ids for c in policy.generate(probes, greedy)]
    result["changed_after_reload"] = changed != base

    # An incomplete state dict is refused before anything is loaded.
    partial = dict(perturbed)
    partial.pop("model.layers.0.self_attn.q_proj.weight")
    try:
        policy.reload_weights_from_state_dict(partial)
        result["partial_refused"] = False
    except CheckpointMismatchError as exc:
        result["partial_refused"] = "missing: model.layers.0.self_attn.q_proj.weight" in str(exc)
    result["unchanged_after_refusal"] = [c.token_ids for c in policy.generate(probes, greedy)] == changed

    # Back to the original weights, from the directory.
    policy.reload_weights(model_dir)
    result["restored"] = [c.token_ids for c in policy.generate(probes, greedy)] == base
    policy.close()
    return result


if __name__ == "__main__":  # vLLM may spawn helpers: keep the entry point guarded
    print("RESULT " + json.dumps(main(sys.argv[1])), flush=True)
