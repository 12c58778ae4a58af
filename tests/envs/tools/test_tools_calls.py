"""Reading tool calls and answers out of policy text (agentgym.envs.tools.calls)."""

import json

import pytest

from agentgym.envs.tools.calls import CallError, ToolCall, format_tool_calls, parse_action


def test_hermes_tags_several_calls_and_string_arguments():
    text = (
        'Let me look.\n<tool_call>{"name": "add", "arguments": {"a": 1, "b": 2}}</tool_call>\n'
        '<tool_call>\n{"name": "neg", "arguments": "{\\"x\\": 5}"}\n</tool_call>'
        '<tool_call>{"name": "now", "parameters": {}}</tool_call>'
    )
    parsed = parse_action(text)
    assert parsed.format == "hermes"
    assert parsed.calls == [ToolCall("add", {"a": 1, "b": 2}), ToolCall("neg", {"x": 5}), ToolCall("now", {})]
    assert parsed.answer is None and parsed.errors == []


def test_openai_tool_calls_with_string_and_object_arguments():
    text = json.dumps(
        {
            "role": "assistant",
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "add", "arguments": '{"a": 1, "b": 2}'}},
                {"type": "function", "function": {"name": "neg", "arguments": {"x": 5}}},
            ],
        }
    )
    parsed = parse_action(f"```json\n{text}\n```")
    assert parsed.format == "openai"
    assert parsed.calls == [ToolCall("add", {"a": 1, "b": 2}, id="c1"), ToolCall("neg", {"x": 5})]


def test_bare_call_object_and_list_are_read_as_openai():
    assert parse_action('{"name": "f", "arguments": {"q": "x"}}').calls == [ToolCall("f", {"q": "x"})]
    assert parse_action('[{"name": "f"}, {"name": "g", "arguments": null}]').calls == [ToolCall("f"), ToolCall("g")]


def test_answer_tag_with_and_without_calls():
    parsed = parse_action('<tool_call>{"name": "f", "arguments": {}}</tool_call> then <answer> 42 </answer>')
    assert parsed.answer == "42" and parsed.calls == [ToolCall("f")]
    parsed = parse_action("<answer>unfinished")
    assert parsed.answer is None and parsed.errors == ["<answer> at char 0 is never closed by </answer>"]


def test_bad_json_reports_line_column_and_char():
    # '{"name": "f", "arguments": {"a": 1' ends after char 33: the object is never closed.
    parsed = parse_action('<tool_call>{"name": "f", "arguments": {"a": 1</tool_call>')
    [error] = parsed.calls
    assert isinstance(error, CallError)
    assert error.message == (
        "bad JSON in tool call 1 (<tool_call> block): Expecting ',' delimiter at line 1, column 35 (char 34)"
    )
    [error] = parse_action('{"tool_calls": [}').calls
    assert error.message == "bad JSON in the tool_calls JSON: Expecting value at line 1, column 17 (char 16)"


def test_bad_arguments_string_names_the_tool():
    text = json.dumps({"tool_calls": [{"type": "function", "function": {"name": "add", "arguments": '{"a": }'}}]})
    [error] = parse_action(text).calls
    assert error.name == "add"
    assert error.message == "bad JSON in the arguments string of tool call 1 (add): Expecting value at line 1, column 7 (char 6)"


@pytest.mark.parametrize(
    "text, message",
    [
        ('<tool_call>{"arguments": {}}</tool_call>', "tool call 1 has no tool name: expected a string 'name' field, got nothing"),
        ('<tool_call>[1, 2]</tool_call>', "tool call 1 must be a JSON object with 'name' and 'arguments', got a list"),
        ('<tool_call>{"name": "f", "arguments": [1]}</tool_call>', "tool call 1 (f): 'arguments' must be a JSON object, got a list"),
        ('{"tool_calls": {"name": "f"}}', "'tool_calls' must be a list of calls, got an object"),
        ('{"tool_calls": [{"type": "code", "function": {"name": "f"}}]}', "tool call 1 has type 'code'; only 'function' calls are supported"),
        ('<tool_call>{"name": "f"}', "<tool_call> at char 0 is never closed by </tool_call>"),
    ],
)
def test_unreadable_calls_say_why(text, message):
    [error] = parse_action(text).calls
    assert isinstance(error, CallError)
    assert error.message == message


def test_plain_text_has_no_calls():
    parsed = parse_action("I think the answer is 4.")
    assert parsed.calls == [] and parsed.answer is None and parsed.format == "none"
    assert parse_action(None).errors == ["expected text, got NoneType"]


@pytest.mark.parametrize("style", ["hermes", "openai"])
def test_format_round_trips(style):
    calls = [ToolCall("add", {"a": 1, "b": [2, "ü"]}), ToolCall("now", {})]
    parsed = parse_action(format_tool_calls(calls, style))
    assert [(c.name, c.arguments) for c in parsed.calls] == [(c.name, c.arguments) for c in calls]
    assert parsed.format == style


def test_deep_nesting_is_refused_not_raised():
    """Guards against a RecursionError escaping json.loads on '[[[[...' (found by the fuzz test)."""
    [error] = parse_action("[" * 5000).calls
    assert "nested too deeply" in error.message or "Expecting" in error.message
    deep = '{"name": "f", "arguments": {"a": ' + "[" * 40 + "]" * 40 + "}}"
    [error] = parse_action(f"<tool_call>{deep}</tool_call>").calls
    assert error.message == "tool call 1 (f): arguments nested deeper than 32 levels"


def test_text_after_openai_json_is_an_action_error_but_the_call_is_read():
    parsed = parse_action('{"name": "f", "arguments": {}} and more')
    assert parsed.calls == [ToolCall("f")]
    assert parsed.errors == ["unexpected text after the tool_calls JSON: 'and more' (put nothing but an <answer> after it)"]
    parsed = parse_action('```json\n{"name": "f"}\n```\n<answer>3</answer>')
    assert parsed.calls == [ToolCall("f")] and parsed.answer == "3" and parsed.errors == []


def test_an_answer_tag_inside_a_call_is_not_the_answer():
    """Guards against code like print('<answer>1</answer>') in a call's arguments ending the episode."""
    code = json.dumps({"name": "run_python", "arguments": {"code": "print('<answer>1</answer>')"}})
    parsed = parse_action(f"<tool_call>{code}</tool_call>")
    assert parsed.answer is None and parsed.calls[0].arguments["code"] == "print('<answer>1</answer>')"
    openai = json.dumps({"tool_calls": [{"type": "function", "function": {"name": "run_python", "arguments": {"code": "'<answer>2</answer>'"}}}]})
    parsed = parse_action(openai + "\n<answer>7</answer>")
    assert parsed.answer == "7" and parsed.calls[0].arguments["code"] == "'<answer>2</answer>'"
