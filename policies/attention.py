"""Attention for grouped-query models that gives torch the grouped key/value heads as they are.

transformers' ``sdpa`` attention repeats each key/value head for its query heads (a copy of
the whole cache, at every layer and every sampled token) whenever an attention mask is
passed, which batched sampling and training always do (rows are padded). On a CPU that copy
cost SmolLM2-135M (9 query heads, 3 key/value heads) more time than the attention itself.
``torch.nn.functional.scaled_dot_product_attention(..., enable_gqa=True)`` takes the grouped
heads and a mask directly; :func:`use_grouped_sdpa` switches a model to it.
"""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["GROUPED_SDPA", "grouped_sdpa_forward", "use_grouped_sdpa"]

#: The name the attention function is registered under with transformers.
GROUPED_SDPA = "agentgym_grouped_sdpa"


def grouped_sdpa_forward(
    module: torch.nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    is_causal: bool | None = None,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """transformers' attention-function signature: ``query`` is ``(B, H, Tq, D)``, ``key`` and
    ``value`` are ``(B, H_kv, Tk, D)``; returns ``(B, Tq, H, D)``."""
    causal = is_causal if is_causal is not None else getattr(module, "is_causal", True)
    causal = bool(query.shape[2] > 1 and attention_mask is None and causal)
    out = torch.nn.functional.scaled_dot_product_attention(
        query,
        key,
        value,
        attn_mask=attention_mask,
        dropout_p=dropout if module.training else 0.0,
        scale=scaling,
        is_causal=causal,
        enable_gqa=key.shape[1] != query.shape[1],
    )
    return out.transpose(1, 2).contiguous(), None


def use_grouped_sdpa(model: Any) -> bool:
    """Switch ``model`` from ``sdpa`` to :func:`grouped_sdpa_forward` when it groups its
    key/value heads; returns whether it did. Other attention implementations are left alone."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    config = getattr(model, "config", None)
    if config is None or getattr(config, "_attn_implementation", None) != "sdpa":
        return False
    text = config.get_text_config(decoder=True)
    heads, kv_heads = getattr(text, "num_attention_heads", None), getattr(text, "num_key_value_heads", None)
    if not heads or not kv_heads or heads == kv_heads:
        return False
    AttentionInterface.register(GROUPED_SDPA, grouped_sdpa_forward)
    AttentionMaskInterface.register(GROUPED_SDPA, sdpa_mask)
    model.set_attn_implementation(GROUPED_SDPA)
    return True
