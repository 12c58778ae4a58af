"""MiniWoB++ envs in a real Chromium: solvers, bad actions, recovery from a dead or hung browser.

One browser serves every test (the ``pool`` fixture); without Chromium these tests fail, never skip.
"""

from __future__ import annotations

import time

import gymnasium
import pytest

import agentgym
from agentgym.conformance import run_checks
from agentgym.envs.web import EXCLUDED, TASKS, MiniWoBEnv, env_id
from agentgym.envs.web.browser import BrowserCrashed
from agentgym.envs.web.solvers import SOLVERS
from agentgym.envs.web.tasks import ALL_TASKS
from web_helpers import pool  # noqa: F401 (fixture)

SOLVED = ["click-button", "click-link", "enter-text", "click-checkboxes", "focus-text", "click-dialog", "login-user"]


def _play(env, seed):
    obs, info = env.reset(seed=seed)
    total = 0.0
    for _ in range(env.max_steps):
        obs, reward, terminated, truncated, info = env.step(env.oracle_action())
        total += reward
        if terminated or truncated:
            break
    return total, info


@pytest.mark.parametrize("task", SOLVED)
def test_scripted_solver_solves_the_task(pool, task):
    """The solvers read only the text view; a broken view (refs, values, labels) fails them."""
    env = agentgym.make(env_id(task))
    rewards = [_play(env, seed)[0] for seed in range(20)]
    env.close()
    assert sum(rewards) / len(rewards) > 0.8, rewards


def test_bad_actions_are_answered_not_raised(pool):
    env = MiniWoBEnv("enter-text")
    obs, info = env.reset(seed=1)
    button = next(e.ref for e in env.elements if e.tag == "button")
    field = next(e.ref for e in env.elements if e.typable)
    cases = {
        "click(999)": "there is no element [999]",
        "clik(3)": "unknown action 'clik'",
        "click(": "is not an action",
        f'type({button}, "hello")': f"element [{button}] is a button; type() writes only into text inputs",
        'press("NoSuchKey")': "unknown key 'NoSuchKey'",
    }
    for action, says in cases.items():
        obs, reward, terminated, truncated, info = env.step(action)
        assert obs.startswith("Invalid action:") and says in obs, (action, obs[:200])
        assert info["valid_action"] is False and says in info["error"]
        assert reward == 0 and not terminated
        assert "Task: Enter" in obs  # the page is shown again
    assert env.steps == len(cases)  # invalid actions count
    obs, *_ , info = env.step(f'type({field}, "abc")')
    assert info["valid_action"] and 'value="abc"' in obs
    env.close()


def test_reset_is_deterministic_and_fork_replays(pool):
    env = MiniWoBEnv("click-checkboxes")
    first, _ = env.reset(seed=7)
    env.step(env.oracle_action())
    fork = env.fork()
    assert fork.last_observation == env.last_observation and fork.state_key() == env.state_key()
    action = env.oracle_action()
    assert env.step(action)[:4] == fork.step(action)[:4]
    again, _ = env.reset(seed=7)
    assert again == first
    other, _ = env.reset(seed=8)
    assert other != first
    env.close()
    fork.close()


def test_conformance_click_button(pool):
    report = run_checks("agentgym/miniwob.click-button-v0", lambda: agentgym.make("agentgym/miniwob.click-button-v0"))
    assert report.passed, report.format()


def test_killed_browser_fails_the_episode_and_the_next_one_runs(pool):
    env = MiniWoBEnv("click-button")
    env.reset(seed=0)
    launches = pool.launches
    pool.kill()
    time.sleep(0.2)
    obs, reward, terminated, truncated, info = env.step("click(1)")
    assert terminated and not truncated and reward == 0 and not info["success"]
    assert "browser stopped working" in obs and "reset()" in obs
    total, info = _play(env, seed=0)  # reset relaunches the browser
    assert pool.launches == launches + 1
    assert total == 1.0 and info["success"]
    env.close()


def test_hung_page_times_out_and_the_env_recovers(pool):
    env = MiniWoBEnv("click-button", call_timeout=3)
    env.reset(seed=0)

    async def hang():
        await env._page.evaluate("() => { while (true) {} }")

    started = time.perf_counter()
    with pytest.raises(BrowserCrashed, match="did not answer within"):
        pool.run(hang, timeout=2)
    assert time.perf_counter() - started < 10
    obs, reward, terminated, truncated, info = env.step("click(1)")
    assert terminated and "browser stopped working" in obs
    assert _play(env, seed=0)[0] == 1.0
    env.close()


def test_screenshot_is_opt_in(pool):
    env = MiniWoBEnv("click-button", screenshot=True)
    _, info = env.reset(seed=0)
    assert info["screenshot"][:8] == b"\x89PNG\r\n\x1a\n"
    env.close()
    env = MiniWoBEnv("click-button")
    assert "screenshot" not in env.reset(seed=0)[1]
    env.close()


def test_registration():
    """Every shipped task is registered or excluded with a reason; ids reach gymnasium too."""
    assert set(TASKS) | set(EXCLUDED) == set(ALL_TASKS) and not set(TASKS) & set(EXCLUDED)
    assert all(reason.strip() for reason in EXCLUDED.values())
    registered = agentgym.registered_envs()
    assert {env_id(t) for t in TASKS} <= set(registered)
    assert not {env_id(t) for t in EXCLUDED} & set(registered)
    assert gymnasium.spec("agentgym/miniwob.click-button-v0").kwargs == {"task": "click-button"}
    assert set(SOLVERS) <= set(TASKS)
    with pytest.raises(ValueError, match="did you mean click-button"):
        MiniWoBEnv("click-buton")
