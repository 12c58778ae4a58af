"""The text a policy reads in the BFCL envs: the system prompt, function docs and user turns."""

from __future__ import annotations

import json
from typing import Any, Sequence

__all__ = ["SYSTEM_PROMPT", "MULTI_TURN_SYSTEM_PROMPT", "format_functions", "format_messages", "ADDED_FUNCTIONS_MESSAGE"]

SYSTEM_PROMPT = (
    "You are an expert at calling functions. You are given a request and a list of functions as JSON "
    "docs. Reply with the function calls that fulfil the request and nothing else, written as "
    "[func_name1(param=value, ...), func_name2(param=value)] (or as "
    '<tool_call>{"name": "func_name", "arguments": {...}}</tool_call> blocks). If none of the functions '
    "fits the request, or it lacks a required argument, say so in plain text and call nothing."
)

MULTI_TURN_SYSTEM_PROMPT = SYSTEM_PROMPT + (
    " The user may ask for several things, one turn after another. After each reply with calls you "
    "get their results and may call more; when the current request is done (or cannot be done), "
    "reply in plain text without calls: that ends your turn and the user speaks next."
)

#: The user message of a turn that adds functions held out until then (BFCL ``miss_func``).
ADDED_FUNCTIONS_MESSAGE = "I have updated some more functions you can choose from. What about now?"


def format_functions(functions: Sequence[dict[str, Any]]) -> str:
    """The docs in a ``<functions>`` block, one JSON doc per line."""
    lines = "\n".join(json.dumps(doc, ensure_ascii=False) for doc in functions)
    return f"<functions>\n{lines}\n</functions>"


def format_messages(messages: Sequence[dict[str, Any]]) -> str:
    """Chat messages as ``Role: content`` paragraphs (a single user message is shown bare)."""
    if len(messages) == 1 and messages[0].get("role") == "user":
        return str(messages[0].get("content", ""))
    return "\n\n".join(f"{str(m.get('role', 'user')).capitalize()}: {m.get('content', '')}" for m in messages)
