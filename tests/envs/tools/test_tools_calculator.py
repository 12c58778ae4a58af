"""The calculator suite's pure helpers: the safe evaluator and unit conversion, hand-computed."""

import math

import pytest

from agentgym.envs.tools.answers import within_rounding
from agentgym.envs.tools.suites.arithmetic import ExpressionError, evaluate
from agentgym.envs.tools.suites.units import UnitError, convert


@pytest.mark.parametrize(
    "expression, value",
    [
        ("(3 + 4) * 2 / 7", 2.0),  # 14 / 7
        ("2 ** 10 - 24", 1000),
        ("17 // 5 + 17 % 5", 5),  # 3 + 2
        ("sqrt(16) + abs(-2.5)", 6.5),
        ("max(1, 7, 3) - min(4, 2)", 5),
        ("-(-3)", 3),
    ],
)
def test_evaluate(expression, value):
    assert evaluate(expression) == value


@pytest.mark.parametrize(
    "expression, message",
    [
        ("1 / 0", "division by zero"),
        ("__import__('os')", "unknown function '__import__'"),
        ("x + 1", "the name 'x' is not allowed"),
        ("9 ** 9 ** 9", "exponent 387420489 is too large"),
        ("1e99 * 1e99", "result too large"),
        ("(-8) ** 0.5", "not a real number"),
        ("3 +", "not an arithmetic expression"),
        ("'a' * 3", "Constant is not allowed"),
    ],
)
def test_evaluate_refuses(expression, message):
    with pytest.raises(ExpressionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        evaluate(expression)


def test_convert():
    assert convert(1, "mi", "km") == pytest.approx(1.609344)
    assert convert(100, "C", "F") == pytest.approx(212.0)
    assert convert(212, "F", "K") == pytest.approx(373.15)
    assert convert(2, "lb", "oz") == pytest.approx(32.0)  # 16 oz to the pound
    assert convert(1, "gal", "cup") == pytest.approx(16.0)
    with pytest.raises(UnitError, match=r"cannot convert length \(km\) to mass \(kg\)"):
        convert(1, "km", "kg")


def test_within_rounding():
    # exact 8.04672: 8.05 is off by 0.00328 <= 0.005; 8.04 by 0.00672 > 0.005
    assert within_rounding("8.05", 8.04672, 2)
    assert not within_rounding("8.04", 8.04672, 2)
    assert within_rounding("8.047", 8.04672, 2)
    assert not within_rounding("eight", 8.0, 2)
    assert within_rounding("3.142", math.pi, 3) and not within_rounding("3.141", math.pi, 3)
