"""Policy-gradient losses over the policy's own tokens.

:func:`ppo_clip_loss` is the clipped surrogate of PPO (Schulman et al. 2017, eq. 7) as GRPO
uses it, with an asymmetric clip range (``clip_high`` > ``clip_low`` is DAPO's "clip-higher",
Yu et al. 2025), token- or sequence-level aggregation (DAPO sec. 3.3 argues for token level on
long multi-turn outputs), and an optional KL penalty to a reference policy with the k3
estimator (Schulman 2020; GRPO eq. 4): ``exp(ref - logp) - (ref - logp) - 1``.

Shapes: ``B`` sequences of ``T`` tokens; ``mask_BT`` is 1 on tokens the policy produced and 0
on prompt, env and padding tokens, so nothing else receives gradient.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["ppo_clip_loss", "LossStats", "sft_loss"]


@dataclass
class LossStats:
    """Diagnostics of one loss evaluation (floats, already detached)."""

    clip_fraction: float
    approx_kl_to_behaviour: float
    kl_to_reference: float
    policy_tokens: int


def ppo_clip_loss(
    logprobs_BT: torch.Tensor,
    old_logprobs_BT: torch.Tensor,
    advantages_BT: torch.Tensor,
    mask_BT: torch.Tensor,
    *,
    clip_low: float = 0.2,
    clip_high: float = 0.2,
    aggregation: str = "token",
    ref_logprobs_BT: torch.Tensor | None = None,
    kl_coef: float = 0.0,
    normalizer: float | None = None,
) -> tuple[torch.Tensor, LossStats]:
    """The clipped surrogate loss (to minimise), averaged over policy tokens.

    Args:
        logprobs_BT: log pi_theta of each token under the policy being trained (requires grad).
        old_logprobs_BT: behaviour log-probabilities (from the policy that sampled).
        advantages_BT: the advantage of each token (a trajectory's advantage broadcast).
        mask_BT: 1 for policy tokens, 0 elsewhere.
        clip_low, clip_high: the ratio is clipped to ``[1 - clip_low, 1 + clip_high]``.
        aggregation: ``token``: sum over all policy tokens / number of policy tokens;
            ``sequence``: mean over sequences of each sequence's token mean.
        ref_logprobs_BT, kl_coef: KL penalty to a reference policy (off when ``kl_coef == 0``).
        normalizer: divide by this instead of the batch's own token (or sequence) count, so
            micro-batches of one minibatch add up to the minibatch's loss.
    """
    if aggregation not in ("token", "sequence"):
        raise ValueError(f"aggregation must be 'token' or 'sequence', got {aggregation!r}")
    mask = mask_BT.to(logprobs_BT.dtype)
    log_ratio = logprobs_BT - old_logprobs_BT
    ratio = torch.exp(log_ratio)
    unclipped = ratio * advantages_BT
    clipped = torch.clamp(ratio, 1.0 - clip_low, 1.0 + clip_high) * advantages_BT
    per_token = -torch.minimum(unclipped, clipped)
    kl_ref = torch.zeros_like(per_token)
    if kl_coef and ref_logprobs_BT is not None:
        delta = ref_logprobs_BT - logprobs_BT
        kl_ref = torch.exp(delta) - delta - 1.0
        per_token = per_token + kl_coef * kl_ref
    tokens = mask.sum()
    if aggregation == "token":
        loss = (per_token * mask).sum() / (normalizer if normalizer is not None else tokens.clamp(min=1.0))
    else:
        per_seq = (per_token * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)
        has_tokens = (mask.sum(-1) > 0).to(per_seq.dtype)
        loss = (per_seq * has_tokens).sum() / (normalizer if normalizer is not None else has_tokens.sum().clamp(min=1.0))
    with torch.no_grad():
        denom = tokens.clamp(min=1.0)
        was_clipped = ((ratio < 1.0 - clip_low) & (advantages_BT < 0)) | ((ratio > 1.0 + clip_high) & (advantages_BT > 0))
        stats = LossStats(
            clip_fraction=float((was_clipped.to(mask.dtype) * mask).sum() / denom),
            approx_kl_to_behaviour=float(((-log_ratio) * mask).sum() / denom),
            kl_to_reference=float((kl_ref * mask).sum() / denom),
            policy_tokens=int(tokens),
        )
    return loss, stats


def sft_loss(logprobs_BT: torch.Tensor, mask_BT: torch.Tensor, *, normalizer: float | None = None) -> torch.Tensor:
    """Negative log-likelihood of the masked (policy) tokens, averaged over them."""
    mask = mask_BT.to(logprobs_BT.dtype)
    return -(logprobs_BT * mask).sum() / (normalizer if normalizer is not None else mask.sum().clamp(min=1.0))
