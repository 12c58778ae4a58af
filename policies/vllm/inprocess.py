"""A policy running vLLM's ``LLM`` engine inside this process (when ``vllm`` is importable here).

The engine runs in-process (``distributed_executor_backend="uni"`` and
``VLLM_ENABLE_V1_MULTIPROCESSING=0``), so the trainer can hand it tensors directly:
:meth:`VLLMInProcessPolicy.reload_weights_from_state_dict` passes an iterator of
``(name, tensor)`` to the worker's ``reload_weights`` with no file or HTTP in between.

vLLM is not installed in agentgym's main environment (it pins its own torch/transformers);
this policy is for code running under the vLLM venv (``bash scripts/vllm_env.sh``), which has
agentgym installed too. Token-in/token-out, logprob and entropy semantics match
:class:`~agentgym.policies.vllm.policy.VLLMServerPolicy`.

Scripts that build this policy must guard their entry point with
``if __name__ == "__main__":``: vLLM may start helper processes by spawn.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from agentgym.policies.vllm.common import (
    CheckpointMismatchError,
    check_checkpoint_complete,
    compare_tensor_index,
    model_chat_setup,
    safetensors_index,
    tied_embeddings,
    topk_entropy,
    whole_gib,
)
from agentgym.policies.vllm.worker_ext import reload_and_retie
from agentgym.policy import Completion, GenerationRequest, SamplingParams

__all__ = ["VLLMInProcessPolicy", "vllm_available"]


def vllm_available() -> bool:
    """True if ``vllm`` can be imported in this interpreter."""
    import importlib.util

    return importlib.util.find_spec("vllm") is not None


class VLLMInProcessPolicy:
    """vLLM's offline ``LLM`` engine as a policy, in this process.

    Args:
        model: a model spec (``smollm2-135m`` or a model directory in safetensors).
        tokenizer: a tokenizer, to skip loading one.
        max_model_len: the longest sequence served.
        enable_lora: accept LoRA adapters (:meth:`load_lora`).
        max_lora_rank: the largest adapter rank accepted.
        dtype: the weights' dtype in vLLM.
        logprobs_mode: ``processed_logprobs`` (behaviour logprobs, after temperature/top-p) or
            ``raw_logprobs``.
        max_logprobs: the most top logprobs a request may ask for.
        top_logprobs: k for the top-k entropy estimate (0 turns entropies off).
        kv_cache_gib: ``VLLM_CPU_KVCACHE_SPACE`` for the CPU build (whole GiB, as vLLM reads it; set only if unset).
            On CPU, the model is not compiled (``compilation_config={"mode": 0}``; pass
            ``llm_kwargs`` to override) and ``OMP_WAIT_POLICY`` defaults to ``PASSIVE``.
        seed: the engine's seed.
        llm_kwargs: more arguments for ``vllm.LLM``.
        name: the policy's name.
    """

    def __init__(
        self,
        model: str | os.PathLike,
        *,
        tokenizer: Any = None,
        max_model_len: int = 4096,
        enable_lora: bool = True,
        max_lora_rank: int = 16,
        dtype: str = "auto",
        logprobs_mode: str = "processed_logprobs",
        max_logprobs: int = 20,
        top_logprobs: int = 20,
        kv_cache_gib: int = 1,
        seed: int = 0,
        llm_kwargs: dict[str, Any] | None = None,
        name: str | None = None,
    ):
        if not vllm_available():
            raise ModuleNotFoundError(
                "vllm is not importable in this interpreter; run this under the vLLM venv "
                "(bash scripts/vllm_env.sh, then .venv-vllm/bin/python) or use VLLMServerPolicy"
            )
        # Before torch loads (transformers or vllm import it): the engine runs in this process,
        # and OpenMP threads that spin while waiting collapse throughput when the cores are
        # shared (measured here: 5 vs 115 tokens/s on 2 busy cores). Ineffective if torch was
        # imported before this policy; set OMP_WAIT_POLICY=PASSIVE in the environment then.
        os.environ["VLLM_ENABLE_V1_MULTIPROCESSING"] = "0"
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", str(whole_gib(kv_cache_gib)))
        os.environ.setdefault("VLLM_NO_USAGE_STATS", "1")
        from vllm import LLM
        from vllm.platforms import current_platform

        self.model_dir, self.tokenizer, self.chat_tokenizer, self.stop_token_ids = model_chat_setup(model, tokenizer)
        self.name = name or f"vllm-inprocess:{model}"
        self.top_logprobs = top_logprobs
        self.max_model_len = max_model_len
        self.max_lora_rank = max_lora_rank
        self.enable_lora = enable_lora
        kwargs: dict[str, Any] = dict(
            model=str(self.model_dir),
            max_model_len=max_model_len,
            dtype=dtype,
            seed=seed,
            distributed_executor_backend="uni",
            logprobs_mode=logprobs_mode,
            max_logprobs=max_logprobs,
        )
        if enable_lora:
            kwargs.update(enable_lora=True, max_lora_rank=max_lora_rank)
        if current_platform.is_cpu():
            # torch.compile of the model takes ~1 min on CPU for no gain at this scale.
            kwargs["compilation_config"] = {"mode": 0}
        kwargs.update(llm_kwargs or {})
        started = time.perf_counter()
        self.llm = LLM(**kwargs)
        self.startup_seconds = time.perf_counter() - started
        self._lora: Any = None  # the active LoRARequest
        self._adapters: dict[str, tuple[Any, float]] = {}
        self._next_lora_id = 1
        self._calls = 0
        self._reference_index: dict[str, tuple[tuple[int, ...], str]] | None = None
        self.last_sync_seconds: float | None = None

    # ------------------------------------------------------------------ the Policy protocol
    def _prompt(self, request: GenerationRequest) -> list[int]:
        if request.prompt_ids is not None:
            return list(request.prompt_ids)
        return self.chat_tokenizer.encode_prompt(request.messages)

    def generate(self, requests: Sequence[GenerationRequest], sampling: SamplingParams) -> list[Completion]:
        """One completion per request from its exact ``prompt_ids``, in one engine call
        (``max_new_tokens`` cut to what fits in ``max_model_len``)."""
        from vllm import SamplingParams as VSamplingParams
        from vllm.inputs import TokensPrompt

        if not requests:
            return []
        prompts = [self._prompt(r) for r in requests]
        call = self._calls
        self._calls += 1
        budgets = [min(sampling.max_new_tokens, self.max_model_len - len(p)) for p in prompts]
        if min(budgets) < 1:
            raise ValueError(f"a prompt leaves no room to generate within max_model_len={self.max_model_len}")
        params = [
            VSamplingParams(
                n=1,
                temperature=sampling.temperature,
                top_p=sampling.top_p,
                max_tokens=budgets[i],
                logprobs=max(self.top_logprobs, 0),
                stop=list(sampling.stop) or None,
                stop_token_ids=list(self.stop_token_ids),
                seed=None if sampling.seed is None else sampling.seed + 1_000_003 * call + i,
                skip_special_tokens=False,
            )
            for i in range(len(prompts))
        ]
        outputs = self.llm.generate(
            [TokensPrompt(prompt_token_ids=p) for p in prompts], params, use_tqdm=False, lora_request=self._lora
        )
        completions = []
        for out in outputs:
            o = out.outputs[0]
            ids = [int(t) for t in o.token_ids]
            steps = o.logprobs or []
            logprobs = [float(step[t].logprob) for t, step in zip(ids, steps)]
            entropies = [topk_entropy({k: v.logprob for k, v in step.items()}) for step in steps] if self.top_logprobs > 0 else None
            completions.append(
                Completion(
                    text=o.text,
                    token_ids=ids,
                    logprobs=logprobs,
                    entropies=entropies,
                    finish_reason="stop" if o.finish_reason == "stop" else "length",
                )
            )
        return completions

    def score(self, requests: Sequence[GenerationRequest], continuations: Sequence[Sequence[int]]) -> list[list[float]]:
        """Teacher-forced logprobs (temperature 1) of each continuation's ids after its prompt."""
        from vllm import SamplingParams as VSamplingParams
        from vllm.inputs import TokensPrompt

        prompts = [self._prompt(r) for r in requests]
        seqs = [p + [int(t) for t in c] for p, c in zip(prompts, continuations)]
        params = VSamplingParams(max_tokens=1, temperature=0.0, prompt_logprobs=0)
        prompts_in = [TokensPrompt(prompt_token_ids=s) for s in seqs]
        if self.enable_lora:
            # vLLM 0.32 crashes when several prompt_logprobs requests share a step with LoRA
            # enabled (vllm-project/vllm#16668, #29955): score them one at a time.
            outputs = [self.llm.generate([p], params, use_tqdm=False, lora_request=self._lora)[0] for p in prompts_in]
        else:
            outputs = self.llm.generate(prompts_in, params, use_tqdm=False, lora_request=self._lora)
        return [[float(out.prompt_logprobs[pos][seq[pos]].logprob) for pos in range(len(p), len(seq))] for p, seq, out in zip(prompts, seqs, outputs)]

    # ------------------------------------------------------------------ weight updates
    def load_lora(self, adapter_dir: str | os.PathLike, name: str | None = None) -> str:
        """Use a peft LoRA adapter directory for later calls (each version a new directory)."""
        from vllm.lora.request import LoRARequest

        if not self.enable_lora:
            raise RuntimeError("this policy was built with enable_lora=False")
        path = Path(adapter_dir).expanduser().resolve()
        config_path = path / "adapter_config.json"
        weights = path / "adapter_model.safetensors"
        if not config_path.exists() or not weights.exists():
            raise FileNotFoundError(f"{path} is not a LoRA adapter directory (needs adapter_config.json and adapter_model.safetensors)")
        mtime = weights.stat().st_mtime
        if str(path) in self._adapters:
            request, old_mtime = self._adapters[str(path)]
            if old_mtime != mtime:
                raise ValueError(f"{path} was rewritten after it was loaded; save each adapter version to a new directory")
            self._lora = request
            return request.lora_name
        rank = int(json.loads(config_path.read_text()).get("r", 0))
        if rank > self.max_lora_rank:
            raise ValueError(f"adapter rank {rank} exceeds max_lora_rank {self.max_lora_rank}")
        started = time.perf_counter()
        name = name or f"lora-{self._next_lora_id}"
        request = LoRARequest(name, self._next_lora_id, str(path))
        self._next_lora_id += 1
        self.llm.llm_engine.add_lora(request)
        self._adapters[str(path)] = (request, mtime)
        self._lora = request
        self.last_sync_seconds = time.perf_counter() - started
        return name

    def use_base_model(self) -> None:
        """Generate with the base weights again (no adapter)."""
        self._lora = None

    def reference_index(self) -> dict[str, tuple[tuple[int, ...], str]]:
        """The served model's tensors ``{name: (shape, dtype)}`` (from its directory's headers)."""
        if self._reference_index is None:
            self._reference_index = safetensors_index(self.model_dir)
        return self._reference_index

    def _optional(self) -> set[str]:
        return {"lm_head.weight"} if tied_embeddings(self.model_dir) else set()

    def reload_weights(self, weights_dir: str | os.PathLike) -> float:
        """Replace the weights with a full safetensors checkpoint (checked for completeness
        first); returns the seconds taken."""
        path = Path(weights_dir).expanduser().resolve()
        check_checkpoint_complete(path, self.reference_index(), optional=self._optional())
        started = time.perf_counter()
        # reload_and_retie: vLLM 0.32 leaves a tied lm_head stale after an in-place reload.
        self.llm.collective_rpc(reload_and_retie, kwargs={"weights_path": str(path)})
        self.llm.reset_prefix_cache()
        self.last_sync_seconds = time.perf_counter() - started
        return self.last_sync_seconds

    def reload_weights_from_state_dict(
        self, weights: Mapping[str, Any] | Iterable[tuple[str, Any]], *, check: bool = True
    ) -> float:
        """Replace the weights with tensors held in memory, passed straight to the worker.

        Args:
            weights: a state dict or an iterator of ``(name, tensor)`` in checkpoint naming
                (a plain HF model's ``state_dict()``; merge a peft model first).
            check: refuse (before loading anything) unless the names and shapes are exactly
                the model's; a partial update would silently leave a mixed model.
        """
        items = list(weights.items()) if isinstance(weights, Mapping) else list(weights)
        if check:
            got = {name: (tuple(t.shape), str(t.dtype)) for name, t in items}
            if len(got) != len(items):
                raise CheckpointMismatchError("the weights name some tensor more than once")
            compare_tensor_index(got, self.reference_index(), optional=self._optional(), what="the state dict")
        started = time.perf_counter()
        self.llm.collective_rpc(reload_and_retie, kwargs={"weights_iterator": iter(items)})
        self.llm.reset_prefix_cache()
        self.last_sync_seconds = time.perf_counter() - started
        return self.last_sync_seconds

    def close(self) -> None:
        """Shut the engine down."""
        llm, self.llm = getattr(self, "llm", None), None
        if llm is not None:
            engine = getattr(llm, "llm_engine", None)
            shutdown = getattr(engine, "shutdown", None) or getattr(getattr(engine, "engine_core", None), "shutdown", None)
            if callable(shutdown):
                shutdown()

    def __enter__(self) -> "VLLMInProcessPolicy":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
