"""``agentgym/tools.sql-v0``: questions over a generated company database in sqlite, 1-3 chained calls.

Each task has its own in-memory sqlite database (``departments``, ``employees``, ``projects``;
seeded rows) opened read-only for the policy. Tools: ``list_tables()``, ``describe_table(table)``
and ``run_sql(query)`` (one SELECT statement; at most 50 rows come back; a runaway query is
stopped). Ground truths are computed in Python from the generated rows, not by SQL, so the
oracle (which answers through SQL) checks the two against each other. Task kinds:

- ``avg_salary``: the mean salary of a department (schema look-ups, then a query);
- ``top_earner_in_city``: the best-paid employee of the departments in a city (a join);
- ``hired_in_year``: how many employees were hired in a year;
- ``active_budget_of``: the active-project budget of a named employee's department (two chained queries);
- ``city_of_largest``: the city of the department with the most employees (two chained queries).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from typing import Any, Callable, ClassVar

import numpy as np

from agentgym.envs.tools.answers import within_rounding
from agentgym.envs.tools.calls import ToolCall
from agentgym.envs.tools.env import ToolTask
from agentgym.envs.tools.suite import SuiteEnv
from agentgym.envs.tools.toolbox import ToolError

__all__ = ["SqlEnv", "Company", "KINDS", "MAX_ROWS"]

#: Rows ``run_sql`` returns at most.
MAX_ROWS = 50
#: sqlite virtual-machine steps (in thousands) before a query is stopped.
_MAX_PROGRESS_CALLS = 2000

_DEPARTMENTS = ["Sales", "Research", "Support", "Finance", "Legal", "Design", "Operations", "Marketing"]
_CITIES = ["Lisbon", "Oslo", "Osaka", "Denver", "Nairobi", "Lyon", "Perth"]
_FIRST = ["Ada", "Ben", "Cleo", "Dev", "Eva", "Finn", "Gia", "Hugo", "Iris", "Jon", "Kai", "Lea", "Max", "Nia", "Oto", "Pia"]
_LAST = ["Adler", "Brook", "Costa", "Dahl", "Eze", "Frost", "Gupta", "Hale", "Ito", "Jansen", "Kerr", "Lund", "Mora", "Novak"]
_PROJECTS = ["Atlas", "Beacon", "Cobalt", "Delta", "Ember", "Falcon", "Garnet", "Harbor", "Iris", "Juniper", "Kestrel", "Lumen", "Meridian", "Nimbus"]
_STATUSES = ["active", "done", "paused"]
_SCHEMA = (
    "CREATE TABLE departments (name TEXT PRIMARY KEY, city TEXT NOT NULL, floor INTEGER NOT NULL);"
    "CREATE TABLE employees (id INTEGER PRIMARY KEY, name TEXT NOT NULL, department TEXT NOT NULL"
    " REFERENCES departments(name), salary INTEGER NOT NULL, hired TEXT NOT NULL);"
    "CREATE TABLE projects (id INTEGER PRIMARY KEY, name TEXT NOT NULL, department TEXT NOT NULL"
    " REFERENCES departments(name), budget INTEGER NOT NULL, status TEXT NOT NULL);"
)


class Company:
    """One task's generated rows, the sqlite database holding them, and the tools over it.

    Attributes:
        departments: ``(name, city, floor)`` rows.
        employees: ``(id, name, department, salary, hired)`` rows.
        projects: ``(id, name, department, budget, status)`` rows.
    """

    def __init__(self, rng: np.random.Generator):
        k = int(rng.integers(4, 7))
        names = [str(n) for n in rng.choice(_DEPARTMENTS, size=k, replace=False)]
        self.departments = [(n, str(rng.choice(_CITIES)), int(rng.integers(1, 12))) for n in names]
        people = [f"{f} {l}" for f in _FIRST for l in _LAST]
        count = int(rng.integers(20, 36))
        chosen = [people[i] for i in rng.choice(len(people), size=count + 1, replace=False)]
        salaries = [int(s) * 100 for s in rng.choice(np.arange(300, 1500), size=count + 1, replace=False)]
        self.employees = [
            (i + 1, chosen[i], names[int(rng.integers(k))], salaries[i], _date(rng)) for i in range(count)
        ]
        # One largest department, so "the department with the most employees" has one answer.
        sizes = Counter(e[2] for e in self.employees).most_common()
        if len(sizes) > 1 and sizes[0][1] == sizes[1][1]:
            self.employees.append((count + 1, chosen[count], sizes[0][0], salaries[count], _date(rng)))
        m = int(rng.integers(8, 15))
        titles = [str(t) for t in rng.choice(_PROJECTS, size=m, replace=False)]
        self.projects = [
            (i + 1, titles[i], names[int(rng.integers(k))], int(rng.integers(10, 500)) * 1000, str(rng.choice(_STATUSES)))
            for i in range(m)
        ]
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.executescript(_SCHEMA)
        self.db.executemany("INSERT INTO departments VALUES (?, ?, ?)", self.departments)
        self.db.executemany("INSERT INTO employees VALUES (?, ?, ?, ?, ?)", self.employees)
        self.db.executemany("INSERT INTO projects VALUES (?, ?, ?, ?, ?)", self.projects)
        self.db.commit()
        self.db.execute("PRAGMA query_only = ON")
        # Bound what one query can allocate (randomblob(10**9), zeroblob, huge strings).
        self.db.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 1 << 20)
        self.db.set_authorizer(_read_only)

    def tools(self) -> list[Callable[..., Any]]:
        """The tool functions over this database."""
        db = self.db

        def list_tables() -> list:
            """The tables of the database."""
            return [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]

        def describe_table(table: str) -> list:
            """The columns of a table, with their types.

            Args:
                table: a table name, as list_tables gives it.
            """
            tables = list_tables()
            if table not in tables:
                raise ToolError(f"no table {table!r}; the tables are: {', '.join(tables)}")
            return [{"column": r[1], "type": r[2]} for r in db.execute(f'PRAGMA table_info("{table}")')]

        def run_sql(query: str) -> dict:
            """Run one read-only SQL query (sqlite dialect) and return its rows (at most 50).

            Args:
                query: a single SELECT statement, e.g. "SELECT name FROM employees WHERE salary > 50000".
            """
            steps = {"n": 0}

            def guard() -> int:
                steps["n"] += 1
                return int(steps["n"] > _MAX_PROGRESS_CALLS)  # non-zero aborts the query

            db.set_progress_handler(guard, 1000)
            try:
                cursor = db.execute(query)
                rows = cursor.fetchmany(MAX_ROWS + 1)
            except sqlite3.Error as exc:
                if steps["n"] > _MAX_PROGRESS_CALLS:
                    raise ToolError("the query ran too long and was stopped") from None
                hint = " (the database is read-only: one SELECT statement per call)" if "not authorized" in str(exc) else ""
                raise ToolError(f"SQL error: {exc}{hint}") from None
            finally:
                db.set_progress_handler(None, 0)
            columns = [d[0] for d in cursor.description or []]
            out: dict[str, Any] = {"columns": columns, "rows": [list(r) for r in rows[:MAX_ROWS]]}
            if len(rows) > MAX_ROWS:
                out["truncated"] = f"only the first {MAX_ROWS} rows are shown"
            return out

        return [list_tables, describe_table, run_sql]


_READ_ACTIONS = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, getattr(sqlite3, "SQLITE_RECURSIVE", 33)}


def _read_only(action: int, arg1: str | None, arg2: str | None, _db: str | None, _trigger: str | None) -> int:
    """sqlite authorizer: reads only (no writes, ATTACH or PRAGMA other than table_info)."""
    if action in _READ_ACTIONS:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA and (arg1 or "").lower() == "table_info" and arg2 is not None:
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def _date(rng: np.random.Generator) -> str:
    return f"{int(rng.integers(2015, 2025))}-{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 29)):02d}"


def _first_cell(result: dict) -> Any:
    return result["rows"][0][0]


def _task(company: Company, prompt: str, answer: str, plan: list, kind: str, finish=None, check=None) -> ToolTask:
    return ToolTask(
        prompt=prompt,
        answer=answer,
        tools=company.tools(),
        plan=plan,
        finish=finish or (lambda r: str(_first_cell(r[-1]))),
        check=check,
        metadata={"task_kind": kind},
    )


def _avg_salary(rng: np.random.Generator) -> ToolTask:
    company = Company(rng)
    dept = str(rng.choice(sorted({e[2] for e in company.employees})))
    salaries = [e[3] for e in company.employees if e[2] == dept]
    exact = sum(salaries) / len(salaries)
    plan = [
        ToolCall("list_tables", {}),
        ToolCall("describe_table", {"table": "employees"}),
        ToolCall("run_sql", {"query": f"SELECT AVG(salary) FROM employees WHERE department = '{dept}'"}),
    ]
    return _task(
        company,
        f"What is the average salary of the employees in the {dept} department? Round to 2 decimal places.",
        f"{exact:.2f}",
        plan,
        "avg_salary",
        finish=lambda r: f"{_first_cell(r[-1]):.2f}",
        check=lambda given: within_rounding(given, exact, 2),
    )


def _top_earner_in_city(rng: np.random.Generator) -> ToolTask:
    company = Company(rng)
    staffed = {e[2] for e in company.employees}
    city = str(rng.choice(sorted({d[1] for d in company.departments if d[0] in staffed})))
    in_city = {d[0] for d in company.departments if d[1] == city}
    best = max((e for e in company.employees if e[2] in in_city), key=lambda e: e[3])
    query = (
        "SELECT e.name FROM employees e JOIN departments d ON e.department = d.name "
        f"WHERE d.city = '{city}' ORDER BY e.salary DESC LIMIT 1"
    )
    plan = [
        ToolCall("describe_table", {"table": "employees"}),
        ToolCall("describe_table", {"table": "departments"}),
        ToolCall("run_sql", {"query": query}),
    ]
    prompt = f"Which employee has the highest salary among the departments based in {city}? Answer with the full name."
    return _task(company, prompt, best[1], plan, "top_earner_in_city")


def _hired_in_year(rng: np.random.Generator) -> ToolTask:
    company = Company(rng)
    year = str(rng.choice(sorted({e[4][:4] for e in company.employees})))
    count = sum(e[4].startswith(year) for e in company.employees)
    plan = [
        ToolCall("describe_table", {"table": "employees"}),
        ToolCall("run_sql", {"query": f"SELECT COUNT(*) FROM employees WHERE hired LIKE '{year}-%'"}),
    ]
    return _task(company, f"How many employees were hired in {year}?", str(count), plan, "hired_in_year")


def _active_budget_of(rng: np.random.Generator) -> ToolTask:
    company = Company(rng)
    active = {p[2] for p in company.projects if p[4] == "active"}
    candidates = [e for e in company.employees if e[2] in active] or company.employees
    person = candidates[int(rng.integers(len(candidates)))]
    total = sum(p[3] for p in company.projects if p[2] == person[2] and p[4] == "active")
    plan = [
        ToolCall("run_sql", {"query": f"SELECT department FROM employees WHERE name = '{person[1]}'"}),
        lambda r: ToolCall(
            "run_sql",
            {"query": f"SELECT TOTAL(budget) FROM projects WHERE department = '{_first_cell(r[0])}' AND status = 'active'"},
        ),
    ]
    prompt = f"What is the total budget of the active projects of the department {person[1]} works in?"
    return _task(company, prompt, str(total), plan, "active_budget_of", finish=lambda r: str(int(_first_cell(r[-1]))))


def _city_of_largest(rng: np.random.Generator) -> ToolTask:
    company = Company(rng)
    largest = Counter(e[2] for e in company.employees).most_common(1)[0][0]
    city = next(d[1] for d in company.departments if d[0] == largest)
    plan = [
        ToolCall("run_sql", {"query": "SELECT department, COUNT(*) AS n FROM employees GROUP BY department ORDER BY n DESC LIMIT 1"}),
        lambda r: ToolCall("run_sql", {"query": f"SELECT city FROM departments WHERE name = '{_first_cell(r[0])}'"}),
    ]
    prompt = "In which city is the department with the most employees based?"
    return _task(company, prompt, city, plan, "city_of_largest")


#: The task kinds and their generators, drawn uniformly.
KINDS: dict[str, Callable[[np.random.Generator], ToolTask]] = {
    "avg_salary": _avg_salary,
    "top_earner_in_city": _top_earner_in_city,
    "hired_in_year": _hired_in_year,
    "active_budget_of": _active_budget_of,
    "city_of_largest": _city_of_largest,
}


class SqlEnv(SuiteEnv):
    """Questions over a generated sqlite company database (see the module docstring).
    ``info["task_kind"]`` names the kind."""

    suite: ClassVar[str] = "sql"
    description: ClassVar[str] = "Tool calling: SQL questions over a generated sqlite company database (list_tables, describe_table, run_sql)."

    def generate(self, rng: np.random.Generator) -> ToolTask:
        """One task of a uniformly drawn kind."""
        names = list(KINDS)
        return KINDS[names[int(rng.integers(len(names)))]](rng)
