"""Seeded procedural generation: a task id (and a difficulty) -> a home and a task.

Generation is a pure function of ``(task_id, difficulty)``: the id is hashed into the seed of a
private :class:`random.Random`, so a task is the same home with the same goal on every machine and
in every episode. The steps:

1. draw the task type (from those the difficulty allows) and a room template of the task's split
   that supports it (``test-unseen`` draws only from the held-out templates);
2. draw the object type the goal is about (``test-unseen``: a held-out type; other splits: never
   one) and, for placing tasks, the receptacle type it must end up in;
3. build the receptacles: the template's base set, whatever the task needs (the appliance, the
   target, somewhere for the object to start, a lamp holder), then extras up to the home's size;
4. place the lamp(s), one or more instances of the goal's object type (never already in a target
   receptacle, never at the lamp it must be examined under), then distractor objects.

Every home is solvable by construction, and short: the oracle needs at most about a dozen steps.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from agentgym.envs.household.catalog import (
    CLEANABLE,
    COOLABLE,
    HEATABLE,
    OPENABLE,
    PLACES,
    TEMPLATES,
    UNSEEN_OBJECT_TYPES,
    RoomTemplate,
)
from agentgym.envs.household.splits import UNSEEN_SPLIT, parse_task_id
from agentgym.envs.household.tasks import APPLIANCE, TASK_TYPES, Task, goal_sentence
from agentgym.envs.household.world import Layout, name_key

__all__ = ["Difficulty", "DIFFICULTIES", "Home", "generate", "templates_for_split", "object_types_for_split"]


@dataclass(frozen=True)
class Difficulty:
    """The difficulty knob: how big and cluttered a home is, and which tasks it sets.

    Attributes:
        name: ``easy``, ``medium`` or ``hard``.
        task_types: the task types drawn from.
        receptacles: ``(min, max)`` receptacles in the home (a task may need a few more).
        distractors: ``(min, max)`` objects unrelated to the goal.
        instances: ``(min, max)`` objects of the goal's type (``pick_two`` tasks use ``pairs``).
        pairs: ``(min, max)`` objects of the goal's type for ``pick_two_and_place``.
        hidden: the chance that a goal object starts behind a door (inside a closed fridge,
            cabinet, drawer, ...); ``None`` means no preference (wherever it is plausible),
            ``0.0`` means always in plain view on a surface.
        surfaces_in_view: the room overview at the start also lists what lies on each surface,
            so an agent can go straight to the goal object instead of searching for it.
    """

    name: str
    task_types: tuple[str, ...]
    receptacles: tuple[int, int]
    distractors: tuple[int, int]
    instances: tuple[int, int]
    pairs: tuple[int, int]
    hidden: float | None
    surfaces_in_view: bool = False


#: The three difficulty levels. ``medium`` is the default and the benchmark setting.
DIFFICULTIES: dict[str, Difficulty] = {
    # Small rooms, little clutter, goal objects in plain view and named in the first observation:
    # a starting point for small models.
    "easy": Difficulty("easy", TASK_TYPES, (4, 6), (0, 2), (1, 1), (2, 2), 0.0, surfaces_in_view=True),
    # ALFWorld-sized rooms.
    "medium": Difficulty("medium", TASK_TYPES, (8, 14), (4, 10), (1, 2), (2, 3), None),
    # Large rooms, heavy clutter, one instance of the goal object, usually behind a door.
    "hard": Difficulty("hard", TASK_TYPES, (15, 24), (10, 18), (1, 1), (2, 2), 0.75),
}


@dataclass(frozen=True)
class Home:
    """A generated task: the home's :class:`Layout` and the :class:`Task` set in it."""

    task_id: str
    difficulty: str
    layout: Layout
    task: Task


def templates_for_split(split: str) -> tuple[RoomTemplate, ...]:
    """The room templates a split's homes are built from (held-out ones only for ``test-unseen``)."""
    unseen = split == UNSEEN_SPLIT
    return tuple(t for t in TEMPLATES if t.unseen == unseen)


def object_types_for_split(split: str, template: RoomTemplate, *, goal: bool) -> tuple[str, ...]:
    """Object types a split may use in a template's homes.

    Goal objects of ``test-unseen`` are always held-out types; its distractors may be any type.
    ``train`` and ``test-seen`` never use a held-out type at all.
    """
    if split == UNSEEN_SPLIT:
        return tuple(o for o in template.objects if o in UNSEEN_OBJECT_TYPES) if goal else template.objects
    return tuple(o for o in template.objects if o not in UNSEEN_OBJECT_TYPES)


_ABLE = {"clean_and_place": CLEANABLE, "heat_and_place": HEATABLE, "cool_and_place": COOLABLE}


def _seed(task_id: str, difficulty: str) -> int:
    digest = hashlib.blake2b(f"agentgym/household-v0|{difficulty}|{task_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _goal_choices(template: RoomTemplate, task_type: str, split: str, easy: bool) -> list[tuple[str, str]]:
    """Every plausible ``(object type, target receptacle type)`` for a task in a template."""
    able = _ABLE.get(task_type)
    appliance = APPLIANCE.get(task_type, "")
    types = template.receptacle_types
    choices = []
    for otype in object_types_for_split(split, template, goal=True):
        if able is not None and otype not in able:
            continue
        places = [p for p in PLACES[otype] if p in types]
        if task_type == "examine_in_light":
            targets = [""]
        else:
            targets = [t for t in template.targets if t in places and t != appliance]
        for target in targets:
            starts = [p for p in places if p != target and not (easy and p in OPENABLE)]
            if starts:
                choices.append((otype, target))
    return choices


@lru_cache(maxsize=4096)
def generate(task_id: str, difficulty: str = "medium") -> Home:
    """Build the home and task of ``task_id`` at ``difficulty``. Pure and cached.

    Raises:
        ValueError: an unknown task id or difficulty.
    """
    if difficulty not in DIFFICULTIES:
        raise ValueError(f"unknown difficulty {difficulty!r}; choose one of {sorted(DIFFICULTIES)}")
    level = DIFFICULTIES[difficulty]
    split, _ = parse_task_id(task_id)
    rng = random.Random(_seed(task_id, difficulty))
    easy = level.hidden == 0.0

    # 1-2. What the task is about.
    task_type = rng.choice(level.task_types)
    template = rng.choice([t for t in templates_for_split(split) if task_type in t.tasks])
    otype, target = rng.choice(_goal_choices(template, task_type, split, easy))
    appliance = APPLIANCE.get(task_type, "")
    lamp_type = template.lamp

    # 3. Receptacles: base set, the task's needs, then extras up to the drawn size.
    counts: Counter[str] = Counter(template.base)
    for needed in (appliance, target):
        if needed and not counts[needed]:
            counts[needed] += 1
    starts = [p for p in PLACES[otype] if p in template.receptacle_types and p != target and not (easy and p in OPENABLE)]
    if not any(counts[p] for p in starts):
        counts[rng.choice(starts)] += 1
    if task_type == "examine_in_light" and not any(counts[h] for h in template.lamp_holders):
        counts[rng.choice(template.lamp_holders)] += 1
    size = rng.randint(*level.receptacles)
    base_counts = Counter(template.base)
    while sum(counts.values()) < size:
        room = [(t, w) for t, w, most in template.extra if counts[t] < base_counts[t] + most]
        if not room:
            break
        kinds, weights = zip(*room)
        counts[rng.choices(kinds, weights)[0]] += 1
    receptacle_type = {f"{t} {i}": t for t in sorted(counts) for i in range(1, counts[t] + 1)}
    receptacles = sorted(receptacle_type, key=name_key)

    # 4a. Lamps stand on a holder (rooms only; kitchens have none).
    lamps: dict[str, str] = {}
    holders = [r for r in receptacles if receptacle_type[r] in template.lamp_holders]
    if lamp_type and holders:
        n_lamps = 2 if difficulty == "hard" and len(holders) > 1 and rng.random() < 0.5 else 1
        for i, holder in enumerate(rng.sample(holders, n_lamps), start=1):
            lamps[f"{lamp_type} {i}"] = holder

    # 4b. The goal's objects: plausible start, not already done, not at a lamp (examine tasks).
    numbering: Counter[str] = Counter()
    start: dict[str, str] = {}
    object_type: dict[str, str] = {}

    def add_object(kind: str, where: str) -> None:
        numbering[kind] += 1
        name = f"{kind} {numbering[kind]}"
        start[name] = where
        object_type[name] = kind

    lit_places = set(lamps.values()) if task_type == "examine_in_light" else set()
    options = [r for r in receptacles if receptacle_type[r] in starts and r not in lit_places]
    if not options:  # every plausible start holds the lamp: give the object a place of its own
        kind = rng.choice(starts)
        extra = f"{kind} {sum(1 for t in receptacle_type.values() if t == kind) + 1}"
        receptacle_type[extra] = kind
        receptacles = sorted(receptacle_type, key=name_key)
        options = [extra]
    closed = [r for r in options if receptacle_type[r] in OPENABLE]
    in_view = [r for r in options if receptacle_type[r] not in OPENABLE]
    low, high = level.pairs if task_type == "pick_two_and_place" else level.instances
    for _ in range(rng.randint(low, high)):
        if level.hidden is None or not (closed and in_view):
            pool = options
        else:
            pool = closed if rng.random() < level.hidden else in_view
        add_object(otype, rng.choice(pool))

    # 4c. Distractors: other types, wherever they plausibly belong.
    kinds = [k for k in object_types_for_split(split, template, goal=False) if k != otype]
    for _ in range(rng.randint(*level.distractors)):
        kind = rng.choice(kinds)
        places = [r for r in receptacles if receptacle_type[r] in PLACES[kind]]
        if places:
            add_object(kind, rng.choice(places))

    layout = Layout(
        template=template.name,
        receptacles=tuple(receptacles),
        receptacle_type=receptacle_type,
        objects=tuple(sorted(start, key=name_key)),
        object_type=object_type,
        lamps=lamps,
        lamp_type={lamp: lamp_type for lamp in lamps},
        start=start,
    )
    goal = goal_sentence(task_type, otype, target, lamp_type, rng.randrange(2))
    return Home(task_id, difficulty, layout, Task(task_type, otype, target, lamp_type if task_type == "examine_in_light" else "", goal))
