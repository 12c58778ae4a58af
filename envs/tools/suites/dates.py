"""``agentgym/tools.dates-v0``: a generated calendar and date arithmetic, one to three chained calls.

Each task has its own "today" and a calendar of about thirty events around it. Tools:
``today()``, ``add_days(date, days)``, ``days_between(start, end)``, ``weekday(date)``,
``list_events(date)`` and ``find_events(query)``. Task kinds:

- ``weekday_after``: the weekday N days from today (``today`` -> ``add_days``);
- ``days_until``: days from today until a named event (``today``, ``find_events`` -> ``days_between``);
- ``first_event_after``: the first event N days after a named event
  (``find_events`` -> ``add_days`` -> ``list_events``);
- ``event_weekday``: the weekday of a named event (``find_events`` -> ``weekday``);
- ``event_length``: how many minutes a named event lasts (``find_events``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

import numpy as np

from agentgym.envs.tools.calls import ToolCall
from agentgym.envs.tools.env import ToolTask
from agentgym.envs.tools.suite import SuiteEnv
from agentgym.envs.tools.toolbox import ToolError

__all__ = ["DatesEnv", "Event", "Calendar", "KINDS"]

_ACTIVITIES = [
    "Dentist appointment", "Team sync", "Lunch", "Coffee", "Project review", "Yoga class",
    "Piano lesson", "Budget meeting", "Interview", "Haircut", "Book club", "Design critique",
    "Car service", "Parent-teacher meeting", "Tennis", "Code review", "Doctor visit", "Dinner",
]
_WITH = [
    "Priya", "Omar", "Lena", "Kenji", "Ana", "Tom", "Mei", "Sven", "Fatima", "Diego", "Ines",
    "Noah", "Zara", "Ivan", "Chloe", "Ravi", "Elif", "Marco", "Aiko", "Jonas",
]
_DURATIONS = (30, 45, 60, 90, 120)


@dataclass(frozen=True)
class Event:
    """One calendar event."""

    title: str
    date: dt.date
    start: dt.time
    minutes: int

    @property
    def end(self) -> dt.time:
        """The end time (events never cross midnight)."""
        return (dt.datetime.combine(self.date, self.start) + dt.timedelta(minutes=self.minutes)).time()

    def record(self, with_date: bool) -> dict[str, Any]:
        """The JSON a tool returns for this event."""
        out: dict[str, Any] = {"title": self.title}
        if with_date:
            out["date"] = self.date.isoformat()
        out.update(start=self.start.strftime("%H:%M"), end=self.end.strftime("%H:%M"))
        return out


def _parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ToolError(f"{text!r} is not a date; write dates as YYYY-MM-DD, e.g. 2025-03-14") from None


def _day(date: dt.date) -> dict[str, str]:
    return {"date": date.isoformat(), "weekday": date.strftime("%A")}


class Calendar:
    """A task's calendar and its tools (bound methods over the events)."""

    def __init__(self, today: dt.date, events: list[Event]):
        self._today = today
        self.events = sorted(events, key=lambda e: (e.date, e.start, e.title))

    def tools(self) -> list[Callable[..., Any]]:
        """The tool functions of this calendar."""

        def today() -> dict:
            """Today's date and weekday."""
            return _day(self._today)

        def add_days(date: str, days: int) -> dict:
            """The date a number of days after (or, if negative, before) a date.

            Args:
                date: a date, YYYY-MM-DD.
                days: how many days to add; may be negative.
            """
            try:
                return _day(_parse_date(date) + dt.timedelta(days=days))
            except OverflowError:
                raise ToolError(f"{days} days from {date} is outside the calendar") from None

        def days_between(start: str, end: str) -> int:
            """The number of days from start to end (negative if end is earlier).

            Args:
                start: a date, YYYY-MM-DD.
                end: a date, YYYY-MM-DD.
            """
            return (_parse_date(end) - _parse_date(start)).days

        def weekday(date: str) -> str:
            """The day of the week of a date.

            Args:
                date: a date, YYYY-MM-DD.
            """
            return _parse_date(date).strftime("%A")

        def list_events(date: str) -> list:
            """The events on one day, in order of start time.

            Args:
                date: a date, YYYY-MM-DD.
            """
            day = _parse_date(date)
            return [e.record(with_date=False) for e in self.events if e.date == day]

        def find_events(query: str) -> list:
            """The events whose title contains the query (case-insensitive), with their dates.

            Args:
                query: words of the title, e.g. "dentist".
            """
            needle = " ".join(query.lower().split())
            if not needle:
                raise ToolError("the query is empty; give words of an event title")
            return [e.record(with_date=True) for e in self.events if needle in e.title.lower()]

        return [today, add_days, days_between, weekday, list_events, find_events]


def _calendar(rng: np.random.Generator) -> Calendar:
    today = dt.date(2024, 1, 1) + dt.timedelta(days=int(rng.integers(0, 3 * 365)))
    titles: list[str] = []
    while len(titles) < 30:
        title = f"{_ACTIVITIES[int(rng.integers(len(_ACTIVITIES)))]} with {_WITH[int(rng.integers(len(_WITH)))]}"
        if title not in titles:
            titles.append(title)
    events = [_random_event(rng, title, today) for title in titles]
    return Calendar(today, events)


def _random_event(rng: np.random.Generator, title: str, today: dt.date, date: dt.date | None = None) -> Event:
    day = date or today + dt.timedelta(days=int(rng.integers(-40, 61)))
    start = dt.time(int(rng.integers(7, 20)), int(rng.choice([0, 15, 30, 45])))
    return Event(title, day, start, int(rng.choice(_DURATIONS)))


def _pick(rng: np.random.Generator, events: list[Event], after: dt.date | None = None) -> Event:
    pool = [e for e in events if after is None or e.date > after]
    return pool[int(rng.integers(len(pool)))]


def _task(cal: Calendar, prompt: str, answer: str, plan: list, finish, kind: str) -> ToolTask:
    return ToolTask(prompt=prompt, answer=answer, tools=cal.tools(), plan=plan, finish=finish, metadata={"task_kind": kind})


def _weekday_after(rng: np.random.Generator) -> ToolTask:
    cal = _calendar(rng)
    n = int(rng.integers(3, 400))
    plan = [ToolCall("today", {}), lambda r: ToolCall("add_days", {"date": r[0]["date"], "days": n})]
    answer = (cal._today + dt.timedelta(days=n)).strftime("%A")
    return _task(cal, f"What day of the week will it be {n} days from today?", answer, plan, lambda r: r[1]["weekday"], "weekday_after")


def _days_until(rng: np.random.Generator) -> ToolTask:
    cal = _calendar(rng)
    event = _pick(rng, cal.events, after=cal._today)
    plan = [
        ToolCall("today", {}),
        ToolCall("find_events", {"query": event.title}),
        lambda r: ToolCall("days_between", {"start": r[0]["date"], "end": r[1][0]["date"]}),
    ]
    answer = str((event.date - cal._today).days)
    return _task(cal, f"How many days from today until my {event.title}?", answer, plan, lambda r: str(r[2]), "days_until")


def _first_event_after(rng: np.random.Generator) -> ToolTask:
    cal = _calendar(rng)
    anchor = _pick(rng, cal.events)
    n = int(rng.integers(2, 21))
    target = anchor.date + dt.timedelta(days=n)
    if not any(e.date == target for e in cal.events):
        used = {e.title for e in cal.events}
        extra = next(
            t for t in (f"{a} with {w}" for a in _ACTIVITIES[::-1] for w in _WITH[::-1]) if t not in used
        )
        cal = Calendar(cal._today, [*cal.events, _random_event(rng, extra, cal._today, date=target)])
    first = min((e for e in cal.events if e.date == target), key=lambda e: (e.start, e.title))
    plan = [
        ToolCall("find_events", {"query": anchor.title}),
        lambda r: ToolCall("add_days", {"date": r[0][0]["date"], "days": n}),
        lambda r: ToolCall("list_events", {"date": r[1]["date"]}),
    ]
    prompt = f"What is the first event on my calendar {n} days after my {anchor.title}? Answer with its title."
    return _task(cal, prompt, first.title, plan, lambda r: r[2][0]["title"], "first_event_after")


def _event_weekday(rng: np.random.Generator) -> ToolTask:
    cal = _calendar(rng)
    event = _pick(rng, cal.events)
    plan = [ToolCall("find_events", {"query": event.title}), lambda r: ToolCall("weekday", {"date": r[0][0]["date"]})]
    prompt = f"On what day of the week is my {event.title}?"
    return _task(cal, prompt, event.date.strftime("%A"), plan, lambda r: r[1], "event_weekday")


def _minutes(record: dict) -> str:
    start = dt.datetime.strptime(record["start"], "%H:%M")
    end = dt.datetime.strptime(record["end"], "%H:%M")
    return str(int((end - start).total_seconds() // 60))


def _event_length(rng: np.random.Generator) -> ToolTask:
    cal = _calendar(rng)
    event = _pick(rng, cal.events)
    plan = [ToolCall("find_events", {"query": event.title})]
    prompt = f"How many minutes long is my {event.title}?"
    return _task(cal, prompt, str(event.minutes), plan, lambda r: _minutes(r[0][0]), "event_length")


#: The task kinds and their generators, drawn uniformly.
KINDS: dict[str, Callable[[np.random.Generator], ToolTask]] = {
    "weekday_after": _weekday_after,
    "days_until": _days_until,
    "first_event_after": _first_event_after,
    "event_weekday": _event_weekday,
    "event_length": _event_length,
}


class DatesEnv(SuiteEnv):
    """Calendar and date questions answered with calendar tools (see the module docstring).
    ``info["task_kind"]`` names the kind."""

    suite: ClassVar[str] = "dates"
    description: ClassVar[str] = "Tool calling: a generated calendar and date arithmetic (today, add_days, find_events, ...), 1-3 chained calls."

    def generate(self, rng: np.random.Generator) -> ToolTask:
        """One task of a uniformly drawn kind."""
        names = list(KINDS)
        return KINDS[names[int(rng.integers(len(names)))]](rng)
