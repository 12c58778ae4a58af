"""The rollout engine: runs B tasks x G attempts concurrently, one batched policy call per step."""

from agentgym.rollout.config import RolloutConfig
from agentgym.rollout.engine import RolloutEngine, TaskRef
from agentgym.rollout.episode import Episode

__all__ = ["RolloutConfig", "RolloutEngine", "Episode", "TaskRef"]
