"""The home model: receptacles, objects and lamps, and the rules that change their state.

A home has two parts:

- :class:`Layout`, the static part the generator builds once per task id: which receptacles and
  objects exist, what type each is, where the objects start, where the lamps stand. It is
  immutable and shared by every episode (and every fork) of the task.
- :class:`World`, the state an episode changes: where the agent is, what it holds, where each
  object is now, which receptacles are open, which lamps are on, which objects are clean, hot or
  cool. Every rule (``go``, ``take``, ``put``, ...) lives here and answers
  ``(valid, observation)``; an illegal action changes nothing and says why.

Rules follow ALFWorld's text engine: the agent must ``go to`` a receptacle before touching it or
its contents; an openable receptacle must be open to take from or put into it (and shows its
contents only while open); the agent holds at most one object; ``clean``/``heat``/``cool`` need
the object in hand and the agent at a sinkbasin/microwave/fridge; ``use`` toggles a lamp standing
on the agent's receptacle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from agentgym.envs.household.catalog import CLEANABLE, COOLABLE, HEATABLE, IN_TYPES, OPENABLE
from agentgym.envs.household.commands import Command
from agentgym.envs.household.text import a_list, nothing_happens, quote

__all__ = ["Layout", "World", "CLEAN", "HOT", "COOL", "name_key", "preposition"]

# Object state flags, as bits (cheap to copy and compare).
CLEAN, HOT, COOL = 1, 2, 4

_PROCESS = {
    # verb: (appliance type, flag set, flag cleared, property set, past tense, "cannot be ...")
    "clean": ("sinkbasin", CLEAN, 0, CLEANABLE, "clean", "cleaned"),
    "heat": ("microwave", HOT, COOL, HEATABLE, "heat", "heated"),
    "cool": ("fridge", COOL, HOT, COOLABLE, "cool", "cooled"),
}


def name_key(name: str) -> tuple[str, int]:
    """Natural sort key of an entity name: ``cabinet 2`` sorts before ``cabinet 10``."""
    kind, _, number = name.rpartition(" ")
    return (kind, int(number)) if number.isdigit() else (name, 0)


def preposition(receptacle_type: str) -> str:
    """``in`` for containers, ``on`` for surfaces (``put`` itself always says ``in/on``)."""
    return "in" if receptacle_type in IN_TYPES else "on"


@dataclass(frozen=True)
class Layout:
    """The static part of a home (see the module docstring).

    Attributes:
        template: the room template it was built from (``kitchen``, ``bedroom``, ...).
        receptacles: receptacle names, in natural order (``cabinet 1`` ... ``toaster 1``).
        receptacle_type: receptacle name -> type.
        objects: portable object names, in natural order.
        object_type: object name -> type.
        lamps: lamp name -> the receptacle it stands on (lamps cannot be taken).
        lamp_type: lamp name -> type (``desklamp`` or ``floorlamp``).
        start: object name -> the receptacle it starts in.
    """

    template: str
    receptacles: tuple[str, ...]
    receptacle_type: Mapping[str, str]
    objects: tuple[str, ...]
    object_type: Mapping[str, str]
    lamps: Mapping[str, str]
    lamp_type: Mapping[str, str]
    start: Mapping[str, str]
    # Derived lookups, filled in __post_init__ (the layout is built once per task, read every step).
    openable: frozenset[str] = field(init=False)
    rank: Mapping[str, int] = field(init=False)
    objects_of_type: Mapping[str, tuple[str, ...]] = field(init=False)
    receptacles_of_type: Mapping[str, tuple[str, ...]] = field(init=False)
    lamps_at: Mapping[str, tuple[str, ...]] = field(init=False)
    go_actions: Mapping[str, tuple[str, ...]] = field(init=False)

    def __post_init__(self) -> None:
        def set_(name: str, value: object) -> None:
            object.__setattr__(self, name, value)

        set_("openable", frozenset(r for r in self.receptacles if self.receptacle_type[r] in OPENABLE))
        everything = sorted([*self.objects, *self.lamps], key=name_key)
        set_("rank", {name: i for i, name in enumerate(everything)})
        by_type: dict[str, list[str]] = {}
        for name in self.objects:
            by_type.setdefault(self.object_type[name], []).append(name)
        set_("objects_of_type", {t: tuple(names) for t, names in by_type.items()})
        rec_by_type: dict[str, list[str]] = {}
        for name in self.receptacles:
            rec_by_type.setdefault(self.receptacle_type[name], []).append(name)
        set_("receptacles_of_type", {t: tuple(names) for t, names in rec_by_type.items()})
        lamps_at: dict[str, list[str]] = {}
        for lamp, where in sorted(self.lamps.items(), key=lambda kv: name_key(kv[0])):
            lamps_at.setdefault(where, []).append(lamp)
        set_("lamps_at", {r: tuple(names) for r, names in lamps_at.items()})
        # "go to" every receptacle but the one the agent is at, precomputed per location.
        every = tuple(f"go to {r}" for r in self.receptacles)
        go = {None: every}
        for i, r in enumerate(self.receptacles):
            go[r] = every[:i] + every[i + 1 :]
        set_("go_actions", go)

    def type_of(self, name: str) -> str | None:
        """The type of any entity name (receptacle, object or lamp), or None if it does not exist."""
        return self.receptacle_type.get(name) or self.object_type.get(name) or self.lamp_type.get(name)


class World:
    """The mutable state of one episode in a home, with the rules that change it.

    Attributes:
        layout: the static :class:`Layout`.
        at: the receptacle the agent is at, or None while still in the middle of the room.
        held: the object in the agent's hand, or None.
        where: object name -> the receptacle it is in/on, or None while held.
        contents: receptacle name -> the set of objects in/on it.
        flags: object name -> bits of ``CLEAN | HOT | COOL``.
        opened: the open receptacles.
        lit: the lamps that are on.
        revision: bumped on every change, so that derived lists can be cached per state.
        surfaces_in_view: whether the room overview also says what lies on each open surface.
    """

    __slots__ = ("layout", "at", "held", "where", "contents", "flags", "opened", "lit", "revision", "surfaces_in_view")

    def __init__(self, layout: Layout, *, surfaces_in_view: bool = False):
        self.layout = layout
        self.surfaces_in_view = surfaces_in_view
        self.at: str | None = None
        self.held: str | None = None
        self.where: dict[str, str | None] = dict(layout.start)
        self.contents: dict[str, set[str]] = {r: set() for r in layout.receptacles}
        for obj, rec in layout.start.items():
            self.contents[rec].add(obj)
        self.flags: dict[str, int] = {obj: 0 for obj in layout.objects}
        self.opened: set[str] = set()
        self.lit: set[str] = set()
        self.revision = 0

    def copy(self) -> "World":
        """An independent copy (the layout is shared: it never changes)."""
        clone = World.__new__(World)
        clone.layout = self.layout
        clone.surfaces_in_view = self.surfaces_in_view
        clone.at = self.at
        clone.held = self.held
        clone.where = dict(self.where)
        clone.contents = {r: set(objs) for r, objs in self.contents.items()}
        clone.flags = dict(self.flags)
        clone.opened = set(self.opened)
        clone.lit = set(self.lit)
        clone.revision = self.revision
        return clone

    # ------------------------------------------------------------------ queries
    def accessible(self, receptacle: str) -> bool:
        """Whether the receptacle's inside can be seen and reached (not a closed door)."""
        return receptacle not in self.layout.openable or receptacle in self.opened

    def visible(self, receptacle: str) -> list[str]:
        """Objects and lamps seen on/in a receptacle, in natural order (empty while it is closed)."""
        if not self.accessible(receptacle):
            return []
        things = [*self.contents[receptacle], *self.layout.lamps_at.get(receptacle, ())]
        rank = self.layout.rank
        things.sort(key=rank.__getitem__)
        return things

    def describe(self, receptacle: str) -> str:
        """What the agent sees looking at a receptacle, ALFWorld style."""
        if receptacle in self.layout.openable:
            if receptacle not in self.opened:
                return f"The {receptacle} is closed."
            return f"The {receptacle} is open. In it, you see {a_list(self.visible(receptacle))}."
        return f"On the {receptacle}, you see {a_list(self.visible(receptacle))}."

    def room_overview(self) -> str:
        """The first sentence of an episode (and of ``look`` before the agent has moved).

        With ``surfaces_in_view``, one more sentence per surface that holds something, e.g.
        ``On the countertop 1, you see a tomato 1.`` (closed receptacles stay unseen).
        """
        overview = (
            "You are in the middle of a room. Looking quickly around you, you see "
            f"{a_list(self.layout.receptacles)}."
        )
        if self.surfaces_in_view:
            seen = [
                self.describe(r)
                for r in self.layout.receptacles
                if r not in self.layout.openable and self.visible(r)
            ]
            overview = " ".join([overview, *seen])
        return overview

    def admissible(self) -> list[str]:
        """Every legal action in this state, sorted. Mirrors the checks of the rules below."""
        layout = self.layout
        actions = ["inventory", "look", *layout.go_actions[self.at]]
        held = self.held
        if held is not None:
            actions.append(f"examine {held}")
        at = self.at
        if at is not None:
            actions.append(f"examine {at}")
            if at in layout.openable:
                actions.append(f"close {at}" if at in self.opened else f"open {at}")
            if self.accessible(at):
                for obj in self.contents[at]:
                    actions.append(f"examine {obj}")
                    if held is None:
                        actions.append(f"take {obj} from {at}")
                for lamp in layout.lamps_at.get(at, ()):
                    actions.append(f"examine {lamp}")
                    actions.append(f"use {lamp}")
                if held is not None:
                    actions.append(f"put {held} in/on {at}")
            if held is not None:
                # Appliances work with their door shut, as in ALFWorld.
                for verb, (appliance, _, _, able, _, _) in _PROCESS.items():
                    if layout.receptacle_type[at] == appliance and layout.object_type[held] in able:
                        actions.append(f"{verb} {held} with {at}")
        actions.sort()
        return actions

    # ------------------------------------------------------------------ rules
    def apply(self, command: Command) -> tuple[bool, str]:
        """Apply a parsed command: ``(valid, observation)``. An invalid one changes nothing."""
        verb = command.verb
        if verb == "go":
            return self.go(command.obj)
        if verb == "take":
            return self.take(command.obj, command.target)
        if verb == "put":
            return self.put(command.obj, command.target)
        if verb == "open":
            return self.open(command.obj)
        if verb == "close":
            return self.close(command.obj)
        if verb in _PROCESS:
            return self.process(verb, command.obj, command.target)
        if verb == "use":
            return self.use(command.obj)
        if verb == "examine":
            return self.examine(command.obj)
        if verb == "look":
            return self.look()
        if verb == "inventory":
            return self.inventory()
        return False, nothing_happens(f"Unknown command {quote(verb)}.")

    def _changed(self) -> None:
        self.revision += 1

    def _where_is(self, receptacle: str) -> str | None:
        """Why the agent cannot reach ``receptacle`` right now, or None if it can."""
        layout = self.layout
        if receptacle not in layout.receptacle_type:
            if layout.type_of(receptacle) is not None:
                return f"The {receptacle} is not a receptacle."
            return f"There is no receptacle called {quote(receptacle)} in this room."
        if self.at != receptacle:
            return f'You are not at {receptacle}; try "go to {receptacle}".'
        return None

    def _not_open(self, receptacle: str) -> str | None:
        if not self.accessible(receptacle):
            return f'The {receptacle} is closed; try "open {receptacle}".'
        return None

    def go(self, receptacle: str) -> tuple[bool, str]:
        """``go to X``: walk to a receptacle and see what is on it (or whether it is closed)."""
        layout = self.layout
        if receptacle not in layout.receptacle_type:
            if layout.type_of(receptacle) is not None:
                why = f"You can only go to receptacles, and {receptacle} is not one."
            else:
                why = f"There is no receptacle called {quote(receptacle)} in this room."
            return False, nothing_happens(f"{why} You can go to: {', '.join(layout.receptacles)}.")
        if self.at == receptacle:
            return False, nothing_happens(f"You are already at {receptacle}.")
        self.at = receptacle
        self._changed()
        return True, f"You arrive at {receptacle}. {self.describe(receptacle)}"

    def take(self, obj: str, receptacle: str) -> tuple[bool, str]:
        """``take X from Y``: pick up an object from the receptacle the agent is at."""
        why = self._where_is(receptacle) or self._not_open(receptacle)
        if why is None:
            if obj in self.layout.lamps and self.layout.lamps[obj] == receptacle:
                why = f"The {obj} cannot be picked up; you can use it."
            elif self.where.get(obj, "") != receptacle or obj not in self.layout.object_type:
                why = f"There is no {obj} {preposition(self.layout.receptacle_type[receptacle])} the {receptacle}."
            elif self.held is not None:
                why = f"You are already carrying the {self.held}; you can hold one object, so put it somewhere first."
        if why is not None:
            return False, nothing_happens(why)
        self.contents[receptacle].discard(obj)
        self.where[obj] = None
        self.held = obj
        self._changed()
        return True, f"You pick up the {obj} from the {receptacle}."

    def put(self, obj: str, receptacle: str) -> tuple[bool, str]:
        """``put X in/on Y``: put the held object in/on the receptacle the agent is at."""
        if self.held != obj:
            why = "You are not carrying anything." if self.held is None else f"You are carrying the {self.held}, not {quote(obj)}."
        else:
            why = self._where_is(receptacle) or self._not_open(receptacle)
        if why is not None:
            return False, nothing_happens(why)
        self.contents[receptacle].add(obj)
        self.where[obj] = receptacle
        self.held = None
        self._changed()
        return True, f"You put the {obj} in/on the {receptacle}."

    def open(self, receptacle: str) -> tuple[bool, str]:
        """``open X``: open a closed fridge, cabinet, drawer, microwave or safe and see inside."""
        why = self._where_is(receptacle)
        if why is None:
            if receptacle not in self.layout.openable:
                why = f"The {receptacle} cannot be opened."
            elif receptacle in self.opened:
                why = f"The {receptacle} is already open."
        if why is not None:
            return False, nothing_happens(why)
        self.opened.add(receptacle)
        self._changed()
        return True, f"You open the {receptacle}. {self.describe(receptacle)}"

    def close(self, receptacle: str) -> tuple[bool, str]:
        """``close X``: close an open receptacle."""
        why = self._where_is(receptacle)
        if why is None:
            if receptacle not in self.layout.openable:
                why = f"The {receptacle} cannot be closed."
            elif receptacle not in self.opened:
                why = f"The {receptacle} is already closed."
        if why is not None:
            return False, nothing_happens(why)
        self.opened.discard(receptacle)
        self._changed()
        return True, f"You close the {receptacle}."

    def process(self, verb: str, obj: str, appliance: str) -> tuple[bool, str]:
        """``clean/heat/cool X with Y``: change the held object's state with a sinkbasin/microwave/fridge."""
        needed, flag_on, flag_off, able, _, participle = _PROCESS[verb]
        if self.held != obj:
            why = "You are not carrying anything." if self.held is None else f"You are carrying the {self.held}, not {quote(obj)}."
        else:
            why = self._where_is(appliance)
            if why is None and self.layout.receptacle_type[appliance] != needed:
                why = f"You can only {verb} things with a {needed}."
            elif why is None and self.layout.object_type[obj] not in able:
                why = f"The {obj} cannot be {participle}."
        if why is not None:
            return False, nothing_happens(why)
        new = (self.flags[obj] | flag_on) & ~flag_off
        if new != self.flags[obj]:
            self.flags[obj] = new
            self._changed()
        return True, f"You {verb} the {obj} using the {appliance}."

    def use(self, lamp: str) -> tuple[bool, str]:
        """``use X``: switch a lamp on the agent's receptacle on (or off again)."""
        layout = self.layout
        if lamp not in layout.lamps:
            if lamp in layout.object_type or lamp in layout.receptacle_type:
                why = f"The {lamp} is not something you can use; lamps (desklamp, floorlamp) are."
            else:
                why = f"You do not see {quote(lamp)} here."
        elif self.at is None or layout.lamps[lamp] != self.at:
            why = f"You do not see the {lamp} here."
        else:
            why = None
        if why is not None:
            return False, nothing_happens(why)
        self._changed()
        if lamp in self.lit:
            self.lit.discard(lamp)
            return True, f"You turn off the {lamp}."
        self.lit.add(lamp)
        return True, f"You turn on the {lamp}."

    def examine(self, name: str) -> tuple[bool, str]:
        """``examine X``: describe the receptacle the agent is at, or a thing in sight or in hand."""
        layout = self.layout
        if name in layout.receptacle_type:
            if self.at != name:
                return False, nothing_happens(f'You are not at {name}; try "go to {name}".')
            return True, self.describe(name)
        here = self.at is not None and self.accessible(self.at)
        if name == self.held or (here and self.where.get(name, "") == self.at and name in layout.object_type):
            states = [word for bit, word in ((CLEAN, "clean"), (HOT, "hot"), (COOL, "cool")) if self.flags[name] & bit]
            if not states:
                return True, f"There's nothing special about {name}."
            return True, f"The {name} is {' and '.join(states)}."
        if here and layout.lamps.get(name) == self.at:
            return True, f"The {name} is {'on' if name in self.lit else 'off'}."
        return False, nothing_happens(f"You do not see {quote(name)} here.")

    def look(self) -> tuple[bool, str]:
        """``look``: where the agent is (ALFWorld's terse answer)."""
        if self.at is None:
            return True, self.room_overview()
        return True, f"You are facing the {self.at}. Next to it, you see nothing."

    def inventory(self) -> tuple[bool, str]:
        """``inventory``: what the agent carries."""
        if self.held is None:
            return True, "You are not carrying anything."
        return True, f"You are carrying: a {self.held}."

    # ------------------------------------------------------------------ canonical state
    def payload(self) -> dict:
        """A JSON-able, path-independent description of the state (what ``state_key`` hashes)."""
        flags = self.flags
        return {
            "at": self.at,
            "held": self.held,
            "where": dict(self.where),
            "clean": sorted(o for o, f in flags.items() if f & CLEAN),
            "hot": sorted(o for o, f in flags.items() if f & HOT),
            "cool": sorted(o for o, f in flags.items() if f & COOL),
            "open": sorted(self.opened),
            "lit": sorted(self.lit),
        }
