"""Multi-turn GRPO.

Each iteration:

1. sample B tasks from the training split (seeded by ``(seed, iteration)``);
2. roll out G episodes per task with the current policy through the rollout engine;
3. reward each episode by its outcome (the env's return, less ``invalid_action_penalty`` per
   invalid action) and compute group-relative advantages (``grpo`` or ``rloo``), plus, with
   ``step_advantage_weight`` > 0, GiGPO's per-turn term for actions taken in shared env states;
   optionally drop groups whose advantages are all zero;
4. minimise the PPO-clip loss over the policy's own tokens (env and prompt tokens are masked),
   for ``ppo_epochs`` passes in ``minibatches`` optimizer steps, micro-batched by token budget;
5. sync the new weights to the rollout backend (``rollout.backend``: the trained model itself,
   or vLLM, served or in process; see :mod:`agentgym.train.rollout_backend`), log, evaluate,
   checkpoint.

Where this departs from the GRPO paper, and why: the advantage of an episode is its outcome
advantage broadcast over every action token of every turn (multi-turn outcome supervision);
behaviour logprobs come from the sampler itself (the same weights compute them, so the first
epoch's ratio is 1 up to float noise) instead of an extra forward pass; the KL term, to the
policy GRPO starts from (after the SFT warm start), is off by default (it slows small models'
learning and DAPO drops it too); all randomness of an iteration derives from
``(seed, iteration)`` so that a killed run resumes exactly.
"""

from __future__ import annotations

import math
import random
import sys
import time
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from agentgym.algorithms import episode_reward, gigpo_advantages, group_advantages, informative_groups, ppo_clip_loss, step_group_sizes
from agentgym.eval import evaluate
from agentgym.policies.transformers_policy import LoraSettings, TransformersPolicy, token_logprobs
from agentgym.policy import SamplingParams
from agentgym.registry import make as make_env
from agentgym.rollout import RolloutConfig, RolloutEngine
from agentgym.train.batches import build_samples, collate, pack_micro_batches
from agentgym.train.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from agentgym.train.config import RunConfig
from agentgym.train.metrics import MetricsWriter
from agentgym.train.rollout_backend import RolloutBackend, build_rollout_backend
from agentgym.trajectory import StopReason

__all__ = ["GRPOTrainer", "build_policy", "lr_lambda"]


def build_policy(config: RunConfig) -> TransformersPolicy:
    """The trainable policy a run config describes (seeded, so LoRA init is reproducible)."""
    torch.manual_seed(config.trainer.seed)
    lora = (
        LoraSettings(rank=config.model.lora_rank, alpha=config.model.lora_alpha, top_layers=config.model.lora_top_layers)
        if config.model.lora
        else None
    )
    return TransformersPolicy(
        config.model.name,
        device=config.model.device,
        dtype=config.model.dtype,
        lora=lora,
        max_batch_size=config.model.max_batch_size,
        seed=config.trainer.seed,
    )


def lr_lambda(schedule: str, warmup: int, total: int):
    """The multiplier of the peak learning rate at each iteration."""
    if schedule not in ("constant", "linear", "cosine"):
        raise ValueError(f"lr_schedule must be constant, linear or cosine, got {schedule!r}")

    def factor(it: int) -> float:
        if warmup and it < warmup:
            return (it + 1) / warmup
        if schedule == "constant":
            return 1.0
        progress = min(1.0, (it - warmup) / max(1, total - warmup))
        return 1.0 - progress if schedule == "linear" else 0.5 * (1.0 + math.cos(math.pi * progress))

    return factor


class GRPOTrainer:
    """Trains a policy with multi-turn GRPO as a :class:`RunConfig` describes.

    Args:
        config: the run.
        policy: a ready policy to train (default: built from ``config.model``).
        progress: show progress bars.
        backend: a ready rollout backend (default: built from ``config.rollout``; a vLLM server
            is started here and stopped when :meth:`run` ends).
    """

    def __init__(
        self,
        config: RunConfig,
        policy: TransformersPolicy | None = None,
        *,
        progress: bool = True,
        backend: RolloutBackend | None = None,
    ):
        self.config = config
        self.progress = progress
        # The splits are checked before the model loads (and the run directory is made): a
        # wrong one fails at once.
        self.train_tasks, self.eval_split = _check_splits(config)
        self.run_dir = Path(config.out_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.policy = policy or build_policy(config)
        self.model = self.policy.model
        params = [p for p in self.model.parameters() if p.requires_grad]
        if not params:
            raise ValueError("the policy has no trainable parameters")
        t, a = config.trainer, config.algorithm
        if a.step_advantage_weight < 0 or not 0.0 <= a.step_gamma <= 1.0:
            raise ValueError(f"algorithm.step_advantage_weight must be >= 0 and step_gamma in [0, 1], got {a.step_advantage_weight} and {a.step_gamma}")
        self.optimizer = torch.optim.AdamW(params, lr=t.lr, weight_decay=t.weight_decay)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, lr_lambda(t.lr_schedule, t.warmup_iterations, t.iterations))
        self.rollout_config = RolloutConfig(
            group_size=t.group_size,
            max_turns=t.max_turns,
            context=t.context,
            window=t.window,
            sampling=SamplingParams(temperature=t.temperature, max_new_tokens=t.max_new_tokens),
        )
        self.backend = backend or build_rollout_backend(config, self.policy, self.run_dir)
        self.engine = RolloutEngine(self.backend.policy, self.rollout_config)
        self.iteration = 0
        self.state: dict[str, Any] = {}
        self.reference: dict[str, torch.Tensor] = {}  # KL reference weights (algorithm.kl_coef > 0)

    # ------------------------------------------------------------------ the loop
    def run(self) -> dict[str, Any]:
        """Train (resuming from the latest checkpoint if there is one); returns the summary."""
        cfg = self.config
        cfg.save(self.run_dir / "config.yaml")
        checkpoint = latest_checkpoint(self.run_dir)
        if checkpoint is not None:
            self.state = load_checkpoint(checkpoint, self.model, self.optimizer, self.scheduler)
            self.iteration = self.state["iteration"]
            if not cfg.eval.split and self.state.get("eval_split"):
                self.eval_split = self.state["eval_split"]  # the split eval_before was taken on
            self._apply_configured_lr()
            self._say(f"resumed from {checkpoint} at iteration {self.iteration}")
            self.backend.sync()
        metrics = MetricsWriter(self.run_dir, resume_iteration=self.iteration if checkpoint else 0)
        try:
            if checkpoint is None and cfg.sft.demos > 0:
                from agentgym.train.sft import warm_start

                self.state["sft"] = warm_start(self.policy, cfg, progress=self.progress)
                self._say(f"SFT warm start: {self.state['sft']}")
                # Saved before the eval: a run killed during it resumes without redoing the SFT.
                save_checkpoint(self.run_dir, 0, self.model, self.optimizer, self.scheduler, self.state)
            if "eval_before" not in self.state:
                if checkpoint is None:  # a resumed run synced when it loaded
                    self.backend.sync()
                self.state["eval_split"] = self.eval_split
                self.state["eval_before"] = self.evaluate()
                self._say(f"held-out success before GRPO: {self.state['eval_before']['success_rate']:.1%}")
                save_checkpoint(self.run_dir, 0, self.model, self.optimizer, self.scheduler, self.state)
            if cfg.algorithm.kl_coef:
                self.reference = self._load_or_snapshot_reference()
            bar = self._bar(total=cfg.trainer.iterations, initial=self.iteration)
            while self.iteration < cfg.trainer.iterations:
                record = self.train_iteration(self.iteration)
                self.iteration += 1
                if cfg.eval.every and self.iteration % cfg.eval.every == 0 and self.iteration < cfg.trainer.iterations:
                    record["eval_success_rate"] = self.evaluate()["success_rate"]
                metrics.write(record)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(success=f"{record['success_rate']:.0%}", reward=f"{record['reward_mean']:.2f}")
                if self.iteration % cfg.trainer.save_every == 0 or self.iteration == cfg.trainer.iterations:
                    save_checkpoint(self.run_dir, self.iteration, self.model, self.optimizer, self.scheduler, self.state)
            if bar is not None:
                bar.close()
            # A finished run extended with more iterations is evaluated again (eval_after
            # records the iteration it was taken at).
            if self.state.get("eval_after", {}).get("iteration") != self.iteration:
                self.state["eval_after"] = {**self.evaluate(), "iteration": self.iteration}
                save_checkpoint(self.run_dir, self.iteration, self.model, self.optimizer, self.scheduler, self.state)
            self.save_final()
        finally:
            metrics.close()
            self.engine.close()
            self.backend.close()
        before, after = self.state["eval_before"]["success_rate"], self.state["eval_after"]["success_rate"]
        self._say(f"held-out success ({self.eval_split}, {cfg.eval.episodes} tasks): before {before:.1%}, after {after:.1%}")
        return {"eval_before": self.state["eval_before"], "eval_after": self.state["eval_after"], "sft": self.state.get("sft")}

    def _apply_configured_lr(self) -> None:
        """After loading a checkpoint: the config's peak lr and schedule govern, not the ones
        saved with the optimizer (they differ when a run starts from another run's checkpoint
        with a new ``trainer.lr``; for a plain resume they are equal and nothing changes)."""
        t = self.config.trainer
        for group in self.optimizer.param_groups:
            group["initial_lr"] = t.lr
        # A scheduler built to resume after step last_epoch - 1 takes one step on construction:
        # it lands on the loaded step with the config's lr and schedule applied to the groups.
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, lr_lambda(t.lr_schedule, t.warmup_iterations, t.iterations), last_epoch=self.scheduler.last_epoch - 1
        )

    def train_iteration(self, iteration: int) -> dict[str, Any]:
        """One rollout-and-update iteration; returns its metrics."""
        cfg, t, a = self.config, self.config.trainer, self.config.algorithm
        seed = _derive_seed(t.seed, iteration)
        rng = np.random.default_rng(seed)
        picks = rng.choice(len(self.train_tasks), size=t.tasks_per_iteration, replace=False)
        tasks = [(self.train_tasks[int(i)], int(rng.integers(1 << 31))) for i in picks]
        self._reseed_rollouts(seed)

        start = time.perf_counter()
        groups = self.engine.run(cfg.env, tasks, env_kwargs=cfg.env_kwargs)
        rollout_s = time.perf_counter() - start
        rewards = [[episode_reward(traj.total_reward, traj.invalid_actions, a.invalid_action_penalty) for traj in g] for g in groups]
        advantages: list[list[Any]] = [group_advantages(torch.tensor(r), a.advantage, normalize_std=a.normalize_std).tolist() for r in rewards]
        informative = informative_groups(rewards)
        step_stats: dict[str, float] = {}
        if a.step_advantage_weight:
            advantages, informative, step_stats = _with_step_advantages(groups, advantages, informative, a)
        keep = informative if a.dynamic_sampling else [True] * len(groups)
        samples = build_samples(groups, advantages, keep)

        lr = self.optimizer.param_groups[0]["lr"]  # this iteration's update's
        start = time.perf_counter()
        train = self._update(samples, seed) if samples else {}
        train_s = time.perf_counter() - start
        sync_s = self.backend.sync() if samples else 0.0
        with warnings.catch_warnings():
            # The schedule advances per iteration, also when every group was skipped.
            warnings.filterwarnings("ignore", message="Detected call of `lr_scheduler.step\\(\\)` before")
            self.scheduler.step()

        trajs = [traj for g in groups for traj in g]
        generated = sum(len(turn.action_ids) for traj in trajs for turn in traj.turns)
        entropies = [e for traj in trajs for turn in traj.turns for e in (turn.action_entropies or [])]
        return {
            "iteration": iteration + 1,
            "reward_mean": float(np.mean([r for rs in rewards for r in rs])),
            "success_rate": float(np.mean([traj.success for traj in trajs])),
            "mean_turns": float(np.mean([traj.num_turns for traj in trajs])),
            "invalid_action_rate": sum(traj.invalid_actions for traj in trajs) / max(1, sum(traj.num_turns for traj in trajs)),
            "entropy": float(np.mean(entropies)) if entropies else 0.0,
            "zero_advantage_groups": 1.0 - float(np.mean(informative)),
            "trained_samples": len(samples),
            "lr": lr,
            "generated_tokens": generated,
            "rollout_tokens_per_s": generated / rollout_s if rollout_s else 0.0,
            "rollout_s": rollout_s,
            "train_s": train_s,
            "sync_s": sync_s,
            **step_stats,
            **train,
        }

    def _update(self, samples: list, seed: int) -> dict[str, float]:
        cfg, t, a = self.config, self.config.trainer, self.config.algorithm
        device = self.policy.device
        pad = self.policy.tokenizer.pad_token_id
        order_rng = random.Random(seed)
        self.model.train()
        stats: dict[str, list[float]] = {"loss": [], "clip_fraction": [], "kl_to_reference": [], "approx_kl": [], "grad_norm": []}
        trained_tokens = 0
        # The KL reference's logprobs depend only on the samples: scored once, in one weight swap.
        reference = self._reference_logprobs_per_sample(samples) if a.kl_coef else None
        for _ in range(t.ppo_epochs):
            order = list(range(len(samples)))
            order_rng.shuffle(order)
            for mb in np.array_split(np.array(order), max(1, min(t.minibatches, len(order)))):
                minibatch = [samples[int(i)] for i in mb]
                if a.loss_aggregation == "token":
                    normalizer = float(sum(sum(s.loss_mask) for s in minibatch))
                else:
                    normalizer = float(len(minibatch))
                self.optimizer.zero_grad(set_to_none=True)
                for micro in pack_micro_batches([len(s.input_ids) for s in minibatch], t.micro_batch_tokens):
                    batch = collate([minibatch[i] for i in micro], pad, device)
                    logprobs = self._logprobs(batch)
                    ref = None
                    if reference is not None:
                        ref = torch.zeros_like(logprobs)
                        for row, i in enumerate(micro):
                            lp = reference[int(mb[i])]
                            ref[row, : lp.shape[0]] = lp
                    loss, s = ppo_clip_loss(
                        logprobs,
                        batch["old_logprobs"],
                        batch["advantages"],
                        batch["loss_mask"],
                        clip_low=a.clip_low,
                        clip_high=a.clip_high,
                        aggregation=a.loss_aggregation,
                        ref_logprobs_BT=ref,
                        kl_coef=a.kl_coef,
                        normalizer=normalizer,
                    )
                    loss.backward()
                    stats["loss"].append(loss.item())
                    stats["clip_fraction"].append(s.clip_fraction)
                    stats["kl_to_reference"].append(s.kl_to_reference)
                    stats["approx_kl"].append(s.approx_kl_to_behaviour)
                    trained_tokens += int(batch["attention_mask"].sum())
                params = [p for p in self.model.parameters() if p.requires_grad]
                norm = torch.nn.utils.clip_grad_norm_(params, t.grad_clip if t.grad_clip > 0 else float("inf"))
                stats["grad_norm"].append(float(norm))
                self.optimizer.step()
        out = {k: float(np.mean(v)) for k, v in stats.items() if v}
        out["loss"] = float(np.sum(stats["loss"])) / max(1, t.ppo_epochs * max(1, min(t.minibatches, len(samples))))
        out["trained_tokens"] = trained_tokens
        return out

    def _load_or_snapshot_reference(self) -> dict[str, torch.Tensor]:
        """The KL reference: the trainable weights GRPO started from (after the SFT warm start),
        kept in ``reference.pt`` in the run directory so a resumed run uses the same one."""
        path = self.run_dir / "reference.pt"
        if path.exists():
            return torch.load(path, map_location=self.policy.device)
        if self.iteration > 0:
            warnings.warn(f"{path} is missing at iteration {self.iteration}: the KL reference is the current policy", stacklevel=2)
        reference = {n: p.detach().clone() for n, p in self.model.named_parameters() if p.requires_grad}
        staging = path.with_suffix(".tmp")
        torch.save(reference, staging)
        staging.replace(path)
        return reference

    def _logprobs(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """The model's logprobs of a collated batch's tokens at the rollout temperature, ``[B, T]``
        (the loss-masked positions; 0 elsewhere)."""
        logprobs, _ = token_logprobs(
            self.model, batch["input_ids"], batch["attention_mask"], self.config.trainer.temperature, only_BT=batch["loss_mask"]
        )
        return logprobs

    @contextmanager
    def _reference_weights(self):
        """The reference policy: the same module with the reference's trainable weights (the
        LoRA adapter, or every weight of a full fine-tune) swapped in, and the policy's own
        weights put back on exit."""
        params = dict(self.model.named_parameters())
        with torch.no_grad():
            current = {n: params[n].detach().clone() for n in self.reference}
            try:
                for name, value in self.reference.items():
                    params[name].data.copy_(value)
                yield
            finally:
                for name, value in current.items():
                    params[name].data.copy_(value)

    @torch.no_grad()
    def _reference_logprobs_per_sample(self, samples: list) -> list[torch.Tensor]:
        """The reference policy's logprobs of each sample's tokens, ``[len(input_ids)]`` each,
        scored in micro-batches of ``trainer.micro_batch_tokens`` under one weight swap."""
        pad = self.policy.tokenizer.pad_token_id
        out: list[torch.Tensor] = [torch.empty(0)] * len(samples)
        with self._reference_weights():
            for micro in pack_micro_batches([len(s.input_ids) for s in samples], self.config.trainer.micro_batch_tokens):
                ref = self._logprobs(collate([samples[i] for i in micro], pad, self.policy.device))
                for row, i in enumerate(micro):
                    out[i] = ref[row, : len(samples[i].input_ids)].clone()
        return out

    # ------------------------------------------------------------------ eval and output
    def evaluate(self) -> dict[str, Any]:
        """Held-out success of the current policy (greedy by default), with a breakdown by task
        type where the env reports one. The episodes are kept in ``out_dir/eval/iter-N``."""
        e = self.config.eval
        rollout = RolloutConfig(
            max_turns=e.max_turns or self.config.trainer.max_turns,
            context=self.config.trainer.context,
            window=self.config.trainer.window,
            sampling=SamplingParams(temperature=e.temperature, max_new_tokens=self.config.trainer.max_new_tokens),
        )
        self._reseed_rollouts(_derive_seed(self.config.trainer.seed, 10**6), rollout.sampling)
        summary = evaluate(
            self.config.env,
            self.backend.policy,
            episodes=e.episodes,
            split=self.eval_split,
            env_kwargs=self.config.env_kwargs,
            rollout=rollout,
            progress=self.progress,
            batch_size=self.config.model.max_batch_size,
            out_dir=self.run_dir / "eval" / f"iter-{self.iteration:06d}",
        )
        keys = ("success_rate", "success_rate_ci95", "mean_steps", "invalid_action_rate", "episodes")
        return {k: v for k, v in summary.items() if k in keys or k.startswith("by_")}

    def _reseed_rollouts(self, seed: int, sampling: SamplingParams | None = None) -> None:
        # The transformers policy keeps one generator; vLLM seeds each request from sampling.seed.
        reseed = getattr(self.backend.policy, "reseed", None)
        if callable(reseed):
            reseed(seed)
        else:
            (sampling or self.rollout_config.sampling).seed = seed

    def save_final(self) -> Path:
        """Save the trained policy to ``out_dir/final`` (the adapter, or the whole model)."""
        final = self.run_dir / "final"
        self.model.save_pretrained(final)
        self.policy.tokenizer.save_pretrained(final)
        return final

    def _bar(self, total: int, initial: int):
        if not self.progress:
            return None
        from tqdm.auto import tqdm

        return tqdm(total=total, initial=initial, desc="GRPO", unit="it", file=sys.stderr, dynamic_ncols=True)

    def _say(self, message: str) -> None:
        print(message, flush=True)


def _check_splits(config: RunConfig) -> tuple[Sequence[str], str]:
    """The training split's task ids and the held-out split's name (``eval.split``, or the env's
    own held-out split when it is empty); a ValueError names the splits the env has."""
    env = make_env(config.env, **config.env_kwargs)
    try:
        task_set = env.unwrapped.task_set
        names = task_set.split_names
        t, e = config.trainer, config.eval
        if t.split not in names:
            raise ValueError(f"trainer.split={t.split!r}: {config.env} has splits {names}")
        eval_split = e.split or task_set.held_out_split(t.split)
        if eval_split not in names:
            raise ValueError(f"eval.split={eval_split!r}: {config.env} has splits {names}")
        if eval_split == t.split:
            warnings.warn(
                f"{config.env} has no split besides {t.split!r}, so the held-out evals play training tasks"
                if not e.split
                else f"eval.split is the training split ({t.split!r}): the held-out evals play training tasks",
                stacklevel=3,
            )
        try:
            task_set.take(eval_split, e.episodes)
        except ValueError as err:
            raise ValueError(f"eval.episodes={e.episodes} on {config.env}: {err}") from None
        return task_set.ids(t.split), eval_split
    finally:
        env.close()


def _with_step_advantages(groups: list, episode_advantages: list[list[float]], informative: list[bool], a: Any) -> tuple[list[list[list[float]]], list[bool], dict[str, float]]:
    """GiGPO: per-turn advantages ``[group][attempt][turn]`` (the episode's plus
    ``a.step_advantage_weight`` times the step-level term), which groups carry any nonzero
    advantage (a group whose outcomes tie can still rank actions taken in a shared state), and
    the share of turns whose state another action of the group was also taken in.

    An attempt the env ended with an error takes no part in step groups: its missing rewards
    are the env's fault, not the policy's."""
    out, keep, shared, turns = [], [], 0, 0
    for group, episode, inf in zip(groups, episode_advantages, informative):
        trajs = list(group)
        keys = [[""] * t.num_turns if t.stop_reason is StopReason.ENV_ERROR else t.state_keys for t in trajs]
        shared += sum(1 for sizes in step_group_sizes(keys) for n in sizes if n > 1)
        turns += sum(len(ks) for ks in keys)
        advs = gigpo_advantages(
            episode,
            [t.rewards for t in trajs],
            [[turn.valid_action for turn in t.turns] for t in trajs],
            keys,
            weight=a.step_advantage_weight,
            gamma=a.step_gamma,
            invalid_action_penalty=a.invalid_action_penalty,
            normalize_std=a.step_normalize_std,
        )
        out.append(advs)
        keep.append(inf or any(x != 0.0 for per_turn in advs for x in per_turn))
    return out, keep, {"shared_state_turns": shared / max(1, turns)}


def _derive_seed(seed: int, iteration: int) -> int:
    return int(np.random.SeedSequence([seed, iteration]).generate_state(1)[0])
