"""Adversarial actions: each gets an error observation, at once (a review found each of these
raising or running for seconds to minutes)."""

import time

import pytest

import agentgym
from agentgym.envs.tools.bfcl.python_calls import CallSyntaxError, parse_python_calls

CALL = '<tool_call>{"name": "calculate", "arguments": {"expression": %s}}</tool_call>'
ADVERSARIAL = {
    "lone surrogate escape": CALL % '"\\ud800"',
    "5,000-digit integer": CALL % ("9" * 5000),
    "round to -10**50 digits": CALL % '"round(5, -10**50)"',
    "2,900 unclosed tags": "<tool_call>" * 2900,
    "fence of 8,000 spaces": "<tool_call>```" + " " * 8000 + "</tool_call>",
    "40,000 characters": "x" * 40_000,
}


@pytest.mark.parametrize("name", ADVERSARIAL)
def test_calculator_answers_adversarial_actions(name):
    env = agentgym.make("agentgym/tools.calculator-v0")
    env.reset(seed=0)
    started = time.process_time()
    obs, _, _, _, info = env.step(ADVERSARIAL[name])
    assert time.process_time() - started < 2.0, name  # CPU seconds, not wall time: contention-proof
    assert "error" in obs.lower() or "invalid" in obs.lower(), obs[:200]
    assert info["success"] is False


def test_sql_query_cannot_allocate_a_gigabyte():
    env = agentgym.make("agentgym/tools.sql-v0")
    env.reset(seed=0)
    query = '<tool_call>{"name": "run_sql", "arguments": {"query": "SELECT length(randomblob(999999999))"}}</tool_call>'
    obs, *_ = env.step(query)
    assert "too big" in obs


def test_bfcl_fence_of_spaces_is_parsed_at_once():
    started = time.process_time()
    with pytest.raises(CallSyntaxError):
        parse_python_calls("```" + " " * 8000)
    assert time.process_time() - started < 1.0
    assert parse_python_calls("```python\n[f(a=1)]\n```")[0].arguments == {"a": 1}
