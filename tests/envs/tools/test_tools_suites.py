"""The built-in tool suites: the oracle solves every task it is given, through the tools; tasks are
seeded by id; a wrong answer fails; several tasks need 2 to 5 chained calls."""

import json

import pytest

import agentgym
from agentgym.envs.tools import SUITES, suite_env_id
from agentgym.envs.tools.calls import parse_action

SUITE_IDS = [suite_env_id(name) for name in SUITES]


def play_oracle(env, task):
    """Play the oracle on one task; return (success, number of tool calls, observations)."""
    obs, info = env.reset(seed=7, options={"task": task})
    calls, seen = 0, [obs]
    while not env.done:
        obs, _, _, _, info = env.step(env.oracle_action())
        calls += info["tool_calls"]
        seen.append(obs)
        assert info["valid_action"], obs
    return info["success"], calls, seen


@pytest.mark.parametrize("env_id", SUITE_IDS)
@pytest.mark.parametrize("split, count", [("train", 150), ("test", 60)])
def test_oracle_solves_every_task(env_id, split, count):
    env = agentgym.make(env_id, split=split)
    lengths = []
    for i in range(count):
        success, calls, _ = play_oracle(env, f"{split}-{i:05d}")
        assert success, f"{env_id} {split}-{i:05d}"
        lengths.append(calls)
    env.close()
    assert min(lengths) >= 1
    chained = [n for n in lengths if 2 <= n <= 5]
    assert len(chained) >= count // 4, f"too few chained tasks: {sorted(lengths)}"


@pytest.mark.parametrize("env_id", SUITE_IDS)
def test_oracle_in_openai_format(env_id):
    env = agentgym.make(env_id, oracle_format="openai")
    for i in range(20):
        env.reset(seed=0, options={"task": f"test-{i:05d}"})
        while not env.done:
            action = env.oracle_action()
            if not action.startswith("<answer>"):
                assert json.loads(action)["tool_calls"][0]["type"] == "function"
            *_, info = env.step(action)
        assert info["success"]


@pytest.mark.parametrize("env_id", SUITE_IDS)
def test_wrong_answers_fail_and_the_answer_is_never_shown(env_id):
    env = agentgym.make(env_id)
    for i in range(20):
        task = f"train-{i:05d}"
        _, _, observations = play_oracle(env, task)
        truth = env.unwrapped.task.answer
        assert truth not in observations[0].split("<tools>")[0] or len(truth) <= 2
        obs, info = env.reset(seed=0, options={"task": task})
        wrong = "no such thing" if parse_action(f"<answer>{truth}</answer>").answer is None else f"{truth} and more"
        *_, terminated, _, info = env.step(f"<answer>{wrong}</answer>")
        assert terminated and not info["success"] and info["answer"] == truth


@pytest.mark.parametrize("env_id", SUITE_IDS)
def test_tasks_depend_on_the_id_only(env_id):
    a, b = agentgym.make(env_id), agentgym.make(env_id)
    first = a.reset(seed=1, options={"task": "train-00005"})[0]
    assert b.reset(seed=99, options={"task": "train-00005"})[0] == first
    assert b.reset(seed=1, options={"task": "test-00005"})[0] != first
    # Tasks differ in their data even where the request reads the same (SQL prompts are templates).
    transcripts = {"\n".join(play_oracle(a, f"train-{i:05d}")[2]) for i in range(30)}
    assert len(transcripts) >= 25  # two tasks may reveal the same facts (the same largest department)
