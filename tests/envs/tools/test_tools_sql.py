"""The SQL suite's tools: read-only, bounded, precise errors (a real sqlite database)."""

import json

import pytest

import agentgym
from agentgym.envs.tools import ToolCall, format_tool_calls
from agentgym.envs.tools.suites.sql import MAX_ROWS


def run_sql(env, query):
    obs, _, _, _, info = env.step(format_tool_calls([ToolCall("run_sql", {"query": query})]))
    payload = json.loads(obs.split("<tool_response>\n")[1].split("\n</tool_response>")[0])
    return payload, info


@pytest.fixture
def env():
    env = agentgym.make("agentgym/tools.sql-v0")
    env.reset(seed=0, options={"task": "train-00001"})
    return env


@pytest.mark.parametrize(
    "query",
    ["DELETE FROM employees", "UPDATE employees SET salary = 0", "PRAGMA query_only = 0", "ATTACH DATABASE ':memory:' AS x", "CREATE TABLE t (x)"],
)
def test_writes_are_refused(env, query):
    before, _ = run_sql(env, "SELECT COUNT(*), SUM(salary) FROM employees")
    payload, info = run_sql(env, query)
    assert payload["error"] == "SQL error: not authorized (the database is read-only: one SELECT statement per call)"
    assert info["valid_action"]  # a well-formed call the tool refused
    after, _ = run_sql(env, "SELECT COUNT(*), SUM(salary) FROM employees")
    assert after["result"] == before["result"]


def test_rows_match_the_generated_data_and_are_capped(env):
    payload, _ = run_sql(env, "SELECT a.id FROM employees a, employees b ORDER BY a.id, b.id")
    assert len(payload["result"]["rows"]) == MAX_ROWS and "truncated" in payload["result"]
    payload, _ = run_sql(env, "SELECT COUNT(*) FROM employees")
    assert 20 <= payload["result"]["rows"][0][0] <= 36


def test_runaway_query_is_stopped_and_errors_are_precise(env):
    payload, _ = run_sql(env, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c")
    assert payload["error"] == "the query ran too long and was stopped"
    assert run_sql(env, "SELECT * FROM staff")[0]["error"] == "SQL error: no such table: staff"
    assert run_sql(env, "SELECT 1; SELECT 2")[0]["error"] == "SQL error: You can only execute one statement at a time."
    obs, *_ = env.step(format_tool_calls([ToolCall("describe_table", {"table": "staff"})]))
    assert "no table 'staff'; the tables are: departments, employees, projects" in obs
