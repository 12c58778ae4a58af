"""The ToolEnv base class: error observations, info keys, answers, state keys."""

import json
from typing import ClassVar

import pytest

from agentgym.env import TaskIds, TaskSet
from agentgym.envs.tools import ToolCall, ToolEnv, ToolError, ToolTask, parse_action


def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: the first.
        b: the second.
    """
    return a + b


def divide(a: float, b: float) -> float:
    """Divide a by b."""
    return a / b


def lookup(key: str) -> str:
    """Look a key up."""
    if key != "k":
        raise ToolError(f"no entry {key!r}; the keys are: k")
    return "v" * 5000


def answer(text: str) -> str:
    """Give the final answer."""
    return "received"


class AddEnv(ToolEnv):
    """Add 2 and 3, then add 4 to the result: answer 9."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.task_set = TaskSet({"train": TaskIds("train", 3)})

    def make_task(self, task_id, rng):
        return ToolTask(
            prompt="Add 2 and 3, then add 4 to the result.",
            answer="9",
            tools=[add, divide, lookup],
            plan=[ToolCall("add", {"a": 2, "b": 3}), lambda r: ToolCall("add", {"a": r[0], "b": 4})],
        )


class AnswerToolEnv(AddEnv):
    answer_tool: ClassVar[str] = "answer"

    def make_task(self, task_id, rng):
        task = super().make_task(task_id, rng)
        task.tools = [*task.tools, answer]
        return task


def call(name, **arguments):
    return f'<tool_call>{json.dumps({"name": name, "arguments": arguments})}</tool_call>'


def response(obs):
    """The JSON objects of the <tool_response> blocks of an observation."""
    return [json.loads(block.split("</tool_response>")[0]) for block in obs.split("<tool_response>")[1:]]


@pytest.fixture
def env():
    env = AddEnv()
    env.reset(seed=0)
    return env


def test_first_observation_lists_the_tools_and_info_has_schemas_and_answer(env):
    obs, info = env.reset(seed=1)
    assert obs.startswith("Add 2 and 3, then add 4 to the result.\n\n<tools>\n")
    listed = [json.loads(line) for line in obs.split("<tools>\n")[1].split("\n</tools>")[0].splitlines()]
    assert [s["function"]["name"] for s in listed] == ["add", "divide", "lookup"]
    assert info["tools"] == listed
    assert info["answer"] == "9" and "9" not in obs
    assert info["tool_calls"] == 0 and info["tool_calls_valid"] == 0


def test_a_valid_call_returns_its_result(env):
    obs, reward, terminated, truncated, info = env.step(call("add", a=2, b=3))
    assert response(obs) == [{"name": "add", "arguments": {"a": 2, "b": 3}, "result": 5}]
    assert (reward, terminated, truncated) == (0.0, False, False)
    assert info["valid_action"] and info["tool_calls"] == 1 and info["tool_calls_valid"] == 1


def test_bad_json_is_answered_with_its_position(env):
    obs, _, _, _, info = env.step('<tool_call>{"name": "add", "arguments": {"a": 2,, "b": 3}}</tool_call>')
    [r] = response(obs)
    assert r["error"] == "bad JSON in tool call 1 (<tool_call> block): Expecting property name enclosed in double quotes at line 1, column 38 (char 37)"
    assert not info["valid_action"] and info["tool_calls"] == 1 and info["tool_calls_valid"] == 0


def test_unknown_tool_lists_the_known_ones(env):
    obs, _, _, _, info = env.step(call("ad", a=1, b=2))
    assert response(obs)[0]["error"] == "unknown tool 'ad'. Did you mean 'add'? The tools are: add, divide, lookup."
    assert not info["valid_action"] and info["error"].startswith("unknown tool 'ad'")


@pytest.mark.parametrize(
    "arguments, error",
    [
        ({"a": 2}, "invalid arguments for add: arguments: 'b' is a required property"),
        ({"a": 2, "b": 3, "c": 4}, "invalid arguments for add: arguments: Additional properties are not allowed ('c' was unexpected)"),
        ({"a": "two", "b": 3}, "invalid arguments for add: arguments.a: 'two' is not of type 'integer'"),
        ({"a": 2.5, "b": True}, "invalid arguments for add: arguments.a: 2.5 is not of type 'integer'; arguments.b: True is not of type 'integer'"),
    ],
)
def test_schema_invalid_arguments_give_path_and_reason(env, arguments, error):
    obs, _, _, _, info = env.step(call("add", **arguments))
    assert response(obs)[0]["error"] == error
    assert not info["valid_action"] and info["tool_calls"] == 1 and info["tool_calls_valid"] == 0


def test_a_tool_that_raises_is_reported_but_the_call_was_valid(env):
    obs, _, terminated, _, info = env.step(call("divide", a=1, b=0) + call("lookup", key="x"))
    assert [r["error"] for r in response(obs)] == ["divide raised ZeroDivisionError: division by zero", "no entry 'x'; the keys are: k"]
    assert info["valid_action"] and info["tool_calls"] == 2 and info["tool_calls_valid"] == 2 and not terminated


def test_counts_mix_valid_and_invalid_calls_in_both_formats(env):
    openai = json.dumps({"tool_calls": [{"type": "function", "function": {"name": "nope", "arguments": "{}"}}]})
    obs, _, _, _, info = env.step(call("add", a=1, b=1) + "\n" + openai)
    assert [("result" in r) for r in response(obs)] == [True, False]
    assert (info["tool_calls"], info["tool_calls_valid"], info["valid_action"]) == (2, 1, False)


def test_too_many_calls_are_not_run(env):
    obs, _, _, _, info = env.step(call("add", a=1, b=1) * 10)
    errors = [r.get("error") for r in response(obs)]
    assert errors[:8] == [None] * 8
    assert errors[8:] == ["not run: at most 8 tool calls are run per message"] * 2
    assert (info["tool_calls"], info["tool_calls_valid"]) == (10, 8)


def test_long_results_are_cut(env):
    obs, *_ = env.step(call("lookup", key="k"))
    assert "... [cut: " in obs and len(obs) < 4200


def test_no_call_says_how_to_call(env):
    obs, _, _, _, info = env.step("the answer is 9")
    assert "no tool call or answer found" in obs and "<tool_call>" in obs and "add, divide, lookup" in obs
    assert not info["valid_action"] and info["tool_calls"] == 0
    obs, _, _, _, info = env.step(None)
    assert not info["valid_action"] and info["tool_calls"] == 0


@pytest.mark.parametrize("given, success", [("9", True), (" 9.0 ", True), ("10", False)])
def test_answer_ends_the_episode(env, given, success):
    obs, reward, terminated, truncated, info = env.step(f"<answer>{given}</answer>")
    assert terminated and not truncated
    assert info["success"] is success and reward == float(success)


def test_calls_in_the_answering_action_run_first(env):
    obs, reward, terminated, _, info = env.step(call("add", a=4, b=5) + "<answer>9</answer>")
    assert response(obs)[0]["result"] == 9 and "Answer received: '9' (correct)" in obs
    assert terminated and info["success"] and info["tool_calls"] == 1


def test_chained_oracle_feeds_results_forward():
    for fmt in ("hermes", "openai"):
        env = AddEnv(oracle_format=fmt)
        env.reset(seed=0)
        actions = []
        while not env.done:
            actions.append(env.oracle_action())
            *_, info = env.step(actions[-1])
        assert info["success"] and len(actions) == 3
        assert actions[-1] == "<answer>9</answer>"
        [second] = parse_action(actions[1]).calls
        assert (second.name, second.arguments) == ("add", {"a": 5, "b": 4})


def test_answer_tool_ends_the_episode():
    env = AnswerToolEnv()
    env.reset(seed=0)
    *_, terminated, _, info = env.step(call("answer", text="8"))
    assert terminated and not info["success"]
    env.reset(seed=0)
    while not env.done:
        action = env.oracle_action()
        *_, info = env.step(action)
    assert info["success"] and action == call("answer", text="9")


def test_state_key_tracks_what_was_learned_not_the_path():
    a, b = AddEnv(), AddEnv()
    _, start = a.reset(seed=0)
    b.reset(seed=0)
    # invalid actions and repeats leave the state as it was
    assert a.step("nonsense")[4]["state_key"] == start["state_key"]
    one = a.step(call("add", a=1, b=1))[4]["state_key"]
    assert one != start["state_key"]
    both_a = a.step(call("add", a=2, b=2))[4]["state_key"]
    b.step(call("add", a=2, b=2))
    both_b = b.step(call("add", a=1, b=1) + call("add", a=1, b=1))[4]["state_key"]
    assert both_a == both_b


def test_toolbox_refuses_duplicate_names_and_bad_hand_written_schemas():
    from agentgym.envs.tools import Tool, Toolbox

    with pytest.raises(ValueError, match="two tools are named 'add'"):
        Toolbox([add, add])
    bad = Tool(name="f", fn=add, schema={"type": "function", "function": {"name": "f", "parameters": {"type": "objekt"}}})
    with pytest.raises(ValueError, match="not a valid JSON schema for a tool's arguments"):
        Toolbox([bad])
