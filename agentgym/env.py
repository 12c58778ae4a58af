"""The text-env contract: a :class:`gymnasium.Env` whose observations and actions are strings.

Every agentgym env subclasses :class:`TextEnv`. The base class owns the parts every env must get
right in the same way (task selection from a seed, the step limit, ``terminated`` kept apart from
``truncated``, malformed actions, the ``info`` keys, forking); a subclass writes the world.

Info keys
---------
:class:`StepInfo` is the one place the ``info`` keys are documented. ``reset`` and ``step``
both return them.
"""

from __future__ import annotations

import copy
import hashlib
import json
import string
from dataclasses import dataclass
from typing import Any, ClassVar, Iterator, Sequence, TypedDict, overload

import gymnasium
import numpy as np
from gymnasium import spaces

__all__ = [
    "TextEnv",
    "TextSpace",
    "StepInfo",
    "StepOutcome",
    "TaskSet",
    "TaskIds",
    "state_hash",
    "REQUIRED_INFO_KEYS",
]


class StepInfo(TypedDict, total=False):
    """The ``info`` dict of ``reset`` and ``step``; the documented keys of every agentgym env.

    Always present:

    - ``success`` (bool): the task has been accomplished (only ever true on the terminating step,
      and on every later read of the same state).
    - ``valid_action`` (bool): the last action parsed and was legal in the state it met. ``True``
      after ``reset``. An invalid action still counts toward the step limit.
    - ``state_key`` (str): a canonical hash of the env state the next action acts on. Two episodes
      of the same task that reach the same state have the same key (step-level grouping, GiGPO,
      relies on this); it never depends on the path taken to get there.
    - ``task_id`` (str): the id of the task being played.
    - ``split`` (str): the task set split the task belongs to (``train``, ``test-seen``, ...).
    - ``step`` (int): actions taken so far in this episode.

    Present where the env has them:

    - ``admissible_actions`` (list[str]): every legal action in the current state.
    - ``tools`` (list[dict]): OpenAI function-calling JSON schemas of the tools on offer.
    - ``answer`` (str): the ground-truth answer, for the trainer (information-gain rewards);
      never shown in the observation.
    - ``error`` (str): why the last action was rejected (also said in the observation).
    """

    success: bool
    valid_action: bool
    state_key: str
    task_id: str
    split: str
    step: int
    admissible_actions: list[str]
    tools: list[dict]
    answer: str
    error: str


REQUIRED_INFO_KEYS: tuple[str, ...] = ("success", "valid_action", "state_key", "task_id", "split", "step")

# Printable text, used only when sampling random actions from the space.
_SAMPLE_CHARSET = string.ascii_letters + string.digits + string.punctuation + " "


class TextSpace(spaces.Text):
    """A :class:`gymnasium.spaces.Text` that admits any string up to ``max_length`` characters.

    gymnasium's ``Text.contains`` checks every character against a finite charset; real
    observations hold any unicode, so this space checks only the type and the length.
    ``sample`` draws printable ASCII.
    """

    def __init__(self, max_length: int = 1 << 20, *, min_length: int = 0, seed: int | None = None):
        super().__init__(max_length, min_length=min_length, charset=_SAMPLE_CHARSET, seed=seed)

    def contains(self, x: Any) -> bool:
        """Any string within the length bounds (every character is allowed)."""
        return isinstance(x, str) and self.min_length <= len(x) <= self.max_length

    def __repr__(self) -> str:
        return f"TextSpace(max_length={self.max_length})"


@dataclass(frozen=True)
class StepOutcome:
    """What a subclass's :meth:`TextEnv._step` returns for one action.

    Attributes:
        observation: the text the agent sees next.
        reward: the reward for this action.
        terminated: the task ended (success or failure); ``truncated`` is the base class's job.
        valid_action: the action parsed and was legal.
        success: the task has been accomplished.
        error: for an invalid action, why (the observation must say it too).
    """

    observation: str
    reward: float = 0.0
    terminated: bool = False
    valid_action: bool = True
    success: bool = False
    error: str | None = None


#: Digits of the index in a :class:`TaskIds` id (``train-00042``).
TASK_ID_DIGITS = 5


class TaskIds(Sequence[str]):
    """The ids ``{split}-00000`` ... ``{split}-{n-1:05d}``, computed on demand."""

    def __init__(self, split: str, size: int):
        self.split = split
        self.size = size

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.size))]
        index = int(index)
        if index < 0:
            index += self.size
        if not 0 <= index < self.size:
            raise IndexError(f"task index {index} out of range for split {self.split!r} ({self.size} tasks)")
        return f"{self.split}-{index:0{TASK_ID_DIGITS}d}"

    def __iter__(self) -> Iterator[str]:
        return (f"{self.split}-{i:0{TASK_ID_DIGITS}d}" for i in range(self.size))

    def __contains__(self, task_id: object) -> bool:
        if not isinstance(task_id, str):
            return False
        prefix, _, number = task_id.rpartition("-")
        return (
            prefix == self.split
            and len(number) == TASK_ID_DIGITS
            and number.isascii()
            and number.isdigit()
            and int(number) < self.size
        )

    def index(self, task_id: object, start: int = 0, stop: int | None = None) -> int:
        """The position of ``task_id`` (fast: parsed, not searched)."""
        if task_id not in self:
            raise ValueError(f"{task_id!r} is not in split {self.split!r}")
        position = int(str(task_id).rpartition("-")[2])
        if not start <= position < (self.size if stop is None else stop):
            raise ValueError(f"{task_id!r} is not in the given range")
        return position

    def count(self, task_id: object) -> int:
        """1 if the id is in this split, else 0."""
        return int(task_id in self)

    def __repr__(self) -> str:
        return f"TaskIds({self.split!r}, {self.size})"


class TaskSet:
    """Named splits of task ids, e.g. ``{"train": [...], "test-seen": [...]}``.

    Task ids are plain strings, so a task can be named on the command line and in a JSONL record.
    """

    def __init__(self, splits: dict[str, Sequence[str]]):
        if not splits:
            raise ValueError("a TaskSet needs at least one split, e.g. TaskSet({'train': ['t0', 't1']})")
        for name, ids in splits.items():
            if len(ids) == 0:
                raise ValueError(f"split {name!r} has no tasks")
        self._splits = {name: ids for name, ids in splits.items()}

    @property
    def split_names(self) -> list[str]:
        """The names of the splits, in declaration order."""
        return list(self._splits)

    def ids(self, split: str) -> Sequence[str]:
        """The task ids of one split; a clear error names the splits that exist."""
        try:
            return self._splits[split]
        except KeyError:
            raise KeyError(f"unknown split {split!r}; this env has splits {self.split_names}") from None

    def take(self, split: str, count: int) -> list[str]:
        """The first ``count`` task ids of ``split``; a ValueError when it has fewer."""
        ids = self.ids(split)
        if count > len(ids):
            raise ValueError(f"split {split!r} has {len(ids)} tasks; asked for {count}")
        return [ids[i] for i in range(count)]

    #: Split names that mean "held out", in the order :meth:`held_out_split` prefers them.
    HELD_OUT_NAMES: tuple[str, ...] = ("test-seen", "test", "validation", "valid", "dev")

    def held_out_split(self, training: str = "train") -> str:
        """The split an eval plays by default: the first of :attr:`HELD_OUT_NAMES` this set has
        (other than ``training``), else its first split other than ``training``, else
        ``training`` itself (a one-split env: the caller should say so)."""
        for name in self.HELD_OUT_NAMES:
            if name in self._splits and name != training:
                return name
        others = [name for name in self._splits if name != training]
        return others[0] if others else training

    def split_of(self, task_id: str) -> str | None:
        """The split a task id belongs to, or None."""
        for name, ids in self._splits.items():
            if task_id in ids:
                return name
        return None

    def __len__(self) -> int:
        return sum(len(ids) for ids in self._splits.values())


def state_hash(payload: Any) -> str:
    """A canonical, order-independent hash of a JSON-able description of an env state."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


class TextEnv(gymnasium.Env[str, str]):
    """Base class of agentgym envs: text in, text out, tasks in named splits.

    A subclass implements:

    - ``task_set`` (a :class:`TaskSet`, built in ``__init__`` or as a property);
    - :meth:`_reset_task` (set up ``task_id`` and return the first observation);
    - :meth:`_step` (apply one action and return a :class:`StepOutcome`);
    - :meth:`_state_payload` (a JSON-able description of the state, hashed into ``state_key``);

    and, where it can, :meth:`admissible_actions`, :meth:`oracle_action`, :meth:`_extra_info`
    and a faster :meth:`fork` than the default replay.

    The base class guarantees the contract: ``reset(seed=s, options={"task": t})`` is a pure
    function of ``(s, t)``; an action that is not a string or is malformed never raises (the
    subclass answers it with an observation that says what was wrong); ``terminated`` means the
    task ended, ``truncated`` means ``max_steps`` cut it off; invalid actions count as steps.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "human"], "render_fps": 1}
    #: The default step limit; override per env or per instance with ``max_steps=``.
    default_max_steps: ClassVar[int] = 50
    #: A one-line description, shown by ``agentgym envs``.
    description: ClassVar[str] = ""
    #: The system message a language-model policy is given (what the env is, how to act).
    system_prompt: ClassVar[str] = "You are an agent acting in a text environment. Reply with exactly one action."
    #: True for envs that wait on I/O (browsers, HTTP, sandboxes): the rollout engine then steps
    #: them on a thread pool; CPU-bound envs are stepped inline.
    io_bound: ClassVar[bool] = False
    #: True for envs that drive a web browser (seconds per episode, hundreds of MB): tools that
    #: sample many envs cheaply, such as the tiny model's tokenizer corpus, leave them out.
    uses_browser: ClassVar[bool] = False

    observation_space = TextSpace()
    action_space = TextSpace(max_length=1 << 16)

    def __new__(cls, *args: Any, **kwargs: Any):
        self = super().__new__(cls)
        # Remembered so that fork() can build an identical env to replay into.
        self._init_args = (copy.deepcopy(args), copy.deepcopy(kwargs))
        return self

    def __init__(self, *, split: str = "train", max_steps: int | None = None, render_mode: str | None = None):
        if max_steps is not None and max_steps < 1:
            raise ValueError(f"max_steps must be a positive integer, got {max_steps!r}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.split = split
        self.max_steps = int(max_steps or self.default_max_steps)
        self.render_mode = render_mode
        self.task_id: str | None = None
        self.steps = 0
        self.success = False
        self.done = False
        self._last_observation = ""
        self._episode_seed = 0
        self._actions: list[str] = []

    # ------------------------------------------------------------------ subclass hooks
    task_set: TaskSet

    def _reset_task(self, task_id: str, rng: np.random.Generator) -> str:
        """Set up ``task_id`` (drawing any randomness from ``rng``); return the first observation."""
        raise NotImplementedError

    def _step(self, action: str) -> StepOutcome:
        """Apply one action (any string) and say what happened. Must not raise on bad input."""
        raise NotImplementedError

    def _state_payload(self) -> Any:
        """A JSON-able, canonical description of the current state (hashed into ``state_key``)."""
        raise NotImplementedError

    def admissible_actions(self) -> list[str] | None:
        """Every legal action in the current state, or None if the env cannot enumerate them."""
        return None

    def oracle_action(self) -> str:
        """The env's own solver: an action on a shortest path to success from the current state."""
        raise NotImplementedError(f"{type(self).__name__} has no oracle solver")

    def _extra_info(self) -> dict[str, Any]:
        """Env-specific info keys (``tools``, ``answer``, ...), merged into every info dict."""
        return {}

    # ------------------------------------------------------------------ gymnasium API
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, StepInfo]:
        """Start an episode.

        Args:
            seed: seeds the env; with ``options["task"]`` unset it also picks the task from the
                split. The same ``(seed, task)`` always gives the same episode.
            options: ``{"task": task_id}`` plays that task; ``{"split": name}`` draws from another
                split of the env's task set.

        Returns:
            ``(observation, info)``.
        """
        super().reset(seed=seed)
        options = dict(options or {})
        unknown = set(options) - {"task", "split"}
        if unknown:
            raise ValueError(f"unknown reset options {sorted(unknown)}; expected 'task' and/or 'split'")
        split = options.get("split", self.split)
        task_id = options.get("task")
        if task_id is None:
            ids = self.task_set.ids(split)
            task_id = ids[int(self.np_random.integers(len(ids)))]
        else:
            task_id = str(task_id)
            found = self.task_set.split_of(task_id)
            if found is None:
                raise ValueError(
                    f"unknown task {task_id!r} for {type(self).__name__}; "
                    f"task ids look like {list(self.task_set.ids(self.task_set.split_names[0])[:3])}"
                )
            split = found
        # The episode's randomness depends only on (seed, task), so that reset is reproducible
        # whichever task the seed would have drawn. Without a seed it comes from np_random.
        if seed is None:
            episode_seed = int(self.np_random.integers(1 << 62))
        else:
            digest = hashlib.blake2b(f"{seed}|{task_id}".encode(), digest_size=8).digest()
            episode_seed = int.from_bytes(digest, "little")
        observation = self._start(task_id, split, episode_seed)
        return observation, self._info(valid_action=True)

    def _start(self, task_id: str, split: str, episode_seed: int) -> str:
        self.split = split
        self.task_id = task_id
        self.steps = 0
        self.success = False
        self.done = False
        self._actions = []
        self._episode_seed = episode_seed
        observation = self._reset_task(task_id, np.random.default_rng(episode_seed))
        self._last_observation = observation
        return observation

    def step(self, action: str) -> tuple[str, float, bool, bool, StepInfo]:
        """Apply one action.

        Returns:
            ``(observation, reward, terminated, truncated, info)``: ``terminated`` when the task
            ended (success or failure), ``truncated`` when the step limit cut the episode off
            first. A malformed or illegal action is answered, not raised: the observation says
            what was wrong, ``info["valid_action"]`` is False, and the step counts.
        """
        if self.task_id is None:
            raise gymnasium.error.ResetNeeded("call reset() before step()")
        if self.done:
            raise gymnasium.error.ResetNeeded("the episode has ended; call reset() before step()")
        if not isinstance(action, str):
            outcome = StepOutcome(
                observation=f"Invalid action: expected text, got {type(action).__name__}.",
                valid_action=False,
                error="action is not a string",
            )
            action_text = repr(action)
        else:
            action_text = action
            outcome = self._step(action)
        self.steps += 1
        self._actions.append(action if isinstance(action, str) else action_text)
        self.success = self.success or outcome.success
        terminated = bool(outcome.terminated)
        truncated = not terminated and self.steps >= self.max_steps
        self.done = terminated or truncated
        self._last_observation = outcome.observation
        info = self._info(valid_action=outcome.valid_action)
        if outcome.error:
            info["error"] = outcome.error
        return outcome.observation, float(outcome.reward), terminated, truncated, info

    def render(self) -> str | None:
        """``ansi`` returns the last observation; ``human`` prints it."""
        if self.render_mode == "ansi":
            return self._last_observation
        if self.render_mode == "human":
            print(self._last_observation)
        return None

    # ------------------------------------------------------------------ forking
    @property
    def actions(self) -> list[str]:
        """The actions taken since the last reset, in order."""
        return list(self._actions)

    def fork(self) -> "TextEnv":
        """A new env in exactly this env's state, which then evolves independently.

        The default rebuilds the env with the same constructor arguments, resets it with the
        same seed and task, and replays the actions taken. Envs with cheap state may override
        this with a native snapshot; both must give the same observations afterwards.
        """
        if self.task_id is None:
            raise gymnasium.error.ResetNeeded("call reset() before fork()")
        args, kwargs = self._init_args
        clone = type(self)(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        clone._start(self.task_id, self.split, self._episode_seed)
        for action in self._actions:
            clone.step(action)
        return clone

    @property
    def last_observation(self) -> str:
        """The most recent observation."""
        return self._last_observation

    def state_key(self) -> str:
        """The canonical hash of the current state (see :class:`StepInfo`)."""
        return state_hash({"task": self.task_id, "state": self._state_payload()})

    # ------------------------------------------------------------------ internals
    def _info(self, *, valid_action: bool) -> StepInfo:
        info: dict[str, Any] = {
            "success": bool(self.success),
            "valid_action": bool(valid_action),
            "state_key": self.state_key(),
            "task_id": self.task_id,
            "split": self.split,
            "step": self.steps,
        }
        admissible = self.admissible_actions()
        if admissible is not None:
            info["admissible_actions"] = list(admissible)
        info.update(self._extra_info())
        return info  # type: ignore[return-value]
