"""Conformance checks every registered env must pass (``agentgym check ENV`` and the test suite).

gymnasium's own ``check_env`` plus the parts of the agentgym contract it cannot see:
determinism under a seed, malformed actions answered rather than raised, the documented info
keys, ``terminated``/``truncated`` kept apart with the step limit honoured, and forking
(a fork continues exactly as the original).
"""

from __future__ import annotations

import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from agentgym.env import REQUIRED_INFO_KEYS

__all__ = ["CheckResult", "CheckReport", "run_checks", "MALFORMED_ACTIONS"]

#: Inputs every env must answer with an observation, not an exception.
MALFORMED_ACTIONS: tuple[Any, ...] = (
    "",
    " ",
    "\n\t\r",
    "\x00\x01\x02",
    "a" * 100_000,
    "🙂 ünïcödé ☃ 漢字",
    "go to",
    "take from",
    "put in/on",
    "[[[[",
    '{"name": "x", "arguments": ',
    "'; DROP TABLE tasks; --",
    "\u202e\u200b",
    123,
    None,
    b"bytes",
)


@dataclass
class CheckResult:
    """One check's verdict."""

    name: str
    passed: bool
    detail: str = ""


@dataclass
class CheckReport:
    """Every check's verdict for one env."""

    env_id: str
    results: list[CheckResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when every check passed."""
        return all(r.passed for r in self.results)

    def failures(self) -> list[CheckResult]:
        """The checks that failed."""
        return [r for r in self.results if not r.passed]

    def format(self) -> str:
        """A human-readable report, one line per check."""
        lines = [f"{self.env_id}:"]
        for r in self.results:
            mark = "PASS" if r.passed else "FAIL"
            lines.append(f"  [{mark}] {r.name}" + (f": {r.detail}" if r.detail else ""))
        lines.append("  all checks passed" if self.passed else f"  {len(self.failures())} check(s) failed")
        return "\n".join(lines)


def run_checks(env_id: str, factory: Callable[[], Any], *, seed: int = 0, steps: int = 12) -> CheckReport:
    """Run every check on fresh envs from ``factory`` (a no-argument callable returning an env)."""
    report = CheckReport(env_id)
    for name, check in _CHECKS:
        try:
            detail = check(factory, seed, steps) or ""
            report.results.append(CheckResult(name, True, detail))
        except Exception as exc:  # a failing check is a verdict, not a crash
            msg = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            report.results.append(CheckResult(name, False, msg))
    return report


# ---------------------------------------------------------------------- the checks
def _gymnasium_checker(factory, seed, steps):
    from gymnasium.utils.env_checker import check_env

    env = factory()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            check_env(env, skip_render_check=True)
        if caught:
            return f"{len(caught)} warning(s): " + "; ".join(sorted({str(w.message)[:120] for w in caught}))
    finally:
        env.close()
    return None


def _info_keys(factory, seed, steps):
    env = factory()
    try:
        obs, info = env.reset(seed=seed)
        _require_info(info, "reset")
        _require(isinstance(obs, str), f"reset returned a {type(obs).__name__} observation, expected str")
        for action in _actions(env, info, seed, steps):
            obs, reward, terminated, truncated, info = env.step(action)
            _require_info(info, f"step({action!r:.40})")
            _require(isinstance(obs, str), f"step returned a {type(obs).__name__} observation")
            _require(isinstance(reward, (int, float)), f"reward must be a number, got {type(reward).__name__}")
            _require(not (terminated and truncated), "terminated and truncated are both true")
            if terminated or truncated:
                break
    finally:
        env.close()


def _determinism(factory, seed, steps):
    a, b = factory(), factory()
    try:
        obs_a, info_a = a.reset(seed=seed)
        obs_b, info_b = b.reset(seed=seed, options={"task": info_a["task_id"]})
        _require(obs_a == obs_b, "the same seed and task gave different first observations")
        _require(info_a["state_key"] == info_b["state_key"], "the same seed and task gave different state keys")
        for action in _actions(a, info_a, seed, steps):
            ra, rb = a.step(action), b.step(action)
            _require(ra[:4] == rb[:4], f"step({action!r:.40}) diverged between two envs reset alike")
            _require(ra[4]["state_key"] == rb[4]["state_key"], "state keys diverged between two envs reset alike")
            if ra[2] or ra[3]:
                break
    finally:
        a.close()
        b.close()


def _malformed_actions(factory, seed, steps):
    env = factory()
    try:
        _, info = env.reset(seed=seed)
        for action in MALFORMED_ACTIONS:
            if env.unwrapped.done:
                _, info = env.reset(seed=seed)
            obs, _, _, _, info = env.step(action)
            _require(isinstance(obs, str) and obs.strip(), f"step({action!r:.40}) gave an empty observation")
            _require_info(info, f"step({action!r:.40})")
            if not isinstance(action, str):
                _require(info["valid_action"] is False, f"a {type(action).__name__} action was marked valid")
        return f"{len(MALFORMED_ACTIONS)} malformed actions answered"
    finally:
        env.close()


def _step_limit(factory, seed, steps):
    env = factory()
    try:
        env.reset(seed=seed)
        limit = env.unwrapped.max_steps
        for i in range(limit):
            _, _, terminated, truncated, info = env.step("")
            _require(not terminated, "an empty action terminated the episode")
            _require(truncated == (i == limit - 1), f"truncated={truncated} at step {i + 1} of a {limit}-step limit")
        return f"truncates after {limit} steps"
    finally:
        env.close()


def _fork(factory, seed, steps):
    env = factory()
    try:
        _, info = env.reset(seed=seed)
        actions = _actions(env, info, seed, steps * 2)
        k = len(actions) // 2
        for action in actions[:k]:
            if env.unwrapped.done:
                break
            env.step(action)
        if env.unwrapped.done:
            return "episode ended before the fork point"
        fork = env.unwrapped.fork()
        _require(fork.state_key() == env.unwrapped.state_key(), "the fork's state key differs from the original's")
        for action in actions[k:]:
            ra, rb = env.step(action), fork.step(action)
            _require(ra[:4] == rb[:4], f"after the fork, step({action!r:.40}) diverged")
            if ra[2] or ra[3]:
                break
        return f"forked at step {k}"
    finally:
        env.close()


_CHECKS: list[tuple[str, Callable[..., Any]]] = [
    ("gymnasium env checker", _gymnasium_checker),
    ("info keys present", _info_keys),
    ("deterministic under a seed", _determinism),
    ("malformed actions answered", _malformed_actions),
    ("step limit truncates", _step_limit),
    ("fork equals original", _fork),
]


# ---------------------------------------------------------------------- helpers
def _require(cond: bool, msg: str) -> None:
    if not cond:
        raise AssertionError(msg)


def _require_info(info: dict, where: str) -> None:
    missing = [k for k in REQUIRED_INFO_KEYS if k not in info]
    _require(not missing, f"info after {where} lacks {missing}")


def _actions(env, info, seed, n):
    """A seeded action sequence: admissible actions where the env lists them (played along the
    way so each is legal when taken), else strings sampled from the action space."""
    rng = np.random.default_rng(seed)
    if "admissible_actions" not in info:
        env.action_space.seed(seed)
        return [env.action_space.sample()[:40] for _ in range(n)]
    probe = env.unwrapped.fork()
    actions = []
    current = info
    for _ in range(n):
        choices = current.get("admissible_actions") or ["look"]
        action = choices[int(rng.integers(len(choices)))]
        actions.append(action)
        _, _, terminated, truncated, current = probe.step(action)
        if terminated or truncated:
            break
    probe.close()
    return actions
