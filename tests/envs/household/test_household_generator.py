"""The household generator and task set: pure, lazy, held-out vocabulary kept out of training."""

from __future__ import annotations

import pytest

from agentgym.envs.household import HouseholdEnv
from agentgym.envs.household.catalog import LIGHT_SOURCES, OPENABLE, TEMPLATES, UNSEEN_OBJECT_TYPES
from agentgym.envs.household.generator import DIFFICULTIES, generate
from agentgym.envs.household.splits import SPLIT_SIZES, TaskIds, household_task_set
from agentgym.envs.household.world import World


def homes(split: str, count: int, difficulty: str = "medium"):
    return [generate(f"{split}-{i:05d}", difficulty) for i in range(count)]


def vocabulary(home) -> tuple[set[str], set[str]]:
    """(object and lamp types, receptacle types) of a home."""
    layout = home.layout
    return set(layout.object_type.values()) | set(layout.lamp_type.values()), set(layout.receptacle_type.values())


def test_unseen_split_uses_held_out_types_and_layouts() -> None:
    """Guards against test-unseen leaking into training: train and test-seen homes never contain a
    held-out object type, lamp type, room template or template-specific receptacle type, and
    every test-unseen task is set in a held-out template about a held-out object type."""
    unseen_templates = {t.name for t in TEMPLATES if t.unseen}
    seen_templates = {t.name for t in TEMPLATES if not t.unseen}
    assert unseen_templates and seen_templates
    seen_objects: set[str] = set()
    seen_receptacles: set[str] = set()
    for difficulty in DIFFICULTIES:
        for split in ("train", "test-seen"):
            for home in homes(split, 400, difficulty):
                assert home.layout.template in seen_templates
                objects, receptacles = vocabulary(home)
                seen_objects |= objects
                seen_receptacles |= receptacles
        for home in homes("test-unseen", 400, difficulty):
            assert home.layout.template in unseen_templates
            assert home.task.object_type in UNSEEN_OBJECT_TYPES
            if home.task.lamp_type:
                assert home.task.lamp_type in UNSEEN_OBJECT_TYPES
    assert not seen_objects & UNSEEN_OBJECT_TYPES
    unseen_receptacles = set()
    for home in homes("test-unseen", 400):
        unseen_receptacles |= vocabulary(home)[1]
    assert unseen_receptacles - seen_receptacles, "held-out layouts should bring receptacle types of their own"


def test_generation_is_a_pure_function_of_the_task_id() -> None:
    """Guards against generation depending on call order, process state or the cache."""
    first = [generate(f"train-{i:05d}", "medium") for i in range(50)]
    generate.cache_clear()
    again = [generate(f"train-{i:05d}", "medium") for i in reversed(range(50))][::-1]
    assert first == again
    assert generate("train-00001", "easy") != generate("train-00001", "hard")
    distinct = {(home.layout.receptacles, tuple(sorted(home.layout.start.items())), home.task) for home in first}
    assert len(distinct) == 50, "different task ids should give different homes"


def test_no_task_is_solved_at_the_start() -> None:
    """Guards against free wins: the goal never holds before the first action."""
    for difficulty in DIFFICULTIES:
        for split in SPLIT_SIZES:
            for home in homes(split, 300, difficulty):
                assert not home.task.satisfied(World(home.layout)), home.task_id


def test_homes_are_alfworld_like() -> None:
    """Guards against homes that break ALFWorld's conventions: names are '<type> <n>' numbered
    from 1, openable receptacles are the doored kinds, lamps are light sources, and every
    object stands in a receptacle of the home."""
    for home in homes("train", 200) + homes("test-unseen", 200):
        layout = home.layout
        for names, types in ((layout.receptacles, layout.receptacle_type), (layout.objects, layout.object_type)):
            for name in names:
                kind, number = name.rsplit(" ", 1)
                assert kind == types[name] and number.isdigit()
                assert f"{kind} {int(number) - 1}" in names or number == "1"
        assert layout.openable == {r for r in layout.receptacles if layout.receptacle_type[r] in OPENABLE}
        assert set(layout.lamp_type.values()) <= LIGHT_SOURCES
        assert set(layout.start.values()) | set(layout.lamps.values()) <= set(layout.receptacles)
        assert home.task.goal.endswith(".")


def test_difficulty_controls_size_and_clutter() -> None:
    """Guards against the difficulty knob doing nothing: easy homes are small with goal objects in
    plain view, hard homes are large and cluttered."""
    easy, medium, hard = homes("train", 200, "easy"), homes("train", 200, "medium"), homes("train", 200, "hard")

    def mean(values):
        return sum(values) / len(values)

    assert max(len(h.layout.receptacles) for h in easy) <= 7
    assert min(len(h.layout.receptacles) for h in hard) >= 15
    assert mean([len(h.layout.receptacles) for h in easy]) < mean([len(h.layout.receptacles) for h in medium])
    assert mean([len(h.layout.objects) for h in medium]) < mean([len(h.layout.objects) for h in hard])
    for home in easy:
        layout = home.layout
        for obj in layout.objects_of_type[home.task.object_type]:
            assert layout.start[obj] not in layout.openable, f"{home.task_id}: goal object behind a door on easy"


def test_easy_first_observation_names_where_the_goal_objects_lie() -> None:
    """Easy homes put goal objects in plain view and say so at the start: each goal object's
    surface is described in the opening observation; other difficulties keep them unseen."""
    from agentgym import make

    easy = make("agentgym/HouseholdEasy-v0")
    for i in range(50):
        observation, _ = easy.reset(seed=0, options={"task": f"train-{i:05d}"})
        home = easy.unwrapped.home
        for obj in home.layout.objects_of_type[home.task.object_type]:
            surface = home.layout.start[obj]
            line = next(s for s in observation.split(". ") if s.startswith(f"On the {surface},"))
            assert obj in line, f"{home.task_id}: {obj} on {surface} not named in {observation!r}"
    medium = make("agentgym/Household-v0")
    observation, _ = medium.reset(seed=0, options={"task": "train-00000"})
    assert "On the " not in observation.split("Your task")[0]


def test_task_set_is_lazy_and_fast() -> None:
    """Guards against a task set that generates or lists every home up front, or that cannot
    answer `in` / slicing (the base class uses both)."""
    task_set = household_task_set()
    assert task_set.split_names == ["train", "test-seen", "test-unseen"]
    assert len(task_set.ids("train")) == 10_000
    assert len(task_set.ids("test-seen")) == len(task_set.ids("test-unseen")) == 1_000
    train = task_set.ids("train")
    assert isinstance(train, TaskIds)
    assert train[42] == "train-00042" and train[-1] == "train-09999"
    assert train[:3] == ["train-00000", "train-00001", "train-00002"]
    assert "train-00042" in train and "train-10000" not in train and "train-42" not in train
    assert task_set.split_of("test-unseen-00007") == "test-unseen"
    assert task_set.split_of("test-seen-00007") == "test-seen"
    assert task_set.split_of("nonsense") is None and task_set.split_of("train-0004٢") is None
    assert list(task_set.ids("test-seen"))[:2] == ["test-seen-00000", "test-seen-00001"]


def test_unknown_tasks_splits_and_difficulties_are_rejected() -> None:
    """Guards against silent fallbacks: bad names raise with a message naming what exists."""
    with pytest.raises(KeyError, match="test-unseen"):
        HouseholdEnv(split="valid")
    with pytest.raises(ValueError, match="easy"):
        HouseholdEnv(difficulty="impossible")
    with pytest.raises(ValueError, match="train-00000"):
        HouseholdEnv().reset(options={"task": "train-99999"})
    env = HouseholdEnv(split="train")
    env.reset(seed=0, options={"task": "test-unseen-00003"})
    assert env.split == "test-unseen"
