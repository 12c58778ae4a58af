"""Unit conversion tables and the pure conversion function behind the ``convert_units`` tool.

Linear units are stored as the size of one unit in the dimension's base unit (metre, kilogram,
litre, second); temperatures convert through kelvin.
"""

from __future__ import annotations

__all__ = ["UNITS", "DIMENSION", "UNIT_NAMES", "convert", "UnitError"]

#: unit -> (dimension, size of one unit in the base unit of the dimension).
UNITS: dict[str, tuple[str, float]] = {
    "mm": ("length", 0.001),
    "cm": ("length", 0.01),
    "m": ("length", 1.0),
    "km": ("length", 1000.0),
    "in": ("length", 0.0254),
    "ft": ("length", 0.3048),
    "yd": ("length", 0.9144),
    "mi": ("length", 1609.344),
    "g": ("mass", 0.001),
    "kg": ("mass", 1.0),
    "oz": ("mass", 0.028349523125),
    "lb": ("mass", 0.45359237),
    "ml": ("volume", 0.001),
    "l": ("volume", 1.0),
    "gal": ("volume", 3.785411784),
    "cup": ("volume", 0.2365882365),
    "s": ("time", 1.0),
    "min": ("time", 60.0),
    "h": ("time", 3600.0),
    "day": ("time", 86400.0),
    "C": ("temperature", 0.0),
    "F": ("temperature", 0.0),
    "K": ("temperature", 0.0),
}
DIMENSION = {unit: dim for unit, (dim, _) in UNITS.items()}
#: Words for the units, as the task prompts write them.
UNIT_NAMES = {
    "mm": "millimetres", "cm": "centimetres", "m": "metres", "km": "kilometres", "in": "inches",
    "ft": "feet", "yd": "yards", "mi": "miles", "g": "grams", "kg": "kilograms", "oz": "ounces",
    "lb": "pounds", "ml": "millilitres", "l": "litres", "gal": "US gallons", "cup": "US cups",
    "s": "seconds", "min": "minutes", "h": "hours", "day": "days",
    "C": "degrees Celsius", "F": "degrees Fahrenheit", "K": "kelvin",
}


class UnitError(ValueError):
    """Units of different dimensions, or an unknown unit."""


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """``value`` in ``from_unit`` expressed in ``to_unit`` (e.g. 1 mi -> 1.609344 km; 100 C -> 212 F)."""
    for unit in (from_unit, to_unit):
        if unit not in UNITS:
            raise UnitError(f"unknown unit {unit!r}; the units are: {', '.join(UNITS)}")
    if DIMENSION[from_unit] != DIMENSION[to_unit]:
        raise UnitError(
            f"cannot convert {DIMENSION[from_unit]} ({from_unit}) to {DIMENSION[to_unit]} ({to_unit})"
        )
    if DIMENSION[from_unit] == "temperature":
        return _from_kelvin(_to_kelvin(value, from_unit), to_unit)
    return value * UNITS[from_unit][1] / UNITS[to_unit][1]


def _to_kelvin(value: float, unit: str) -> float:
    if unit == "C":
        return value + 273.15
    if unit == "F":
        return (value - 32.0) * 5.0 / 9.0 + 273.15
    return value


def _from_kelvin(value: float, unit: str) -> float:
    if unit == "C":
        return value - 273.15
    if unit == "F":
        return (value - 273.15) * 9.0 / 5.0 + 32.0
    return value
