"""The policy protocol: what the rollout engine asks of any policy, scripted or a model.

A policy answers a batch of :class:`GenerationRequest` with one :class:`Completion` each, in one
call (the engine batches every live episode's turn into it). Model backends return the token
ids they sampled with behaviour logprobs and, where they can, per-token entropies; scripted
policies return only text. A policy that works on tokens also exposes a :class:`ChatTokenizer`
as ``policy.chat_tokenizer`` so the engine can tokenise env text exactly once, when it is appended.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Protocol, Sequence, runtime_checkable

if TYPE_CHECKING:
    from agentgym.env import TextEnv

__all__ = ["SamplingParams", "GenerationRequest", "Completion", "Policy", "ChatTokenizer", "chat_tokenizer_of"]


@dataclass
class SamplingParams:
    """How to sample an action.

    Attributes:
        temperature: softmax temperature; 0 means greedy.
        top_p: nucleus sampling mass.
        max_new_tokens: the most tokens one action may take.
        stop: strings that end an action early.
        seed: seeds sampling where the backend supports it.
    """

    temperature: float = 1.0
    top_p: float = 1.0
    max_new_tokens: int = 128
    stop: list[str] = field(default_factory=list)
    seed: int | None = None


class GenerationRequest:
    """One episode's turn, as put to the policy.

    Attributes:
        messages: the chat so far (role/content dicts), ending with the latest observation.
            The engine builds it only when a policy reads it (scripted policies never do).
        prompt_ids: the exact token context for token-in policies (None when the policy has no
            chat tokenizer); built by the engine from stored ids, never re-encoded.
        info: the env's latest ``info`` (``admissible_actions``, ``tools``, ...).
        env: the live env, for scripted policies that consult the env itself (the oracle);
            a policy must not step or reset it.
    """

    __slots__ = ("_messages", "_build_messages", "prompt_ids", "info", "env")

    def __init__(
        self,
        messages: list[dict[str, str]] | None = None,
        prompt_ids: list[int] | None = None,
        info: dict[str, Any] | None = None,
        env: "TextEnv | None" = None,
        *,
        build_messages: Callable[[], list[dict[str, str]]] | None = None,
    ):
        if messages is None and build_messages is None:
            raise ValueError("a GenerationRequest needs messages (or build_messages to make them on demand)")
        self._messages = messages
        self._build_messages = build_messages
        self.prompt_ids = prompt_ids
        self.info = info if info is not None else {}
        self.env = env

    @property
    def messages(self) -> list[dict[str, str]]:
        """The chat the policy answers (system prompt, observations and earlier actions), built
        on first read."""
        if self._messages is None:
            self._messages = self._build_messages()
        return self._messages

    def __repr__(self) -> str:
        return f"GenerationRequest(messages={len(self.messages)} messages, prompt_ids={None if self.prompt_ids is None else len(self.prompt_ids)} ids)"


@dataclass(slots=True)
class Completion:
    """One generated action.

    Attributes:
        text: the action text.
        token_ids: the token ids sampled (empty for scripted policies).
        logprobs: behaviour log-probability of each sampled token, ``[len(token_ids)]``.
        entropies: entropy of each step's sampling distribution, or None if not computed.
        finish_reason: ``stop`` (ended by an end-of-turn token or stop string) or ``length``.
    """

    text: str
    token_ids: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    entropies: list[float] | None = None
    finish_reason: str = "stop"


@runtime_checkable
class Policy(Protocol):
    """Anything that can act: ``generate`` answers a batch of requests in one call."""

    name: str

    def generate(self, requests: Sequence[GenerationRequest], sampling: SamplingParams) -> list[Completion]:
        """One completion per request, in order."""
        ...


@runtime_checkable
class ChatTokenizer(Protocol):
    """Turns chat text into token ids, once, as it is appended to an episode.

    ``encode_prompt`` renders the opening messages and ends with the assistant's generation
    prompt. ``encode_observation`` gives the tokens appended after an action: what closes the
    action (if the policy's own tokens did not, e.g. it hit ``max_new_tokens``), the new user
    message, and the next generation prompt. Concatenating them with the policy's own tokens
    gives exactly the sequence the policy conditions on.
    """

    def encode_prompt(self, messages: Sequence[dict[str, str]]) -> list[int]:
        """The opening chat's tokens, ending with the generation prompt of the first action."""
        ...

    def encode_observation(self, content: str, *, action_finished: bool) -> list[int]:
        """The tokens that follow an action: its end-of-turn marker unless ``action_finished``, the
        observation as a user message, and the next generation prompt."""
        ...


def chat_tokenizer_of(policy: Any) -> ChatTokenizer | None:
    """The policy's chat tokenizer, or None for text-only (scripted) policies."""
    return getattr(policy, "chat_tokenizer", None)
