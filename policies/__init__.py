"""Policy backends and scripted policies. Installed as ``agentgym.policies``.

:func:`load_policy` turns a spec string into a policy: ``oracle``, ``random``, ``human``, or a
model (``smollm2-135m``, a local model or adapter directory, a hub name) run by the embedded
transformers backend.
"""

from __future__ import annotations

from typing import Any

from agentgym.policies.scripted import HumanPolicy, OraclePolicy, RandomPolicy, ReplayPolicy

__all__ = ["load_policy", "RandomPolicy", "OraclePolicy", "HumanPolicy", "ReplayPolicy", "SCRIPTED_POLICIES"]

SCRIPTED_POLICIES = {"oracle": OraclePolicy, "random": RandomPolicy, "human": HumanPolicy}


def load_policy(spec: str, *, seed: int | None = None, device: str = "cpu") -> Any:
    """Build a policy from a spec string.

    Args:
        spec: ``oracle`` (the env's solver), ``random`` (uniform over admissible actions),
            ``human`` (the terminal), or a model spec: a packaged model name (``smollm2-135m``),
            a local model or LoRA-adapter directory, or a hub name (``org/model``).
        seed: seeds the random policy and model sampling.
        device: where a model runs.
    """
    name = spec.strip().lower()
    if name == "random":
        return RandomPolicy(seed=seed)
    if name in SCRIPTED_POLICIES:
        return SCRIPTED_POLICIES[name]()
    from agentgym.policies.models import resolve_model

    try:
        resolve_model(spec)
    except (FileNotFoundError, KeyError) as exc:
        raise ValueError(f"unknown policy {spec!r}: not one of {sorted(SCRIPTED_POLICIES)}, and {exc}") from None
    from agentgym.policies.transformers_policy import TransformersPolicy

    return TransformersPolicy(spec, device=device, seed=seed or 0)
