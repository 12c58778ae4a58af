"""agentgym: train LLM agents with reinforcement learning in multi-turn text environments.

The public surface is what this module re-exports (``__all__``); everything else may change.
"""

from agentgym.conformance import CheckReport, run_checks
from agentgym.env import REQUIRED_INFO_KEYS, StepInfo, StepOutcome, TaskSet, TextEnv, TextSpace, state_hash
from agentgym.eval import evaluate, summarize
from agentgym.policy import ChatTokenizer, Completion, GenerationRequest, Policy, SamplingParams
from agentgym.registry import EnvSpec, make, register, registered_envs, spec
from agentgym.rollout import Episode, RolloutConfig, RolloutEngine
from agentgym.trajectory import Group, StopReason, Trajectory, Turn, read_jsonl, read_parquet, to_parquet, write_jsonl

__version__ = "0.1.0"

__all__ = [
    # envs
    "TextEnv",
    "TextSpace",
    "TaskSet",
    "StepInfo",
    "StepOutcome",
    "REQUIRED_INFO_KEYS",
    "state_hash",
    "register",
    "make",
    "spec",
    "registered_envs",
    "EnvSpec",
    "run_checks",
    "CheckReport",
    # policies
    "Policy",
    "ChatTokenizer",
    "GenerationRequest",
    "Completion",
    "SamplingParams",
    # rollout and data
    "RolloutEngine",
    "RolloutConfig",
    "Episode",
    "Trajectory",
    "Turn",
    "Group",
    "StopReason",
    "write_jsonl",
    "read_jsonl",
    "to_parquet",
    "read_parquet",
    # evaluation
    "evaluate",
    "summarize",
    "__version__",
]
