"""Training: typed run configs, the multi-turn GRPO trainer, SFT warm start, checkpoints, metrics."""

from agentgym.train.config import AlgorithmConfig, EvalConfig, ModelConfig, RunConfig, SFTConfig, TrainerConfig, load_config

__all__ = ["RunConfig", "ModelConfig", "AlgorithmConfig", "TrainerConfig", "EvalConfig", "SFTConfig", "load_config", "GRPOTrainer"]


def __getattr__(name):
    # The trainer pulls in torch and transformers: import it only when asked for.
    if name == "GRPOTrainer":
        from agentgym.train.grpo import GRPOTrainer

        return GRPOTrainer
    raise AttributeError(name)
