"""vLLM backends: a policy served by a vLLM server, or a vLLM engine in this process.

vLLM pins its own torch and transformers, so it lives in a separate virtualenv made by
``bash scripts/vllm_env.sh`` (``.venv-vllm``; ``AGENTGYM_VLLM_VENV`` moves it,
``AGENTGYM_VLLM_PYTHON`` points at any python that imports vllm). The main environment talks
to it over HTTP, needing only httpx:

- :class:`VLLMServer` starts ``python -m vllm.entrypoints.openai.api_server`` from that venv on
  a free local port, with runtime LoRA loading and the dev endpoints for weight reloads.
- :class:`VLLMServerPolicy` implements the :class:`~agentgym.policy.Policy` protocol on it,
  token-in/token-out (the engine's exact ``prompt_ids`` go in; the sampled ids, their logprobs
  and a top-k entropy estimate come back), plus ``score`` (teacher-forced logprobs) and weight
  updates: ``load_lora`` (hot-load a peft adapter directory), ``reload_weights`` (a full
  safetensors checkpoint, checked for completeness first), ``push_weights_nccl`` (GPU only).
- :class:`AsyncVLLMClient` / :class:`VLLMClient`: the OpenAI-compatible client underneath
  (timeouts, retries with backoff on connection errors and 5xx, bounded concurrency, clear
  errors on 4xx).
- :class:`VLLMInProcessPolicy` runs ``vllm.LLM`` in this process (only under the vLLM venv)
  and takes weights straight from memory (``reload_weights_from_state_dict``).
- :mod:`~agentgym.policies.vllm.worker_ext`: a worker extension that works around vLLM 0.32
  leaving a tied ``lm_head`` stale after an in-place reload (the server loads it by default).

Known vLLM 0.32 limits worked around here: ``prompt_logprobs`` requests batched together
with LoRA enabled kill the engine (``score`` sends them one at a time), and the tied-``lm_head``
reload bug above.

Example::

    from agentgym.policies.vllm import VLLMServerPolicy
    from agentgym.rollout import RolloutEngine, RolloutConfig

    with VLLMServerPolicy("smollm2-135m") as policy:       # starts and later stops a server
        groups = RolloutEngine(policy, RolloutConfig(group_size=4)).run("agentgym/Household-v0", ["train-00001"])
        policy.load_lora("runs/adapter-step-10")          # a new directory per version
"""

from agentgym.policies.vllm.client import AsyncVLLMClient, VLLMClient, VLLMError, VLLMRequestError, VLLMUnavailableError
from agentgym.policies.vllm.common import CheckpointMismatchError, check_checkpoint_complete, safetensors_index, topk_entropy
from agentgym.policies.vllm.inprocess import VLLMInProcessPolicy, vllm_available
from agentgym.policies.vllm.policy import VLLMServerPolicy
from agentgym.policies.vllm.server import SETUP_HINT, VLLMNotInstalledError, VLLMServer, VLLMServerError, find_vllm_python
from agentgym.policies.vllm.worker_ext import EXTENSION_CLS

__all__ = [
    "VLLMServer",
    "VLLMServerPolicy",
    "VLLMInProcessPolicy",
    "AsyncVLLMClient",
    "VLLMClient",
    "VLLMError",
    "VLLMRequestError",
    "VLLMUnavailableError",
    "VLLMServerError",
    "VLLMNotInstalledError",
    "CheckpointMismatchError",
    "check_checkpoint_complete",
    "safetensors_index",
    "topk_entropy",
    "find_vllm_python",
    "vllm_available",
    "SETUP_HINT",
    "EXTENSION_CLS",
]
