"""A tiny, randomly initialised chat model built offline, for tests and smoke runs.

:func:`build_tiny_model` writes a directory that ``AutoModelForCausalLM.from_pretrained`` and
``AutoTokenizer.from_pretrained`` load like any hub checkpoint, without touching the network:

- a byte-level BPE tokenizer trained on text the registered envs produce (system prompts,
  observations from ``reset``, observations and actions along short random walks), so env text
  takes few tokens and any unicode still round-trips; it has ChatML special tokens and a ChatML
  chat template whose assistant turns end with the EOS token (what
  :class:`~agentgym.policies.chat_tokenizer.HFChatTokenizer` needs);
- a Llama- or Qwen2-architecture decoder built ``from_config`` with seeded weights.

The same arguments give the same files: the corpus, the BPE merges and the weights depend only
on ``seed`` (and on which envs are registered), so two test runs see the same model.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

__all__ = ["TINY_SIZES", "ARCHS", "CHATML_TEMPLATE", "SPECIAL_TOKENS", "build_tiny_model", "build_tokenizer", "env_corpus"]

#: Decoder shapes by size name. ``tiny`` (~0.15M parameters) is for plumbing tests; ``small``
#: (~2.7M) for tests that want a model with some capacity, still quick on a CPU.
TINY_SIZES: dict[str, dict[str, Any]] = {
    "tiny": {
        "hidden_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "intermediate_size": 128,
    },
    "small": {
        "hidden_size": 256,
        "num_hidden_layers": 4,
        "num_attention_heads": 8,
        "num_key_value_heads": 4,
        "intermediate_size": 512,
    },
}

#: The decoder architectures on offer (the two families real small chat models use).
ARCHS: tuple[str, ...] = ("llama", "qwen2")

#: ``<|im_end|>`` ends every turn and is the EOS (and pad) token; ``<|endoftext|>`` is the BOS.
SPECIAL_TOKENS: tuple[str, ...] = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")

#: ChatML, as Qwen2 and SmolLM2 use it. Every turn, the assistant's included, ends with
#: ``<|im_end|>`` then a newline, so per-turn deltas can be derived from it.
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

# Chat text that is not env text: role names, common English, numbers, JSON tool calls and
# code, so that a model's off-task replies and future envs' text are not spelled byte by byte.
_GENERIC_TEXT: tuple[str, ...] = (
    "system\nuser\nassistant\n",
    "You are a helpful assistant. Answer the question as briefly as you can.",
    "Hello! How can I help you today? I would be happy to help with that.",
    "What is the capital of France? The capital of France is Paris.",
    "Think step by step, then give the final answer on the last line.",
    "Let me think about this. First, I need to find the object. Then I will take it and put it there.",
    "The quick brown fox jumps over the lazy dog. The five boxing wizards jump quickly.",
    "I don't know the answer, but I can try to find out. Could you tell me more about the problem?",
    "The answer is 42. 1 + 2 = 3, 3 * 4 = 12, 10 / 5 = 2, 7 - 9 = -2, 0.5, 3.14, 100%, 2024-01-31.",
    "Invalid action. Please try again with a valid command. Nothing happens.",
    "Action: search[query]\nObservation: no results were found for this query.",
    'Call a tool: {"name": "search", "arguments": {"query": "weather in Paris"}}',
    '{"role": "user", "content": "Summarise this page in one sentence."}',
    "<tool_call>\n{\"name\": \"calculator\", \"arguments\": {\"expression\": \"2 + 2\"}}\n</tool_call>",
    "def add(a, b):\n    return a + b\n\nprint(add(1, 2))\n",
    "for i in range(10):\n    if i % 2 == 0:\n        continue\n    print(i)\n",
    "Question: Who wrote the book? Answer: The book was written by an author from England.",
    "The user asked for a list: apples, bananas, oranges, and grapes. Here is the list.",
    "Good job! You have completed the task. The episode is over and your reward is 1.",
    "You should open the door, walk into the kitchen, and look in every drawer and cabinet.",
    "Yes. No. Maybe. Thank you! Sorry, I cannot do that. Is there anything else?",
    "Today the weather is sunny and warm, with a high of 25 degrees and a light wind.",
    "In the beginning there was nothing, and then there was a small house with a garden.",
    "Unicode: café, naïve, über, 東京, Москва, emoji 🙂 — dashes, “quotes”, and ellipses…",
)

# How much env text feeds the tokenizer: enough that common words and phrases merge, little
# enough that building stays well under a second.
_RESET_SEEDS = 12
_WALKS_PER_SPLIT = 4
_WALK_LENGTH = 10
# The most tokens the BPE trainer may make. Household text saturates near 1150 (every word
# seen gets merged whole, since min_frequency is 1), so in practice the vocab is what the envs
# need; more envs raise it up to this cap.
VOCAB_CAP = 2048
# The built-in envs whose text must be in the corpus (Household-v0, HouseholdEasy-v0, ...).
_HOUSEHOLD_PREFIX = "agentgym/Household"


def _task_options(env: Any, per_split: int) -> Iterator[dict[str, Any]]:
    """Reset options covering every split of the env's task set (when it has one)."""
    task_set = getattr(env, "task_set", None)
    split_names = list(getattr(task_set, "split_names", [])) or [None]
    for split in split_names:
        for _ in range(per_split):
            yield {} if split is None else {"split": split}


def _walk_text(env: Any, seed: int, options: dict[str, Any], rng: random.Random, length: int) -> list[str]:
    """The observations and actions of one short random walk over admissible actions."""
    observation, info = env.reset(seed=seed, options=options or None)
    texts = [observation]
    for _ in range(length):
        actions = env.admissible_actions() or (info.get("admissible_actions") if isinstance(info, dict) else None)
        if not actions:
            break
        # Sorted so the walk does not depend on the order an env happens to list actions in.
        action = rng.choice(sorted(actions))
        observation, _, terminated, truncated, info = env.step(action)
        texts += [action, observation]
        if terminated or truncated:
            break
    return texts


#: Registered envs drawn from per entry point (env class) when no env ids are given.
_PER_ENTRY_POINT = 2


def _default_env_ids() -> list[str]:
    import agentgym

    taken: dict[str, int] = {}
    ids = []
    for env_id in sorted(agentgym.registered_envs()):
        entry = agentgym.spec(env_id).entry_point
        key = entry if isinstance(entry, str) else repr(entry)
        if getattr(_env_class(entry), "uses_browser", False):
            continue
        if taken.get(key, 0) < _PER_ENTRY_POINT:
            taken[key] = taken.get(key, 0) + 1
            ids.append(env_id)
    return ids


def _env_class(entry_point: Any) -> Any:
    if not isinstance(entry_point, str):
        return entry_point
    import importlib

    module, _, name = entry_point.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except Exception:  # a broken plugin is skipped later, where it is built
        return None


def env_corpus(seed: int = 0, env_ids: Sequence[str] | None = None) -> list[str]:
    """Text from the registered envs, for training a tokenizer.

    For each env id (default: every registered env, in sorted order): the class's
    ``system_prompt``, the first observation after ``reset`` over a few seeds on every split, and
    the observations and actions of short random walks over admissible actions. An env that
    cannot be built or stepped is skipped (a broken plugin must not break the build), except the
    built-in household envs: their failure is a bug and raises, and at least one must be listed,
    since household text is what the tokenizer must be compact on.

    Args:
        seed: seeds the choice of reset seeds and of walk actions.
        env_ids: the envs to draw from; default all registered ones, but at most
            ``_PER_ENTRY_POINT`` per env class (the 127 MiniWoB++ ids share one class, the 17
            BFCL ids two) and none that drives a browser (``TextEnv.uses_browser``: seconds per
            episode, and their page text is the shop's and the web's own words again).

    Returns:
        The texts, in a deterministic order.
    """
    import agentgym

    ids = sorted(env_ids) if env_ids is not None else _default_env_ids()
    texts: list[str] = list(_GENERIC_TEXT)
    used: list[str] = []
    for env_id in ids:
        rng = random.Random(f"{seed}|{env_id}")  # per env, so adding an env leaves the others' text alone
        required = env_id.startswith(_HOUSEHOLD_PREFIX)
        try:
            env = agentgym.make(env_id)
        except Exception:
            if required:
                raise
            continue
        env_texts: list[str] = [type(env).system_prompt]
        try:
            for i, options in enumerate(_task_options(env, _RESET_SEEDS)):
                observation, _ = env.reset(seed=rng.randrange(1 << 30), options=options or None)
                env_texts.append(observation)
                if i % _RESET_SEEDS < _WALKS_PER_SPLIT:
                    env_texts += _walk_text(env, rng.randrange(1 << 30), options, rng, _WALK_LENGTH)
        except Exception:
            if required:
                raise
            continue  # a half-collected env is dropped whole, so the corpus stays predictable
        finally:
            try:
                env.close()
            except Exception:
                pass
        texts += env_texts
        used.append(env_id)
    if not any(env_id.startswith(_HOUSEHOLD_PREFIX) for env_id in used):
        raise RuntimeError(f"no household env contributed text to the tokenizer corpus (envs tried: {ids})")
    return texts


def build_tokenizer(texts: Iterable[str], vocab_size: int) -> Any:
    """A byte-level BPE ``PreTrainedTokenizerFast`` trained on ``texts``, with ChatML set up.

    Byte-level, so every string (any unicode) encodes and decodes back exactly; BPE-trained on
    ``texts``, so the text it was trained on takes few tokens.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    # No prefix space: ChatML puts text right after special tokens and newlines, and an added
    # space would make the text decode differently from what was encoded.
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        # Env text is small and repetitive: with 1, every env word ends up a single token.
        min_frequency=1,
        special_tokens=list(SPECIAL_TOKENS),
        # Every byte is in the vocab, so nothing is ever unknown.
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(list(texts), trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token="<|endoftext|>",
        eos_token="<|im_end|>",
        pad_token="<|im_end|>",
        unk_token=None,
        additional_special_tokens=["<|im_start|>"],
        clean_up_tokenization_spaces=False,
        model_max_length=2048,
        # Decoders take no token_type_ids; transformers 4 would return them (and generate()
        # would reject them) unless the inputs are named.
        model_input_names=["input_ids", "attention_mask"],
    )
    tokenizer.chat_template = CHATML_TEMPLATE
    return tokenizer


def build_tiny_model(out_dir: str | os.PathLike[str], *, size: str = "tiny", seed: int = 0, arch: str = "llama", env_ids: Sequence[str] | None = None) -> Path:
    """Build a tiny random chat model and its tokenizer into ``out_dir``; return the path.

    Args:
        out_dir: the directory to write (created if missing; existing files are overwritten).
        size: a key of :data:`TINY_SIZES`.
        seed: seeds the tokenizer corpus and the weights; the same seed gives the same files.
        arch: ``llama`` (``LlamaForCausalLM``) or ``qwen2`` (``Qwen2ForCausalLM``).
        env_ids: the envs whose text trains the tokenizer; default every registered env.

    Returns:
        ``out_dir`` as a :class:`Path`, loadable with ``AutoModelForCausalLM.from_pretrained``
        and ``AutoTokenizer.from_pretrained``.
    """
    if size not in TINY_SIZES:
        raise ValueError(f"unknown size {size!r}; choose one of {sorted(TINY_SIZES)}")
    if arch not in ARCHS:
        raise ValueError(f"unknown arch {arch!r}; choose one of {list(ARCHS)}")
    import torch
    from transformers import AutoModelForCausalLM, GenerationConfig, LlamaConfig, Qwen2Config

    shape = dict(TINY_SIZES[size])
    # The tokenizer does not depend on the size, so tiny and small models share token ids.
    tokenizer = build_tokenizer(env_corpus(seed, env_ids), VOCAB_CAP)
    ids = {
        "vocab_size": len(tokenizer),
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
    }
    config_class = LlamaConfig if arch == "llama" else Qwen2Config
    # rope_theta spelled out: transformers 5 saves it under rope_parameters, which transformers
    # 4 ignores and falls back to its default; with 10000 (both defaults) the two load alike.
    config = config_class(**shape, **ids, max_position_embeddings=2048, tie_word_embeddings=True, rope_theta=10000.0)

    # Weights depend on the seed alone, without disturbing the caller's global RNG state.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.generation_config = GenerationConfig(
        bos_token_id=ids["bos_token_id"], eos_token_id=ids["eos_token_id"], pad_token_id=ids["pad_token_id"], do_sample=False
    )

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with _quiet_progress_bars():
        model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    _make_tokenizer_config_portable(out / "tokenizer_config.json")
    return out


class _quiet_progress_bars:
    """Turn transformers' progress bars off for a block (a per-save bar is noise in test logs)."""

    def __enter__(self) -> None:
        from transformers.utils import logging as hf_logging

        self._was_enabled = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()

    def __exit__(self, *exc: Any) -> None:
        from transformers.utils import logging as hf_logging

        if self._was_enabled:
            hf_logging.enable_progress_bar()


def _make_tokenizer_config_portable(path: Path) -> None:
    """Rewrite the two keys transformers 5 writes that transformers 4 cannot read.

    transformers 5 names the class ``TokenizersBackend`` and lists extra special tokens under
    ``extra_special_tokens``; transformers 4 (which vLLM may pin) knows neither. Both versions
    read the older spelling, ``PreTrainedTokenizerFast`` and ``additional_special_tokens``.
    """
    config = json.loads(path.read_text(encoding="utf-8"))
    config["tokenizer_class"] = "PreTrainedTokenizerFast"
    if isinstance(config.get("extra_special_tokens"), list):
        config["additional_special_tokens"] = config.pop("extra_special_tokens")
    path.write_text(json.dumps(config, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
