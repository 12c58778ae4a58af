"""From groups of trajectories to training micro-batches.

Each trajectory's advantage is broadcast over its policy tokens (or each turn's over that turn's
action tokens, when advantages are per turn); each training sequence is a
:class:`~agentgym.trajectory.TokenSample` (one per episode in full-history mode, one per turn in
window mode), built from the stored token ids: what is trained on is exactly what was sampled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch

from agentgym.trajectory import Group, TokenSample

__all__ = ["TrainSample", "build_samples", "pack_micro_batches", "collate"]


@dataclass
class TrainSample:
    """One training sequence with its advantage (shape ``[T]`` lists)."""

    input_ids: list[int]
    loss_mask: list[int]
    old_logprobs: list[float]
    advantage: float | list[float]
    """One number for every token, or one per token (``[T]``, per-turn advantages)."""
    group_index: int


def build_samples(groups: Sequence[Group], advantages: Sequence[Sequence[float | Sequence[float]]], keep: Sequence[bool]) -> list[TrainSample]:
    """Training sequences of the kept groups. ``advantages[g][i]`` is trajectory i's of group g:
    one number for the whole episode, or one per turn (``[num_turns]``), which then applies to
    that turn's action tokens."""
    samples = []
    for g, (group, advs, kept) in enumerate(zip(groups, advantages, keep)):
        if not kept:
            continue
        for traj, adv in zip(group.trajectories, advs):
            values = _advantage_values(adv, traj.num_turns)
            for s in traj.samples():
                if sum(s.loss_mask) == 0:
                    continue
                value: float | list[float]
                if isinstance(values, float):
                    value = values
                else:  # each action token takes its turn's advantage
                    value = [values[t] if m else 0.0 for t, m in zip(s.turn_indices, s.loss_mask)]
                samples.append(TrainSample(s.input_ids, s.loss_mask, s.logprobs, value, g))
    return samples


def _advantage_values(adv: float | Sequence[float], num_turns: int) -> float | list[float]:
    """One trajectory's advantage: a float for the whole episode, or one float per turn."""
    if isinstance(adv, (int, float)):
        return float(adv)
    if len(adv) != num_turns:
        raise ValueError(f"{len(adv)} per-turn advantages for a trajectory of {num_turns} turns")
    return [float(x) for x in adv]


def pack_micro_batches(lengths: Sequence[int], token_budget: int) -> list[list[int]]:
    """Split sample indices, in order, into micro-batches whose padded size (count x longest)
    stays within ``token_budget`` (a sample longer than the budget gets a micro-batch alone)."""
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for i, n in enumerate(lengths):
        if current and max(longest, n) * (len(current) + 1) > token_budget:
            batches.append(current)
            current, longest = [], 0
        current.append(i)
        longest = max(longest, n)
    if current:
        batches.append(current)
    return batches


def collate(samples: Sequence[TrainSample | TokenSample], pad_id: int, device: torch.device | str) -> dict[str, torch.Tensor]:
    """Right-padded tensors ``input_ids``, ``attention_mask``, ``loss_mask``, ``old_logprobs`` and
    (for :class:`TrainSample`) ``advantages``, all ``[B, T]``."""
    width = max(len(s.input_ids) for s in samples)
    b = len(samples)
    ids = torch.full((b, width), pad_id, dtype=torch.long)
    attention = torch.zeros((b, width), dtype=torch.long)
    mask = torch.zeros((b, width), dtype=torch.float32)
    old = torch.zeros((b, width), dtype=torch.float32)
    adv = torch.zeros((b, width), dtype=torch.float32)
    for i, s in enumerate(samples):
        n = len(s.input_ids)
        ids[i, :n] = torch.tensor(s.input_ids, dtype=torch.long)
        attention[i, :n] = 1
        mask[i, :n] = torch.tensor(s.loss_mask, dtype=torch.float32)
        lp = s.old_logprobs if isinstance(s, TrainSample) else s.logprobs
        old[i, :n] = torch.tensor(lp, dtype=torch.float32)
        if isinstance(s, TrainSample):
            adv[i, :n] = torch.as_tensor(s.advantage, dtype=torch.float32)
    out = {"input_ids": ids, "attention_mask": attention, "loss_mask": mask, "old_logprobs": old, "advantages": adv}
    return {k: v.to(device) for k, v in out.items()}
