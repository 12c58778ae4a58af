"""Tiny stand-ins for a language model, so the token path of the engine runs anywhere.

:class:`ByteChatTokenizer` is a real (if trivial) chat tokenizer: UTF-8 bytes plus two special
tokens in a ChatML-style template. :class:`FakeTokenPolicy` wraps any text policy and returns
its actions as tokens of that tokenizer, with made-up logprobs and entropies. Tests and
benchmarks use them to exercise token-in, token-out without a model.
"""

from __future__ import annotations

from typing import Any, Sequence

from agentgym.policy import Completion, GenerationRequest, SamplingParams

__all__ = ["ByteChatTokenizer", "FakeTokenPolicy"]


class ByteChatTokenizer:
    """UTF-8 bytes are tokens 0-255; ``<|im_start|>`` is 256 and ``<|im_end|>`` is 257.

    A message renders as ``<|im_start|>{role}\\n{content}<|im_end|>\\n``; a prompt ends with
    ``<|im_start|>assistant\\n``; an action the policy finished ends with ``<|im_end|>``.
    """

    IM_START = 256
    IM_END = 257

    def encode_text(self, text: str) -> list[int]:
        """Plain text to byte tokens."""
        return list(text.encode("utf-8"))

    def _message(self, role: str, content: str) -> list[int]:
        return [self.IM_START] + self.encode_text(f"{role}\n{content}") + [self.IM_END] + self.encode_text("\n")

    def _generation_prompt(self) -> list[int]:
        return [self.IM_START] + self.encode_text("assistant\n")

    def encode_prompt(self, messages: Sequence[dict[str, str]]) -> list[int]:
        """The opening messages, then the assistant generation prompt."""
        ids: list[int] = []
        for m in messages:
            ids += self._message(m["role"], m["content"])
        return ids + self._generation_prompt()

    def encode_observation(self, content: str, *, action_finished: bool) -> list[int]:
        """Close the action if needed, add the user message, open the next assistant turn."""
        close = [] if action_finished else [self.IM_END]
        return close + self.encode_text("\n") + self._message("user", content) + self._generation_prompt()

    def render(self, messages: Sequence[dict[str, str]]) -> list[int]:
        """A whole chat as the template renders it (for tests comparing against stored ids)."""
        ids: list[int] = []
        for m in messages:
            ids += self._message(m["role"], m["content"])
        return ids

    def decode(self, ids: Sequence[int]) -> str:
        """Token ids back to text (specials spelled out)."""
        out, buf = [], bytearray()
        for t in ids:
            if t < 256:
                buf.append(t)
                continue
            out.append(buf.decode("utf-8", errors="replace"))
            buf = bytearray()
            out.append("<|im_start|>" if t == self.IM_START else "<|im_end|>")
        out.append(buf.decode("utf-8", errors="replace"))
        return "".join(out)


class FakeTokenPolicy:
    """Wraps a text policy; returns its actions as byte tokens ending in ``<|im_end|>``.

    An action longer than ``max_new_tokens`` is cut there with ``finish_reason="length"``.
    Logprobs are ``-0.1 * (position + 1)`` and entropies ``0.5``, so tests can tell tokens apart.
    """

    def __init__(self, inner: Any):
        self.inner = inner
        self.name = f"fake-tokens({getattr(inner, 'name', type(inner).__name__)})"
        self.chat_tokenizer = ByteChatTokenizer()
        self.requests_seen: list[GenerationRequest] = []

    def generate(self, requests: Sequence[GenerationRequest], sampling: SamplingParams) -> list[Completion]:
        self.requests_seen.extend(requests)
        out = []
        for c in self.inner.generate(requests, sampling):
            ids = self.chat_tokenizer.encode_text(c.text) + [ByteChatTokenizer.IM_END]
            finish = "stop"
            if len(ids) > sampling.max_new_tokens:
                ids, finish = ids[: sampling.max_new_tokens], "length"
            text = bytes(t for t in ids if t < 256).decode("utf-8", errors="replace")
            out.append(
                Completion(
                    text=text,
                    token_ids=ids,
                    logprobs=[-0.1 * (i + 1) for i in range(len(ids))],
                    entropies=[0.5] * len(ids),
                    finish_reason=finish,
                )
            )
        return out
