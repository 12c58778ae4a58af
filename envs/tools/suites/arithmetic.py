"""A safe arithmetic evaluator for the calculator tool: numbers, ``+ - * / // % **``, parentheses
and a few functions, parsed with :mod:`ast` (never ``eval``). Pure; bounded so no expression can
run long (exponents and magnitudes are capped)."""

from __future__ import annotations

import ast
import math
import operator
from typing import Callable

__all__ = ["evaluate", "ExpressionError", "FUNCTIONS"]

#: Functions an expression may call.
FUNCTIONS: dict[str, Callable[..., float]] = {
    "sqrt": math.sqrt,
    "abs": abs,
    "round": lambda x, ndigits=None: _round(x, ndigits),
    "min": min,
    "max": max,
    "log": math.log,
    "exp": math.exp,
}
_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY = {ast.UAdd: operator.pos, ast.USub: operator.neg}
_MAX_EXPONENT = 1000
_MAX_MAGNITUDE = 1e100
_MAX_LENGTH = 500


class ExpressionError(ValueError):
    """The expression is not plain arithmetic, or cannot be computed; the message says why."""


def evaluate(expression: str) -> int | float:
    """The value of an arithmetic expression, e.g. ``"(3 + 4) * 2 / 7"`` -> 2.0.

    Raises:
        ExpressionError: anything but numbers, the operators, parentheses and
            :data:`FUNCTIONS`; division by zero; a result too large.
    """
    if len(expression) > _MAX_LENGTH:
        raise ExpressionError(f"expression too long ({len(expression)} characters; at most {_MAX_LENGTH})")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"not an arithmetic expression: {exc.msg} at column {exc.offset}") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ExpressionError(f"not an arithmetic expression: {exc}") from None
    return _eval(tree.body)


def _eval(node: ast.AST) -> int | float:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return _bounded(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > _MAX_EXPONENT:
            raise ExpressionError(f"exponent {right} is too large (at most {_MAX_EXPONENT})")
        try:
            return _bounded(_BINARY[type(node.op)](left, right))
        except ZeroDivisionError:
            raise ExpressionError("division by zero") from None
        except OverflowError:
            raise ExpressionError("result too large") from None
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        fn = FUNCTIONS.get(node.func.id)
        if fn is None:
            raise ExpressionError(f"unknown function {node.func.id!r}; the functions are: {', '.join(FUNCTIONS)}")
        args = [_eval(a) for a in node.args]
        try:
            return _bounded(fn(*args))
        except (ValueError, TypeError, OverflowError) as exc:
            raise ExpressionError(f"{node.func.id}{tuple(args)}: {exc}") from None
    what = type(node).__name__
    if isinstance(node, ast.Name):
        what = f"the name {node.id!r}"
    raise ExpressionError(f"{what} is not allowed: use numbers, + - * / // % **, parentheses and {', '.join(FUNCTIONS)}")


def _round(x: float, ndigits: int | None = None) -> float:
    # Python computes 10**-ndigits exactly: round(5, -10**50) would never finish.
    if ndigits is not None and abs(ndigits) > 20:
        raise ValueError("ndigits must be between -20 and 20")
    return round(x) if ndigits is None else round(x, ndigits)


def _bounded(value: int | float) -> int | float:
    if isinstance(value, complex):
        raise ExpressionError("the result is not a real number")
    if abs(value) > _MAX_MAGNITUDE:
        raise ExpressionError(f"result too large (more than {_MAX_MAGNITUDE:g} in magnitude)")
    return value
