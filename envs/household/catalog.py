"""The household vocabulary: receptacle types, object types and their properties, room templates.

Everything here is static data. The names follow ALFWorld's (lowercase, one word: ``sinkbasin``,
``desklamp``, ``butterknife``) so that agents and prompts written for ALFWorld read these homes
without surprises.

Held-out vocabulary
-------------------
``test-unseen`` homes are built from :data:`UNSEEN_OBJECT_TYPES` and the templates flagged
``unseen``; ``train`` and ``test-seen`` homes never contain either, so the unseen split measures
generalisation to new object types (``potato``, ``kettle``, ``floorlamp``, ...) and new room
layouts (with receptacle types such as ``cart`` and ``ottoman`` found nowhere else).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "OPENABLE",
    "IN_TYPES",
    "CLEANABLE",
    "HEATABLE",
    "COOLABLE",
    "LIGHT_SOURCES",
    "PLACES",
    "UNSEEN_OBJECT_TYPES",
    "RoomTemplate",
    "TEMPLATES",
]

#: Receptacle types with a door: closed at the start, contents visible (and reachable) only when open.
OPENABLE = frozenset({"fridge", "cabinet", "drawer", "microwave", "safe"})

#: Receptacle types a goal puts things "in" (the rest are surfaces: "on").
IN_TYPES = OPENABLE | {"garbagecan", "sinkbasin", "laundryhamper", "coffeemachine", "cart"}

# ALFWorld's object affordances (which types the sink, microwave and fridge act on).
CLEANABLE = frozenset(
    "apple bowl butterknife cloth cup dishsponge egg fork kettle knife ladle lettuce mug pan plate pot "
    "potato soapbar spatula spoon tomato".split()
)
HEATABLE = frozenset("apple bread cup egg mug plate potato tomato".split())
COOLABLE = frozenset("apple bowl bread cup lettuce mug pan plate pot potato tomato winebottle".split())

#: Fixed objects that ``use`` turns on and off; they stand on a receptacle and cannot be taken.
LIGHT_SOURCES = frozenset({"desklamp", "floorlamp"})

_FOOD = ("countertop", "diningtable", "fridge", "microwave", "garbagecan", "sinkbasin", "cart")
_DISH = ("countertop", "diningtable", "cabinet", "shelf", "sinkbasin", "microwave", "fridge", "cart")
_POT = ("countertop", "diningtable", "cabinet", "stoveburner", "sinkbasin", "shelf", "cart")
_UTENSIL = ("drawer", "countertop", "diningtable", "sinkbasin", "cart")
_BOTTLE = ("countertop", "cabinet", "shelf", "diningtable", "garbagecan", "cart")
_CLEANING = ("sinkbasin", "countertop", "cabinet", "drawer", "shelf", "cart", "garbagecan")
_SMALL = (
    "desk", "dresser", "sidetable", "drawer", "shelf", "coffeetable", "diningtable", "bed", "sofa",
    "armchair", "safe", "tvstand", "ottoman", "countertop",
)
_BIG = (
    "desk", "dresser", "sidetable", "shelf", "coffeetable", "bed", "sofa", "armchair", "tvstand",
    "ottoman", "diningtable", "cabinet",
)

#: Where each portable object type may start (and may be asked to go): the receptacle types it
#: plausibly belongs on, so homes read like homes ("a mug 1" in a cabinet, not in the bed).
PLACES: dict[str, tuple[str, ...]] = {
    # food
    "apple": _FOOD, "bread": _FOOD, "egg": _FOOD, "lettuce": _FOOD, "tomato": _FOOD, "potato": _FOOD,
    # dishes
    "mug": _DISH + ("coffeemachine",), "cup": _DISH + ("coffeemachine",), "plate": _DISH, "bowl": _DISH,
    "pan": _POT, "pot": _POT, "kettle": _POT,
    # utensils
    "fork": _UTENSIL, "knife": _UTENSIL, "spoon": _UTENSIL, "spatula": _UTENSIL, "ladle": _UTENSIL,
    "butterknife": _UTENSIL,
    # bottles and shakers
    "soapbottle": _BOTTLE, "saltshaker": _BOTTLE, "peppershaker": _BOTTLE, "winebottle": _BOTTLE + ("fridge",),
    # cleaning things
    "dishsponge": _CLEANING, "cloth": _CLEANING, "soapbar": _CLEANING,
    # small things found around living rooms and bedrooms
    "cellphone": _SMALL, "keychain": _SMALL, "creditcard": _SMALL, "pen": _SMALL, "pencil": _SMALL,
    "cd": _SMALL, "watch": _SMALL,
    # bigger things
    "book": _BIG, "alarmclock": _BIG, "remotecontrol": _BIG, "pillow": _BIG, "laptop": _BIG,
    "newspaper": _BIG + ("garbagecan",), "box": _BIG, "statue": _BIG, "vase": _BIG,
    "tissuebox": _BIG + ("garbagecan",), "candle": _BIG,
}

#: Object types that appear only in ``test-unseen`` homes (light sources included).
UNSEEN_OBJECT_TYPES = frozenset(
    {"potato", "cup", "pot", "kettle", "ladle", "winebottle", "statue", "vase", "watch", "tissuebox", "floorlamp"}
)

_KITCHEN_OBJECTS = (
    "apple", "bread", "egg", "lettuce", "tomato", "potato", "mug", "cup", "plate", "bowl", "pan", "pot",
    "kettle", "fork", "knife", "spoon", "spatula", "ladle", "butterknife", "soapbottle", "saltshaker",
    "peppershaker", "winebottle", "dishsponge", "cloth", "soapbar",
)
_ROOM_OBJECTS = (
    "cellphone", "keychain", "creditcard", "pen", "pencil", "cd", "watch", "book", "alarmclock",
    "remotecontrol", "pillow", "laptop", "newspaper", "box", "statue", "vase", "tissuebox", "candle",
)

_KITCHEN_TASKS = ("pick_and_place", "clean_and_place", "heat_and_place", "cool_and_place", "pick_two_and_place")
_ROOM_TASKS = ("pick_and_place", "examine_in_light", "pick_two_and_place")


@dataclass(frozen=True)
class RoomTemplate:
    """A kind of room the generator builds homes from.

    Attributes:
        name: the template's name (``kitchen``, ``bedroom``, ...).
        unseen: True for templates reserved for the ``test-unseen`` split.
        base: receptacle types every home of this template has (one of each).
        extra: ``(type, weight, max_count)`` for the receptacles added to reach the home's size.
        objects: the object types found in this kind of room.
        tasks: the task types this kind of room supports.
        targets: receptacle types a goal may name.
        lamp: the light source type of the room (rooms that support examine tasks).
        lamp_holders: receptacle types the lamp may stand on.
    """

    name: str
    unseen: bool
    base: tuple[str, ...]
    extra: tuple[tuple[str, int, int], ...]
    objects: tuple[str, ...]
    tasks: tuple[str, ...]
    targets: tuple[str, ...]
    lamp: str = ""
    lamp_holders: tuple[str, ...] = ()

    @property
    def receptacle_types(self) -> frozenset[str]:
        """Every receptacle type a home of this template can contain."""
        return frozenset(self.base) | {t for t, _, _ in self.extra}


TEMPLATES: tuple[RoomTemplate, ...] = (
    RoomTemplate(
        name="kitchen",
        unseen=False,
        base=("countertop", "fridge", "microwave", "sinkbasin"),
        extra=(
            ("cabinet", 8, 9), ("drawer", 5, 6), ("countertop", 2, 3), ("stoveburner", 3, 4), ("toaster", 1, 1),
            ("coffeemachine", 1, 1), ("diningtable", 1, 1), ("garbagecan", 2, 1), ("shelf", 1, 3),
        ),
        objects=_KITCHEN_OBJECTS,
        tasks=_KITCHEN_TASKS,
        targets=("countertop", "cabinet", "drawer", "diningtable", "fridge", "microwave", "shelf", "garbagecan",
                 "sinkbasin", "stoveburner", "coffeemachine"),
    ),
    RoomTemplate(
        name="diningroom",
        unseen=False,
        base=("diningtable", "fridge", "microwave", "sinkbasin"),
        extra=(
            ("cabinet", 6, 6), ("drawer", 4, 4), ("countertop", 3, 2), ("diningtable", 1, 2), ("stoveburner", 2, 2),
            ("coffeemachine", 1, 1), ("garbagecan", 2, 1), ("shelf", 2, 3), ("sidetable", 1, 2),
        ),
        objects=_KITCHEN_OBJECTS,
        tasks=_KITCHEN_TASKS,
        targets=("countertop", "cabinet", "drawer", "diningtable", "fridge", "microwave", "shelf", "garbagecan",
                 "sinkbasin", "stoveburner", "coffeemachine", "sidetable"),
    ),
    RoomTemplate(
        name="livingroom",
        unseen=False,
        base=("sofa", "sidetable"),
        extra=(
            ("armchair", 2, 2), ("coffeetable", 2, 1), ("sidetable", 2, 3), ("tvstand", 1, 1), ("shelf", 3, 4),
            ("drawer", 4, 5), ("cabinet", 3, 4), ("garbagecan", 2, 1), ("diningtable", 1, 1), ("dresser", 1, 1),
        ),
        objects=_ROOM_OBJECTS,
        tasks=_ROOM_TASKS,
        targets=("sofa", "armchair", "coffeetable", "sidetable", "tvstand", "shelf", "drawer", "cabinet",
                 "garbagecan", "diningtable", "dresser"),
        lamp="desklamp",
        lamp_holders=("sidetable", "dresser"),
    ),
    RoomTemplate(
        name="bedroom",
        unseen=False,
        base=("bed", "dresser"),
        extra=(
            ("desk", 2, 1), ("sidetable", 2, 2), ("shelf", 3, 4), ("drawer", 5, 8), ("safe", 1, 1),
            ("garbagecan", 2, 1), ("laundryhamper", 1, 1), ("armchair", 1, 1), ("cabinet", 2, 4),
        ),
        objects=_ROOM_OBJECTS,
        tasks=_ROOM_TASKS,
        targets=("bed", "dresser", "desk", "sidetable", "shelf", "drawer", "safe", "garbagecan", "armchair",
                 "cabinet", "laundryhamper"),
        lamp="desklamp",
        lamp_holders=("desk", "sidetable", "dresser"),
    ),
    # ---- held out for test-unseen: new layouts with receptacle types found nowhere else
    RoomTemplate(
        name="galley",
        unseen=True,
        base=("countertop", "fridge", "microwave", "sinkbasin", "cart"),
        extra=(
            ("cabinet", 8, 10), ("drawer", 5, 6), ("countertop", 3, 4), ("stoveburner", 2, 4), ("toaster", 1, 1),
            ("garbagecan", 2, 2), ("shelf", 1, 2), ("cart", 1, 2),
        ),
        objects=_KITCHEN_OBJECTS,
        tasks=_KITCHEN_TASKS,
        targets=("countertop", "cabinet", "drawer", "fridge", "microwave", "shelf", "garbagecan", "sinkbasin",
                 "stoveburner", "cart"),
    ),
    RoomTemplate(
        name="studio",
        unseen=True,
        base=("bed", "sofa", "ottoman"),
        extra=(
            ("desk", 2, 1), ("sidetable", 2, 3), ("shelf", 3, 3), ("drawer", 4, 5), ("safe", 1, 1),
            ("garbagecan", 2, 1), ("dresser", 1, 1), ("tvstand", 1, 1), ("ottoman", 1, 2), ("cabinet", 2, 3),
        ),
        objects=_ROOM_OBJECTS,
        tasks=_ROOM_TASKS,
        targets=("bed", "sofa", "ottoman", "desk", "sidetable", "shelf", "drawer", "safe", "garbagecan",
                 "dresser", "tvstand", "cabinet"),
        lamp="floorlamp",
        lamp_holders=("sidetable", "desk", "dresser"),
    ),
)
