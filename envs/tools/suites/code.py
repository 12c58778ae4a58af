"""``agentgym/tools.code-v0``: statistics over generated CSV files, computed by Python run in the sandbox.

Each task has one or two seeded CSV files. Tools: ``list_files()``, ``read_file(name, max_lines)``
and ``run_python(code)``, which runs the code in :mod:`agentgym.sandbox` (bubblewrap; a warm pool
shared by the process) with the task's files in its working directory. Every run starts fresh:
nothing carries over between calls but the files. Ground truths are computed here in Python from
the generated rows; the oracle computes them in the sandbox, so the two check each other.
Task kinds:

- ``column_mean``: the mean of a column (look at the file, then compute);
- ``column_stdev``: the population standard deviation of a column;
- ``top_group``: the group with the largest total of a product of two columns;
- ``filtered_median``: the median of a column over the rows that match a value;
- ``joined_total``: a total over two files joined on a key (look at both, then compute).
"""

from __future__ import annotations

import atexit
import csv
import io
import statistics
import threading
from typing import Any, Callable, ClassVar

import numpy as np

from agentgym.envs.tools.answers import within_rounding
from agentgym.envs.tools.calls import ToolCall
from agentgym.envs.tools.env import ToolTask
from agentgym.envs.tools.suite import SuiteEnv
from agentgym.envs.tools.toolbox import ToolError

__all__ = ["CodeEnv", "KINDS", "run_in_sandbox"]

#: Characters of stdout and of stderr shown per run.
MAX_STREAM_CHARS = 2000
#: Limits of one ``run_python`` call.
TIMEOUT_S = 5.0
MEMORY_MB = 256

_REGIONS = ["north", "south", "east", "west", "central"]
_PRODUCTS = ["apple", "pear", "plum", "fig", "kiwi", "lime", "mango", "peach"]
_SENSORS = ["s1", "s2", "s3", "s4"]

_pool_lock = threading.Lock()
_pool: dict[str, Any] = {}


def _sandbox_pool() -> Any:
    """The process's warm sandbox pool, built on first use (None where the pool cannot start)."""
    import os

    from agentgym.sandbox import Sandbox, SandboxUnavailable

    with _pool_lock:
        key = f"pid{os.getpid()}"
        if key not in _pool:
            try:
                box = Sandbox(workers=2)
                atexit.register(box.close)
            except SandboxUnavailable:
                box = None
            _pool[key] = box
        return _pool[key]


def run_in_sandbox(code: str, files: dict[str, str]) -> dict[str, Any]:
    """Run Python ``code`` in the sandbox with ``files`` in its working directory.

    Returns ``{"stdout", "stderr", "exit_code"}`` (each stream cut to :data:`MAX_STREAM_CHARS`),
    plus ``"timed_out"``/``"out_of_memory"`` when a limit ended the run. Raises
    :class:`ToolError` where no sandbox can run here (saying how to get one).
    """
    from agentgym.sandbox import SandboxUnavailable, run

    pool = _sandbox_pool()
    try:
        if pool is not None:
            result = pool.run(code, timeout_s=TIMEOUT_S, memory_mb=MEMORY_MB, files=files)
        else:
            result = run(code, timeout_s=TIMEOUT_S, memory_mb=MEMORY_MB, files=files)
    except SandboxUnavailable as exc:
        raise ToolError(f"the code sandbox is unavailable here: {exc}") from None
    out: dict[str, Any] = {
        "stdout": _cut(result.stdout),
        "stderr": _cut(result.stderr, tail=True),
        "exit_code": result.exit_code,
    }
    if result.timed_out:
        out["timed_out"] = f"stopped after {TIMEOUT_S:g} s"
    if result.oom:
        out["out_of_memory"] = f"over the {MEMORY_MB} MB limit"
    return out


def _cut(text: str, tail: bool = False) -> str:
    if len(text) <= MAX_STREAM_CHARS:
        return text
    return ("[cut] ..." + text[-MAX_STREAM_CHARS:]) if tail else (text[:MAX_STREAM_CHARS] + "... [cut]")


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _file_tools(files: dict[str, str]) -> list[Callable[..., Any]]:
    def list_files() -> list:
        """The files in the working directory, with their sizes in bytes."""
        return [{"name": name, "bytes": len(text.encode())} for name, text in sorted(files.items())]

    def read_file(name: str, max_lines: int = 10) -> str:
        """The first lines of a file.

        Args:
            name: a file name, as list_files gives it.
            max_lines: how many lines to return (1-200).
        """
        if name not in files:
            raise ToolError(f"no file {name!r}; the files are: {', '.join(sorted(files))}")
        if not 1 <= max_lines <= 200:
            raise ToolError(f"max_lines must be between 1 and 200, got {max_lines}")
        return "".join(files[name].splitlines(keepends=True)[:max_lines])

    def run_python(code: str) -> dict:
        """Run a Python 3 program in a sandbox whose working directory holds the files; returns
        its stdout, stderr and exit code. Print the result you need. Each run starts fresh; the
        standard library is available (no third-party packages, no network).

        Args:
            code: the program, e.g. "import csv; rows = list(csv.DictReader(open('data.csv'))); print(len(rows))".
        """
        return run_in_sandbox(code, files)

    return [list_files, read_file, run_python]


def _sales(rng: np.random.Generator) -> tuple[list[str], list[list[Any]]]:
    n = int(rng.integers(25, 60))
    rows = [
        [f"2024-{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 29)):02d}", str(rng.choice(_REGIONS)),
         str(rng.choice(_PRODUCTS)), int(rng.integers(1, 80)), round(float(rng.uniform(0.5, 9.5)), 2)]
        for _ in range(n)
    ]
    return ["date", "region", "product", "units", "unit_price"], rows


def _readings(rng: np.random.Generator) -> tuple[list[str], list[list[Any]]]:
    n = int(rng.integers(30, 80))
    rows = [[i + 1, str(rng.choice(_SENSORS)), round(float(rng.normal(20, 6)), 2)] for i in range(n)]
    return ["id", "sensor", "reading"], rows


def _task(files: dict[str, str], prompt: str, exact: float | str, decimals: int | None, plan: list, kind: str) -> ToolTask:
    if decimals is None:
        answer, check = str(exact), None
    else:
        value = float(exact)
        answer, check = f"{value:.{decimals}f}", (lambda given: within_rounding(given, value, decimals))
    return ToolTask(
        prompt=prompt,
        answer=answer,
        tools=_file_tools(files),
        plan=plan,
        finish=lambda r: r[-1]["stdout"].strip(),
        check=check,
        metadata={"task_kind": kind},
    )


_LOAD = "import csv, statistics\nrows = list(csv.DictReader(open({name!r}, newline='')))\n"


def _column_mean(rng: np.random.Generator) -> ToolTask:
    header, rows = _sales(rng)
    column = str(rng.choice(["units", "unit_price"]))
    index = header.index(column)
    exact = statistics.fmean(float(r[index]) for r in rows)
    code = _LOAD.format(name="sales.csv") + f"print(round(statistics.fmean(float(r[{column!r}]) for r in rows), 2))"
    plan = [ToolCall("read_file", {"name": "sales.csv", "max_lines": 3}), ToolCall("run_python", {"code": code})]
    prompt = f"What is the mean of the {column} column in sales.csv? Round to 2 decimal places."
    return _task({"sales.csv": _csv(header, rows)}, prompt, exact, 2, plan, "column_mean")


def _column_stdev(rng: np.random.Generator) -> ToolTask:
    header, rows = _readings(rng)
    exact = statistics.pstdev(float(r[2]) for r in rows)
    code = _LOAD.format(name="readings.csv") + "print(round(statistics.pstdev(float(r['reading']) for r in rows), 3))"
    plan = [ToolCall("list_files", {}), ToolCall("read_file", {"name": "readings.csv", "max_lines": 3}), ToolCall("run_python", {"code": code})]
    prompt = "What is the population standard deviation of the reading column in readings.csv? Round to 3 decimal places."
    return _task({"readings.csv": _csv(header, rows)}, prompt, exact, 3, plan, "column_stdev")


def _top_group(rng: np.random.Generator) -> ToolTask:
    header, rows = _sales(rng)
    group = str(rng.choice(["region", "product"]))
    index = header.index(group)
    totals: dict[str, float] = {}
    for r in rows:
        totals[r[index]] = totals.get(r[index], 0.0) + r[3] * r[4]
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])
    if len(ranked) > 1 and abs(ranked[0][1] - ranked[1][1]) < 0.01:  # a near tie: add a row so one group wins
        winner = ranked[0][0]
        rows.append(["2024-12-28", winner, "apple", 10, 5.0] if group == "region" else ["2024-12-28", "north", winner, 10, 5.0])
        totals[winner] += 50.0
    best = max(totals, key=totals.get)
    code = _LOAD.format(name="sales.csv") + (
        "totals = {}\n"
        f"for r in rows:\n    totals[r[{group!r}]] = totals.get(r[{group!r}], 0) + int(r['units']) * float(r['unit_price'])\n"
        "print(max(totals, key=totals.get))"
    )
    plan = [ToolCall("read_file", {"name": "sales.csv", "max_lines": 3}), ToolCall("run_python", {"code": code})]
    prompt = f"In sales.csv, which {group} has the largest total revenue (units times unit_price, summed over its rows)?"
    return _task({"sales.csv": _csv(header, rows)}, prompt, best, None, plan, "top_group")


def _filtered_median(rng: np.random.Generator) -> ToolTask:
    header, rows = _readings(rng)
    present = sorted({r[1] for r in rows})
    sensor = str(rng.choice(present))
    exact = statistics.median(float(r[2]) for r in rows if r[1] == sensor)
    code = _LOAD.format(name="readings.csv") + f"print(statistics.median(float(r['reading']) for r in rows if r['sensor'] == {sensor!r}))"
    plan = [ToolCall("read_file", {"name": "readings.csv", "max_lines": 3}), ToolCall("run_python", {"code": code})]
    prompt = f"What is the median reading of sensor {sensor} in readings.csv? Round to 2 decimal places."
    return _task({"readings.csv": _csv(header, rows)}, prompt, exact, 2, plan, "filtered_median")


def _joined_total(rng: np.random.Generator) -> ToolTask:
    products = [str(p) for p in rng.choice(_PRODUCTS, size=int(rng.integers(4, 8)), replace=False)]
    prices = {p: round(float(rng.uniform(0.5, 9.5)), 2) for p in products}
    orders = [[i + 1, str(rng.choice(products)), int(rng.integers(1, 20))] for i in range(int(rng.integers(15, 40)))]
    exact = sum(q * prices[p] for _, p, q in orders)
    files = {
        "prices.csv": _csv(["product", "price"], [[p, prices[p]] for p in products]),
        "orders.csv": _csv(["order_id", "product", "quantity"], orders),
    }
    code = (
        "import csv\n"
        "prices = {r['product']: float(r['price']) for r in csv.DictReader(open('prices.csv', newline=''))}\n"
        "orders = list(csv.DictReader(open('orders.csv', newline='')))\n"
        "print(round(sum(int(o['quantity']) * prices[o['product']] for o in orders), 2))"
    )
    plan = [
        ToolCall("list_files", {}),
        ToolCall("read_file", {"name": "orders.csv", "max_lines": 3}),
        ToolCall("read_file", {"name": "prices.csv", "max_lines": 3}),
        ToolCall("run_python", {"code": code}),
    ]
    prompt = "What is the total value of all orders in orders.csv, priced with prices.csv? Round to 2 decimal places."
    return _task(files, prompt, exact, 2, plan, "joined_total")


#: The task kinds and their generators, drawn uniformly.
KINDS: dict[str, Callable[[np.random.Generator], ToolTask]] = {
    "column_mean": _column_mean,
    "column_stdev": _column_stdev,
    "top_group": _top_group,
    "filtered_median": _filtered_median,
    "joined_total": _joined_total,
}


class CodeEnv(SuiteEnv):
    """Statistics over generated CSV files with a sandboxed Python tool (see the module docstring).
    ``info["task_kind"]`` names the kind."""

    suite: ClassVar[str] = "code"
    description: ClassVar[str] = "Tool calling: statistics over generated CSV files with Python run in the sandbox (run_python, read_file)."
    io_bound: ClassVar[bool] = True

    def generate(self, rng: np.random.Generator) -> ToolTask:
        """One task of a uniformly drawn kind."""
        names = list(KINDS)
        return KINDS[names[int(rng.integers(len(names)))]](rng)
