"""``agentgym/tools.calculator-v0``: arithmetic and unit conversion, one to five chained calls.

Tools: ``calculate(expression)`` (a safe arithmetic evaluator) and
``convert_units(value, from_unit, to_unit)``. Task kinds:

- ``arithmetic``: compute an expression (1 call);
- ``convert``: convert a quantity (1 call);
- ``convert_then_scale``: convert a per-item quantity, then multiply by a count (2 calls);
- ``mean_temperature``: convert 2-4 Fahrenheit readings to Celsius, then average them (3-5 calls);
- ``cheaper_per_kg``: compare two prices quoted per pound and per kilogram (3 calls).

Numeric answers are asked for rounded to a stated number of decimals; any correct rounding passes.
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar, Literal

import numpy as np

from agentgym.envs.tools.answers import within_rounding
from agentgym.envs.tools.calls import ToolCall
from agentgym.envs.tools.env import ToolTask
from agentgym.envs.tools.suite import SuiteEnv
from agentgym.envs.tools.suites.arithmetic import ExpressionError, evaluate
from agentgym.envs.tools.suites.units import UNIT_NAMES, UnitError, convert
from agentgym.envs.tools.toolbox import ToolError

__all__ = ["CalculatorEnv", "calculate", "convert_units", "KINDS"]

UnitName = Literal["mm", "cm", "m", "km", "in", "ft", "yd", "mi", "g", "kg", "oz", "lb", "ml", "l", "gal", "cup", "s", "min", "h", "day", "C", "F", "K"]


def calculate(expression: str) -> float:
    """Evaluate an arithmetic expression.

    Args:
        expression: numbers with + - * / // % ** and parentheses, and the functions sqrt, abs,
            round, min, max, log, exp; e.g. "(3 + 4) * 2.5".
    """
    try:
        return evaluate(expression)
    except ExpressionError as exc:
        raise ToolError(str(exc)) from None


def convert_units(value: float, from_unit: UnitName, to_unit: UnitName) -> float:
    """Convert a quantity between units of the same dimension (length, mass, volume, time, temperature).

    Args:
        value: the quantity, in from_unit.
        from_unit: the unit value is in (mi = miles, lb = pounds, gal = US gallons, F = degrees Fahrenheit, ...).
        to_unit: the unit to express it in.
    """
    try:
        return convert(value, from_unit, to_unit)
    except UnitError as exc:
        raise ToolError(str(exc)) from None


def _rounded(decimals: int) -> Callable[[list[Any]], str]:
    return lambda results: f"{round(float(results[-1]), decimals):.{decimals}f}"


def _task(prompt: str, exact: float, decimals: int, plan: list, kind: str, finish=None) -> ToolTask:
    return ToolTask(
        prompt=f"{prompt} Give the result rounded to {decimals} decimal places.",
        answer=f"{round(exact, decimals):.{decimals}f}",
        tools=[calculate, convert_units],
        plan=plan,
        finish=finish or _rounded(decimals),
        check=lambda given: within_rounding(given, exact, decimals),
        metadata={"task_kind": kind},
    )


def _arithmetic(rng: np.random.Generator) -> ToolTask:
    a, b, c, d = (int(x) for x in rng.integers(2, 99, size=4))
    templates = [
        (f"({a} * {b} + {c}) / {d}", (a * b + c) / d),
        (f"{a} * {b} - {c} * {d}", a * b - c * d),
        (f"({a} + {b}) * ({c} - {d}) / 7", (a + b) * (c - d) / 7),
        (f"sqrt({a * b}) + {c}", (a * b) ** 0.5 + c),
        (f"{a} ** 3 / {d}", a**3 / d),
    ]
    expression, exact = templates[int(rng.integers(len(templates)))]
    return _task(f"Compute {expression}.", exact, 2, [ToolCall("calculate", {"expression": expression})], "arithmetic")


_CONVERSIONS = [("mi", "km"), ("km", "mi"), ("lb", "kg"), ("kg", "oz"), ("gal", "l"), ("ft", "m"), ("C", "F"), ("F", "C"), ("h", "s"), ("cup", "ml")]


def _convert(rng: np.random.Generator) -> ToolTask:
    src, dst = _CONVERSIONS[int(rng.integers(len(_CONVERSIONS)))]
    value = round(float(rng.uniform(1, 250)), 1)
    return _task(
        f"How many {UNIT_NAMES[dst]} is {value} {UNIT_NAMES[src]}?",
        convert(value, src, dst),
        3,
        [ToolCall("convert_units", {"value": value, "from_unit": src, "to_unit": dst})],
        "convert",
    )


_SCALES = [
    ("mi", "km", "A runner covers {x} miles every day for {n} days. How many kilometres is that in total?"),
    ("lb", "kg", "A crate weighs {x} pounds. How many kilograms do {n} such crates weigh?"),
    ("gal", "l", "A tank holds {x} US gallons. How many litres do {n} such tanks hold?"),
    ("oz", "g", "A bag holds {x} ounces of flour. How many grams of flour are in {n} bags?"),
]


def _convert_then_scale(rng: np.random.Generator) -> ToolTask:
    src, dst, template = _SCALES[int(rng.integers(len(_SCALES)))]
    x = round(float(rng.uniform(1, 60)), 1)
    n = int(rng.integers(3, 40))
    plan = [
        ToolCall("convert_units", {"value": x, "from_unit": src, "to_unit": dst}),
        lambda r: ToolCall("calculate", {"expression": f"{r[0]!r} * {n}"}),
    ]
    return _task(template.format(x=x, n=n), x * convert(1.0, src, dst) * n, 2, plan, "convert_then_scale")


def _mean_temperature(rng: np.random.Generator) -> ToolTask:
    k = int(rng.integers(2, 5))
    readings = [int(t) for t in rng.integers(20, 100, size=k)]
    plan: list = [ToolCall("convert_units", {"value": t, "from_unit": "F", "to_unit": "C"}) for t in readings]
    plan.append(lambda r: ToolCall("calculate", {"expression": f"({' + '.join(repr(c) for c in r)}) / {len(r)}"}))
    exact = sum((t - 32) * 5 / 9 for t in readings) / k
    listed = ", ".join(str(t) for t in readings)
    return _task(
        f"The noon temperatures on {k} days were {listed} degrees Fahrenheit. What was their mean in degrees Celsius?",
        exact,
        2,
        plan,
        "mean_temperature",
    )


def _cheaper_per_kg(rng: np.random.Generator) -> ToolTask:
    pounds = int(rng.integers(1, 10))
    price_a = round(float(rng.uniform(5, 60)), 2)
    kilos = int(rng.integers(1, 6))
    price_b = round(float(rng.uniform(5, 60)), 2)
    plan = [
        ToolCall("convert_units", {"value": pounds, "from_unit": "lb", "to_unit": "kg"}),
        lambda r: ToolCall("calculate", {"expression": f"{price_a} / {r[0]!r}"}),
        ToolCall("calculate", {"expression": f"{price_b} / {kilos}"}),
    ]
    exact = min(price_a / (pounds * 0.45359237), price_b / kilos)
    prompt = (
        f"Shop A sells {pounds} pounds of coffee for ${price_a:.2f}; shop B sells {kilos} kilograms of the "
        f"same coffee for ${price_b:.2f}. What is the lower of the two prices per kilogram, in dollars?"
    )
    finish = lambda r: f"{round(min(float(r[1]), float(r[2])), 2):.2f}"  # noqa: E731
    return _task(prompt, exact, 2, plan, "cheaper_per_kg", finish=finish)


#: The task kinds and their generators, drawn uniformly.
KINDS: dict[str, Callable[[np.random.Generator], ToolTask]] = {
    "arithmetic": _arithmetic,
    "convert": _convert,
    "convert_then_scale": _convert_then_scale,
    "mean_temperature": _mean_temperature,
    "cheaper_per_kg": _cheaper_per_kg,
}


class CalculatorEnv(SuiteEnv):
    """Arithmetic and unit-conversion questions answered with ``calculate`` and ``convert_units``
    (see the module docstring for the task kinds). ``info["task_kind"]`` names the kind."""

    suite: ClassVar[str] = "calculator"
    description: ClassVar[str] = "Tool calling: arithmetic and unit conversion with calculate() and convert_units(), 1-5 chained calls."

    def generate(self, rng: np.random.Generator) -> ToolTask:
        """One task of a uniformly drawn kind."""
        names = list(KINDS)
        return KINDS[names[int(rng.integers(len(names)))]](rng)
