"""Reading BFCL replies: the python-call format (parsed with ast, never evaluated) and the JSON formats."""

from __future__ import annotations

import pytest

from agentgym.envs.tools.bfcl.actions import format_reply, read_calls, resolve_names
from agentgym.envs.tools.bfcl.python_calls import CallSyntaxError, PyCall, parse_python_calls


def test_list_of_calls_with_literals():
    calls = parse_python_calls("[math.hypot(x=4, y=-5.5), get(names=['a', 'b'], opts={'k': (1, 2)}, flag=True, none=None)]")
    assert calls == [
        PyCall("math.hypot", {"x": 4, "y": -5.5}),
        PyCall("get", {"names": ["a", "b"], "opts": {"k": (1, 2)}, "flag": True, "none": None}),
    ]


def test_single_call_fenced_and_quoted():
    assert parse_python_calls("```python\n[f(a=1)]\n```") == [PyCall("f", {"a": 1})]
    assert parse_python_calls("'g(b=\"x\")'") == [PyCall("g", {"b": "x"})]
    assert parse_python_calls("[]") == []


def test_values_resolved_as_bfcl_does():
    (call,) = parse_python_calls("f(v=myVariable, n=2*3+1, c=inner(), k=inner(a=1), s=obj.attr)")
    # 2*3+1 = 7 computed; a bare name and an argument-less call stay text; a call with keywords nests.
    assert call.arguments == {"v": "myVariable", "n": 7, "c": "inner()", "k": {"inner": {"a": 1}}, "s": "obj.attr"}


def test_positional_arguments_kept_apart():
    assert parse_python_calls("sort('report.pdf')") == [PyCall("sort", {}, ("report.pdf",))]


@pytest.mark.parametrize(
    "text,reason",
    [
        ("[f(a=1), 3]", "every list item must be a call"),
        ("f(a=1, a=2)", "given twice"),
        ("f(**kw)", "'**' arguments"),
        ("[f(a=1)", "not valid call syntax"),
        ("x = 1", "not valid call syntax"),
        ("f(a=9**9**9)", "exponent too large"),
        ("f(a=1/0)", "cannot compute"),
        ("42", "expected a call or a list of calls"),
    ],
)
def test_malformed_calls_say_why(text, reason):
    with pytest.raises(CallSyntaxError, match=reason.replace("*", r"\*")):
        parse_python_calls(text)


def test_read_calls_formats():
    assert read_calls("[f(a=1)]").calls == [PyCall("f", {"a": 1})]
    tagged = read_calls('<tool_call>{"name": "f", "arguments": {"from": "x"}}</tool_call>')
    assert tagged.calls == [PyCall("f", {"from": "x"})] and not tagged.errors
    openai = read_calls('{"tool_calls": [{"type": "function", "function": {"name": "g", "arguments": "{\\"b\\": 2}"}}]}')
    assert openai.calls == [PyCall("g", {"b": 2})]


def test_plain_text_is_no_attempt_and_broken_calls_are():
    assert not read_calls("I cannot help with that.").attempted
    assert not read_calls("").attempted
    broken = read_calls("[f(a=1")
    assert broken.attempted and broken.calls == [] and "could not read the calls" in broken.errors[0]
    bad_json = read_calls('<tool_call>{"name": "f", </tool_call>')
    assert bad_json.attempted and bad_json.errors


def test_underscored_names_map_back_to_dotted():
    calls = resolve_names([PyCall("math_hypot", {"x": 1}), PyCall("other", {})], ["math.hypot", "other"])
    assert [c.name for c in calls] == ["math.hypot", "other"]
    # Ambiguous: two dotted names underscore to the same text, so the name is left alone.
    assert resolve_names([PyCall("a_b_c", {})], ["a.b_c", "a_b.c"])[0].name == "a_b_c"


def test_format_reply_round_trips_and_falls_back_to_json():
    calls = [("f", {"a": 1, "b": "x"}), ("g.h", {"c": [1.5]})]
    assert format_reply(calls) == "[f(a=1, b='x'), g.h(c=[1.5])]"
    assert [(c.name, c.arguments) for c in read_calls(format_reply(calls)).calls] == calls
    keyword = [("query", {"from": "20.5", "to": "30"})]  # `from` cannot be a Python keyword argument
    reply = format_reply(keyword)
    assert reply.startswith("<tool_call>")
    assert [(c.name, c.arguments) for c in read_calls(reply).calls] == keyword
