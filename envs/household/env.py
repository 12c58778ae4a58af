"""``HouseholdEnv``: ALFWorld-style household tasks in procedurally generated homes."""

from __future__ import annotations

import copy
from typing import Any, ClassVar

import gymnasium
import numpy as np

from agentgym.env import StepOutcome, TaskSet, TextEnv
from agentgym.envs.household.commands import ParseError, parse
from agentgym.envs.household.generator import DIFFICULTIES, Home, generate
from agentgym.envs.household.oracle import next_action
from agentgym.envs.household.splits import household_task_set
from agentgym.envs.household.text import nothing_happens
from agentgym.envs.household.world import World

__all__ = ["HouseholdEnv"]


class HouseholdEnv(TextEnv):
    """An ALFWorld-style household: find, clean, heat, cool, examine and place objects.

    Each task id (``train-00042``, ``test-seen-00007``, ``test-unseen-00999``) is a procedurally
    generated room with numbered receptacles (``cabinet 3``, ``fridge 1``) and objects
    (``mug 2``), and one of ALFWorld's six tasks, phrased as ALFWorld phrases it::

        You are in the middle of a room. Looking quickly around you, you see a cabinet 1, ...

        Your task is to: put a clean mug in cabinet.

    The agent acts with ALFWorld's commands (``go to X``, ``take X from Y``, ``put X in/on Y``,
    ``open X``, ``close X``, ``clean X with Y``, ``heat X with Y``, ``cool X with Y``,
    ``use X``, ``examine X``, ``look``, ``inventory``). Reward is 1.0 on the step that achieves
    the goal (which ends the episode); otherwise 0 until the step limit (50) truncates, unless
    ``progress_reward`` asks for a shaped reward on the way.

    Args:
        split: ``train`` (10000 tasks), ``test-seen`` (1000) or ``test-unseen`` (1000; held-out
            object types and room layouts).
        difficulty: ``easy`` (4-6 receptacles, little clutter, goal objects in plain view and
            named in the first observation, so no search is needed),
            ``medium`` (default; ALFWorld-sized rooms) or ``hard`` (15-24 receptacles, heavy
            clutter, goal objects usually behind doors). Part of the task: the same id at another
            difficulty is another home.
        max_steps: the step limit (default 50).
        progress_reward: an optional shaped reward (default 0: outcome reward only): this much
            on each step that first reaches a new sub-goal of the task (the asked object in
            hand; then, for clean, heat and cool tasks, that object in the asked state; for
            pick two, one object placed and a second in hand). Each sub-goal pays once per
            episode, so putting an object down and taking it again earns nothing. Success and
            ``info["success"]`` are unchanged.
        render_mode: ``ansi`` or ``human``.

    ``info`` carries ``admissible_actions`` (every legal action) and ``task_type``.
    """

    description: ClassVar[str] = (
        "ALFWorld-style household tasks (pick, clean, heat, cool, examine, pick two) in generated homes."
    )
    system_prompt: ClassVar[str] = (
        "You are an agent in a household. Each message describes what you see; reach the goal "
        "given after 'Your task is to:'. Reply with exactly one command and nothing else, one of: "
        "go to X, take X from Y, put X in/on Y, open X, close X, clean X with Y, heat X with Y, "
        "cool X with Y, use X, examine X, look, inventory. Name things with their numbers, "
        "e.g. 'go to fridge 1' or 'take apple 2 from countertop 1'."
    )

    def __init__(
        self,
        *,
        split: str = "train",
        difficulty: str = "medium",
        max_steps: int | None = None,
        progress_reward: float = 0.0,
        render_mode: str | None = None,
    ):
        super().__init__(split=split, max_steps=max_steps, render_mode=render_mode)
        if difficulty not in DIFFICULTIES:
            raise ValueError(f"difficulty must be one of {list(DIFFICULTIES)}, got {difficulty!r}")
        if isinstance(progress_reward, bool) or not isinstance(progress_reward, (int, float)) or not 0.0 <= progress_reward < 1.0:
            raise ValueError(f"progress_reward must be a number in [0, 1) (success pays 1), got {progress_reward!r}")
        self.progress_reward = float(progress_reward)
        self._progress = 0  # the most sub-goals reached so far this episode
        self.task_set: TaskSet = household_task_set()
        self.task_set.ids(split)  # an unknown split fails here, naming the ones that exist
        self.difficulty = difficulty
        self.home: Home | None = None
        self.world: World | None = None
        # Derived lists are cached per world revision: info, the oracle and a policy all ask.
        self._admissible_cache: tuple[int, list[str]] | None = None
        self._oracle_cache: tuple[int, str] | None = None

    # ------------------------------------------------------------------ TextEnv hooks
    def _reset_task(self, task_id: str, rng: np.random.Generator) -> str:
        # The home and the task come from the task id alone; the episode rng is not needed.
        self.home = generate(task_id, self.difficulty)
        self.world = World(self.home.layout, surfaces_in_view=DIFFICULTIES[self.difficulty].surfaces_in_view)
        self._admissible_cache = None
        self._oracle_cache = None
        self._progress = self.home.task.progress(self.world) if self.progress_reward else 0
        return f"{self.world.room_overview()}\n\nYour task is to: {self.home.task.goal}"

    def _step(self, action: str) -> StepOutcome:
        command = parse(action)
        if isinstance(command, ParseError):
            return StepOutcome(nothing_happens(command.message), valid_action=False, error=command.message)
        valid, observation = self.world.apply(command)
        if not valid:
            # The world words every refusal as nothing_happens(reason); the reason is the error.
            reason = observation.removeprefix("Nothing happens. (").removesuffix(")")
            return StepOutcome(observation, valid_action=False, error=reason)
        if self.home.task.satisfied(self.world):
            return StepOutcome(observation, reward=1.0, terminated=True, success=True)
        if self.progress_reward:
            level = self.home.task.progress(self.world)
            if level > self._progress:
                gained, self._progress = level - self._progress, level
                return StepOutcome(observation, reward=self.progress_reward * gained)
        return StepOutcome(observation)

    def _state_payload(self) -> Any:
        return self.world.payload() if self.world is not None else None

    def admissible_actions(self) -> list[str] | None:
        """Every legal action in the current state (each one, taken, is valid)."""
        if self.world is None:
            return None
        revision = self.world.revision
        if self._admissible_cache is None or self._admissible_cache[0] != revision:
            self._admissible_cache = (revision, self.world.admissible())
        return list(self._admissible_cache[1])

    def oracle_action(self) -> str:
        """The next action of a shortest plan from the current state (full knowledge of the home)."""
        if self.world is None:
            raise gymnasium.error.ResetNeeded("call reset() before oracle_action()")
        revision = self.world.revision
        if self._oracle_cache is None or self._oracle_cache[0] != revision:
            self._oracle_cache = (revision, next_action(self.world, self.home.task))
        return self._oracle_cache[1]

    def _extra_info(self) -> dict[str, Any]:
        return {"task_type": self.home.task.type} if self.home is not None else {}

    # ------------------------------------------------------------------ forking
    def fork(self) -> "HouseholdEnv":
        """A native snapshot: copies the world state and the episode bookkeeping (no replay)."""
        if self.task_id is None:
            return super().fork()  # raises ResetNeeded with the base class's message
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone._actions = list(self._actions)
        clone._np_random = copy.deepcopy(self._np_random)
        clone.world = self.world.copy()
        return clone
