"""BFCL's python-call text format, ``[func(a=1), mod.other(b="x")]``, parsed with :mod:`ast` (never eval).

Values resolve the way BFCL's decoder resolves them: literals as themselves, ``-x`` negated,
lists/dicts/tuples recursively, a bare name (a variable) as its name string, a call without
keyword arguments as its source text, a call with keyword arguments as a nested
``{name: {arg: value}}``, and arithmetic on number literals computed. Positional arguments are
kept apart (BFCL's multi-turn APIs accept them; its single-turn checker does not).
"""

from __future__ import annotations

import ast
import math
import operator
from dataclasses import dataclass, field
from typing import Any

from agentgym.envs.tools.calls import unfence

__all__ = ["PyCall", "CallSyntaxError", "parse_python_calls", "format_python_call", "format_python_calls"]


def _unfence(text: str) -> str:
    """The body of a Markdown code fence (```python ... ```), or ``text`` as given if unfenced."""
    body = text.strip()
    inner = unfence(body)
    return text if inner is body else inner


_ARITHMETIC = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
#: Longest action parsed; ``ast.parse`` on megabytes of brackets is slow and may recurse deeply.
MAX_CALL_TEXT = 200_000


class CallSyntaxError(ValueError):
    """The text is not a call or a list of calls in BFCL's python format."""


@dataclass(frozen=True)
class PyCall:
    """One parsed call: the dotted function name, keyword arguments, positional arguments."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    positional: tuple[Any, ...] = ()


def parse_python_calls(text: str) -> list[PyCall]:
    """Parse ``[f(a=1), g(b=2)]`` (or a single ``f(a=1)``, or ``[]``) into calls.

    A surrounding Markdown code fence and wrapping single quotes are dropped first.

    Raises:
        CallSyntaxError: the text is not a call or a list/tuple of calls; the message says why.
    """
    if not isinstance(text, str):
        raise CallSyntaxError(f"expected text, got {type(text).__name__}")
    if len(text) > MAX_CALL_TEXT:
        raise CallSyntaxError(f"the reply is {len(text)} characters long; at most {MAX_CALL_TEXT} are parsed")
    text = _unfence(text)
    cleaned = text.strip().strip("'").strip()
    if not cleaned:
        raise CallSyntaxError("the reply is empty")
    try:
        tree = ast.parse(cleaned, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise CallSyntaxError(f"not valid call syntax: {getattr(exc, 'msg', None) or exc}") from None
    body = tree.body
    if isinstance(body, ast.Call):
        nodes = [body]
    elif isinstance(body, (ast.List, ast.Tuple)):
        nodes = list(body.elts)
    else:
        raise CallSyntaxError(f"expected a call or a list of calls, found {type(body).__name__.lower()}")
    calls = []
    for node in nodes:
        if not isinstance(node, ast.Call):
            raise CallSyntaxError(f"every list item must be a call like name(arg=value); found {ast.unparse(node)[:60]!r}")
        calls.append(_resolve_call(node))
    return calls


def _dotted_name(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        raise CallSyntaxError(f"a function name must be a dotted name, found {ast.unparse(node)[:60]!r}")
    parts.append(node.id)
    return ".".join(reversed(parts))


def _resolve_call(node: ast.Call) -> PyCall:
    name = _dotted_name(node.func)
    arguments: dict[str, Any] = {}
    for kw in node.keywords:
        if kw.arg is None:
            raise CallSyntaxError(f"'**' arguments are not supported in a call to {name}")
        if kw.arg in arguments:
            raise CallSyntaxError(f"argument {kw.arg!r} is given twice in a call to {name}")
        arguments[kw.arg] = _resolve_value(kw.value)
    positional = []
    for arg in node.args:
        if isinstance(arg, ast.Starred):
            raise CallSyntaxError(f"'*' arguments are not supported in a call to {name}")
        positional.append(_resolve_value(arg))
    return PyCall(name, arguments, tuple(positional))


def _resolve_value(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant):
        return "..." if node.value is Ellipsis else node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _resolve_value(node.operand)
        if isinstance(value, (int, float, complex)) and not isinstance(value, bool):
            return -value if isinstance(node.op, ast.USub) else value
        raise CallSyntaxError(f"cannot negate {ast.unparse(node.operand)[:60]!r}")
    if isinstance(node, ast.List):
        return [_resolve_value(v) for v in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_resolve_value(v) for v in node.elts)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise CallSyntaxError("'**' inside a dict is not supported")
        try:
            return {_resolve_value(k): _resolve_value(v) for k, v in zip(node.keys, node.values)}
        except TypeError as exc:  # an unhashable key such as a list
            raise CallSyntaxError(f"bad dict key: {exc}") from None
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.BinOp):
        return _arithmetic(node)
    if isinstance(node, ast.Call):
        if not node.keywords:
            return ast.unparse(node)
        call = _resolve_call(node)
        return {call.name: call.arguments}
    if isinstance(node, (ast.Attribute, ast.Subscript, ast.Lambda)):
        return ast.unparse(node)
    raise CallSyntaxError(f"unsupported argument value {ast.unparse(node)[:60]!r}")


def _arithmetic(node: ast.BinOp) -> Any:
    op = _ARITHMETIC.get(type(node.op))
    left, right = _resolve_value(node.left), _resolve_value(node.right)
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right))
    if op is None or not numbers:
        return ast.unparse(node)
    if op is operator.pow and (abs(right) > 64 or abs(left) > 1e6):  # keeps 9**9**9 from hanging the env
        raise CallSyntaxError(f"exponent too large in {ast.unparse(node)[:60]!r}")
    try:
        result = op(left, right)
    except (ZeroDivisionError, OverflowError, ValueError) as exc:
        raise CallSyntaxError(f"cannot compute {ast.unparse(node)[:60]!r}: {exc}") from None
    if isinstance(result, float) and not math.isfinite(result):
        raise CallSyntaxError(f"{ast.unparse(node)[:60]!r} is not a finite number")
    return result


def format_python_call(name: str, arguments: dict[str, Any], positional: tuple[Any, ...] = ()) -> str:
    """``name(pos, key=value, ...)`` with values written as Python literals (``repr``)."""
    parts = [repr(v) for v in positional] + [f"{k}={v!r}" for k, v in arguments.items()]
    return f"{name}({', '.join(parts)})"


def format_python_calls(calls: list[PyCall]) -> str:
    """``[call, call, ...]``: the inverse of :func:`parse_python_calls`."""
    return "[" + ", ".join(format_python_call(c.name, c.arguments, c.positional) for c in calls) + "]"
