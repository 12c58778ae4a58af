"""Give a text policy real token ids, so its episodes can be trained on (SFT warm start).

:class:`TokenizedPolicy` wraps a scripted policy (the oracle, say) and tokenises each action
once, as it is produced, with the model's tokenizer, ending it with the end-of-turn token. The
trajectories it yields have the same token layout as the model's own rollouts.
"""

from __future__ import annotations

from typing import Any, Sequence

from agentgym.policies.chat_tokenizer import HFChatTokenizer
from agentgym.policy import Completion, GenerationRequest, SamplingParams

__all__ = ["TokenizedPolicy"]


class TokenizedPolicy:
    """A text policy whose actions come back as token ids of ``chat_tokenizer``'s model."""

    def __init__(self, inner: Any, chat_tokenizer: HFChatTokenizer):
        self.inner = inner
        self.chat_tokenizer = chat_tokenizer
        self.name = f"tokenized({getattr(inner, 'name', type(inner).__name__)})"

    def generate(self, requests: Sequence[GenerationRequest], sampling: SamplingParams) -> list[Completion]:
        tok = self.chat_tokenizer.tokenizer
        out = []
        for c in self.inner.generate(requests, sampling):
            ids = tok(c.text, add_special_tokens=False)["input_ids"] + [self.chat_tokenizer.end_of_turn_id]
            out.append(Completion(text=c.text, token_ids=ids, logprobs=[0.0] * len(ids), finish_reason="stop"))
        return out
