"""Checkpoints survive a kill at any moment, replacing one of the same iteration included."""

import json
import os

import torch

from agentgym.train.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint


def _parts(value: float):
    model = torch.nn.Linear(2, 1)
    with torch.no_grad():
        model.weight.fill_(value)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
    return model, optimizer, scheduler


def test_replacing_a_checkpoint_of_the_same_iteration(tmp_path):
    save_checkpoint(tmp_path, 0, *_parts(1.0), {"stage": "sft"})
    save_checkpoint(tmp_path, 0, *_parts(2.0), {"stage": "evaluated"})
    path = latest_checkpoint(tmp_path)
    assert path.name == "iter-000000" and json.loads((path / "state.json").read_text())["stage"] == "evaluated"
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ["iter-000000", "latest"]  # nothing left aside
    model, optimizer, scheduler = _parts(0.0)
    load_checkpoint(path, model, optimizer, scheduler)
    assert torch.all(model.weight == 2.0)


def test_a_kill_between_the_renames_resumes_from_the_checkpoint_moved_aside(tmp_path):
    first = save_checkpoint(tmp_path, 0, *_parts(1.0), {"stage": "sft"})
    # What a kill right after the old checkpoint was moved aside leaves: `latest` names a
    # directory that is gone, and the old checkpoint sits under its aside name.
    os.replace(first, first.parent / ".previous-iter-000000")
    path = latest_checkpoint(tmp_path)
    assert path is not None and path.name == ".previous-iter-000000"
    assert json.loads((path / "state.json").read_text())["stage"] == "sft"
    # The next save of that iteration cleans up.
    save_checkpoint(tmp_path, 0, *_parts(2.0), {"stage": "evaluated"})
    assert latest_checkpoint(tmp_path).name == "iter-000000"
    assert not (tmp_path / "checkpoints" / ".previous-iter-000000").exists()


def test_the_pointer_wins_and_the_newest_complete_checkpoint_is_the_fallback(tmp_path):
    for iteration in (1, 2, 3):
        save_checkpoint(tmp_path, iteration, *_parts(float(iteration)), {}, keep=3)
    assert latest_checkpoint(tmp_path).name == "iter-000003"
    (tmp_path / "checkpoints" / "latest").write_text("iter-000009")  # names nothing
    assert latest_checkpoint(tmp_path).name == "iter-000003"
    (tmp_path / "checkpoints" / "iter-000003" / "state.json").unlink()  # incomplete
    assert latest_checkpoint(tmp_path).name == "iter-000002"
    assert latest_checkpoint(tmp_path / "elsewhere") is None
