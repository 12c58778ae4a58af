"""The run config loader's errors (each names the key or file and what is allowed) and the
held-out split a run or an eval picks when none is given."""

import pytest

from agentgym.algorithms import ADVANTAGE_ESTIMATORS
from agentgym.env import TaskSet
from agentgym.train.config import CHOICES, load_config
from agentgym.train.grpo import GRPOTrainer, _check_splits


@pytest.mark.parametrize(
    "override, message",
    [
        ("trainer.lrr=1", r"unknown config key\(s\) \['lrr'\] in section 'trainer' \(trainer.lrr: did you mean trainer.lr\?\)"),
        ("foo=1", r"unknown config key\(s\) \['foo'\] in the top level; expected one of \['algorithm'"),
        ("trainer.iterations=true", r"trainer.iterations must be int, got True"),
        ("trainer.lr=abc", r"trainer.lr must be float, got 'abc'"),
        ("eval.every=false", r"eval.every must be int, got False"),
        ("env_kwargs=5", r"env_kwargs must be a mapping"),
        ("algorithm.advantage=rlo", r"algorithm.advantage must be one of \['grpo', 'rloo'\], got 'rlo'"),
        ("algorithm.loss_aggregation=mean", r"algorithm.loss_aggregation must be one of \['token', 'sequence'\]"),
        ("trainer.lr_schedule=cosin", r"trainer.lr_schedule must be one of \['constant', 'linear', 'cosine'\]"),
        ("trainer.context=all", r"trainer.context must be one of \['full', 'window'\]"),
        ("model.dtype=fp32", r"model.dtype must be one of \['float32'"),
    ],
)
def test_a_wrong_override_is_named_with_what_is_allowed(override, message):
    with pytest.raises(ValueError, match=message):
        load_config(None, [override])


def test_the_advantage_choices_are_the_estimators():
    assert set(CHOICES["algorithm.advantage"]) == set(ADVANTAGE_ESTIMATORS)


def test_non_string_yaml_keys_are_named(tmp_path):
    path = tmp_path / "numbers.yaml"
    path.write_text("trainer:\n  1: 2\n  lrr: 3\n")
    with pytest.raises(ValueError, match=r"unknown config key\(s\) \['1', 'lrr'\] in section 'trainer'"):
        load_config(path)


def test_a_missing_or_broken_config_file_is_named(tmp_path):
    with pytest.raises(ValueError, match=r"cannot read the config file '.*nope.yaml'"):
        load_config(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("trainer: [1,\n")
    with pytest.raises(ValueError, match=r"not valid YAML(.|\n)*broken.yaml"):
        load_config(broken)
    listed = tmp_path / "list.yaml"
    listed.write_text("- 1\n")
    with pytest.raises(ValueError, match="must hold a mapping"):
        load_config(listed)


def test_held_out_split_prefers_test_names_then_any_other_split():
    assert TaskSet({"train": ["a"], "test-unseen": ["b"], "test-seen": ["c"]}).held_out_split() == "test-seen"
    assert TaskSet({"train": ["a"], "test": ["b"]}).held_out_split() == "test"
    assert TaskSet({"train": ["a"], "holdout": ["b"]}).held_out_split() == "holdout"
    assert TaskSet({"easy": ["a"], "hard": ["b"]}).held_out_split("easy") == "hard"
    assert TaskSet({"train": ["a"]}).held_out_split() == "train"
    # never the training split while another exists
    assert TaskSet({"train": ["a"], "test-seen": ["b"], "test": ["c"]}).held_out_split("test-seen") == "test"
    assert TaskSet({"test": ["a"], "extra": ["b"]}).held_out_split("test") == "extra"


def test_take_gives_the_first_ids_or_says_how_many_there_are():
    tasks = TaskSet({"train": ["a", "b", "c"], "test": ["d"]})
    assert tasks.take("train", 2) == ["a", "b"]
    assert tasks.take("test", 0) == []
    with pytest.raises(ValueError, match=r"split 'test' has 1 tasks; asked for 2"):
        tasks.take("test", 2)
    with pytest.raises(KeyError, match="this env has splits"):
        tasks.take("nope", 1)


def test_an_eval_on_training_tasks_is_warned_about():
    with pytest.warns(UserWarning, match="held-out evals play training tasks"):
        _check_splits(load_config(None, ["eval.split=train"]))


@pytest.mark.parametrize("env, split", [("agentgym/HouseholdEasy-v0", "test-seen"), ("agentgym/Shop-v0", "test"), ("agentgym/Search-v0", "test")])
def test_a_run_evaluates_on_the_envs_own_held_out_split(env, split):
    train_tasks, eval_split = _check_splits(load_config(None, [f"env={env}"]))
    assert eval_split == split and len(train_tasks) > 0
    with pytest.warns(UserWarning, match="training split"):  # an explicit split is kept, with a warning here
        assert _check_splits(load_config(None, [f"env={env}", "eval.split=train"]))[1] == "train"


@pytest.mark.parametrize(
    "override, message",
    [
        ("trainer.split=nope", r"trainer.split='nope': agentgym/HouseholdEasy-v0 has splits \['train', 'test-seen', 'test-unseen'\]"),
        ("eval.split=nope", r"eval.split='nope': .* has splits"),
        ("eval.episodes=1000000", r"eval.episodes=1000000 on .*: split 'test-seen' has \d+ tasks; asked for 1000000"),
    ],
)
def test_a_wrong_split_fails_before_the_model_loads(override, message, tmp_path):
    # model.name names no model at all: reaching the model load would raise another error.
    config = load_config(None, [override, "model.name=/nonexistent/model", f"out_dir={tmp_path}"])
    with pytest.raises(ValueError, match=message):
        GRPOTrainer(config, progress=False)


def test_sft_eval_split_reaches_the_config(monkeypatch, capsys):
    """`agentgym sft --eval-split` sets eval.split, even for a name YAML would read as a bool."""
    from agentgym.cli import main as cli

    seen = {}

    class Stop(Exception):
        pass

    def fake_trainer(config, progress=True):
        seen["split"] = config.eval.split
        raise Stop

    monkeypatch.setattr("agentgym.train.grpo.GRPOTrainer", fake_trainer)
    for split in ("test-unseen", "no"):
        with pytest.raises(Stop):
            cli._cmd_sft(cli.build_parser().parse_args(["sft", "HouseholdEasy-v0", "--eval-split", split]))
        assert seen["split"] == split
