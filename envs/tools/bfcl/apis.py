"""BFCL's stateful multi-turn APIs (file system, messaging, trading, travel, vehicle...), run for real.

The classes come from the installed ``bfcl-eval`` package
(``bfcl_eval/eval_checker/multi_turn_eval/func_source_code``), are built and loaded with an
entry's ``initial_config`` the way BFCL does (``_load_scenario``, with ``long_context`` for that
category), and are called with the literal arguments a policy wrote: a method lookup and a
call, never ``eval``.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import json
from typing import Any, Callable

from agentgym.envs.tools.bfcl.python_calls import PyCall

__all__ = ["API_MODULES", "STATELESS_CLASSES", "make_instances", "method_table", "execute_call", "public_state", "canonical"]

_PREFIX = "bfcl_eval.eval_checker.multi_turn_eval.func_source_code"

#: API class -> the module of the installed package that defines it.
API_MODULES: dict[str, str] = {
    "GorillaFileSystem": f"{_PREFIX}.gorilla_file_system",
    "MathAPI": f"{_PREFIX}.math_api",
    "MessageAPI": f"{_PREFIX}.message_api",
    "TwitterAPI": f"{_PREFIX}.posting_api",
    "TicketAPI": f"{_PREFIX}.ticket_api",
    "TradingBot": f"{_PREFIX}.trading_bot",
    "TravelAPI": f"{_PREFIX}.travel_booking",
    "VehicleControlAPI": f"{_PREFIX}.vehicle_control",
}

#: Classes without a scenario to load.
STATELESS_CLASSES = ("MathAPI",)


def make_instances(involved_classes: list[str], initial_config: dict[str, Any], *, long_context: bool = False) -> dict[str, Any]:
    """Fresh API instances, each loaded with (a deep copy of) its part of ``initial_config``."""
    instances = {}
    for name in involved_classes:
        if name not in API_MODULES:
            raise ValueError(f"unknown BFCL API class {name!r}; expected one of {sorted(API_MODULES)}")
        instance = getattr(importlib.import_module(API_MODULES[name]), name)()
        if name not in STATELESS_CLASSES:
            instance._load_scenario(copy.deepcopy(initial_config.get(name, {})), long_context=long_context)
        instances[name] = instance
    return instances


def method_table(instances: dict[str, Any]) -> dict[str, Callable[..., Any]]:
    """Public method name -> bound method, over all instances (a later class wins a shared name)."""
    table = {}
    for instance in instances.values():
        for name, method in inspect.getmembers(instance, predicate=inspect.ismethod):
            if not name.startswith("_"):
                table[name] = method
    return table


def execute_call(call: PyCall, methods: dict[str, Callable[..., Any]]) -> tuple[str, bool]:
    """Run one call; returns ``(result text, ran)``.

    The result is text as BFCL records it: strings as they are, dicts as JSON, anything else
    through ``str``; an unknown name or an exception becomes ``"Error during execution: ..."``
    (``ran`` is then False).
    """
    method = methods.get(call.name)
    if method is None:
        return f"Error during execution: name {call.name!r} is not defined", False
    try:
        result = method(*call.positional, **call.arguments)
    except Exception as exc:  # the API's own failure is the call's result, as in BFCL
        return f"Error during execution: {exc}", False
    if isinstance(result, str):
        return result, True
    if isinstance(result, dict):
        try:
            return json.dumps(result), True
        except (TypeError, ValueError):
            return str(result), True
    return str(result), True


def public_state(instance: Any) -> dict[str, Any]:
    """The attributes BFCL's state check compares: ``vars`` without names starting with ``_``."""
    return {k: v for k, v in vars(instance).items() if not k.startswith("_")}


def canonical(value: Any, _seen: frozenset[int] = frozenset()) -> Any:
    """A JSON-able, address-free description of a value (objects by their public attributes;
    a reference back up the object graph, such as a directory's parent, as ``"<cycle>"``)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if id(value) in _seen:
        return "<cycle>"
    seen = _seen | {id(value)}
    if isinstance(value, dict):
        return {str(k): canonical(v, seen) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical(v, seen) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((canonical(v, seen) for v in value), key=lambda v: json.dumps(v, sort_keys=True, default=str))
    if hasattr(value, "__dict__"):
        return {"__class__": type(value).__name__, **{k: canonical(v, seen) for k, v in public_state(value).items()}}
    return repr(value)
