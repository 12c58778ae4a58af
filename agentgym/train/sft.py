"""Supervised warm start: collect the env's oracle demonstrations and train on them.

The oracle's actions are tokenised once as they are produced (:class:`TokenizedPolicy`), in
the same context layout (full or window) the RL rollouts use, and the loss covers the action
tokens only.
"""

from __future__ import annotations

import random
import sys
from typing import Any

import numpy as np
import torch

from agentgym.algorithms import sft_loss
from agentgym.policies.scripted import OraclePolicy
from agentgym.policies.tokenized import TokenizedPolicy
from agentgym.policies.transformers_policy import TransformersPolicy, token_logprobs
from agentgym.registry import make as make_env
from agentgym.rollout import RolloutConfig, RolloutEngine
from agentgym.train.batches import collate, pack_micro_batches
from agentgym.train.config import RunConfig
from agentgym.trajectory import TokenSample, Trajectory

__all__ = ["collect_demos", "sft_train", "warm_start"]


def collect_demos(policy: TransformersPolicy, config: RunConfig, demos: int, *, seed: int = 0) -> list[Trajectory]:
    """``demos`` oracle episodes on distinct training tasks, tokenised for ``policy``'s model."""
    t = config.trainer
    env = make_env(config.env, **config.env_kwargs)
    ids = env.task_set.ids(t.split)
    env.close()
    rng = np.random.default_rng([seed, 7919])
    picks = rng.choice(len(ids), size=min(demos, len(ids)), replace=False)
    rollout = RolloutConfig(max_turns=t.max_turns, context=t.context, window=t.window)
    with RolloutEngine(TokenizedPolicy(OraclePolicy(), policy.chat_tokenizer), rollout) as engine:
        groups = engine.run(config.env, [(ids[int(i)], int(i)) for i in picks], env_kwargs=config.env_kwargs)
    return [traj for g in groups for traj in g]


def sft_train(policy: TransformersPolicy, trajectories: list[Trajectory], config: RunConfig, *, progress: bool = True) -> dict[str, Any]:
    """Train on the policy tokens of ``trajectories``; returns the first and last epoch's loss."""
    s = config.sft
    samples: list[TokenSample] = [x for traj in trajectories for x in traj.samples() if sum(x.loss_mask)]
    if not samples:
        raise ValueError("no demonstration tokens to train on")
    params = [p for p in policy.model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=s.lr)
    pad = policy.tokenizer.pad_token_id
    order_rng = random.Random(config.trainer.seed)
    losses = []
    policy.model.train()
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=s.epochs, desc="SFT", unit="epoch", file=sys.stderr, dynamic_ncols=True)
    for _ in range(s.epochs):
        order = list(range(len(samples)))
        order_rng.shuffle(order)
        epoch_loss, epoch_tokens = 0.0, 0
        # Optimizer steps of about batch_tokens policy-plus-context tokens each.
        steps = pack_micro_batches([len(samples[i].input_ids) for i in order], s.batch_tokens)
        for step in steps:
            batch_samples = [samples[order[i]] for i in step]
            batch = collate(batch_samples, pad, policy.device)
            logprobs, _ = token_logprobs(policy.model, batch["input_ids"], batch["attention_mask"], only_BT=batch["loss_mask"])
            loss = sft_loss(logprobs, batch["loss_mask"])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            n = int(batch["loss_mask"].sum())
            epoch_loss += loss.item() * n
            epoch_tokens += n
        losses.append(epoch_loss / max(1, epoch_tokens))
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{losses[-1]:.3f}")
    if bar is not None:
        bar.close()
    policy.weights_changed()
    return {"samples": len(samples), "first_epoch_loss": losses[0], "last_epoch_loss": losses[-1]}


def warm_start(policy: TransformersPolicy, config: RunConfig, *, progress: bool = True) -> dict[str, Any]:
    """Collect ``config.sft.demos`` oracle episodes and train on them."""
    trajectories = collect_demos(policy, config, config.sft.demos, seed=config.trainer.seed)
    result = sft_train(policy, trajectories, config, progress=progress)
    result["demos"] = len(trajectories)
    return result
