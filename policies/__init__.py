"""Policy backends and scripted policies. Installed as ``agentgym.policies``.

:func:`load_policy` turns a spec string (``oracle``, ``random``, ``human``) into a policy.
"""

from __future__ import annotations

from typing import Any

from agentgym.policies.scripted import HumanPolicy, OraclePolicy, RandomPolicy, ReplayPolicy

__all__ = ["load_policy", "RandomPolicy", "OraclePolicy", "HumanPolicy", "ReplayPolicy", "SCRIPTED_POLICIES"]

SCRIPTED_POLICIES = {"oracle": OraclePolicy, "random": RandomPolicy, "human": HumanPolicy}


def load_policy(spec: str, *, seed: int | None = None) -> Any:
    """Build a policy from a spec string.

    Args:
        spec: ``oracle`` (the env's solver), ``random`` (uniform over admissible actions), or
            ``human`` (the terminal).
        seed: seeds the random policy.
    """
    name = spec.strip().lower()
    if name == "random":
        return RandomPolicy(seed=seed)
    if name in SCRIPTED_POLICIES:
        return SCRIPTED_POLICIES[name]()
    raise ValueError(
        f"unknown policy {spec!r}; expected one of {sorted(SCRIPTED_POLICIES)} "
        "(model backends arrive with the training extras)"
    )
