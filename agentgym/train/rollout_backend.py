"""The rollout backend of a training run, and how new weights reach it.

The trainer always computes the loss with the transformers model it trains. Rollouts (and the
held-out evals) come from a backend chosen by ``rollout.backend``:

- ``transformers``: the trained model itself; a sync only drops its cached keys and values.
- ``vllm-server``: a vLLM server on 127.0.0.1 in its own venv. With LoRA, each sync saves the
  adapter to a new directory under ``out_dir/sync`` and hot-loads it
  (``/v1/load_lora_adapter``); without LoRA, it saves the full weights there and reloads them
  in place (``/collective_rpc reload_weights``, prefix cache reset).
- ``vllm-inprocess``: vLLM's engine in this process, synced the same two ways.

A new directory per version matters: vLLM keys its caches by adapter name and path, so
rewriting one directory would serve stale weights. Old versions beyond ``keep_versions`` are
deleted.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from agentgym.train.config import ROLLOUT_BACKENDS, RunConfig

__all__ = ["RolloutBackend", "build_rollout_backend"]


class RolloutBackend:
    """The rollout policy of a run plus the weight sync from the trained model.

    Args:
        policy: what the rollout engine and the evals generate with.
        trained: the trained :class:`~agentgym.policies.TransformersPolicy`.
        sync_dir: where weight versions are written (vLLM backends).
        lora: whether the trained model carries LoRA adapters (then only they are synced).
        keep_versions: versions kept on disk.
        owns_policy: close ``policy`` with the backend.
    """

    def __init__(
        self,
        policy: Any,
        trained: Any,
        *,
        sync_dir: Path | None = None,
        lora: bool = False,
        keep_versions: int = 2,
        owns_policy: bool = False,
    ):
        self.policy = policy
        self.trained = trained
        self.sync_dir = sync_dir
        self.lora = lora
        self.keep_versions = max(1, keep_versions)
        self.owns_policy = owns_policy
        self.version = 0
        self.last_sync_seconds = 0.0

    @property
    def is_trained_model(self) -> bool:
        """True when rollouts come from the trained model itself (no copy to sync)."""
        return self.policy is self.trained

    def sync(self) -> float:
        """Make the rollout policy generate with the trained model's current weights; returns
        the seconds the backend took to take them in (saving excluded)."""
        if self.is_trained_model:
            self.trained.weights_changed()
            self.last_sync_seconds = 0.0
            return 0.0
        assert self.sync_dir is not None
        self.version += 1
        target = self.sync_dir / f"v{self.version:06d}"
        if target.exists():  # left by a run that was killed: never reuse a directory vLLM may have cached
            shutil.rmtree(target)
        if self.lora:
            self.trained.model.save_pretrained(target)
            self.policy.load_lora(target)
        else:
            self.trained.model.save_pretrained(target, safe_serialization=True)
            self.policy.reload_weights(target)
        self.last_sync_seconds = float(getattr(self.policy, "last_sync_seconds", 0.0) or 0.0)
        self._prune()
        return self.last_sync_seconds

    def _prune(self) -> None:
        versions = sorted(p for p in self.sync_dir.iterdir() if p.is_dir() and p.name.startswith("v"))
        for old in versions[: -self.keep_versions]:
            shutil.rmtree(old, ignore_errors=True)

    def close(self) -> None:
        """Stop the backend (a server this run started, an in-process engine)."""
        if self.owns_policy and not self.is_trained_model:
            close = getattr(self.policy, "close", None)
            if callable(close):
                close()


def build_rollout_backend(config: RunConfig, trained: Any, run_dir: Path) -> RolloutBackend:
    """The backend ``config.rollout`` names, serving ``config.model.name`` (the trained model's
    base), with LoRA enabled when the run trains adapters."""
    r = config.rollout
    if r.backend not in ROLLOUT_BACKENDS:
        raise ValueError(f"rollout.backend must be one of {list(ROLLOUT_BACKENDS)}, got {r.backend!r}")
    if r.backend == "transformers":
        return RolloutBackend(trained, trained)
    lora = config.model.lora
    sync_dir = Path(run_dir) / "sync"
    sync_dir.mkdir(parents=True, exist_ok=True)
    if r.backend == "vllm-server":
        from agentgym.policies.vllm import VLLMServer, VLLMServerPolicy

        if r.vllm_base_url:
            policy = VLLMServerPolicy(config.model.name, base_url=r.vllm_base_url, tokenizer=trained.tokenizer)
        else:
            server_kwargs: dict[str, Any] = dict(
                max_model_len=r.max_model_len,
                enable_lora=lora,
                max_lora_rank=max(16, config.model.lora_rank),
                kv_cache_gib=r.kv_cache_gib,
                seed=config.trainer.seed,
            )
            if r.vllm_python:
                server_kwargs["python"] = r.vllm_python
            if r.gpu_memory_utilization:
                server_kwargs["gpu_memory_utilization"] = r.gpu_memory_utilization
            policy = VLLMServerPolicy(config.model.name, tokenizer=trained.tokenizer, server_kwargs=server_kwargs)
    else:
        from agentgym.policies.vllm import VLLMInProcessPolicy

        llm_kwargs = {"gpu_memory_utilization": r.gpu_memory_utilization} if r.gpu_memory_utilization else None
        policy = VLLMInProcessPolicy(
            config.model.name,
            tokenizer=trained.tokenizer,
            max_model_len=r.max_model_len,
            enable_lora=lora,
            max_lora_rank=max(16, config.model.lora_rank),
            kv_cache_gib=r.kv_cache_gib,
            seed=config.trainer.seed,
            llm_kwargs=llm_kwargs,
        )
    return RolloutBackend(policy, trained, sync_dir=sync_dir, lora=lora, keep_versions=r.keep_versions, owns_policy=True)
