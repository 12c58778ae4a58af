"""The GRPO trainer end to end on a tiny model: token identity, options, configs, exact resume."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

import agentgym
from agentgym.policies.tiny_model import build_tiny_model
from agentgym.train import load_config
from agentgym.train.batches import build_samples, pack_micro_batches
from agentgym.train.checkpoint import latest_checkpoint
from agentgym.train.grpo import GRPOTrainer, lr_lambda
from agentgym.train.metrics import read_metrics

ROOT = Path(__file__).resolve().parents[1]
DETERMINISTIC_KEYS = ["reward_mean", "success_rate", "mean_turns", "invalid_action_rate", "entropy", "zero_advantage_groups", "trained_samples", "generated_tokens", "loss", "clip_fraction", "approx_kl", "grad_norm", "lr"]


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    return str(build_tiny_model(tmp_path_factory.mktemp("tiny") / "model", env_ids=["agentgym/Household-v0"]))


def _overrides(model, out, **extra):
    base = {
        "model.name": model,
        "model.lora": "false",
        "out_dir": str(out),
        "trainer.iterations": 2,
        "trainer.tasks_per_iteration": 2,
        "trainer.group_size": 2,
        "trainer.max_turns": 3,
        "trainer.max_new_tokens": 6,
        "trainer.lr": 1e-3,
        "eval.episodes": 2,
        "eval.every": 0,
    }
    base.update(extra)
    return [f"{k}={v}" for k, v in base.items()]


def test_trained_tokens_are_the_generated_tokens(tiny_model, tmp_path):
    """Guards against decode/re-encode drift: every token the loss sees as a policy token is one
    the sampler produced, in order."""
    trainer = GRPOTrainer(load_config(None, _overrides(tiny_model, tmp_path)), progress=False)
    produced = []
    generate = trainer.policy.generate

    def recording(requests, sampling):
        out = generate(requests, sampling)
        produced.extend(c.token_ids for c in out)
        return out

    trainer.policy.generate = recording
    groups = trainer.engine.run(trainer.config.env, [("train-00001", 1), ("train-00002", 2)])
    samples = build_samples(groups, [[1.0, -1.0]] * 2, [True, True])
    trained = [[t for t, m in zip(s.input_ids, s.loss_mask) if m] for s in samples]
    assert sorted(map(tuple, trained)) == sorted(map(tuple, produced))
    for s in samples:  # behaviour logprobs ride along, aligned with their tokens
        assert [lp for lp, m in zip(s.old_logprobs, s.loss_mask) if m] and all(lp <= 0 for lp in s.old_logprobs)


@pytest.mark.parametrize(
    "option",
    [
        {"algorithm.advantage": "rloo"},
        {"algorithm.normalize_std": "false"},
        {"algorithm.clip_high": 0.28},
        {"algorithm.loss_aggregation": "sequence"},
        {"algorithm.dynamic_sampling": "true"},
        {"trainer.ppo_epochs": 2, "trainer.minibatches": 2, "trainer.micro_batch_tokens": 256},
        {"trainer.lr_schedule": "cosine", "trainer.warmup_iterations": 1},
        {"trainer.grad_clip": 0.0},
        {"trainer.context": "full"},
        {"algorithm.step_advantage_weight": 1.0, "algorithm.invalid_action_penalty": 0.1, "algorithm.dynamic_sampling": "true"},
        {"algorithm.step_advantage_weight": 0.5, "algorithm.step_normalize_std": "false", "algorithm.step_gamma": 0.9},
    ],
)
def test_each_option_trains(tiny_model, tmp_path, option):
    config = load_config(None, _overrides(tiny_model, tmp_path, **option))
    result = GRPOTrainer(config, progress=False).run()
    records = read_metrics(tmp_path)
    assert [r["iteration"] for r in records] == [1, 2]
    assert 0.0 <= result["eval_after"]["success_rate"] <= 1.0
    if option.get("algorithm.dynamic_sampling") == "true":
        # exactly the groups with some nonzero advantage train
        assert all((r["trained_samples"] > 0) == (r["zero_advantage_groups"] < 1.0) for r in records)
    if "algorithm.step_advantage_weight" in option:
        # every attempt at a task starts in the same state: at least the first turns share it
        assert all(0.0 < r["shared_state_turns"] <= 1.0 for r in records)
    if "trainer.lr_schedule" in option:
        assert records[0]["lr"] == pytest.approx(1e-3)  # warmup iteration 0: (0 + 1) / 1


def test_invalid_action_penalty_shapes_the_reward(tiny_model, tmp_path):
    overrides = _overrides(tiny_model, tmp_path, **{"algorithm.invalid_action_penalty": 0.5, "algorithm.dynamic_sampling": "true", "trainer.tasks_per_iteration": 3, "trainer.group_size": 3})
    GRPOTrainer(load_config(None, overrides), progress=False).run()
    records = read_metrics(tmp_path)
    for r in records:  # tiny models never succeed: the reward is the penalty alone
        assert r["success_rate"] == 0
        assert r["reward_mean"] == pytest.approx(-0.5 * r["invalid_action_rate"] * r["mean_turns"])
    assert any(r["invalid_action_rate"] > 0 for r in records)


def test_an_update_moves_logprobs_the_way_the_advantages_say(tiny_model, tmp_path):
    """One PPO update: the policy tokens of a sequence with a positive advantage become more
    likely, those of one with a negative advantage less likely (the sign of the whole path,
    from samples through the loss to the optimizer step)."""
    from agentgym.policies.transformers_policy import token_logprobs
    from agentgym.train.batches import TrainSample, collate

    config = load_config(None, _overrides(tiny_model, tmp_path, **{"trainer.temperature": 1.0}))
    trainer = GRPOTrainer(config, progress=False)
    g = torch.Generator().manual_seed(0)
    vocab = trainer.model.config.vocab_size
    seqs = [torch.randint(3, vocab, (24,), generator=g).tolist() for _ in range(2)]
    mask = [0] * 16 + [1] * 8

    def policy_logprob_sums():
        batch = collate([TrainSample(s, mask, [0.0] * 24, 0.0, 0) for s in seqs], 0, "cpu")
        with torch.no_grad():
            lp, _ = token_logprobs(trainer.model, batch["input_ids"], batch["attention_mask"], 1.0)
        return [(row * batch["loss_mask"][i]).sum().item() for i, row in enumerate(lp)], lp

    before, lp = policy_logprob_sums()
    samples = [TrainSample(s, mask, (lp[i] * torch.tensor(mask)).tolist(), adv, i) for i, (s, adv) in enumerate(zip(seqs, [1.0, -1.0]))]
    trainer._update(samples, seed=0)
    after, _ = policy_logprob_sums()
    assert after[0] > before[0] + 1e-3, (before, after)
    assert after[1] < before[1] - 1e-3, (before, after)


def test_kl_to_reference_with_lora(tiny_model, tmp_path):
    config = load_config(None, _overrides(tiny_model, tmp_path, **{"model.lora": "true", "algorithm.kl_coef": 0.1, "trainer.iterations": 3, "trainer.lr": 0.05}))
    GRPOTrainer(config, progress=False).run()
    records = read_metrics(tmp_path)
    assert records[0]["kl_to_reference"] == pytest.approx(0.0, abs=1e-6)  # the first update starts at the reference
    assert (tmp_path / "reference.pt").exists()
    assert (tmp_path / "final" / "adapter_config.json").exists()


def test_kl_reference_is_the_policy_after_the_sft_warm_start(tiny_model, tmp_path):
    """Guards against a reference that ignores the warm start (the base model with adapters off):
    after SFT moved the adapter, the reference holds the SFT weights, not zeros, and the KL of
    the first update is 0."""
    overrides = _overrides(tiny_model, tmp_path, **{"model.lora": "true", "algorithm.kl_coef": 0.1, "trainer.iterations": 1, "sft.demos": 2, "sft.epochs": 1, "sft.lr": 0.01})
    trainer = GRPOTrainer(load_config(None, overrides), progress=False)
    trainer.run()
    reference = torch.load(tmp_path / "reference.pt")
    lora_b = [v for n, v in reference.items() if "lora_B" in n]
    assert lora_b and any(float(v.abs().max()) > 0 for v in lora_b)  # LoRA's B starts at zero; SFT moved it
    assert read_metrics(tmp_path)[0]["kl_to_reference"] == pytest.approx(0.0, abs=1e-6)


def test_reference_logprobs_come_from_the_reference_weights(tiny_model, tmp_path):
    """After the policy moved, the reference pass scores with the reference weights, and the
    policy's own weights are back in place afterwards."""
    from agentgym.policies.transformers_policy import token_logprobs
    from agentgym.train.batches import collate

    trainer = GRPOTrainer(load_config(None, _overrides(tiny_model, tmp_path, **{"model.lora": "true", "algorithm.kl_coef": 0.1})), progress=False)
    trainer.reference = trainer._load_or_snapshot_reference()
    groups = trainer.engine.run(trainer.config.env, [("train-00001", 1)])
    samples = build_samples(groups, [[1.0] * len(groups[0])], [True])
    batch = collate(samples[:2], trainer.policy.tokenizer.pad_token_id, trainer.policy.device)

    def policy_logprobs():
        with torch.no_grad():
            return token_logprobs(trainer.model, batch["input_ids"], batch["attention_mask"], trainer.config.trainer.temperature, only_BT=batch["loss_mask"])[0]

    at_reference = policy_logprobs()
    with torch.no_grad():
        for name, p in trainer.model.named_parameters():
            if p.requires_grad:
                p.add_(0.05 * torch.randn_like(p))
    moved = policy_logprobs()
    assert not torch.allclose(moved, at_reference, atol=1e-4)
    with torch.no_grad(), trainer._reference_weights():
        assert torch.allclose(trainer._logprobs(batch), at_reference, atol=1e-5)
    assert torch.allclose(policy_logprobs(), moved, atol=1e-6)  # the moved weights are restored


def test_reference_is_scored_once_per_update(tiny_model, tmp_path):
    """The reference's logprobs depend only on the samples: one weight swap per update, not one
    per micro-batch and PPO epoch, giving each sample what a batch pass gives it."""
    from agentgym.train.batches import collate

    overrides = {"model.lora": "true", "algorithm.kl_coef": 0.1, "trainer.ppo_epochs": 2, "trainer.minibatches": 2, "trainer.micro_batch_tokens": 64}
    trainer = GRPOTrainer(load_config(None, _overrides(tiny_model, tmp_path, **overrides)), progress=False)
    trainer.reference = trainer._load_or_snapshot_reference()
    groups = trainer.engine.run(trainer.config.env, [("train-00001", 1), ("train-00002", 2)])
    samples = build_samples(groups, [[1.0, -1.0] * (len(g) // 2) for g in groups], [True, True])
    per_sample = trainer._reference_logprobs_per_sample(samples)
    batch = collate(samples, trainer.policy.tokenizer.pad_token_id, trainer.policy.device)
    with torch.no_grad(), trainer._reference_weights():
        together = trainer._logprobs(batch)
    for i, s in enumerate(samples):
        assert per_sample[i].shape == (len(s.input_ids),)
        assert torch.allclose(per_sample[i], together[i, : len(s.input_ids)], atol=1e-5)

    swaps = []
    swap = trainer._reference_weights
    trainer._reference_weights = lambda: swaps.append(1) or swap()
    for group in trainer.optimizer.param_groups:
        group["lr"] = 0.0  # the policy stays at the reference: any KL would be a sample mix-up
    stats = trainer._update(samples, seed=0)
    assert len(swaps) == 1
    assert stats["kl_to_reference"] == pytest.approx(0.0, abs=1e-5)


def test_lr_schedules_by_hand():
    assert [lr_lambda("linear", 0, 4)(i) for i in range(4)] == [1.0, 0.75, 0.5, 0.25]
    assert lr_lambda("cosine", 0, 4)(2) == pytest.approx(0.5)
    assert [lr_lambda("constant", 2, 10)(i) for i in range(3)] == [0.5, 1.0, 1.0]


def test_micro_batches_respect_the_token_budget():
    assert pack_micro_batches([10, 10, 10, 30, 5], 30) == [[0, 1, 2], [3], [4]]
    assert pack_micro_batches([50], 10) == [[0]]


def test_every_shipped_config_loads():
    configs = sorted((ROOT / "configs").glob("*.yaml"))
    assert configs
    for path in configs:
        config = load_config(path)
        assert config.trainer.iterations > 0


def test_config_overrides_and_errors(tmp_path):
    config = load_config(None, ["trainer.lr=1e-5", "algorithm.dynamic_sampling=true", "env_kwargs.difficulty=hard"])
    assert config.trainer.lr == 1e-5 and config.algorithm.dynamic_sampling is True and config.env_kwargs == {"difficulty": "hard"}
    with pytest.raises(ValueError, match="unknown config key"):
        load_config(None, ["trainer.learning_rate=1"])
    with pytest.raises(ValueError, match="must be int"):
        load_config(None, ["trainer.iterations=many"])
    config.save(tmp_path / "c.yaml")
    assert load_config(tmp_path / "c.yaml") == config


def test_unknown_rollout_backend_is_named(tmp_path):
    from agentgym.train.rollout_backend import build_rollout_backend

    with pytest.raises(ValueError, match="rollout.backend must be one of .*vllm-server"):
        load_config(None, ["rollout.backend=sglang"])
    # A config built in code skips the loader's check; the backend factory still names the choices.
    config = load_config(None)
    config.rollout.backend = "sglang"
    with pytest.raises(ValueError, match="rollout.backend must be one of .*vllm-server"):
        build_rollout_backend(config, trained=None, run_dir=tmp_path)


def _train_cmd(model, out, iterations):
    return [sys.executable, "-m", "agentgym", "train", "--no-progress", *_overrides(model, out, **{"trainer.iterations": iterations, "model.lora": "true"})]


def test_killed_run_resumes_exactly(tiny_model, tmp_path):
    """Kill -9 after the second checkpoint; the resumed run's later iterations equal an
    uninterrupted run's (same seed), metric for metric."""
    reference = tmp_path / "reference"
    subprocess.run(_train_cmd(tiny_model, reference, 4), check=True, capture_output=True, timeout=600)
    killed = tmp_path / "killed"
    proc = subprocess.Popen(_train_cmd(tiny_model, killed, 4), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 300
    while not (killed / "checkpoints" / "iter-000002").exists():
        assert proc.poll() is None, "the run ended before it could be killed"
        assert time.time() < deadline
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    out = subprocess.run(_train_cmd(tiny_model, killed, 4), check=True, capture_output=True, text=True, timeout=600)
    assert "resumed from" in out.stdout
    ref, res = read_metrics(reference), read_metrics(killed)
    assert [r["iteration"] for r in res] == [1, 2, 3, 4]
    for a, b in zip(ref[2:], res[2:]):
        for key in DETERMINISTIC_KEYS:
            assert a.get(key) == pytest.approx(b.get(key), rel=1e-6, abs=1e-9), (a["iteration"], key)
    summary = json.loads((killed / "checkpoints" / "latest").read_text() and (killed / "checkpoints" / (killed / "checkpoints" / "latest").read_text().strip() / "state.json").read_text())
    assert summary["eval_after"]["episodes"] == 2


def test_a_finished_run_extended_with_more_iterations_is_evaluated_again(tiny_model, tmp_path):
    """Guards against a stale held-out figure: rerunning a finished run with a larger
    ``trainer.iterations`` trains on and evaluates the policy it ends with; rerunning it
    unchanged trains and evaluates nothing."""
    first = GRPOTrainer(load_config(None, _overrides(tiny_model, tmp_path, **{"trainer.iterations": 1})), progress=False).run()
    assert first["eval_after"]["iteration"] == 1
    extended = GRPOTrainer(load_config(None, _overrides(tiny_model, tmp_path, **{"trainer.iterations": 2})), progress=False)
    evaluated = []
    evaluate = extended.evaluate
    extended.evaluate = lambda: evaluated.append(1) or evaluate()
    assert extended.run()["eval_after"]["iteration"] == 2
    assert evaluated == [1]
    assert [r["iteration"] for r in read_metrics(tmp_path)] == [1, 2]
    again = GRPOTrainer(load_config(None, _overrides(tiny_model, tmp_path, **{"trainer.iterations": 2})), progress=False)
    again.evaluate = lambda: pytest.fail("a finished run was evaluated again")
    result = again.run()
    assert result["eval_after"]["iteration"] == 2
    # every held-out eval keeps its episodes, and the summary breaks success down by task type
    for it in (0, 1, 2):
        assert len(agentgym.read_jsonl(tmp_path / "eval" / f"iter-{it:06d}" / "episodes.jsonl")) == 2
    assert sum(row["episodes"] for row in result["eval_after"]["by_task_type"].values()) == 2


def test_a_run_started_from_a_checkpoint_uses_its_own_learning_rate(tiny_model, tmp_path):
    """Guards against the optimizer state of a copied checkpoint silently overriding
    ``trainer.lr`` (a run continued from another run's checkpoint with a new learning rate)."""
    first = tmp_path / "first"
    GRPOTrainer(load_config(None, _overrides(tiny_model, first, **{"trainer.iterations": 1, "trainer.lr": 3e-4})), progress=False).run()
    second = tmp_path / "second"
    import shutil

    shutil.copytree(first / "checkpoints", second / "checkpoints")
    overrides = _overrides(tiny_model, second, **{"trainer.iterations": 2, "trainer.lr": 2e-3, "trainer.lr_schedule": "linear"})
    GRPOTrainer(load_config(None, overrides), progress=False).run()
    last = read_metrics(second)[-1]
    assert last["iteration"] == 2
    # Linear to zero over 2 iterations: iteration 2 trains at half the peak.
    assert last["lr"] == pytest.approx(2e-3 * lr_lambda("linear", 0, 2)(1))


def test_eval_max_turns_overrides_the_training_limit(tiny_model, tmp_path):
    """``eval.max_turns`` caps held-out episodes on its own; 0 falls back to ``trainer.max_turns``
    (household tasks take at least 2 actions, so an uncapped eval episode has 2 or more)."""
    turns = {}
    for eval_turns in (0, 1):
        out = tmp_path / f"eval{eval_turns}"
        overrides = _overrides(tiny_model, out, **{"trainer.max_turns": 4, "eval.max_turns": eval_turns})
        trainer = GRPOTrainer(load_config(None, overrides), progress=False)
        trainer.evaluate()
        episodes = agentgym.read_jsonl(out / "eval" / "iter-000000" / "episodes.jsonl")
        turns[eval_turns] = [t.num_turns for t in episodes]
    assert max(turns[1]) == 1
    assert min(turns[0]) >= 2 and max(turns[0]) <= 4


@pytest.mark.parametrize("bad", [{"algorithm.step_advantage_weight": -1.0}, {"algorithm.step_gamma": 1.5}])
def test_bad_step_advantage_settings_fail_before_any_rollout(tiny_model, tmp_path, bad):
    with pytest.raises(ValueError, match="step_gamma"):
        GRPOTrainer(load_config(None, _overrides(tiny_model, tmp_path, **bad)), progress=False)


def test_a_run_killed_during_its_first_eval_keeps_the_sft(tiny_model, tmp_path, monkeypatch):
    """The warm start is checkpointed before the held-out eval that follows it: a run that dies
    in that eval resumes with the trained SFT weights and does not train them again."""
    import agentgym.train.sft as sft

    calls = []
    real_warm_start = sft.warm_start
    monkeypatch.setattr(sft, "warm_start", lambda *a, **k: calls.append(1) or real_warm_start(*a, **k))
    overrides = _overrides(tiny_model, tmp_path, **{"trainer.iterations": 1, "sft.demos": 2, "sft.epochs": 1, "sft.lr": 0.01})

    def failing_eval():
        raise RuntimeError("the eval server went away")

    first = GRPOTrainer(load_config(None, overrides), progress=False)
    monkeypatch.setattr(first, "evaluate", failing_eval)
    with pytest.raises(RuntimeError, match="went away"):
        first.run()
    assert calls == [1]
    saved = json.loads((latest_checkpoint(tmp_path) / "state.json").read_text())
    assert saved["iteration"] == 0 and "sft" in saved and "eval_before" not in saved
    sft_weights = {k: v.clone() for k, v in first.model.state_dict().items()}

    second = GRPOTrainer(load_config(None, overrides), progress=False)
    evaluated_weights = []
    real_evaluate = second.evaluate
    monkeypatch.setattr(second, "evaluate", lambda: evaluated_weights.append({k: v.clone() for k, v in second.model.state_dict().items()}) or real_evaluate())
    result = second.run()
    assert calls == [1]  # not trained again
    assert result["sft"] == saved["sft"] and "success_rate" in result["eval_before"]
    for key, value in sft_weights.items():  # the first eval saw the saved SFT weights
        assert torch.equal(evaluated_weights[0][key], value), key
