"""Tasks whose pages show images (order-food's food-type icons, the email-inbox tasks' CSS icons):
the view waits for them, so a seed always gives the same page and the icons can be read and clicked."""

from __future__ import annotations

import pytest

from agentgym.envs.web import MiniWoBEnv
from agentgym.envs.web.solvers import parse_view
from web_helpers import pool  # noqa: F401 (fixture)

FOOD_TYPES = {"vegan", "gluten-free", "meat", "dairy", "peanuts"}


@pytest.mark.parametrize("task", ["order-food", "email-inbox"])
def test_same_seed_same_page_with_every_icon(pool, task):
    """Guards against reading the page before its images arrive: an unloaded icon has no size,
    drops out of the view and renumbers the elements after it, so two resets differed."""
    a, b = MiniWoBEnv(task), MiniWoBEnv(task)
    for seed in (0, 1, 2):
        first, _ = a.reset(seed=seed)
        assert b.reset(seed=seed)[0] == first
        _, lines = parse_view(first)
        if task == "email-inbox":
            threads = sum("email-thread" in line.classes for line in lines)
            assert threads > 0
            assert sum("star" in line.classes for line in lines) == threads
            assert sum("trash" in line.classes for line in lines) == threads
        else:
            icons = [line.text for line in lines if line.tag == "img"]
            assert icons and set(icons) <= FOOD_TYPES
    a.close()
    b.close()


def test_star_icon_is_clickable(pool):
    """email-inbox-important: clicking the star of the named sender's email succeeds."""
    env = MiniWoBEnv("email-inbox-important")
    for seed in (0, 1, 2):
        obs, _ = env.reset(seed=seed)
        task, lines = parse_view(obs)
        sender = task.split("Find the email by ", 1)[1].split(" and ", 1)[0]
        at = next(i for i, line in enumerate(lines) if "email-sender" in line.classes and line.text == sender)
        star = next(line.ref for line in lines[at:] if "star" in line.classes)
        _, reward, terminated, _, info = env.step(f"click({star})")
        assert terminated and reward > 0 and info["success"], (seed, sender)
    env.close()
