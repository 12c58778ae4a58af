"""Evaluation: run a policy on an env's tasks and report success with confidence intervals."""

from agentgym.eval.metrics import breakdown, pass_at_k, pass_hat_k, summarize, wilson_interval
from agentgym.eval.runner import evaluate

__all__ = ["evaluate", "summarize", "wilson_interval", "pass_at_k", "pass_hat_k", "breakdown"]
