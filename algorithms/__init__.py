"""Pure functions over batches: advantage estimators, losses, group filters. Installed as
``agentgym.algorithms``. Nothing here imports the trainer, a runtime or does I/O."""

from agentgym.algorithms.advantages import ADVANTAGE_ESTIMATORS, grpo_advantages, group_advantages, rloo_advantages
from agentgym.algorithms.filters import informative_groups
from agentgym.algorithms.losses import LossStats, ppo_clip_loss, sft_loss
from agentgym.algorithms.rewards import episode_reward
from agentgym.algorithms.step_advantages import (
    combine_advantages,
    discounted_returns,
    gigpo_advantages,
    step_advantages,
    step_group_sizes,
    step_groups,
    turn_rewards,
)

__all__ = [
    "ADVANTAGE_ESTIMATORS",
    "grpo_advantages",
    "rloo_advantages",
    "group_advantages",
    "informative_groups",
    "ppo_clip_loss",
    "sft_loss",
    "LossStats",
    "episode_reward",
    "turn_rewards",
    "discounted_returns",
    "step_groups",
    "step_group_sizes",
    "step_advantages",
    "combine_advantages",
    "gigpo_advantages",
]
