"""Typed settings of the rollout engine."""

from __future__ import annotations

from dataclasses import dataclass, field

from agentgym.policy import SamplingParams

__all__ = ["RolloutConfig"]


@dataclass
class RolloutConfig:
    """How episodes are played.

    Attributes:
        group_size: G, the attempts per task (GRPO groups).
        max_turns: the most actions per episode; None leaves it to the env's step limit.
        context: ``full`` (the whole history) or ``window`` (the opening prompt plus the last
            ``window`` turns, as long episodes need).
        window: k, the turns kept in window mode.
        max_context_tokens: the largest prompt (in tokens) a turn may be given; an episode
            that would exceed it stops with ``StopReason.MAX_TOKENS``. Needs a chat tokenizer.
        sampling: how the policy samples actions.
        system_prompt: the system message; None uses the env's ``system_prompt``.
        env_workers: threads resetting and stepping envs concurrently; None picks 16 for I/O-bound envs
            (``TextEnv.io_bound``) and steps CPU-bound envs inline (threads would only add overhead).
    """

    group_size: int = 1
    max_turns: int | None = None
    context: str = "full"
    window: int = 4
    max_context_tokens: int | None = None
    sampling: SamplingParams = field(default_factory=SamplingParams)
    system_prompt: str | None = None
    env_workers: int | None = None

    def __post_init__(self) -> None:
        if self.group_size < 1:
            raise ValueError(f"group_size must be >= 1, got {self.group_size}")
        if self.context not in ("full", "window"):
            raise ValueError(f"context must be 'full' or 'window', got {self.context!r}")
        if self.context == "window" and self.window < 1:
            raise ValueError(f"window must be >= 1 in window mode, got {self.window}")
        if self.max_turns is not None and self.max_turns < 1:
            raise ValueError(f"max_turns must be >= 1 or None, got {self.max_turns}")
