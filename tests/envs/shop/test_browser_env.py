"""The shop's browser mode in a real Chromium: the oracle buys right, rewards match text mode,
bad actions are answered, a killed browser fails only its episode.

Without Chromium and Playwright these tests fail, never skip (CI installs both).
"""

from __future__ import annotations

import time

import gymnasium
import numpy as np
import pytest

import agentgym
from agentgym.envs.shop import ShopBrowserEnv, ShopEnv
from agentgym.envs.web.browser import BrowserUnavailable, shared_pool


@pytest.fixture(scope="module")
def pool():
    """The process's shared browser pool with a browser running; a missing Chromium fails the test."""
    pool = shared_pool()

    async def start():
        await pool.browser()

    try:
        pool.run(start, timeout=60)
    except (BrowserUnavailable, ImportError) as exc:
        pytest.fail(f"the shop's browser mode needs a working Chromium and Playwright: {exc}", pytrace=False)
    return pool


def play_oracle(env: ShopBrowserEnv, task_id: str, seed: int) -> tuple[float, dict]:
    env.reset(seed=seed, options={"task": task_id})
    done, reward, info = False, 0.0, {}
    while not done:
        action = env.oracle_action()
        _, reward, terminated, truncated, info = env.step(action)
        assert info["valid_action"], f"{task_id}: the oracle's {action!r} was refused: {info.get('error')}"
        done = terminated or truncated
    assert terminated and not truncated, f"{task_id}: the oracle ran out of steps"
    return reward, info


@pytest.mark.parametrize("split", ["train", "test"])
def test_oracle_scores_one(pool, split):
    """Guards against refs that point at the wrong element, a search box that loses its text, and
    a purchase read wrongly from the page: 12 seeded instructions per split, each bought with score 1.0."""
    env = ShopBrowserEnv(split=split)
    ids = env.task_set.ids(split)
    for i in range(12):
        reward, info = play_oracle(env, ids[(i * 389) % len(ids)], seed=i)
        assert reward == 1.0 and info["success"] and info["page"] == "done"
        assert env.steps <= 7, "type the query, search, open, up to three options, buy"
    env.close()


def test_oracle_recovers_from_any_page(pool):
    """Guards against a mapping that only works from the start page: after random clicks and
    typing (a search box holding other text, a detail page, another product) it still buys right."""
    env = ShopBrowserEnv()
    rng = np.random.default_rng(3)
    for episode in range(4):
        _, info = env.reset(seed=episode)
        for _ in range(int(rng.integers(1, 6))):
            buy = {f"click({e.ref})" for e in env.elements if e.text == "Buy Now"}
            actions = [a for a in info["admissible_actions"] if a not in buy]
            _, _, _, _, info = env.step(actions[int(rng.integers(len(actions)))])
        env.max_steps = env.steps + 12
        done = False
        while not done:
            _, reward, terminated, truncated, info = env.step(env.oracle_action())
            assert info["valid_action"], info.get("error")
            done = terminated or truncated
        assert terminated and reward == 1.0, env.task_id
    env.close()


def test_a_reused_page_starts_like_a_fresh_one(pool):
    """Guards against state leaking from one episode to the next through the env's reused page
    (focus, typed text, scroll, numbering): after a finished episode, the next one plays exactly as
    in a new env."""
    used, fresh = ShopBrowserEnv(), ShopBrowserEnv()
    play_oracle(used, "train-00042", seed=0)  # ends on the confirmation page; the next reset reuses the page
    first = used.reset(seed=5, options={"task": "train-00043"})[0]
    assert first == fresh.reset(seed=5, options={"task": "train-00043"})[0]
    while not used.done:
        action = used.oracle_action()
        assert used.step(action)[:4] == fresh.step(action)[:4]
    used.close()
    fresh.close()


def test_reward_is_the_text_modes_score(pool):
    """Guards against browser mode scoring differently: the same imperfect purchases (the target
    without its options, and a wrong product) score what text mode scores, and less than 1."""
    browser, text = ShopBrowserEnv(), ShopEnv()
    for task in ("train-00003", "train-00777"):
        browser.reset(seed=0, options={"task": task})
        text.reset(seed=0, options={"task": task})
        while browser.page.kind != "item":  # type, search, open the target
            browser.step(browser.oracle_action())
        while text.page.kind != "item":
            text.step(text.oracle_action())
        buy = next(e.ref for e in browser.elements if e.tag == "a" and e.text == "Buy Now")
        _, b_reward, b_term, _, b_info = browser.step(f"click({buy})")
        _, t_reward, t_term, _, _ = text.step("click[Buy Now]")
        assert b_term and t_term and b_reward == t_reward and b_reward < 1.0
        assert not b_info["success"] and "The purchase is made: score" in browser.last_observation

        browser.reset(seed=0, options={"task": task})
        text.reset(seed=0, options={"task": task})
        search_box = next(e.ref for e in browser.elements if e.typable)
        browser.step(f'type({search_box}, "usb cable")')
        browser.step('press("Enter")')  # Enter in the search box submits the form
        text.step("search[usb cable]")
        assert browser.page.kind == text.page.kind == "results"
        first = next(e for e in browser.elements if e.tag == "a" and e.text.startswith("B0"))
        browser.step(f"click({first.ref})")
        text.step(f"click[{first.text}]")
        buy = next(e.ref for e in browser.elements if e.tag == "a" and e.text == "Buy Now")
        _, b_reward, *_ = browser.step(f"click({buy})")
        _, t_reward, *_ = text.step("click[Buy Now]")
        assert b_reward == t_reward < 1.0
    browser.close()
    text.close()


def test_bad_actions_are_answered_not_raised(pool):
    env = ShopBrowserEnv()
    env.reset(seed=1)
    button = next(e.ref for e in env.elements if e.tag == "button")
    cases = {
        "search[red shirt]": "text mode's actions",
        "click[Buy Now]": "text mode's actions",
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
        assert "Task: " in obs and "[3] input type=text" in obs  # the page is shown again
    assert env.steps == len(cases)
    env.close()


def test_click_xy_and_keyboard_reach_links(pool):
    """Guards against coordinate clicks and key presses that start a navigation the env does not wait for."""
    env = ShopBrowserEnv()
    env.reset(seed=2)
    for _ in range(2):  # type the query, search
        env.step(env.oracle_action())
    link = next(e for e in env.elements if e.tag == "a" and e.text.startswith("B0"))
    x, y = link.center
    _, _, _, _, info = env.step(f"click_xy({x:.0f}, {y:.0f})")
    assert info["valid_action"] and info["page"] == "item" and link.text in env.page.state
    env.step('press("Tab")')  # focus the first link, Back to Search
    assert any(e.focused and e.text == "Back to Search" for e in env.elements)
    _, _, _, _, info = env.step('press("Enter")')
    assert info["page"] == "search"
    env.close()


def test_killed_browser_fails_the_episode_and_the_next_one_runs(pool):
    env = ShopBrowserEnv()
    env.reset(seed=0)
    env.step(env.oracle_action())
    launches = pool.launches
    pool.kill()
    time.sleep(0.2)
    obs, reward, terminated, truncated, info = env.step(env.oracle_action())
    assert terminated and not truncated and reward == 0 and not info["success"]
    assert "browser stopped working" in obs and "reset()" in obs
    assert env.admissible_actions() == []
    reward, info = play_oracle(env, "train-00010", seed=0)  # reset relaunches the browser
    assert pool.launches == launches + 1
    assert reward == 1.0 and info["success"]
    env.close()


def test_screenshot_is_opt_in(pool):
    env = ShopBrowserEnv(screenshot=True)
    _, info = env.reset(seed=0)
    assert info["screenshot"][:8] == b"\x89PNG\r\n\x1a\n"
    _, _, _, _, info = env.step(env.oracle_action())
    assert info["screenshot"][:8] == b"\x89PNG\r\n\x1a\n"
    env.close()
    env = ShopBrowserEnv()
    assert "screenshot" not in env.reset(seed=0)[1]
    env.close()


def test_registration():
    """The browser mode is its own registered id; ShopEnv points to it."""
    assert agentgym.spec("ShopBrowser-v0").summary().startswith("The same shop in headless Chromium")
    env = gymnasium.make("agentgym/ShopBrowser-v0").unwrapped  # the registry mirrors it into gymnasium
    assert isinstance(env, ShopBrowserEnv) and env.mode == "browser"
    with pytest.raises(NotImplementedError, match="agentgym/ShopBrowser-v0"):
        ShopEnv(mode="browser")
    with pytest.raises(KeyError, match="unknown split"):
        ShopBrowserEnv(split="valid")
