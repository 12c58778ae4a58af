"""Pieces the vLLM policies share: checkpoint completeness checks and the top-k entropy estimate."""

from __future__ import annotations

import json
import math
import os
import struct
from pathlib import Path
from typing import Any, Iterable

__all__ = [
    "whole_gib",
    "CheckpointMismatchError",
    "safetensors_index",
    "check_checkpoint_complete",
    "compare_tensor_index",
    "tied_embeddings",
    "topk_entropy",
]


class CheckpointMismatchError(ValueError):
    """A checkpoint does not hold exactly the served model's tensors (missing, extra, or reshaped)."""


# ---------------------------------------------------------------------- checkpoint checks
def _read_safetensors_header(path: Path) -> dict[str, Any]:
    with open(path, "rb") as f:
        raw = f.read(8)
        if len(raw) != 8:
            raise CheckpointMismatchError(f"{path} is not a safetensors file (too short)")
        (size,) = struct.unpack("<Q", raw)
        if size > 100_000_000:
            raise CheckpointMismatchError(f"{path} is not a safetensors file (header size {size})")
        header = json.loads(f.read(size))
    header.pop("__metadata__", None)
    return header


def safetensors_index(directory: str | os.PathLike) -> dict[str, tuple[tuple[int, ...], str]]:
    """``{tensor name: (shape, dtype)}`` of every ``*.safetensors`` file in ``directory``, read
    from the files' headers only (no tensor data is loaded)."""
    directory = Path(directory)
    files = sorted(directory.glob("*.safetensors"))
    if not files:
        raise CheckpointMismatchError(f"{directory} holds no *.safetensors files")
    index: dict[str, tuple[tuple[int, ...], str]] = {}
    for path in files:
        for name, info in _read_safetensors_header(path).items():
            if name in index:
                raise CheckpointMismatchError(f"tensor {name!r} appears in more than one file of {directory}")
            index[name] = (tuple(info["shape"]), info["dtype"])
    return index


def tied_embeddings(model_dir: str | os.PathLike) -> bool:
    """True if the model's config ties the output layer to the input embeddings (then a
    checkpoint may or may not hold ``lm_head.weight``)."""
    try:
        config = json.loads((Path(model_dir) / "config.json").read_text())
    except (OSError, ValueError):
        return False
    text = config.get("text_config", config)
    return bool(config.get("tie_word_embeddings", text.get("tie_word_embeddings", False)))


def check_checkpoint_complete(
    candidate: str | os.PathLike,
    reference: dict[str, tuple[tuple[int, ...], str]] | str | os.PathLike,
    *,
    optional: Iterable[str] = (),
) -> dict[str, tuple[tuple[int, ...], str]]:
    """Check that ``candidate`` holds exactly the reference's tensors, with the same shapes.

    vLLM's ``reload_weights`` loads whatever tensors it is given and answers 200 even when
    some are missing, leaving a silently corrupted model, so this runs before anything is sent.

    Args:
        candidate: the checkpoint directory to push.
        reference: the served model's directory, or its :func:`safetensors_index`.
        optional: names that may be absent or present (e.g. ``lm_head.weight`` with tied embeddings).

    Raises:
        CheckpointMismatchError: naming the missing, unexpected and reshaped tensors.
    """
    ref = reference if isinstance(reference, dict) else safetensors_index(reference)
    got = safetensors_index(candidate)
    compare_tensor_index(got, ref, optional=optional, what=str(candidate))
    return got


def compare_tensor_index(
    got: dict[str, tuple[tuple[int, ...], Any]],
    ref: dict[str, tuple[tuple[int, ...], Any]],
    *,
    optional: Iterable[str] = (),
    what: str = "the checkpoint",
) -> None:
    """Raise :class:`CheckpointMismatchError` unless ``got`` has exactly ``ref``'s tensor names
    (``optional`` ones aside) with the same shapes; the message names what differs."""
    optional = set(optional)
    missing = sorted(set(ref) - set(got) - optional)
    unexpected = sorted(set(got) - set(ref) - optional)
    reshaped = sorted(f"{k}: {tuple(got[k][0])} != {tuple(ref[k][0])}" for k in set(ref) & set(got) if tuple(got[k][0]) != tuple(ref[k][0]))
    if missing or unexpected or reshaped:
        parts = []
        for label, items in (("missing", missing), ("unexpected", unexpected), ("wrong shape", reshaped)):
            if items:
                shown = ", ".join(items[:8]) + (f", ... ({len(items)} in all)" if len(items) > 8 else "")
                parts.append(f"{len(items)} {label}: {shown}")
        raise CheckpointMismatchError(
            f"refusing to load {what}: it does not match the served model's {len(ref)} tensors ({'; '.join(parts)}). "
            "A partial checkpoint would silently corrupt the served weights."
        )


def model_chat_setup(model: str | os.PathLike, tokenizer: Any = None) -> tuple[Path, Any, Any, list[int]]:
    """``(model_dir, tokenizer, chat_tokenizer, stop_token_ids)`` for a model spec: what both
    vLLM policies need to speak token ids with the engine."""
    from agentgym.policies.chat_tokenizer import HFChatTokenizer
    from agentgym.policies.models import load_tokenizer, resolve_model

    model_dir = Path(resolve_model(str(model)))
    tokenizer = tokenizer if tokenizer is not None else load_tokenizer(str(model_dir))
    chat = HFChatTokenizer(tokenizer)
    stop_ids = sorted({chat.end_of_turn_id, tokenizer.eos_token_id} - {None})
    return model_dir, tokenizer, chat, stop_ids


def topk_entropy(top_logprobs: dict[Any, float] | None) -> float:
    """Top-k estimate of one step's entropy (nats) from its top logprobs.

    ``-sum_i p_i log p_i`` over the returned tokens, plus ``-r log r`` for the remaining mass
    ``r = 1 - sum_i p_i`` counted as a single outcome. Since the tail is spread over many
    tokens, its true contribution is at least ``-r log r``: the estimate is a lower bound,
    exact when the top k hold all the mass. Logprobs at or below -700 (vLLM spells -inf as
    -9999) count as zero probability.
    """
    if not top_logprobs:
        return float("nan")
    total, mass = 0.0, 0.0
    for lp in top_logprobs.values():
        if lp is None or lp < -700:  # vLLM spells -inf as -9999.0
            continue
        p = math.exp(lp)
        mass += p
        total -= p * lp
    rest = 1.0 - mass
    if rest > 1e-12:
        total -= rest * math.log(rest)
    return max(total, 0.0)


def whole_gib(gib: float) -> int:
    """``VLLM_CPU_KVCACHE_SPACE`` as vLLM parses it: a whole number of GiB (at least 1)."""
    return max(1, math.ceil(float(gib)))
