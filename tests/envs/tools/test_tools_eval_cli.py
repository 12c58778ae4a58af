"""``agentgym eval-tools`` end to end: the real CLI, real envs, the oracle and random policies."""

import json
import subprocess
import sys

import pytest

from agentgym.cli.main import main
from agentgym.envs.tools.eval_tools import resolve_tool_envs
from agentgym.trajectory import read_jsonl


def test_oracle_table_and_files(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["eval-tools", "calculator", "tools.sql-v0", "--policy", "oracle", "--episodes", "6", "--split", "test", "--out", str(out), "--no-progress"]) == 0
    table = capsys.readouterr().out
    assert "tools.calculator-v0" in table and "tools.sql-v0" in table and "overall" in table
    report = json.loads((out / "tool_report.json").read_text())
    assert list(report["suites"]) == ["agentgym/tools.calculator-v0", "agentgym/tools.sql-v0"]
    overall = report["overall"]
    assert overall["episodes"] == 12 and overall["success_rate"] == 1.0 and overall["call_validity_rate"] == 1.0
    # The report agrees with the episodes written next to it.
    trajectories = read_jsonl(out / "tools.sql-v0" / "episodes.jsonl")
    calls = sum(turn.info["tool_calls"] for traj in trajectories for turn in traj.turns)
    assert report["suites"]["agentgym/tools.sql-v0"]["tool_calls"] == calls
    assert report["suites"]["agentgym/tools.sql-v0"]["tool_productivity"] == pytest.approx(6 / calls)


def test_random_policy_json(capsys):
    assert main(["eval-tools", "dates", "--policy", "random", "--episodes", "4", "--json", "--no-progress"]) == 0
    report = json.loads(capsys.readouterr().out)
    dates = report["suites"]["agentgym/tools.dates-v0"]
    assert report["policy"] == "random" and dates["episodes"] == 4
    assert dates["success_rate"] < 0.5  # random text almost never states the right answer
    assert dates["call_validity_rate"] in (None, 0.0) or dates["call_validity_rate"] < 0.5


def test_unknown_suite_is_an_error_naming_the_tool_envs(capsys):
    assert main(["eval-tools", "no-such-suite", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "no tool env matches 'no-such-suite'" in err and "agentgym/tools.calculator-v0" in err


def test_resolution_of_names_prefixes_and_globs():
    assert resolve_tool_envs(["calculator", "agentgym/tools.sql-v0", "tools.dates-v0"]) == [
        "agentgym/tools.calculator-v0",
        "agentgym/tools.sql-v0",
        "agentgym/tools.dates-v0",
    ]
    everything = resolve_tool_envs(["tools"])
    assert {"agentgym/tools.calculator-v0", "agentgym/tools.code-v0", "agentgym/tools.dates-v0", "agentgym/tools.sql-v0"} <= set(everything)
    assert resolve_tool_envs(["tools.[cd]*"]) == ["agentgym/tools.calculator-v0", "agentgym/tools.code-v0", "agentgym/tools.dates-v0"]
    assert resolve_tool_envs(["calculator", "tools.calc*"]) == ["agentgym/tools.calculator-v0"]  # no repeats
    assert resolve_tool_envs(["search"]) == ["agentgym/Search-v0"]  # prefixes ignore case
    with pytest.raises(ValueError, match=r"no tool env matches 'Household\*'.*agentgym/tools.calculator-v0"):
        resolve_tool_envs(["Household*"])  # registered, but not a tool env


def test_console_script():
    done = subprocess.run(
        [sys.executable, "-m", "agentgym", "eval-tools", "code", "--episodes", "2", "--json", "--no-progress"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["overall"]["success_rate"] == 1.0


def test_a_model_policy_is_evaluated_from_its_directory(tmp_path, capsys):
    """The model path of eval-tools: a tiny model saved locally, greedy, generating real tokens."""
    from agentgym.policies.tiny_model import build_tiny_model

    model = build_tiny_model(tmp_path / "tiny", env_ids=["agentgym/HouseholdEasy-v0", "agentgym/tools.calculator-v0"])
    out = tmp_path / "run"
    args = ["eval-tools", "calculator", "--policy", str(model), "--episodes", "2", "--max-new-tokens", "8", "--max-turns", "2", "--out", str(out), "--json", "--no-progress"]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    calc = report["suites"]["agentgym/tools.calculator-v0"]
    assert calc["episodes"] == 2 and calc["success_rate"] == 0.0  # an untrained model
    trajectories = read_jsonl(out / "tools.calculator-v0" / "episodes.jsonl")
    assert all(turn.action_ids for traj in trajectories for turn in traj.turns)  # generated tokens, kept
