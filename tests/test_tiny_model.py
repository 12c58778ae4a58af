"""The tiny offline chat model: loads like a hub checkpoint, chats in ChatML, tokenises env text
compactly and exactly, and is the same model every time it is built from the same seed."""

from __future__ import annotations

import json
import random

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("tokenizers")

import agentgym  # noqa: E402
from agentgym.policies.chat_tokenizer import HFChatTokenizer  # noqa: E402
from agentgym.policies.tiny_model import ARCHS, TINY_SIZES, build_tiny_model, env_corpus  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402

HOUSEHOLD = "agentgym/Household-v0"
UNICODE_TEXT = [
    "café naïve über — “quotes” and ellipses…",
    "東京 へ ようこそ, Москва, Ελλάδα, עברית, العربية",
    "emoji 🙂🏠🍎 and a zero-width joiner 👩‍🍳",
    "tabs\tand  double  spaces,\ttrailing space \nand\r\nwindows newlines\n\n",
    "\x00control\x07bytes\x1f",
]


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    """One tiny llama build shared by the read-only tests of this module."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model", seed=0)


@pytest.fixture(scope="module")
def tokenizer(tiny_dir):
    return AutoTokenizer.from_pretrained(tiny_dir)


def household_texts(seeds, split="train", difficulty="medium", walk=4):
    """Observations and actions of short seeded random walks in the household env."""
    env = agentgym.make(HOUSEHOLD, split=split, difficulty=difficulty)
    rng = random.Random(1234)
    texts = [type(env).system_prompt]
    for seed in seeds:
        observation, _ = env.reset(seed=seed)
        texts.append(observation)
        for _ in range(walk):
            action = rng.choice(env.admissible_actions())
            observation, _, terminated, truncated, _ = env.step(action)
            texts += [action, observation]
            if terminated or truncated:
                break
    return texts


def chat_messages(seed=7, turns=3):
    """A real household chat: system prompt, first observation, then (action, observation) turns."""
    env = agentgym.make(HOUSEHOLD)
    observation, _ = env.reset(seed=seed)
    messages = [{"role": "system", "content": env.system_prompt}, {"role": "user", "content": observation}]
    rng = random.Random(seed)
    for _ in range(turns):
        action = rng.choice(env.admissible_actions())
        observation, *_ = env.step(action)
        messages += [{"role": "assistant", "content": action}, {"role": "user", "content": observation}]
    return messages


def test_loads_with_auto_classes_and_generates(tiny_dir, tokenizer):
    """Guards against a directory that transformers cannot load (missing config, tokenizer or
    generation config), a vocab mismatch between model and tokenizer, and special-token ids that
    generation would not stop or pad on."""
    model = AutoModelForCausalLM.from_pretrained(tiny_dir)
    assert model.config.vocab_size == len(tokenizer)
    assert model.config.tie_word_embeddings
    assert model.get_output_embeddings().weight.data_ptr() == model.get_input_embeddings().weight.data_ptr()
    assert tokenizer.eos_token == "<|im_end|>" and tokenizer.pad_token == "<|im_end|>"
    assert model.config.eos_token_id == tokenizer.eos_token_id == model.generation_config.eos_token_id
    assert model.config.pad_token_id == tokenizer.pad_token_id == model.generation_config.pad_token_id
    assert model.config.bos_token_id == tokenizer.bos_token_id is not None

    prompt = tokenizer.apply_chat_template(chat_messages(turns=0), tokenize=False, add_generation_prompt=True)
    ids = tokenizer(prompt, add_special_tokens=False, return_tensors="pt")
    with torch.no_grad():
        logits = model(**ids).logits
    assert logits.shape == (1, ids["input_ids"].shape[1], len(tokenizer))
    assert torch.isfinite(logits).all()
    out = model.generate(**ids, max_new_tokens=4, do_sample=False)
    assert out.shape[1] > ids["input_ids"].shape[1]
    assert torch.equal(out[0, : ids["input_ids"].shape[1]], ids["input_ids"][0])
    tokenizer.decode(out[0], skip_special_tokens=True)  # any ids it makes decode


def test_chat_template_renders_chatml(tokenizer):
    """Guards against a template that is not ChatML (wrong markers, a missing newline, no
    generation prompt), which would make prompts differ from what ChatML models are fed."""
    messages = [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}, {"role": "assistant", "content": "A"}]
    rendered = tokenizer.apply_chat_template(messages, tokenize=False)
    assert rendered == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n"
    with_prompt = tokenizer.apply_chat_template(messages[:2], tokenize=False, add_generation_prompt=True)
    assert with_prompt.endswith("<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n")
    # The markers are single special tokens, not spelled out in bytes.
    for marker in ("<|im_start|>", "<|im_end|>", "<|endoftext|>"):
        assert len(tokenizer(marker, add_special_tokens=False)["input_ids"]) == 1
        assert marker in tokenizer.all_special_tokens
    assert tokenizer("hello", add_special_tokens=True)["input_ids"] == tokenizer("hello", add_special_tokens=False)["input_ids"]


@pytest.mark.parametrize("finish_with_eos", [False, True])
def test_chat_tokenizer_deltas_are_token_exact(tokenizer, finish_with_eos):
    """Guards against incremental tokenisation drifting from the whole chat's: HFChatTokenizer's
    prompt + action ids + observation deltas must equal the rendered chat tokenised at once, or
    training would score tokens the model never saw."""
    chat = HFChatTokenizer(tokenizer)
    assert chat.end_of_turn_id == tokenizer.eos_token_id
    messages = chat_messages(turns=3)
    ids = list(chat.encode_prompt(messages[:2]))
    for i in range(2, len(messages), 2):
        action, observation = messages[i]["content"], messages[i + 1]["content"]
        ids += tokenizer(action, add_special_tokens=False)["input_ids"]
        if finish_with_eos:  # generation stopped on EOS, which is then part of the action
            ids.append(tokenizer.eos_token_id)
        ids += chat.encode_observation(observation, action_finished=finish_with_eos)
    whole = tokenizer(tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True), add_special_tokens=False)["input_ids"]
    assert ids == whole
    assert chat.decode(ids) == tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def test_round_trips_env_text_and_unicode(tokenizer):
    """Guards against lossy tokenisation (an unknown token, a normaliser, an added prefix space,
    cleaned-up spaces): any text, env or not, must decode back to exactly itself."""
    texts = household_texts(range(5)) + household_texts(range(3), split="test-unseen", difficulty="hard") + UNICODE_TEXT
    for text in texts:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        assert tokenizer.decode(ids, skip_special_tokens=False) == text
    assert tokenizer.unk_token_id is None or tokenizer.unk_token_id not in tokenizer(" ".join(texts))["input_ids"]


def test_compact_on_env_text(tokenizer):
    """Guards against a tokenizer with no (or too few) merges: bytes-only BPE spends one token per
    ASCII byte; this one, trained on env text, must spend far fewer on unseen household episodes."""
    texts = household_texts(range(1000, 1012), split="test-unseen", difficulty="hard")
    n_bytes = sum(len(text.encode("utf-8")) for text in texts)
    n_tokens = sum(len(tokenizer(text, add_special_tokens=False)["input_ids"]) for text in texts)
    assert n_bytes / n_tokens >= 3.0, f"only {n_bytes / n_tokens:.2f} bytes per token"
    # Common env words are single tokens.
    for word in (" cabinet", " countertop", " fridge", "Your", " task"):
        assert len(tokenizer(word, add_special_tokens=False)["input_ids"]) == 1, word
    assert 1000 <= len(tokenizer) <= 4096


def test_same_seed_same_model(tmp_path):
    """Guards against unseeded weights or a tokenizer trainer that depends on thread scheduling or
    dict order: the same seed must give the same weights, vocab and files, and another seed other
    weights."""
    from safetensors.torch import load_file

    a = build_tiny_model(tmp_path / "a", seed=3)
    b = build_tiny_model(tmp_path / "b", seed=3)
    c = build_tiny_model(tmp_path / "c", seed=4)
    wa, wb, wc = (load_file(d / "model.safetensors") for d in (a, b, c))
    assert wa.keys() == wb.keys()
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    assert not all(torch.equal(wa[k], wc[k]) for k in wa)
    assert AutoTokenizer.from_pretrained(a).get_vocab() == AutoTokenizer.from_pretrained(b).get_vocab()
    for name in ("tokenizer.json", "tokenizer_config.json", "config.json", "generation_config.json", "model.safetensors"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_build_leaves_global_rng_alone(tmp_path):
    """Guards against seeding the caller's global torch RNG: a test that builds a model mid-way
    must not change the random numbers it draws afterwards."""
    torch.manual_seed(11)
    expected = torch.rand(4)
    torch.manual_seed(11)
    build_tiny_model(tmp_path / "m", seed=0)
    assert torch.equal(torch.rand(4), expected)


@pytest.mark.parametrize("arch,size", [("llama", "tiny"), ("qwen2", "tiny"), ("qwen2", "small")])
def test_archs_and_sizes(tmp_path, arch, size):
    """Guards against an arch or size that builds but does not load or run (a config the model
    class rejects, a shape that does not divide into heads)."""
    out = build_tiny_model(tmp_path / "m", arch=arch, size=size)
    config = json.loads((out / "config.json").read_text())
    assert config["model_type"] == arch
    assert config["hidden_size"] == TINY_SIZES[size]["hidden_size"]
    model = AutoModelForCausalLM.from_pretrained(out)
    tokenizer = AutoTokenizer.from_pretrained(out)
    assert type(model).__name__ == {"llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM"}[arch]
    prompt = HFChatTokenizer(tokenizer).encode_prompt(chat_messages(turns=0))
    out_ids = model.generate(torch.tensor([prompt]), max_new_tokens=3, do_sample=False)
    assert out_ids.shape[1] > len(prompt)


def test_rejects_unknown_size_and_arch(tmp_path):
    """Guards against a typo silently building some default model."""
    with pytest.raises(ValueError, match="size"):
        build_tiny_model(tmp_path, size="huge")
    with pytest.raises(ValueError, match="arch"):
        build_tiny_model(tmp_path, arch="gpt2")
    assert set(ARCHS) == {"llama", "qwen2"}


def test_corpus_skips_broken_envs_but_needs_household():
    """Guards against one broken env (or plugin) breaking every build, and against a corpus that
    silently lost the household text the tokenizer is meant to be compact on."""
    texts = env_corpus(0, env_ids=[HOUSEHOLD, "no-such/Env-v0"])
    assert agentgym.make(HOUSEHOLD).system_prompt in texts
    assert env_corpus(0, env_ids=[HOUSEHOLD]) == texts
    with pytest.raises(RuntimeError, match="household"):
        env_corpus(0, env_ids=["no-such/Env-v0"])
    with pytest.raises(KeyError):  # a built-in household env that fails is a bug, not skipped
        env_corpus(0, env_ids=["agentgym/Household-v9"])


def test_default_corpus_skips_browser_envs_and_repeats_of_one_class():
    """Guards the tokenizer build's cost: no browser env, at most two ids per env class."""
    import agentgym
    from agentgym.policies.tiny_model import _default_env_ids

    ids = _default_env_ids()
    assert "agentgym/Household-v0" in ids and "agentgym/Shop-v0" in ids
    assert not [i for i in ids if i.startswith("agentgym/miniwob.") or i == "agentgym/ShopBrowser-v0"]
    entry_points = [agentgym.spec(i).entry_point for i in ids]
    assert max(entry_points.count(e) for e in entry_points) <= 2
