"""Every registered env passes the conformance checks and survives arbitrary strings.

Parametrised over the registry, so an env added later (built-in or plugin) is checked too. The
127 MiniWoB++ envs share one adapter and a browser step costs tens of milliseconds, so two
representative tasks stand for them here (tests/envs/web covers the family).
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import agentgym
from agentgym.conformance import run_checks

from agentgym.envs.tools.bfcl import REPRESENTATIVE_CATEGORIES as BFCL_REPRESENTATIVE_CATEGORIES
from agentgym.envs.tools.bfcl import env_id as bfcl_id
from agentgym.envs.web import REPRESENTATIVE_TASKS
from agentgym.envs.web import env_id as miniwob_id

_MINIWOB_CHECKED = {miniwob_id(t) for t in REPRESENTATIVE_TASKS}
# The 17 BFCL ids share two env classes; a few stand for them (tests/envs/tools/test_bfcl_envs.py checks every category).
_BFCL_CHECKED = {bfcl_id(c) for c in BFCL_REPRESENTATIVE_CATEGORIES}
ENV_IDS = [
    i
    for i in agentgym.registered_envs()
    if (not i.startswith("agentgym/miniwob.") or i in _MINIWOB_CHECKED) and (not i.startswith("agentgym/bfcl.") or i in _BFCL_CHECKED)
]


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_conformance(env_id):
    report = run_checks(env_id, lambda: agentgym.make(env_id))
    assert report.passed, report.format()


def _vocabulary(env_id):
    env = agentgym.make(env_id)
    obs, info = env.reset(seed=0)
    words = set(obs.replace(",", " ").replace(".", " ").split())
    for action in info.get("admissible_actions", []):
        words.update(action.split())
    env.close()
    return sorted(words)[:400] or ["a"]


def _actions(env_id):
    words = st.sampled_from(_vocabulary(env_id))
    near_miss = st.lists(st.one_of(words, st.integers(-3, 30).map(str)), min_size=0, max_size=6).map(" ".join)
    return st.one_of(
        st.text(max_size=200),  # arbitrary unicode, control characters, empty
        near_miss,
        near_miss.map(str.upper),
        st.builds(lambda w, n: w * n, st.text(min_size=1, max_size=3), st.integers(1000, 20000)),  # huge
        st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=31), max_size=20),
    )


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_arbitrary_strings_never_raise(env_id):
    """Guards against an env that raises, or returns a non-string observation, on bad input."""
    env = agentgym.make(env_id)
    env.reset(seed=0)
    seen = {"n": 0, "invalid": 0}

    @settings(max_examples=2000, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(_actions(env_id))
    def throw(action):
        if env.done:
            env.reset(seed=seen["n"])
        obs, reward, terminated, truncated, info = env.step(action)
        assert isinstance(obs, str) and obs.strip()
        assert env.observation_space.contains(obs)
        assert set(agentgym.REQUIRED_INFO_KEYS) <= set(info)
        assert not (terminated and truncated)
        seen["n"] += 1
        seen["invalid"] += not info["valid_action"]

    throw()
    env.close()
    assert seen["n"] >= 2000
    assert seen["invalid"] > seen["n"] // 2  # nearly everything thrown is invalid
