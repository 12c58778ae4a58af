"""The code suite's tools against the real sandbox: files in the working directory, errors passed on."""

import json

import pytest

import agentgym
from agentgym.envs.tools import ToolCall, format_tool_calls


def result_of(env, tool, **arguments):
    obs, _, _, _, info = env.step(format_tool_calls([ToolCall(tool, arguments)]))
    return json.loads(obs.split("<tool_response>\n")[1].split("\n</tool_response>")[0]), info


@pytest.fixture
def env():
    env = agentgym.make("agentgym/tools.code-v0")
    env.reset(seed=0, options={"task": "train-00004"})  # a sales.csv task
    return env


def test_run_python_sees_the_task_files_and_nothing_else_of_the_host(env):
    payload, info = result_of(env, "run_python", code="import os, csv\nprint(sorted(f for f in os.listdir('.') if not f.startswith('.')))\nprint(len(list(csv.reader(open('sales.csv')))))")
    lines = payload["result"]["stdout"].splitlines()
    assert lines[0] == "['sales.csv']"
    [listing] = [f for f in result_of(env, "list_files")[0]["result"]]
    text = result_of(env, "read_file", name="sales.csv", max_lines=200)[0]["result"]
    assert int(lines[1]) == len(text.splitlines()) and listing["bytes"] == len(text.encode())
    payload, _ = result_of(env, "run_python", code="print(open('/work/main/pyproject.toml').read()[:10])")
    assert payload["result"]["exit_code"] != 0 and "No such file" in payload["result"]["stderr"]


def test_errors_are_passed_on(env):
    payload, info = result_of(env, "run_python", code="1 / 0")
    assert payload["result"]["exit_code"] == 1 and "ZeroDivisionError: division by zero" in payload["result"]["stderr"]
    assert info["valid_action"]
    payload, _ = result_of(env, "read_file", name="data.csv")
    assert payload["error"] == "no file 'data.csv'; the files are: sales.csv"
    payload, _ = result_of(env, "read_file", name="sales.csv", max_lines=0)
    assert payload["error"] == "max_lines must be between 1 and 200, got 0"


def test_each_run_starts_fresh(env):
    result_of(env, "run_python", code="open('note.txt', 'w').write('x')")
    payload, _ = result_of(env, "run_python", code="import os; print(os.path.exists('note.txt'))")
    assert payload["result"]["stdout"] == "False\n"
