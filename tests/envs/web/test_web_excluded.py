"""Excluded MiniWoB++ tasks: refused with their reason, still buildable for the probe (no browser needed)."""

import re

import pytest

from agentgym.envs.web import EXCLUDED, MiniWoBEnv


def test_excluded_task_is_refused_with_its_reason():
    task, reason = next(iter(EXCLUDED.items()))
    with pytest.raises(ValueError, match=re.escape(f"{task!r} is not supported here: {reason}")):
        MiniWoBEnv(task)
    assert MiniWoBEnv(task, allow_excluded=True).task == task  # what the probe builds to re-check it
    with pytest.raises(ValueError, match="unknown MiniWoB"):
        MiniWoBEnv("no-such-task", allow_excluded=True)
