"""The env's own solver: a shortest plan to the goal from the current state.

The planner knows where every object is (it is the env's solver, not an agent), so no search
over unseen receptacles is needed. It enumerates the few ways the goal can be reached (which
object of the goal's type to use, for ``pick_two`` which target receptacle and in which order),
builds each as a concrete action list on a lightweight simulation (location, hand, open doors),
and keeps the shortest, ties broken by name order. Receptacle choices inside a plan (which
sinkbasin, which cabinet) are made greedily, which is exact here because every ``go to`` costs
one step.

Because it plans from the state alone, it recovers from anything: an object in hand that is not
needed is put down where the next object is taken from, an object in the wrong place is fetched
back, a switched-off lamp is turned on. Following it, the plan gets one step shorter per step.
"""

from __future__ import annotations

from itertools import permutations

from agentgym.envs.household.tasks import Task
from agentgym.envs.household.world import World

__all__ = ["plan", "next_action"]

_VERB = {"clean_and_place": "clean", "heat_and_place": "heat", "cool_and_place": "cool"}


class _Sim:
    """The part of the state a plan changes (location, hand, open doors), and the plan so far."""

    __slots__ = ("world", "at", "held", "opened", "lit", "moved", "actions")

    def __init__(self, world: World):
        self.world = world
        self.at = world.at
        self.held = world.held
        self.opened = world.opened  # copied on first write
        self.lit = world.lit
        self.moved: dict[str, str | None] = {}  # objects this plan has put somewhere else
        self.actions: list[str] = []

    def go(self, receptacle: str) -> None:
        if self.at != receptacle:
            self.actions.append(f"go to {receptacle}")
            self.at = receptacle

    def open_if_closed(self, receptacle: str) -> None:
        if receptacle in self.world.layout.openable and receptacle not in self.opened:
            self.actions.append(f"open {receptacle}")
            self.opened = self.opened | {receptacle}

    def fetch(self, obj: str) -> None:
        """Get ``obj`` into the hand; anything else held is put down where ``obj`` lies."""
        if self.held == obj:
            return
        where = self.moved[obj] if obj in self.moved else self.world.where[obj]
        assert where is not None, "an object not in hand is in some receptacle"
        self.go(where)
        self.open_if_closed(where)
        if self.held is not None:
            self.actions.append(f"put {self.held} in/on {where}")
            self.moved[self.held] = where
        self.actions.append(f"take {obj} from {where}")
        self.moved[obj] = None
        self.held = obj

    def closed_cost(self, receptacle: str) -> int:
        """Steps to be at ``receptacle`` with its inside reachable."""
        return (self.at != receptacle) + (receptacle in self.world.layout.openable and receptacle not in self.opened)

    def place(self, receptacles: tuple[str, ...]) -> str:
        """Put the held object into the nearest (fewest steps) of ``receptacles``; returns which."""
        best = min(receptacles, key=self.closed_cost)
        self.go(best)
        self.open_if_closed(best)
        self.actions.append(f"put {self.held} in/on {best}")
        self.moved[self.held] = best
        self.held = None
        return best


def _plan_single(world: World, task: Task) -> list[str] | None:
    layout = world.layout
    flag = task.required_flag
    best: list[str] | None = None
    for obj in layout.objects_of_type.get(task.object_type, ()):
        sim = _Sim(world)
        sim.fetch(obj)
        if flag and world.flags[obj] & flag != flag:
            # Appliances work with the door shut: just be there.
            appliance = min(layout.receptacles_of_type[task.appliance], key=lambda r: sim.at != r)
            sim.go(appliance)
            sim.actions.append(f"{_VERB[task.type]} {obj} with {appliance}")
        if task.type == "examine_in_light":
            lamps = [lamp for lamp in layout.lamps if layout.lamp_type[lamp] == task.lamp_type]
            lamp = min(lamps, key=lambda m: (sim.at != layout.lamps[m]) + (m not in sim.lit))
            sim.go(layout.lamps[lamp])
            if lamp not in sim.lit:
                sim.actions.append(f"use {lamp}")
        else:
            sim.place(layout.receptacles_of_type[task.receptacle_type])
        if best is None or len(sim.actions) < len(best):
            best = sim.actions
    return best


def _plan_pick_two(world: World, task: Task) -> list[str] | None:
    layout = world.layout
    kind = task.object_type
    instances = layout.objects_of_type.get(kind, ())
    best: list[str] | None = None
    for receptacle in layout.receptacles_of_type.get(task.receptacle_type, ()):
        need = 2 - sum(layout.object_type[o] == kind for o in world.contents[receptacle])
        candidates = [o for o in instances if world.where[o] != receptacle]
        if need <= 0 or len(candidates) < need:
            continue
        for order in permutations(candidates, need):
            sim = _Sim(world)
            for obj in order:
                sim.fetch(obj)
                sim.place((receptacle,))
            if best is None or len(sim.actions) < len(best):
                best = sim.actions
    return best


def plan(world: World, task: Task) -> list[str]:
    """A shortest action list from ``world``'s state to ``task``'s goal (empty if it holds)."""
    if task.satisfied(world):
        return []
    found = _plan_pick_two(world, task) if task.type == "pick_two_and_place" else _plan_single(world, task)
    if found is None:  # cannot happen for generated homes; fail loudly in tests rather than loop
        raise RuntimeError(f"no plan for {task.goal!r} in this home")
    return found


def next_action(world: World, task: Task) -> str:
    """The first action of :func:`plan` (``look`` if the goal already holds)."""
    steps = plan(world, task)
    return steps[0] if steps else "look"
