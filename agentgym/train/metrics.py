"""Run metrics: one JSON line per iteration in ``metrics.jsonl``, mirrored to TensorBoard
when ``tensorboard`` is installed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["MetricsWriter", "read_metrics"]


class MetricsWriter:
    """Appends per-iteration metrics. Records are numbered from 1; resuming from the checkpoint
    taken after iteration k drops the records after k (written before the kill, lost with it)."""

    def __init__(self, run_dir: str | Path, *, resume_iteration: int | None = None):
        self.path = Path(run_dir) / "metrics.jsonl"
        if resume_iteration is not None and self.path.exists():
            kept = [line for line in self.path.read_text().splitlines() if line.strip() and json.loads(line).get("iteration", 0) <= resume_iteration]
            self.path.write_text("".join(line + "\n" for line in kept))
        self._tb = None
        try:
            from torch.utils.tensorboard import SummaryWriter

            self._tb = SummaryWriter(str(Path(run_dir) / "tensorboard"))
        except Exception:  # tensorboard is optional
            self._tb = None

    def write(self, record: dict[str, Any]) -> None:
        """Append one record (it must hold ``iteration``)."""
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        if self._tb is not None:
            step = record["iteration"]
            for key, value in record.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool) and key != "iteration":
                    self._tb.add_scalar(key, value, step)
            self._tb.flush()

    def close(self) -> None:
        """Flush and close TensorBoard's writer."""
        if self._tb is not None:
            self._tb.close()


def read_metrics(run_dir: str | Path) -> list[dict[str, Any]]:
    """Every record of a run's ``metrics.jsonl``."""
    path = Path(run_dir) / "metrics.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
