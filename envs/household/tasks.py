"""ALFWorld's six task types: their goal sentences and their success checks.

Success is judged on types, as in ALFWorld: *any* object of the asked type that is in the asked
state counts, in *any* receptacle of the asked type. "put two X in Y" needs two objects of type
X in the same receptacle of type Y; "look at X under the desklamp" needs an X in hand and a lit
desklamp on the receptacle the agent is at.
"""

from __future__ import annotations

from dataclasses import dataclass

from agentgym.envs.household.world import CLEAN, COOL, HOT, World, preposition

__all__ = ["TASK_TYPES", "APPLIANCE", "REQUIRED_FLAG", "Task", "goal_sentence"]

#: The six task types, in ALFWorld's order.
TASK_TYPES = (
    "pick_and_place",
    "examine_in_light",
    "clean_and_place",
    "heat_and_place",
    "cool_and_place",
    "pick_two_and_place",
)

#: The appliance each state-changing task needs.
APPLIANCE = {"clean_and_place": "sinkbasin", "heat_and_place": "microwave", "cool_and_place": "fridge"}

#: The state flag the placed object must have.
REQUIRED_FLAG = {"clean_and_place": CLEAN, "heat_and_place": HOT, "cool_and_place": COOL}

# ALFWorld's goal phrasings, two per task type (the generator picks one).
_PHRASES = {
    "pick_and_place": ("put a {o} {prep} {r}.", "put some {o} {prep} {r}."),
    "examine_in_light": ("look at {o} under the {lamp}.", "examine the {o} with the {lamp}."),
    "clean_and_place": ("put a clean {o} in {r}.", "clean some {o} and put it in {r}."),
    "heat_and_place": ("put a hot {o} in {r}.", "heat some {o} and put it in {r}."),
    "cool_and_place": ("put a cool {o} in {r}.", "cool some {o} and put it in {r}."),
    "pick_two_and_place": ("put two {o} {prep} {r}.", "find two {o} and put them in {r}."),
}


def goal_sentence(task_type: str, object_type: str, receptacle_type: str, lamp_type: str, variant: int) -> str:
    """The task sentence, e.g. ``"heat some egg and put it in diningtable."``."""
    phrases = _PHRASES[task_type]
    return phrases[variant % len(phrases)].format(
        o=object_type, r=receptacle_type, lamp=lamp_type, prep=preposition(receptacle_type) if receptacle_type else ""
    )


@dataclass(frozen=True)
class Task:
    """One task: what must end up where, in which state.

    Attributes:
        type: one of :data:`TASK_TYPES`.
        object_type: the type of object the goal is about (``mug``).
        receptacle_type: where it must end up (``cabinet``); empty for ``examine_in_light``.
        lamp_type: the light source to examine under (``desklamp``); empty otherwise.
        goal: the ALFWorld-phrased sentence shown after "Your task is to: ".
    """

    type: str
    object_type: str
    receptacle_type: str
    lamp_type: str
    goal: str

    @property
    def required_flag(self) -> int:
        """The state bits the object needs (0 for tasks that only move it)."""
        return REQUIRED_FLAG.get(self.type, 0)

    @property
    def appliance(self) -> str:
        """The receptacle type that changes the object's state (empty if none is needed)."""
        return APPLIANCE.get(self.type, "")

    def progress(self, world: World) -> int:
        """How many of the goal's sub-goals hold in ``world`` (for the optional shaped reward):
        1 while an object of the asked type is in hand, 2 once that held object also has the
        asked state (clean, hot or cool tasks); for pick-two, 1 once an object of the asked type
        is in a receptacle of the asked type, plus 1 while another is in hand. A finished goal
        is judged by :meth:`satisfied`, not here."""
        layout = world.layout
        held = world.held
        holding = held is not None and layout.object_type[held] == self.object_type
        if self.type == "pick_two_and_place":
            placed = max(
                (sum(layout.object_type[o] == self.object_type for o in world.contents[r]) for r in layout.receptacles_of_type.get(self.receptacle_type, ())),
                default=0,
            )
            return min(placed, 1) + holding
        flag = self.required_flag
        if holding and flag and world.flags[held] & flag == flag:
            return 2
        return int(holding)

    def satisfied(self, world: World) -> bool:
        """Whether the goal holds in ``world``'s current state."""
        layout = world.layout
        wanted = self.object_type
        if self.type == "examine_in_light":
            held, at = world.held, world.at
            if held is None or at is None or layout.object_type[held] != wanted:
                return False
            return any(lamp in world.lit and layout.lamp_type[lamp] == self.lamp_type for lamp in layout.lamps_at.get(at, ()))
        rtype = layout.receptacle_type
        if self.type == "pick_two_and_place":
            for receptacle in layout.receptacles_of_type.get(self.receptacle_type, ()):
                if sum(layout.object_type[o] == wanted for o in world.contents[receptacle]) >= 2:
                    return True
            return False
        flag = self.required_flag
        for obj in layout.objects_of_type.get(wanted, ()):
            where = world.where[obj]
            if where is not None and rtype[where] == self.receptacle_type and world.flags[obj] & flag == flag:
                return True
        return False
