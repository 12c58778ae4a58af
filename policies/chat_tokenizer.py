"""A :class:`~agentgym.policy.ChatTokenizer` over a Hugging Face tokenizer and its chat template.

The opening prompt is rendered by the template in one piece. Each later observation is
appended as a *delta*: the template's text between the end of an assistant turn and the start
of the next one, worked out once by rendering a reference chat with and without one more user
message. The delta is tokenised on its own, once; since it starts right after the end-of-turn
token, no BPE merge can cross the boundary, so the ids equal those of the whole chat rendered
at once (a test checks this on the real SmolLM2 template).
"""

from __future__ import annotations

from typing import Any, Sequence

__all__ = ["HFChatTokenizer"]

_PROBE_USER = "\x00probe-user\x00"
_PROBE_ACTION = "\x00probe-action\x00"
_PROBE_NEXT = "\x00probe-next\x00"


class HFChatTokenizer:
    """Token-in, token-out chat rendering for a transformers tokenizer with a chat template.

    Args:
        tokenizer: a ``PreTrainedTokenizer(Fast)`` whose ``chat_template`` is set.
        end_of_turn: the token that ends an assistant turn (default: the tokenizer's EOS).
    """

    def __init__(self, tokenizer: Any, end_of_turn: str | None = None):
        if not getattr(tokenizer, "chat_template", None):
            raise ValueError("the tokenizer has no chat_template; use a chat model or set tokenizer.chat_template")
        self.tokenizer = tokenizer
        self.end_of_turn = end_of_turn or tokenizer.eos_token
        self.end_of_turn_id = tokenizer.convert_tokens_to_ids(self.end_of_turn)
        self._after_turn, self._user_prefix, self._user_suffix = self._template_pieces()

    def _render(self, messages: Sequence[dict[str, str]], generation_prompt: bool) -> str:
        return self.tokenizer.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=generation_prompt)

    def _template_pieces(self) -> tuple[str, str, str]:
        base = [{"role": "system", "content": "s"}, {"role": "user", "content": _PROBE_USER}, {"role": "assistant", "content": _PROBE_ACTION}]
        with_action = self._render(base, False)
        with_next = self._render(base + [{"role": "user", "content": _PROBE_NEXT}], True)
        closing = _PROBE_ACTION + self.end_of_turn
        if closing not in with_action or not with_next.startswith(with_action):
            raise ValueError(
                f"cannot derive per-turn deltas from this chat template: an assistant turn does not end with "
                f"{self.end_of_turn!r}, or appending a message rewrites earlier text"
            )
        after_turn = with_action[with_action.index(closing) + len(closing) :]
        delta = with_next[len(with_action) :]
        prefix, _, suffix = delta.partition(_PROBE_NEXT)
        return after_turn, prefix, suffix

    def encode_prompt(self, messages: Sequence[dict[str, str]]) -> list[int]:
        """The opening messages rendered by the template, ending with the generation prompt."""
        return self.tokenizer(self._render(messages, True), add_special_tokens=False)["input_ids"]

    def encode_observation(self, content: str, *, action_finished: bool) -> list[int]:
        """Close the action (with the end-of-turn token if generation did not), add the user
        message, and open the next assistant turn."""
        text = ("" if action_finished else self.end_of_turn) + self._after_turn + self._user_prefix + content + self._user_suffix
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def decode(self, ids: Sequence[int]) -> str:
        """Token ids back to text, special tokens kept."""
        return self.tokenizer.decode(list(ids), skip_special_tokens=False)
