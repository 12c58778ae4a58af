"""The one record of an episode: :class:`Turn`, :class:`Trajectory` and :class:`Group`.

Rollout writes them; eval, the trainer, replay and the viewer read them. Nothing else records
the same facts.

Tokens are kept exactly as they were produced (token-in, token-out). A turn holds two pieces:

- ``prompt_ids``: the tokens appended *before* the action, tokenised once when the text was
  appended: for the first turn the whole opening prompt (system message, task, first
  observation, chat-template markup); for later turns only the delta that closes the previous
  action and adds the new observation. Never produced by the policy: loss mask 0.
- ``action_ids``: the tokens the policy sampled, with their behaviour ``action_logprobs`` and,
  where the backend gives them, ``action_entropies``. Loss mask 1.

In ``full`` context mode the model saw, for turn *t*, the concatenation of every earlier turn's
``prompt_ids + action_ids`` followed by turn *t*'s ``prompt_ids``, so the whole episode trains
as one sequence (:meth:`Trajectory.token_ids`, :meth:`Trajectory.loss_mask`). In ``window``
mode it saw the first turn's prompt plus the last *k* ``(action, next prompt)`` pairs; each turn
is then its own sample (:meth:`Trajectory.turn_samples`). Both are rebuilt from the stored ids:
nothing is ever decoded and re-encoded.
"""

from __future__ import annotations

import itertools
import json
import uuid
from dataclasses import asdict, dataclass, field, fields
from enum import Enum
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

__all__ = ["StopReason", "Turn", "Trajectory", "Group", "TokenSample", "chat_messages", "context_ids", "write_jsonl", "read_jsonl", "to_parquet", "read_parquet"]


_UID_PREFIX = uuid.uuid4().hex[:16]
_uid_counter = itertools.count()


def new_uid() -> str:
    """A unique id: a random per-process prefix and a counter (uuid4 per episode costs a syscall)."""
    return "%s%010x" % (_UID_PREFIX, next(_uid_counter))  # %-formatting: cheaper than an f-string's format spec


class StopReason(str, Enum):
    """Why an episode ended."""

    SUCCESS = "success"  #: the env terminated the episode with the task accomplished
    FAILURE = "failure"  #: the env terminated the episode with the task failed
    MAX_TURNS = "max_turns"  #: the env's step limit or the rollout's turn limit cut it off
    MAX_TOKENS = "max_tokens"  #: the context would have exceeded the token budget
    ENV_ERROR = "env_error"  #: the env raised; the episode was ended and the run went on


@dataclass(slots=True)
class Turn:
    """One policy action and what led to it.

    Attributes:
        observation: the env text the policy answered (the first observation, or the result
            of the previous action).
        action: the policy's text, as generated.
        reward: the env's reward for this action.
        state_key: ``info["state_key"]`` of the state the action was taken in.
        valid_action: ``info["valid_action"]`` after the action.
        prompt_ids: tokens appended before the action (see the module docstring); loss mask 0.
        action_ids: tokens the policy produced; loss mask 1.
        action_logprobs: behaviour log-probabilities of ``action_ids``.
        action_entropies: per-token entropies of the sampling distribution, if the policy gave them.
        finish_reason: the backend's reason the action ended (``stop``, ``length``, ...).
        info: the JSON-able part of the step's info, less the bulky keys.
    """

    observation: str
    action: str
    reward: float = 0.0
    state_key: str = ""
    valid_action: bool = True
    prompt_ids: list[int] = field(default_factory=list)
    action_ids: list[int] = field(default_factory=list)
    action_logprobs: list[float] = field(default_factory=list)
    action_entropies: list[float] | None = None
    finish_reason: str | None = None
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class TokenSample:
    """One training sequence: ``input_ids`` with a ``loss_mask`` (1 = produced by the policy)
    and the behaviour ``logprobs`` aligned with it (0.0 where the mask is 0). Shapes ``[T]``."""

    input_ids: list[int]
    loss_mask: list[int]
    logprobs: list[float]
    turn_indices: list[int]


@dataclass(slots=True)
class Trajectory:
    """One episode.

    Attributes:
        env_id: the registered env id.
        task_id: the task played.
        split: the split the task belongs to.
        seed: the seed passed to ``reset``.
        system_prompt: the system message the policy was given.
        turns: the actions in order.
        final_observation: the observation after the last action.
        stop_reason: why it ended.
        success: the env's ``success`` at the end.
        context_mode: ``full`` or ``window``; says how prompts were built from ``turns``.
        window: the *k* of window mode.
        group_id: the group (the G attempts at one task) it belongs to.
        uid: a unique id.
        branch_parent: ``(uid, turn_index)`` of the trajectory this one was forked from, and
            the number of turns shared with it; None for a root episode.
        metadata: free-form extras (policy name, timings, ...).
    """

    env_id: str
    task_id: str
    split: str = ""
    seed: int | None = None
    system_prompt: str = ""
    turns: list[Turn] = field(default_factory=list)
    final_observation: str = ""
    stop_reason: StopReason | None = None
    success: bool = False
    context_mode: str = "full"
    window: int | None = None
    group_id: str = ""
    uid: str = field(default_factory=new_uid)
    branch_parent: tuple[str, int] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ derived facts
    @property
    def messages(self) -> list[dict[str, str]]:
        """The whole chat (role/content dicts), derived from the turns: system prompt, first
        observation, then each action and the observation it led to, ending with the final one."""
        final = None if self.stop_reason is StopReason.ENV_ERROR else self.final_observation
        return chat_messages(self.system_prompt, self.turns, final)

    @property
    def num_turns(self) -> int:
        """The number of actions taken."""
        return len(self.turns)

    @property
    def rewards(self) -> list[float]:
        """Per-turn rewards, ``[num_turns]``."""
        return [t.reward for t in self.turns]

    @property
    def total_reward(self) -> float:
        """The undiscounted return."""
        return float(sum(self.rewards))

    @property
    def invalid_actions(self) -> int:
        """How many actions the env rejected."""
        return sum(1 for t in self.turns if not t.valid_action)

    @property
    def state_keys(self) -> list[str]:
        """The state each action was taken in, ``[num_turns]``."""
        return [t.state_key for t in self.turns]

    def token_ids(self) -> list[int]:
        """The whole episode as one token sequence (full-history mode)."""
        return self.full_sample().input_ids

    def loss_mask(self) -> list[int]:
        """1 for every token the policy produced, 0 for prompt and env tokens (full-history mode)."""
        return self.full_sample().loss_mask

    def full_sample(self) -> TokenSample:
        """The episode as one training sequence; valid for ``context_mode == "full"``."""
        if self.context_mode != "full":
            raise ValueError(f"a {self.context_mode}-mode trajectory trains per turn: use turn_samples()")
        ids: list[int] = []
        mask: list[int] = []
        logprobs: list[float] = []
        turn_idx: list[int] = []
        for i, turn in enumerate(self.turns):
            _append(ids, mask, logprobs, turn_idx, i, turn.prompt_ids, None)
            _append(ids, mask, logprobs, turn_idx, i, turn.action_ids, turn.action_logprobs)
        return TokenSample(ids, mask, logprobs, turn_idx)

    def context_ids(self, turn_index: int) -> list[int]:
        """The prompt tokens the policy saw before producing turn ``turn_index``'s action."""
        if not 0 <= turn_index < len(self.turns):
            raise IndexError(f"turn {turn_index} out of range for {len(self.turns)} turns")
        return context_ids(self.turns, turn_index, self.context_mode, self.window)

    def turn_samples(self) -> list[TokenSample]:
        """One training sequence per turn: the context the policy saw, then its action."""
        samples = []
        for i, turn in enumerate(self.turns):
            ctx = self.context_ids(i)
            samples.append(
                TokenSample(
                    input_ids=ctx + list(turn.action_ids),
                    loss_mask=[0] * len(ctx) + [1] * len(turn.action_ids),
                    logprobs=[0.0] * len(ctx) + list(turn.action_logprobs),
                    turn_indices=[i] * (len(ctx) + len(turn.action_ids)),
                )
            )
        return samples

    def samples(self) -> list[TokenSample]:
        """The training sequences of this episode: one in full mode, one per turn in window mode."""
        return [self.full_sample()] if self.context_mode == "full" else self.turn_samples()

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict; :meth:`from_dict` inverts it exactly."""
        data = asdict(self)
        data["messages"] = self.messages  # derived; kept in the record for readers and viewers
        data["stop_reason"] = self.stop_reason.value if self.stop_reason else None
        data["branch_parent"] = list(self.branch_parent) if self.branch_parent else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Trajectory":
        """Rebuild a trajectory from :meth:`to_dict`'s output."""
        data = dict(data)
        turn_fields = {f.name for f in fields(Turn)}
        data["turns"] = [Turn(**{k: v for k, v in t.items() if k in turn_fields}) for t in data.get("turns", [])]
        if data.get("stop_reason") is not None:
            data["stop_reason"] = StopReason(data["stop_reason"])
        if data.get("branch_parent") is not None:
            data["branch_parent"] = tuple(data["branch_parent"])
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class Group:
    """The G attempts at one task that GRPO-style algorithms compare against each other."""

    group_id: str
    task_id: str
    trajectories: list[Trajectory] = field(default_factory=list)

    @property
    def success_rate(self) -> float:
        """The fraction of attempts that succeeded."""
        return sum(t.success for t in self.trajectories) / max(1, len(self.trajectories))

    def __len__(self) -> int:
        return len(self.trajectories)

    def __iter__(self) -> Iterator[Trajectory]:
        return iter(self.trajectories)


def chat_messages(
    system_prompt: str, turns: Sequence[Turn], current_observation: str | None, window: int | None = None
) -> list[dict[str, str]]:
    """The chat built from turns: ``[system, first observation]`` then ``(action, next
    observation)`` pairs, the last pair ending with ``current_observation`` (omitted when None).
    With ``window`` = k only the last k pairs are kept (window context mode)."""
    first = turns[0].observation if turns else current_observation
    messages = [{"role": "system", "content": system_prompt}]
    if first is not None:
        messages.append({"role": "user", "content": first})
    start = 0 if window is None else max(0, len(turns) - window)
    for j in range(start, len(turns)):
        messages.append({"role": "assistant", "content": turns[j].action})
        following = turns[j + 1].observation if j + 1 < len(turns) else current_observation
        if following is not None:
            messages.append({"role": "user", "content": following})
    return messages


def context_ids(turns: Sequence[Turn], turn_index: int, mode: str, window: int | None) -> list[int]:
    """The prompt tokens before turn ``turn_index``'s action, built from stored ids only.

    ``full``: every earlier ``prompt_ids + action_ids``, then this turn's ``prompt_ids``.
    ``window`` (k): the first turn's prompt, then the last k ``(action, next prompt)`` pairs.
    """
    if mode == "full":
        ids: list[int] = []
        for turn in turns[:turn_index]:
            ids.extend(turn.prompt_ids)
            ids.extend(turn.action_ids)
        ids.extend(turns[turn_index].prompt_ids)
        return ids
    if mode == "window":
        if not window or window < 1:
            raise ValueError(f"window mode needs window >= 1, got {window!r}")
        ids = list(turns[0].prompt_ids)
        for j in range(max(0, turn_index - window), turn_index):
            ids.extend(turns[j].action_ids)
            ids.extend(turns[j + 1].prompt_ids)
        return ids
    raise ValueError(f"unknown context mode {mode!r}; expected 'full' or 'window'")


def _append(ids, mask, logprobs, turn_idx, i, new_ids, new_logprobs) -> None:
    ids.extend(new_ids)
    policy = new_logprobs is not None
    mask.extend([1 if policy else 0] * len(new_ids))
    logprobs.extend(new_logprobs if policy else [0.0] * len(new_ids))
    turn_idx.extend([i] * len(new_ids))


def write_jsonl(trajectories: Iterable[Trajectory], path: str | Path) -> int:
    """Write one trajectory per line; returns how many."""
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for traj in trajectories:
            f.write(json.dumps(traj.to_dict(), ensure_ascii=False) + "\n")
            n += 1
    return n


def read_jsonl(path: str | Path) -> list[Trajectory]:
    """Read trajectories written by :func:`write_jsonl`."""
    with open(path, encoding="utf-8") as f:
        return [Trajectory.from_dict(json.loads(line)) for line in f if line.strip()]


def to_parquet(trajectories: Iterable[Trajectory], path: str | Path) -> int:
    """Write trajectories to a parquet file, one row each.

    Scalar facts are columns (``task_id``, ``success``, ``total_reward``, ``num_turns``, ...);
    ``turns`` and ``messages`` are nested list columns; the full record is also kept as a JSON
    string column ``record`` so :func:`read_parquet` restores it exactly.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = []
    for traj in trajectories:
        data = traj.to_dict()
        rows.append(
            {
                "uid": traj.uid,
                "env_id": traj.env_id,
                "task_id": traj.task_id,
                "split": traj.split,
                "seed": traj.seed,
                "group_id": traj.group_id,
                "success": traj.success,
                "stop_reason": data["stop_reason"],
                "num_turns": traj.num_turns,
                "total_reward": traj.total_reward,
                "invalid_actions": traj.invalid_actions,
                "context_mode": traj.context_mode,
                "messages": traj.messages,
                "actions": [t.action for t in traj.turns],
                "rewards": traj.rewards,
                "state_keys": traj.state_keys,
                "record": json.dumps(data, ensure_ascii=False),
            }
        )
    pq.write_table(pa.Table.from_pylist(rows), str(path))
    return len(rows)


def read_parquet(path: str | Path) -> list[Trajectory]:
    """Read trajectories written by :func:`to_parquet`."""
    import pyarrow.parquet as pq

    table = pq.read_table(str(path), columns=["record"])
    return [Trajectory.from_dict(json.loads(r)) for r in table.column("record").to_pylist()]
