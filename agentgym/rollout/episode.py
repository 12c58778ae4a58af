"""One live episode: an env, the trajectory so far, and the context for the next action."""

from __future__ import annotations

import copy
import math
import traceback
from itertools import filterfalse
from typing import Any

from agentgym.policy import ChatTokenizer, Completion, GenerationRequest
from agentgym.rollout.config import RolloutConfig
from agentgym.trajectory import StopReason, Trajectory, Turn, chat_messages, new_uid

__all__ = ["Episode", "StepResult", "DEFAULT_SYSTEM_PROMPT"]

DEFAULT_SYSTEM_PROMPT = "You are an agent acting in a text environment. Reply with exactly one action."

# Info keys that are bulky or kept elsewhere in the trajectory; the rest is stored per turn.
_INFO_KEYS_NOT_STORED = frozenset(
    {"admissible_actions", "tools", "state_key", "task_id", "split", "answer", "success", "valid_action", "step"}
)
_is_not_stored = _INFO_KEYS_NOT_STORED.__contains__

#: What ``env.step`` returned: ``(observation, reward, terminated, truncated, info)``.
StepResult = tuple[str, float, bool, bool, dict]


class Episode:
    """An episode in progress, driven by the :class:`~agentgym.rollout.RolloutEngine`.

    It keeps the turns (the chat is derived from them) and, when the policy has a chat tokenizer, the exact token
    context: the opening prompt is tokenised once at reset and every observation once when it
    is appended; the policy's tokens are stored as sampled.
    """

    # Slots: an episode is built per (task, attempt) and read on every step.
    __slots__ = (
        "env", "trajectory", "config", "tokenizer", "observation", "info", "pending_prompt_ids",
        "_full_context", "done", "_track_full_context", "_max_turns",
    )

    def __init__(
        self,
        env: Any,
        trajectory: Trajectory,
        config: RolloutConfig,
        tokenizer: ChatTokenizer | None,
    ):
        self.env = env
        self.trajectory = trajectory
        self.config = config
        self.tokenizer = tokenizer
        self.observation = ""
        self.info: dict[str, Any] = {}
        self.pending_prompt_ids: list[int] = []
        self._full_context: list[int] = []  # running context in full mode (avoids O(n^2) rebuilds)
        self.done = False
        # Settings read on every step, resolved once.
        self._track_full_context = tokenizer is not None and config.context == "full"
        self._max_turns = math.inf if config.max_turns is None else config.max_turns

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def start(
        cls,
        env: Any,
        *,
        env_id: str,
        task_id: str,
        seed: int | None,
        group_id: str,
        config: RolloutConfig,
        tokenizer: ChatTokenizer | None,
    ) -> "Episode":
        """Reset ``env`` on the task and build the opening prompt. A failing reset ends the
        episode at once with ``StopReason.ENV_ERROR`` rather than raising."""
        # The two leading fields positionally, the rest set after: a class call with keyword
        # arguments goes through a kwargs dict, which cost more than the rest of the record.
        traj = Trajectory(env_id, task_id)
        traj.seed = seed
        traj.group_id = group_id
        traj.context_mode = config.context
        traj.window = config.window if config.context == "window" else None
        episode = cls(env, traj, config, tokenizer)
        try:
            observation, info = env.reset(seed=seed, options={"task": task_id})
        except Exception as exc:
            traj.metadata["error"] = _describe(exc)
            episode._finish(StopReason.ENV_ERROR)
            return episode
        system = config.system_prompt or getattr(env, "system_prompt", None) or DEFAULT_SYSTEM_PROMPT
        traj.split = info.get("split", "")
        if "answer" in info:
            traj.metadata["answer"] = info["answer"]
        traj.system_prompt = system
        episode.observation = observation
        episode.info = info
        if tokenizer is not None:
            episode.pending_prompt_ids = list(tokenizer.encode_prompt(episode.context_messages()))
            episode._full_context = list(episode.pending_prompt_ids)
        return episode

    def request(self) -> GenerationRequest:
        """The policy's view of the next turn."""
        return _EpisodeRequest(self)

    def context_messages(self, num_turns: int | None = None, observation: str | None = None) -> list[dict[str, str]]:
        """The chat the policy sees (everything, or the opening plus the last k exchanges), now
        or as it was after ``num_turns`` turns with ``observation`` current."""
        turns = self.trajectory.turns if num_turns is None else self.trajectory.turns[:num_turns]
        window = self.config.window if self.config.context == "window" else None
        current = self.observation if observation is None else observation
        return chat_messages(self.trajectory.system_prompt, turns, current, window)

    def context_ids(self) -> list[int]:
        """The exact token context for the next action (requires a chat tokenizer)."""
        if self.config.context == "full":
            return list(self._full_context)
        turns = self.trajectory.turns
        ids = list(turns[0].prompt_ids) if turns else list(self.pending_prompt_ids)
        if turns:
            pairs = [(t.action_ids, nxt) for t, nxt in zip(turns, [u.prompt_ids for u in turns[1:]] + [self.pending_prompt_ids])]
            for action_ids, next_prompt in pairs[max(0, len(pairs) - self.config.window) :]:
                ids.extend(action_ids)
                ids.extend(next_prompt)
        return ids

    def over_token_budget(self) -> bool:
        """True if the next prompt plus ``max_new_tokens`` would not fit ``max_context_tokens``."""
        limit = self.config.max_context_tokens
        if limit is None or self.tokenizer is None:
            return False
        size = len(self._full_context) if self.config.context == "full" else len(self.context_ids())
        return size + self.config.sampling.max_new_tokens > limit

    def stop_for_tokens(self) -> None:
        """End the episode because its context no longer fits."""
        self._finish(StopReason.MAX_TOKENS)

    def apply(self, completion: Completion, result: StepResult | BaseException) -> None:
        """Record one action and the env's answer to it (or the exception the env raised)."""
        if isinstance(result, BaseException):
            self._apply_env_error(completion, result)
            return
        observation, reward, terminated, truncated, info = result
        traj = self.trajectory
        turns = traj.turns
        # The kept info keys (not _INFO_KEYS_NOT_STORED, in the env's order), copied inline:
        # this runs on every step, and a helper call costs a frame.
        stored = {}
        for key in filterfalse(_is_not_stored, info):
            stored[key] = info[key]
        turns.append(self._turn(completion, float(reward), bool(info.get("valid_action", True)), stored))
        if self._track_full_context:
            self._full_context.extend(completion.token_ids)
        self.observation = observation
        self.info = info
        success = traj.success = bool(info.get("success", False))
        if terminated:
            self._finish(StopReason.SUCCESS if success else StopReason.FAILURE)
        elif truncated or len(turns) >= self._max_turns:
            self._finish(StopReason.MAX_TURNS)
        elif self.tokenizer is not None:
            self.pending_prompt_ids = list(
                self.tokenizer.encode_observation(observation, action_finished=completion.finish_reason == "stop")
            )
            if self._track_full_context:
                self._full_context.extend(self.pending_prompt_ids)

    def _apply_env_error(self, completion: Completion, error: BaseException) -> None:
        # The action is recorded (no reward, not valid) and the episode ends with ENV_ERROR.
        self.trajectory.turns.append(self._turn(completion, 0.0, False, {}))
        if self._track_full_context:
            self._full_context.extend(completion.token_ids)
        self.trajectory.metadata["error"] = _describe(error)
        self._finish(StopReason.ENV_ERROR)

    def _turn(self, completion: Completion, reward: float, valid: bool, info: dict[str, Any]) -> Turn:
        # Positional, in Turn's field order: this runs once per step of every episode. The
        # completion is the policy's fresh output: its lists are taken over, not copied.
        return Turn(
            self.observation,
            completion.text,
            reward,
            self.info.get("state_key", ""),
            valid,
            self.pending_prompt_ids,
            completion.token_ids,
            completion.logprobs,
            completion.entropies,
            completion.finish_reason,
            info,
        )

    def fork(self) -> "Episode":
        """An independent copy of this episode at its current turn (the env forked too).

        The copy's trajectory shares the turns so far and records ``branch_parent``.
        """
        if self.done:
            raise RuntimeError("cannot fork an episode that has ended")
        clone = Episode(self.env.fork(), copy.deepcopy(self.trajectory), self.config, self.tokenizer)
        clone.trajectory.uid = new_uid()
        clone.trajectory.branch_parent = (self.trajectory.uid, self.trajectory.num_turns)
        clone.observation = self.observation
        clone.info = copy.deepcopy(self.info)
        clone.pending_prompt_ids = list(self.pending_prompt_ids)
        clone._full_context = list(self._full_context)
        return clone

    # ------------------------------------------------------------------ internals
    def _finish(self, reason: StopReason) -> None:
        self.done = True
        self.trajectory.stop_reason = reason
        self.trajectory.final_observation = self.observation


class _EpisodeRequest(GenerationRequest):
    """A request whose chat is built from the episode, as it is now, only if a policy reads it
    (the hot path of scripted and token-in policies never does)."""

    __slots__ = ("_episode", "_num_turns", "_observation")

    def __init__(self, episode: Episode):
        self._messages = None
        self._episode = episode
        self._num_turns = len(episode.trajectory.turns)
        self._observation = episode.observation
        self.prompt_ids = episode.context_ids() if episode.tokenizer is not None else None
        self.info = episode.info
        self.env = episode.env

    @property
    def messages(self) -> list[dict[str, str]]:
        if self._messages is None:
            self._messages = self._episode.context_messages(self._num_turns, self._observation)
        return self._messages


def _describe(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()
