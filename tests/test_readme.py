"""The README's code runs as written."""

import re
from pathlib import Path

import gymnasium

import agentgym

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
PY_BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)
SHELL_BLOCKS = re.findall(r"```bash\n(.*?)```", README, flags=re.S)


def test_register_example_runs_and_passes_the_checks():
    [block] = [b for b in PY_BLOCKS if "class GuessEnv" in b]
    assert len(block.strip().splitlines()) <= 30
    namespace: dict = {}
    exec(compile(block, "README:GuessEnv", "exec"), namespace)
    env = gymnasium.make("mypkg/Guess-v0")
    obs, info = env.reset(seed=1)
    assert "number from 1 to 9" in obs
    report = agentgym.run_checks("mypkg/Guess-v0", lambda: agentgym.make("mypkg/Guess-v0"))
    assert report.passed, report.format()


def test_python_quickstart_runs():
    [block] = [b for b in PY_BLOCKS if "RandomPolicy(seed=0)" in b]
    exec(compile(block, "README:quickstart", "exec"), {})


def test_the_two_setup_commands_are_first():
    commands = [line for line in SHELL_BLOCKS[0].splitlines() if line and not line.startswith("#")]
    assert len(commands) == 2
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert commands[1] in ci, ".ci/run must run the README's test command"
