"""A vLLM worker extension that keeps tied weights tied across in-place weight reloads.

vLLM 0.32's layerwise ``reload_weights`` (also used by its NCCL weight transfer) loads new
tensors into the embedding but, for a model with ``tie_word_embeddings``, puts the OLD tensor
back into ``lm_head`` (it logs ``ParallelLMHead: Failed to load weights``), so the served model
silently keeps a stale output layer. Measured on SmolLM2-135M: after reloading a checkpoint
whose embedding was scaled by 1.5, vLLM's logprobs matched a transformers model with the old
``lm_head`` (-1.20 vs -1.18) and not the tied one (-0.47).

The fix: record which parameters alias each other before the first reload, and after every
reload point the aliases back at the freshly loaded parameter and redo their post-load
processing (on CPU, vLLM's GEMM reads a packed copy of the weight made at load time). :class:`AgentgymWorkerExtension`
adds that to vLLM's workers (``--worker-extension-cls
agentgym.policies.vllm.worker_ext.AgentgymWorkerExtension``, which :class:`VLLMServer` passes),
callable over HTTP with ``/collective_rpc``; the module functions serve the in-process engine.
This module imports nothing heavy, so vLLM can import it in its workers cheaply.
"""

from __future__ import annotations

from typing import Any

__all__ = ["AgentgymWorkerExtension", "EXTENSION_CLS", "tied_groups", "record_ties", "retie", "reload_and_retie"]

EXTENSION_CLS = "agentgym.policies.vllm.worker_ext.AgentgymWorkerExtension"
_TIES_ATTR = "_agentgym_tied_groups"


def _model(worker: Any) -> Any:
    return worker.model_runner.get_model()


def tied_groups(model: Any) -> list[list[str]]:
    """Names of parameters that are one and the same tensor (e.g. ``lm_head.weight`` and
    ``model.embed_tokens.weight``), grouped; groups of one are left out."""
    by_id: dict[int, list[str]] = {}
    for name, param in model.named_parameters(remove_duplicate=False):
        by_id.setdefault(id(param), []).append(name)
    return [names for names in by_id.values() if len(names) > 1]


def record_ties(worker: Any) -> list[list[str]]:
    """Remember the worker model's tied groups (once: later calls return the first record, since
    a reload may already have broken the ties)."""
    groups = getattr(worker, _TIES_ATTR, None)
    if groups is None:
        groups = tied_groups(_model(worker))
        setattr(worker, _TIES_ATTR, groups)
    return groups


def _source(names: list[str]) -> str:
    # The checkpoint holds the input embedding, not the output layer tied to it.
    for name in names:
        if "lm_head" not in name:
            return name
    return names[0]


def retie(worker: Any) -> list[str]:
    """Point every recorded alias back at its group's loaded parameter and redo the alias
    module's post-load processing (on CPU that re-packs the weight its GEMM kernel reads; a
    stale packed copy would otherwise survive); returns the names re-tied."""
    import torch

    groups = getattr(worker, _TIES_ATTR, None)
    if groups is None:
        raise RuntimeError("record_ties must run before the first weight reload")
    model = _model(worker)
    params = dict(model.named_parameters(remove_duplicate=False))
    fixed = []
    with torch.no_grad():
        for names in groups:
            source_name = _source(names)
            source = params.get(source_name)
            if source is None:
                continue
            for name in names:
                if name == source_name:
                    continue
                module_path, _, attr = name.rpartition(".")
                module = model.get_submodule(module_path) if module_path else model
                target = params.get(name)
                if target is not source:
                    if target is not None and tuple(target.shape) != tuple(source.shape):
                        raise RuntimeError(f"cannot re-tie {name} {tuple(target.shape)} to {source_name} {tuple(source.shape)}")
                    setattr(module, attr, source)
                quant_method = getattr(module, "quant_method", None)
                if quant_method is not None and hasattr(quant_method, "process_weights_after_loading"):
                    quant_method.process_weights_after_loading(module)
                fixed.append(name)
    return fixed


def reload_and_retie(worker: Any, weights_path: str | None = None, weights_iterator: Any = None) -> list[str]:
    """The worker's ``reload_weights`` followed by :func:`retie`; returns the names re-tied."""
    record_ties(worker)
    kwargs: dict[str, Any] = {}
    if weights_path is not None:
        kwargs["weights_path"] = weights_path
    if weights_iterator is not None:
        kwargs["weights_iterator"] = weights_iterator
    worker.reload_weights(**kwargs)
    return retie(worker)


class AgentgymWorkerExtension:
    """Methods vLLM mixes into its worker class (``--worker-extension-cls``); called with
    ``POST /collective_rpc {"method": "agentgym_reload_weights", "kwargs": {"weights_path": ...}}``."""

    def agentgym_record_ties(self) -> list[list[str]]:
        return record_ties(self)

    def agentgym_retie(self) -> list[str]:
        return retie(self)

    def agentgym_reload_weights(self, weights_path: str) -> list[str]:
        return reload_and_retie(self, weights_path=weights_path)
