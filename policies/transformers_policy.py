"""The embedded transformers backend: batched sampling with a KV cache, trainable, CPU or GPU.

``generate`` samples from the exact token context the engine sends (``request.prompt_ids``)
and returns the sampled ids with their behaviour log-probabilities and the entropy of each
step's sampling distribution. Both are taken under the temperature-scaled distribution the
token was drawn from (``softmax(logits / T)``), which is what the trainer recomputes with
:func:`token_logprobs`; ``top_p`` truncation, when used, is not reflected in the logprobs.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import torch
from transformers.cache_utils import Cache, DynamicCache, DynamicLayer

from agentgym.policies.attention import use_grouped_sdpa
from agentgym.policies.chat_tokenizer import HFChatTokenizer
from agentgym.policy import Completion, GenerationRequest, SamplingParams

__all__ = ["TransformersPolicy", "LoraSettings", "token_logprobs", "pad_batch"]


@dataclass
class LoraSettings:
    """LoRA adapters through peft.

    Attributes:
        rank: r, the adapters' rank.
        alpha: the scaling numerator (scale = alpha / rank).
        dropout: dropout on the adapter input.
        target_modules: module names that get adapters.
    """

    rank: int = 16
    alpha: int = 32
    dropout: float = 0.0
    target_modules: list[str] = field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    top_layers: int = 0
    """Adapt only the top k decoder layers (0: all). Backpropagation then stops at the lowest
    adapted layer, which cuts the backward pass's cost roughly in proportion."""


class TransformersPolicy:
    """A causal LM from transformers, as a policy the rollout engine and the trainer share.

    Args:
        model: a model spec (``smollm2-135m``, a local directory, a hub name) or a loaded model.
        tokenizer: the tokenizer (loaded from the spec when ``model`` is a spec).
        device: ``cpu``, ``cuda``, ... (``auto`` picks CUDA when available).
        dtype: weights' dtype when loading from a spec.
        lora: wrap the model with LoRA adapters (only they train).
        max_batch_size: the most sequences sampled in one forward pass.
        seed: seeds sampling; :meth:`reseed` sets it per iteration for exact resume.
        prefix_cache_size: sequences whose keys and values are kept for the next turn (0: off).
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any = None,
        *,
        device: str = "cpu",
        dtype: str = "float32",
        lora: LoraSettings | None = None,
        max_batch_size: int = 32,
        seed: int = 0,
        prefix_cache_size: int = 128,
    ):
        from agentgym.policies.models import load_model, load_tokenizer

        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(device)
        if isinstance(model, str):
            self.name = model
            adapter = Path(model).expanduser() / "adapter_config.json"
            if adapter.exists():  # a saved LoRA adapter: load its base model, then the adapter
                from peft import PeftModel

                base = json.loads(adapter.read_text())["base_model_name_or_path"]
                tokenizer = tokenizer or load_tokenizer(model if (adapter.parent / "tokenizer_config.json").exists() else base)
                model = PeftModel.from_pretrained(load_model(base, dtype=dtype, device=device), str(adapter.parent))
            else:
                tokenizer = tokenizer or load_tokenizer(model)
                model = load_model(model, dtype=dtype, device=device)
        else:
            self.name = getattr(getattr(model, "config", None), "_name_or_path", None) or type(model).__name__
            model = model.to(self.device)
        if tokenizer is None:
            raise ValueError("pass the tokenizer along with a loaded model")
        use_grouped_sdpa(model)  # no copy of the cache per layer and token for grouped KV heads
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        if lora is not None:
            from peft import LoraConfig, get_peft_model

            available = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
            targets = [m for m in lora.target_modules if m in available]
            if not targets:
                raise ValueError(f"none of the LoRA target modules {lora.target_modules} exist in {self.name}")
            layers = None
            if lora.top_layers:
                total = model.config.num_hidden_layers
                layers = list(range(max(0, total - lora.top_layers), total))
            model = get_peft_model(
                model,
                LoraConfig(
                    r=lora.rank,
                    lora_alpha=lora.alpha,
                    lora_dropout=lora.dropout,
                    target_modules=targets,
                    layers_to_transform=layers,
                    task_type="CAUSAL_LM",
                ),
            )
        self.model = model
        self.tokenizer = tokenizer
        self.chat_tokenizer = HFChatTokenizer(tokenizer)
        self.lora = lora
        self.max_batch_size = max_batch_size
        self.generator = torch.Generator(device="cpu")
        self.generator.manual_seed(seed)
        self.stop_ids = {self.chat_tokenizer.end_of_turn_id, tokenizer.eos_token_id} - {None}
        self._prefix_cache = PrefixCache(capacity=prefix_cache_size)

    # ------------------------------------------------------------------ the Policy protocol
    def reseed(self, seed: int) -> None:
        """Reset the sampling RNG (the trainer does this per iteration, so resume is exact)."""
        self.generator.manual_seed(seed)

    def weights_changed(self) -> None:
        """Drop cached keys and values: they belong to the weights that computed them. The
        trainer calls this after every update."""
        self._prefix_cache.clear()

    @property
    def prefix_cache_size(self) -> int:
        """How many sequences' keys and values are kept for the next turn (0: off)."""
        return self._prefix_cache.capacity

    @prefix_cache_size.setter
    def prefix_cache_size(self, size: int) -> None:
        if size < 0:
            raise ValueError(f"prefix_cache_size must be >= 0, got {size}")
        self._prefix_cache.capacity = size
        self._prefix_cache.clear()

    @torch.no_grad()
    def generate(self, requests: Sequence[GenerationRequest], sampling: SamplingParams) -> list[Completion]:
        """Sample one action per request from its ``prompt_ids`` (or its rendered messages)."""
        if sampling.stop:
            raise NotImplementedError("stop strings are not supported by the transformers backend; the end-of-turn token ends an action")
        prompts = [
            list(r.prompt_ids) if r.prompt_ids is not None else self.chat_tokenizer.encode_prompt(r.messages) for r in requests
        ]
        order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))  # similar lengths share a batch
        out: list[Completion | None] = [None] * len(prompts)
        was_training = self.model.training
        self.model.eval()
        try:
            for start in range(0, len(order), self.max_batch_size):
                chunk = order[start : start + self.max_batch_size]
                for i, completion in zip(chunk, self._sample([prompts[i] for i in chunk], sampling)):
                    out[i] = completion
        finally:
            self.model.train(was_training)
        return out  # type: ignore[return-value]

    @torch.no_grad()
    def score(self, requests: Sequence[GenerationRequest], continuations: Sequence[Sequence[int]]) -> list[list[float]]:
        """Teacher-forced log-probabilities (temperature 1) of each continuation's token ids."""
        prompts = [list(r.prompt_ids) if r.prompt_ids is not None else self.chat_tokenizer.encode_prompt(r.messages) for r in requests]
        seqs = [p + list(c) for p, c in zip(prompts, continuations)]
        masks = [[0] * len(p) + [1] * len(c) for p, c in zip(prompts, continuations)]
        input_ids, attention, loss_mask = pad_batch(seqs, masks, self.tokenizer.pad_token_id, self.device)
        logprobs, _ = token_logprobs(self.model, input_ids, attention)
        result = []
        for row, m in zip(logprobs, loss_mask):
            result.append(row[m.bool()].tolist())
        return result

    # ------------------------------------------------------------------ sampling
    def _sample(self, prompts: list[list[int]], sampling: SamplingParams) -> list[Completion]:
        pad = self.tokenizer.pad_token_id
        b = len(prompts)
        # Rows with the same prompt (a group's G attempts at a task, on their first turn) run
        # the prompt once; their keys and values are copied to every such row afterwards.
        first_row: dict[tuple[int, ...], int] = {}
        unique: list[list[int]] = []
        inverse: list[int] = []  # row -> its prompt's index in unique
        for p in prompts:
            key = tuple(p)
            if key not in first_row:
                first_row[key] = len(unique)
                unique.append(p)
            inverse.append(first_row[key])
        u = len(unique)
        # Reuse the keys and values of a prefix this policy has already run (the episode's
        # previous turn): in a multi-turn episode each prompt extends the last one, and
        # recomputing it would cost more than the whole rest of the turn.
        reused = [self._prefix_cache.lookup(p) for p in unique]
        prefix_lens = [0 if r is None else r[0] for r in reused]
        suffixes = [p[n:] for p, n in zip(unique, prefix_lens)]
        pmax, smax = max(prefix_lens), max(len(x) for x in suffixes)
        # Row layout: [padding | cached prefix | padding | new suffix]; masks hide the padding
        # and explicit positions keep every token where it was.
        attention = torch.zeros((u, pmax + smax), dtype=torch.long)
        input_ids = torch.full((u, smax), pad, dtype=torch.long)
        positions = torch.zeros((u, smax), dtype=torch.long)
        for i, (n, suffix) in enumerate(zip(prefix_lens, suffixes)):
            attention[i, pmax - n : pmax] = 1
            attention[i, pmax + smax - len(suffix) :] = 1
            input_ids[i, smax - len(suffix) :] = torch.tensor(suffix, dtype=torch.long)
            positions[i, smax - len(suffix) :] = torch.arange(n, n + len(suffix))
        input_ids, attention, positions = input_ids.to(self.device), attention.to(self.device), positions.to(self.device)
        capacity = pmax + smax + sampling.max_new_tokens
        cache = self._prefix_cache.batch(reused, pmax, capacity, self.model.config, self.device)
        tokens: list[list[int]] = [[] for _ in range(b)]
        logprobs: list[list[float]] = [[] for _ in range(b)]
        entropies: list[list[float]] = [[] for _ in range(b)]
        step_ids, step_pos = input_ids, positions
        finished = [False] * b
        temperature = sampling.temperature
        for step in range(sampling.max_new_tokens):
            out = self.model(
                input_ids=step_ids,
                attention_mask=attention,
                position_ids=step_pos,
                past_key_values=cache,
                use_cache=True,
                logits_to_keep=1,  # only the next token's logits, not the whole prompt's
            )
            cache = out.past_key_values
            logits = out.logits[:, -1, :].float()
            if step == 0 and u < b:  # every row from here on, duplicates included
                rows = torch.tensor(inverse, device=self.device)
                cache.select_rows(rows)
                logits, attention, step_pos = logits[rows], attention[rows], step_pos[rows]
            scaled = logits / temperature if temperature > 0 else logits
            logp = torch.log_softmax(scaled, dim=-1)
            probs = logp.exp()
            if temperature > 0:
                next_ids = _sample_rows(_top_p(probs, sampling.top_p) if sampling.top_p < 1.0 else probs, self.generator)
            else:
                next_ids = logits.argmax(-1)
            chosen = logp.gather(-1, next_ids[:, None]).squeeze(-1).tolist()
            entropy = (-(probs * logp).sum(-1)).tolist()
            for i, t in enumerate(next_ids.tolist()):
                if finished[i]:
                    continue
                tokens[i].append(t)
                logprobs[i].append(chosen[i])
                entropies[i].append(entropy[i])
                if t in self.stop_ids:
                    finished[i] = True
            if all(finished):
                break
            step_ids = next_ids[:, None]
            step_pos = step_pos[:, -1:] + 1
            attention = torch.cat([attention, torch.ones((b, 1), dtype=attention.dtype, device=self.device)], dim=-1)
        # Remember each row's keys and values for the tokens it fed: the prompt and every
        # sampled token but the last (rows that finished early fed filler after it).
        # The entries this call extended are superseded by the ones it stores: dropping them
        # keeps the cache at about one entry per live episode, so a batch split over several
        # calls does not evict the prefixes its later calls need.
        self._prefix_cache.discard(r for r in reused if r is not None)
        for i, p in enumerate(prompts):
            self._prefix_cache.store(p + tokens[i][:-1], cache, i, attention[i])
        return [
            Completion(
                text=self.tokenizer.decode([t for t in ids if t not in self.stop_ids], skip_special_tokens=False),
                token_ids=ids,
                logprobs=lps,
                entropies=ents,
                finish_reason="stop" if done else "length",
            )
            for ids, lps, ents, done in zip(tokens, logprobs, entropies, finished)
        ]


class InPlaceLayer(DynamicLayer):
    """One layer's keys and values in buffers with room to grow: appending a token writes in
    place, where transformers' ``DynamicLayer`` concatenates and so copies the whole cache at
    every sampled token (over half of the sampling time at a context of 800 tokens on a CPU).
    ``keys``/``values`` are views of the filled part."""

    def __init__(self, capacity: int, keys: torch.Tensor | None = None, values: torch.Tensor | None = None, length: int = 0):
        super().__init__()
        self.capacity = capacity
        self.length = length
        self._k, self._v = keys, values
        if keys is not None:
            self._set_views()

    def _set_views(self) -> None:
        self.dtype, self.device = self._k.dtype, self._k.device
        self.is_initialized = True
        self.keys, self.values = self._k[:, :, : self.length], self._v[:, :, : self.length]

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any) -> tuple[torch.Tensor, torch.Tensor]:
        end = self.length + key_states.shape[-2]
        if self._k is None or end > self._k.shape[-2]:  # first use, or full: (re)allocate
            width = max(end, self.capacity)
            k = key_states.new_zeros((*key_states.shape[:2], width, key_states.shape[-1]))
            v = value_states.new_zeros((*value_states.shape[:2], width, value_states.shape[-1]))
            if self._k is not None:
                k[:, :, : self.length] = self._k[:, :, : self.length]
                v[:, :, : self.length] = self._v[:, :, : self.length]
            self._k, self._v = k, v
        self._k[:, :, self.length : end] = key_states
        self._v[:, :, self.length : end] = value_states
        self.length = end
        self._set_views()
        return self.keys, self.values

    def get_seq_length(self) -> int:
        return self.length

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        if self._k is not None:
            self._k, self._v = self._k[indices], self._v[indices]
            self._set_views()


class InPlaceCache(DynamicCache):
    """A cache of :class:`InPlaceLayer`s, one per decoder layer."""

    def __init__(self, layers: list[InPlaceLayer]):
        Cache.__init__(self, layers=layers)

    def select_rows(self, rows: torch.Tensor) -> None:
        """Keep (or repeat) the batch rows ``rows``, in that order."""
        for layer in self.layers:
            layer.batch_select_indices(rows)


class PrefixCache:
    """Keys and values of recently run token sequences, to resume from when a later prompt
    extends one of them (least recently used first out)."""

    def __init__(self, capacity: int = 64):
        self.capacity = capacity
        self._entries: "OrderedDict[tuple[int, ...], list[tuple[torch.Tensor, torch.Tensor]]]" = OrderedDict()

    def clear(self) -> None:
        """Forget everything."""
        self._entries.clear()

    def lookup(self, prompt: Sequence[int]) -> tuple[int, list[tuple[torch.Tensor, torch.Tensor]]] | None:
        """The longest stored sequence that is a proper prefix of ``prompt``: ``(length, layers)``."""
        best = None
        for key in self._entries:
            n = len(key)
            if n < len(prompt) and (best is None or n > len(best)) and tuple(prompt[:n]) == key:
                best = key
        if best is None:
            return None
        self._entries.move_to_end(best)
        return len(best), self._entries[best]

    def discard(self, found: Iterable[tuple[int, list]]) -> None:
        """Forget entries :meth:`lookup` returned (those still stored)."""
        gone = {id(layers) for _, layers in found}
        for key in [k for k, layers in self._entries.items() if id(layers) in gone]:
            del self._entries[key]

    def batch(self, reused: list, width: int, capacity: int, config: Any, device: torch.device) -> "InPlaceCache":
        """A batched cache with room for ``capacity`` positions, holding each row's prefix
        right-aligned in the first ``width`` (zeros before)."""
        template = next((r for r in reused if r is not None), None)
        if template is None:
            layers = config.get_text_config(decoder=True).num_hidden_layers
            return InPlaceCache([InPlaceLayer(capacity) for _ in range(layers)])
        layers = []
        for layer, (k0, v0) in enumerate(template[1]):
            k = k0.new_zeros((len(reused), k0.shape[1], capacity, k0.shape[3]), device=device)
            v = v0.new_zeros((len(reused), v0.shape[1], capacity, v0.shape[3]), device=device)
            for i, r in enumerate(reused):
                if r is not None:
                    n, kv = r
                    k[i, :, width - n : width] = kv[layer][0][0]
                    v[i, :, width - n : width] = kv[layer][1][0]
            layers.append(InPlaceLayer(capacity, k, v, width))
        return InPlaceCache(layers)

    def store(self, sequence: list[int], cache: Any, row: int, attention_row: torch.Tensor) -> None:
        """Keep row ``row``'s keys and values for ``sequence`` (its first ``len(sequence)``
        unmasked positions)."""
        if self.capacity <= 0 or not sequence:
            return
        keep = attention_row.bool().nonzero().squeeze(-1)[: len(sequence)]
        layers = [(layer.keys[row : row + 1, :, keep].clone(), layer.values[row : row + 1, :, keep].clone()) for layer in cache.layers]
        self._entries[tuple(sequence)] = layers
        self._entries.move_to_end(tuple(sequence))
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)


def _sample_rows(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One token id per row, drawn from each row's distribution by inverting its CDF with one
    uniform number per row (``torch.multinomial`` draws a random number per vocabulary entry,
    ~30 ms per step for 32 rows of a 49k vocabulary on a CPU)."""
    cdf = probs.cumsum(-1)
    u = torch.rand((probs.shape[0], 1), generator=generator).to(probs.device, cdf.dtype) * cdf[:, -1:]
    ids = torch.searchsorted(cdf, u, right=True).squeeze(-1)
    return ids.clamp_(max=probs.shape[-1] - 1)


def _top_p(probs: torch.Tensor, top_p: float) -> torch.Tensor:
    sorted_probs, idx = probs.sort(dim=-1, descending=True)
    keep = sorted_probs.cumsum(-1) - sorted_probs < top_p
    filtered = torch.zeros_like(probs).scatter(-1, idx, sorted_probs * keep)
    return filtered / filtered.sum(-1, keepdim=True)


def pad_batch(
    seqs: Sequence[Sequence[int]], masks: Sequence[Sequence[int]], pad_id: int, device: torch.device | str
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Right-pad token sequences: ``(input_ids_BT, attention_BT, loss_mask_BT)``."""
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(seqs), width), dtype=torch.long)
    loss_mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, (s, m) in enumerate(zip(seqs, masks)):
        ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
        attention[i, : len(s)] = 1
        loss_mask[i, : len(m)] = torch.tensor(m, dtype=torch.long)
    return ids.to(device), attention.to(device), loss_mask.to(device)


def token_logprobs(
    model: Any,
    input_ids_BT: torch.Tensor,
    attention_BT: torch.Tensor,
    temperature: float = 1.0,
    only_BT: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Log-probability and entropy of each token given the ones before it.

    Returns ``(logprobs_BT, entropy_BT)``, aligned with ``input_ids_BT``: position t holds
    ``log p(x_t | x_<t)`` (position 0, which has no context, holds 0). With ``only_BT`` (a 0/1
    mask, e.g. the loss mask) the vocabulary projection runs only at those positions and the
    rest hold 0: policy tokens are a small fraction of a multi-turn sequence, and the
    projection onto a large vocabulary is most of the cost.
    """
    if only_BT is None:
        logits = model(input_ids=input_ids_BT, attention_mask=attention_BT).logits[:, :-1, :].float()
        logp_all = torch.log_softmax(logits / temperature if temperature > 0 and temperature != 1.0 else logits, dim=-1)
        chosen = logp_all.gather(-1, input_ids_BT[:, 1:, None]).squeeze(-1)
        entropy = -(logp_all.exp() * logp_all).sum(-1)
        zeros = torch.zeros_like(chosen[:, :1])
        return torch.cat([zeros, chosen], dim=1), torch.cat([zeros, entropy], dim=1)
    lm = model.get_base_model() if hasattr(model, "get_base_model") else model
    hidden = lm.get_decoder()(input_ids=input_ids_BT, attention_mask=attention_BT).last_hidden_state
    where = only_BT[:, 1:].bool()  # token t is predicted from the hidden state at t - 1
    logits = lm.get_output_embeddings()(hidden[:, :-1][where]).float()
    if temperature > 0 and temperature != 1.0:
        logits = logits / temperature
    logp_all = torch.log_softmax(logits, dim=-1)
    chosen = logp_all.gather(-1, input_ids_BT[:, 1:][where][:, None]).squeeze(-1)
    entropy = -(logp_all.exp() * logp_all).sum(-1)
    logprobs_BT = torch.zeros(input_ids_BT.shape, dtype=chosen.dtype, device=chosen.device)
    entropy_BT = torch.zeros(input_ids_BT.shape, dtype=chosen.dtype, device=chosen.device)
    shifted = torch.zeros_like(only_BT, dtype=torch.bool)
    shifted[:, 1:] = where
    logprobs_BT = logprobs_BT.masked_scatter(shifted, chosen)
    entropy_BT = entropy_BT.masked_scatter(shifted, entropy.detach())
    return logprobs_BT, entropy_BT
