"""Checkpoints that a killed run resumes from exactly.

A checkpoint is a directory ``checkpoints/iter-NNNNNN`` holding the trainable weights (the LoRA
adapter, or every weight), the optimizer and scheduler states, the RNG states and the run
state. It is written to a temporary directory and renamed into place, and ``checkpoints/latest``
is replaced after it, so a kill at any moment leaves the previous checkpoint intact.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = ["save_checkpoint", "load_checkpoint", "latest_checkpoint"]


def _trainable_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: p.detach().cpu().clone() for name, p in model.named_parameters() if p.requires_grad}


def save_checkpoint(run_dir: str | Path, iteration: int, model: torch.nn.Module, optimizer: Any, scheduler: Any, state: dict[str, Any], *, keep: int = 2) -> Path:
    """Write the checkpoint taken after ``iteration`` iterations; keep the newest ``keep``."""
    root = Path(run_dir) / "checkpoints"
    root.mkdir(parents=True, exist_ok=True)
    final = root / f"iter-{iteration:06d}"
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
    torch.save(_trainable_state(model), staging / "trainable.pt")
    torch.save(optimizer.state_dict(), staging / "optimizer.pt")
    torch.save(scheduler.state_dict(), staging / "scheduler.pt")
    torch.save({"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}, staging / "rng.pt")
    (staging / "state.json").write_text(json.dumps({**state, "iteration": iteration}, indent=2))
    # A checkpoint replacing one of the same iteration (the run's start is saved after the SFT
    # warm start and again after the first eval) moves the old one aside first and deletes it
    # last: a kill between the renames still leaves a complete checkpoint to resume from.
    previous = root / f".previous-{final.name}"
    if final.exists():
        shutil.rmtree(previous, ignore_errors=True)
        os.replace(final, previous)
    os.replace(staging, final)
    pointer = root / ".latest.tmp"
    pointer.write_text(final.name)
    os.replace(pointer, root / "latest")
    shutil.rmtree(previous, ignore_errors=True)
    for old in sorted(p for p in root.glob("iter-*") if p != final)[:-keep + 1 or None]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def latest_checkpoint(run_dir: str | Path) -> Path | None:
    """The newest complete checkpoint of a run, or None.

    That is the one ``checkpoints/latest`` names; if a kill left it naming none, the
    highest-numbered complete one (a checkpoint moved aside while its replacement was renamed
    in counts)."""
    root = Path(run_dir) / "checkpoints"
    pointer = root / "latest"
    if pointer.exists():
        path = root / pointer.read_text().strip()
        if (path / "state.json").exists():
            return path
    complete = [p for p in [*root.glob("iter-*"), *root.glob(".previous-iter-*")] if (p / "state.json").exists()]
    return max(complete, key=lambda p: p.name.removeprefix(".previous-"), default=None)


def load_checkpoint(path: str | Path, model: torch.nn.Module, optimizer: Any, scheduler: Any) -> dict[str, Any]:
    """Restore weights, optimizer, scheduler and RNGs; returns the saved run state."""
    path = Path(path)
    trainable = torch.load(path / "trainable.pt", map_location="cpu")
    params = dict(model.named_parameters())
    missing = [k for k in trainable if k not in params]
    if missing:
        raise RuntimeError(f"checkpoint {path} holds weights this model lacks: {missing[:5]}")
    with torch.no_grad():
        for name, value in trainable.items():
            params[name].copy_(value.to(params[name].device))
    optimizer.load_state_dict(torch.load(path / "optimizer.pt", map_location="cpu"))
    scheduler.load_state_dict(torch.load(path / "scheduler.pt", map_location="cpu"))
    rng = torch.load(path / "rng.pt", map_location="cpu", weights_only=False)
    torch.set_rng_state(rng["torch"])
    np.random.set_state(rng["numpy"])
    random.setstate(rng["python"])
    return json.loads((path / "state.json").read_text())
