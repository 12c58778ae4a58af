"""The agentgym command line, run as a user runs it (a real subprocess)."""

import json
import subprocess
import sys

import pytest

import agentgym
from agentgym.cli.main import build_parser

ENV = "agentgym/Household-v0"


def run(*args, input=None, check=True):
    out = subprocess.run([sys.executable, "-m", "agentgym", *args], capture_output=True, text=True, input=input, timeout=300)
    if check and out.returncode != 0:
        raise AssertionError(f"agentgym {' '.join(args)} exited {out.returncode}:\n{out.stdout}\n{out.stderr}")
    return out


def test_every_subcommand_has_useful_help():
    parser = build_parser()
    subcommands = parser._subparsers._group_actions[0].choices
    assert {"envs", "check", "eval", "play"} <= set(subcommands)
    top = run("--help").stdout
    for name in subcommands:
        assert name in top
        text = run(name, "--help").stdout
        assert "usage: agentgym " + name in text and len(text.splitlines()) > 5


def test_envs_lists_with_descriptions():
    out = run("envs").stdout
    line = next(l for l in out.splitlines() if l.startswith(ENV + " "))
    assert len(line.split(None, 1)[1]) > 10
    rows = json.loads(run("envs", "--json").stdout)
    assert any(r["id"] == ENV for r in rows)


def test_check_passes_on_household():
    out = run("check", "Household-v0").stdout
    assert "all checks passed" in out and "[FAIL]" not in out


def test_eval_writes_episodes_and_summary(tmp_path):
    out = run("eval", "Household-v0", "--policy", "random", "--episodes", "6", "--attempts", "2", "--out", str(tmp_path), "--split", "test-seen")
    summary = json.loads((tmp_path / "summary.json").read_text())
    lines = (tmp_path / "episodes.jsonl").read_text().splitlines()
    assert len(lines) == 12 and summary["episodes"] == 12 and summary["tasks"] == 6
    assert summary["split"] == "test-seen" and "pass@2" in summary and "pass^2" in summary
    assert "success rate" in out.stdout and "95% CI" in out.stdout
    assert "eval agentgym/Household-v0" in out.stderr  # the progress bar
    trajs = agentgym.read_jsonl(tmp_path / "episodes.jsonl")
    assert all(t.split == "test-seen" for t in trajs)


def test_eval_oracle_solves_everything(tmp_path):
    out = run("eval", "Household-v0", "--policy", "oracle", "--episodes", "20", "--no-progress", "--out", str(tmp_path))
    assert "success rate   100.0%" in out.stdout
    # broken down by task type by default: every type seen, each at 100%, counts adding up
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["split"] == "test-seen"  # no --split: the env's held-out split
    by_type = summary["by_task_type"]
    assert sum(row["episodes"] for row in by_type.values()) == 20 and len(by_type) >= 3
    assert all(row["success_rate"] == 1.0 for row in by_type.values())
    for task_type, row in by_type.items():
        assert any(line.split()[:2] == [task_type, str(row["episodes"])] for line in out.stdout.splitlines())


@pytest.mark.parametrize(
    "args, message",
    [
        (["eval", "Housework-v0"], "no env registered"),
        (["eval", "Household-v0", "--policy", "gpt-9"], "unknown policy"),
        (["eval", "Household-v0", "--split", "nope"], "unknown split"),
        (["eval", "Household-v0", "--kwarg", "nokey"], "KEY=VALUE"),
    ],
)
def test_bad_arguments_give_a_clear_error(args, message):
    out = run(*args, check=False)
    assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr


def test_play_in_the_terminal():
    env = agentgym.make(ENV)
    env.reset(seed=0, options={"task": "train-00003"})
    actions = []
    while not env.done:
        actions.append(env.oracle_action())
        env.step(actions[-1])
    out = run("play", "Household-v0", "--task", "train-00003", input="\n".join(actions) + "\n")
    assert "success after" in out.stdout and "success=True" in out.stdout
    assert "Admissible actions:" in out.stdout
    quit_early = run("play", "Household-v0", "--task", "train-00003", input="look\n", check=False)
    assert quit_early.returncode == 130
