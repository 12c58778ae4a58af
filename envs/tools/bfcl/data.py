"""BFCL's data as shipped in the ``bfcl-eval`` package: test entries, possible answers, API docs.

The files are read straight from the installed package (``bfcl_eval/data/``) without importing
``bfcl_eval`` itself (its package pulls dependencies agentgym does not install). Each category is
read once per process and kept.

An entry is BFCL's own dict: ``id``, ``question`` (a list of turns, each a list of chat
messages) and ``function`` (the function docs) for single-turn categories; multi-turn entries
carry ``initial_config``, ``involved_classes`` and, for ``miss_func``, ``missed_function`` instead
of ``function`` (their docs come from the API classes' doc files, see :func:`multi_turn_functions`).
"""

from __future__ import annotations

import copy
import importlib.util
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = [
    "VERSION_PREFIX",
    "SINGLE_TURN_CATEGORIES",
    "MULTI_TURN_CATEGORIES",
    "CATEGORIES",
    "BfclDataMissing",
    "data_dir",
    "load_entries",
    "load_possible_answers",
    "entry",
    "possible_answer",
    "multi_turn_functions",
    "language_of",
    "checker_kind",
    "is_relevance_category",
]

#: The file-name prefix of the shipped data (``BFCL_v4_simple_python.json``).
VERSION_PREFIX = "BFCL_v4"

#: Categories scored by the AST checker (one model response per entry).
SINGLE_TURN_CATEGORIES: tuple[str, ...] = (
    "simple_python",
    "simple_java",
    "simple_javascript",
    "multiple",
    "parallel",
    "parallel_multiple",
    "live_simple",
    "live_multiple",
    "live_parallel",
    "live_parallel_multiple",
    "irrelevance",
    "live_irrelevance",
    "live_relevance",
)

#: Categories played against BFCL's stateful Python APIs over several user turns.
MULTI_TURN_CATEGORIES: tuple[str, ...] = (
    "multi_turn_base",
    "multi_turn_miss_func",
    "multi_turn_miss_param",
    "multi_turn_long_context",
)

CATEGORIES: tuple[str, ...] = SINGLE_TURN_CATEGORIES + MULTI_TURN_CATEGORIES

# Which API doc file describes each multi-turn class (BFCL's own mapping, restated).
_FUNC_DOC_FILES = {
    "GorillaFileSystem": "gorilla_file_system.json",
    "MathAPI": "math_api.json",
    "MessageAPI": "message_api.json",
    "TwitterAPI": "posting_api.json",
    "TicketAPI": "ticket_api.json",
    "TradingBot": "trading_bot.json",
    "TravelAPI": "travel_booking.json",
    "VehicleControlAPI": "vehicle_control.json",
}

_INSTALL_HINT = "install it with `pip install --no-deps bfcl-eval` (scripts/install.sh dev does)"


class BfclDataMissing(RuntimeError):
    """The ``bfcl-eval`` package (BFCL's data) is not installed."""


@lru_cache(maxsize=1)
def data_dir() -> Path:
    """The ``bfcl_eval/data`` folder of the installed package (found without importing it)."""
    spec = importlib.util.find_spec("bfcl_eval")
    if spec is None or not spec.submodule_search_locations:
        raise BfclDataMissing(f"the BFCL envs read their data from the `bfcl-eval` package; {_INSTALL_HINT}")
    path = Path(list(spec.submodule_search_locations)[0]) / "data"
    if not (path / f"{VERSION_PREFIX}_simple_python.json").is_file():
        raise BfclDataMissing(f"{path} lacks {VERSION_PREFIX}_simple_python.json; reinstall bfcl-eval: {_INSTALL_HINT}")
    return path


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _check_category(category: str) -> None:
    if category not in CATEGORIES:
        raise ValueError(f"unknown BFCL category {category!r}; expected one of {list(CATEGORIES)}")


@lru_cache(maxsize=None)
def _entries_by_id(category: str) -> dict[str, dict[str, Any]]:
    _check_category(category)
    return {e["id"]: e for e in _read_jsonl(data_dir() / f"{VERSION_PREFIX}_{category}.json")}


@lru_cache(maxsize=None)
def _answers_by_id(category: str) -> dict[str, Any]:
    _check_category(category)
    path = data_dir() / "possible_answer" / f"{VERSION_PREFIX}_{category}.json"
    if not path.is_file():  # relevance and irrelevance categories have none
        return {}
    return {e["id"]: e["ground_truth"] for e in _read_jsonl(path)}


def load_entries(category: str) -> list[str]:
    """The entry ids of a category, in file order."""
    return list(_entries_by_id(category))


def load_possible_answers(category: str) -> dict[str, Any]:
    """``{entry id: ground_truth}`` of a category (empty for relevance/irrelevance)."""
    return dict(_answers_by_id(category))


def entry(category: str, entry_id: str) -> dict[str, Any]:
    """A deep copy of one entry (safe to modify)."""
    try:
        return copy.deepcopy(_entries_by_id(category)[entry_id])
    except KeyError:
        raise KeyError(f"no entry {entry_id!r} in BFCL category {category!r}") from None


def possible_answer(category: str, entry_id: str) -> Any:
    """A deep copy of one entry's ground truth, or None where the category has none.

    Single-turn: a list of ``{function name: {param: [accepted values]}}``; multi-turn: a list of
    turns, each a list of call strings (``"cd(folder='document')"``).
    """
    answer = _answers_by_id(category).get(entry_id)
    return copy.deepcopy(answer)


@lru_cache(maxsize=None)
def _class_docs(class_name: str) -> tuple[str, ...]:
    try:
        name = _FUNC_DOC_FILES[class_name]
    except KeyError:
        raise ValueError(f"unknown BFCL API class {class_name!r}; expected one of {sorted(_FUNC_DOC_FILES)}") from None
    return tuple(json.dumps(d) for d in _read_jsonl(data_dir() / "multi_turn_func_doc" / name))


def multi_turn_functions(e: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[int, list[dict[str, Any]]]]:
    """The function docs a multi-turn entry offers at its start, and those held out until a turn.

    Returns ``(functions, held_out)``: ``held_out[turn]`` are the docs of the functions that
    ``missed_function`` withholds until that turn (BFCL's ``miss_func`` category).
    """
    functions = [json.loads(d) for cls in e["involved_classes"] for d in _class_docs(cls)]
    held_out: dict[int, list[dict[str, Any]]] = {}
    for turn, names in (e.get("missed_function") or {}).items():
        for name in names:
            for i, doc in enumerate(functions):
                if doc["name"] == name:
                    held_out.setdefault(int(turn), []).append(functions.pop(i))
                    break
    return functions, held_out


def language_of(category: str) -> str:
    """``"java"``, ``"javascript"`` or ``"python"``: the syntax an entry's argument values use."""
    if category.endswith("_java"):
        return "java"
    if category.endswith("_javascript"):
        return "javascript"
    return "python"


def checker_kind(category: str) -> str:
    """How BFCL matches calls for a single-turn category: ``parallel``, ``multiple`` or ``simple``.

    The order of the tests is BFCL's: ``parallel_multiple`` is matched as ``parallel``.
    """
    if "parallel" in category:
        return "parallel"
    if "multiple" in category:
        return "multiple"
    return "simple"


def is_relevance_category(category: str) -> bool:
    """True for ``irrelevance``, ``live_irrelevance`` and ``live_relevance`` (no possible answers)."""
    return "relevance" in category
