"""Typed run configuration: dataclasses with a docstring per field, loadable from YAML and
overridable on the command line as ``section.field=value`` (``trainer.lr=1e-5``).

Every run directory holds the resolved config as ``config.yaml``.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence, get_type_hints

import yaml

__all__ = [
    "ModelConfig",
    "RolloutBackendConfig",
    "AlgorithmConfig",
    "TrainerConfig",
    "SFTConfig",
    "EvalConfig",
    "RunConfig",
    "load_config",
    "apply_overrides",
]

#: The rollout backends a run can use.
ROLLOUT_BACKENDS = ("transformers", "vllm-server", "vllm-inprocess")

#: The allowed values of the config's choice fields, checked when a config is loaded (so a typo
#: fails before the model loads, not minutes into a run). ``algorithm.advantage`` lists the keys
#: of :data:`agentgym.algorithms.ADVANTAGE_ESTIMATORS` (a test keeps the two equal).
CHOICES: dict[str, tuple[str, ...]] = {
    "model.dtype": ("float32", "bfloat16", "float16", "float64"),
    "rollout.backend": ROLLOUT_BACKENDS,
    "algorithm.advantage": ("grpo", "rloo"),
    "algorithm.loss_aggregation": ("token", "sequence"),
    "trainer.lr_schedule": ("constant", "linear", "cosine"),
    "trainer.context": ("full", "window"),
}


@dataclass
class ModelConfig:
    """The policy model."""

    name: str = "smollm2-135m"
    """A model spec: a known packaged model, a local directory, or a hub name."""
    lora: bool = True
    """Train LoRA adapters (peft) instead of every weight."""
    lora_rank: int = 16
    """LoRA rank r."""
    lora_alpha: int = 32
    """LoRA alpha (scale = alpha / rank)."""
    lora_top_layers: int = 0
    """Adapt only the top k layers (0: all); the backward pass then stops there, which is much
    cheaper on a CPU."""
    device: str = "cpu"
    """``cpu``, ``cuda`` or ``auto``."""
    dtype: str = "float32"
    """Weights' dtype."""
    max_batch_size: int = 32
    """The most sequences sampled in one forward pass."""


@dataclass
class RolloutBackendConfig:
    """What generates the rollouts (and the held-out evals); the trainer always trains with
    transformers and syncs the new weights to this backend after each update."""

    backend: str = "transformers"
    """``transformers`` (the trained model itself), ``vllm-server`` (a vLLM OpenAI-compatible
    server on 127.0.0.1, started by the run; LoRA adapters are hot-loaded, full weights
    reloaded in place) or ``vllm-inprocess`` (vLLM's engine in this process; needs ``vllm``
    importable here)."""
    vllm_python: str = ""
    """The vLLM venv's interpreter for ``vllm-server`` (empty: ``$AGENTGYM_VLLM_PYTHON`` or
    ``.venv-vllm``)."""
    vllm_base_url: str = ""
    """Use a vLLM server that is already running instead of starting one; it must serve
    ``model.name`` with runtime LoRA updates (or dev mode for full weights) and read the run
    directory."""
    max_model_len: int = 4096
    """The longest sequence vLLM serves (prompt + action)."""
    kv_cache_gib: int = 1
    """vLLM's KV cache on CPU, in whole GiB."""
    gpu_memory_utilization: float = 0.0
    """The share of GPU memory vLLM takes (0: vLLM's default). On one GPU shared with the
    trainer, leave room for training."""
    keep_versions: int = 2
    """Weight versions kept on disk under ``out_dir/sync`` (each sync writes a new one)."""


@dataclass
class AlgorithmConfig:
    """The GRPO family: advantages, loss, and which groups train."""

    advantage: str = "grpo"
    """``grpo`` (group mean baseline) or ``rloo`` (leave-one-out baseline)."""
    normalize_std: bool = True
    """Divide GRPO advantages by the group's reward std (False: mean-only, as Dr. GRPO)."""
    clip_low: float = 0.2
    """The ratio's lower clip: 1 - clip_low."""
    clip_high: float = 0.2
    """The ratio's upper clip: 1 + clip_high (above clip_low is DAPO's clip-higher)."""
    loss_aggregation: str = "token"
    """``token`` (mean over all policy tokens) or ``sequence`` (mean of per-sequence means)."""
    kl_coef: float = 0.0
    """KL penalty (k3 estimator) to the policy GRPO starts from, after the SFT warm start; 0 turns
    it off. Its weights are kept in the run directory's ``reference.pt``."""
    dynamic_sampling: bool = False
    """Skip groups whose advantages are all zero (they carry no gradient): groups whose rewards
    are all equal, unless step advantages rank their actions. The metric
    ``zero_advantage_groups`` is the share of such groups."""
    invalid_action_penalty: float = 0.0
    """Subtracted from an episode's reward per invalid action (0: outcome reward only); see
    :func:`agentgym.algorithms.episode_reward`."""
    step_advantage_weight: float = 0.0
    """GiGPO's step-level credit: each action's advantage is the episode's plus this weight times
    a step advantage, which compares the discounted returns of the group's actions taken in the
    same env state (equal ``state_key``); 0 turns it off (plain GRPO). See
    :mod:`agentgym.algorithms.step_advantages`."""
    step_gamma: float = 0.95
    """Discount of the per-turn returns that step advantages compare."""
    step_normalize_std: bool = True
    """Divide step advantages by their step group's return std (False: mean-only). With an
    invalid-action penalty, groups whose attempts all fail differ only by discounted penalties,
    and the std division scales those differences up to the size of a success's."""


@dataclass
class TrainerConfig:
    """The optimisation loop."""

    iterations: int = 20
    """Rollout-then-update iterations."""
    tasks_per_iteration: int = 4
    """B: tasks sampled per iteration."""
    group_size: int = 4
    """G: attempts per task."""
    lr: float = 1e-4
    """Peak learning rate (AdamW)."""
    lr_schedule: str = "constant"
    """``constant``, ``linear`` (to 0) or ``cosine`` (to 0), after warmup."""
    warmup_iterations: int = 0
    """Linear warmup, in iterations."""
    weight_decay: float = 0.0
    """AdamW weight decay."""
    ppo_epochs: int = 1
    """Passes over each iteration's batch."""
    minibatches: int = 1
    """Optimizer steps per epoch (the batch is split into this many minibatches)."""
    micro_batch_tokens: int = 4096
    """Token budget of one forward/backward pass (micro-batches are packed up to it)."""
    grad_clip: float = 1.0
    """Clip the gradient's global norm to this (0 turns it off)."""
    temperature: float = 0.8
    """Sampling temperature for rollouts (the loss uses the same)."""
    max_new_tokens: int = 24
    """Longest action, in tokens."""
    max_turns: int = 12
    """Actions per episode during training."""
    context: str = "window"
    """``full`` history or a ``window`` of the last turns."""
    window: int = 3
    """Turns kept in window mode."""
    seed: int = 0
    """Seeds task sampling, sampling and initialisation."""
    save_every: int = 1
    """Checkpoint every this many iterations (the last one is always saved)."""
    split: str = "train"
    """The split training tasks come from."""


@dataclass
class EvalConfig:
    """Held-out evaluation during and after training."""

    every: int = 5
    """Evaluate every this many iterations (0: only before and after)."""
    episodes: int = 20
    """Tasks per evaluation."""
    split: str = ""
    """The held-out split (empty: the env's own, ``test-seen`` for the household env and ``test``
    for most others; see :meth:`agentgym.TaskSet.held_out_split`)."""
    temperature: float = 0.0
    """0 is greedy decoding."""
    max_turns: int = 0
    """Actions per held-out episode (0: ``trainer.max_turns``). Training with more turns than
    the eval allows lets rollouts finish long tasks after a wasted turn or two, and so sample
    successes to learn from, while the eval stays as strict as before."""


@dataclass
class SFTConfig:
    """Supervised warm start on the env's oracle demonstrations."""

    demos: int = 0
    """Oracle episodes to collect; 0 skips the warm start."""
    epochs: int = 2
    """Passes over the demonstrations."""
    lr: float = 5e-4
    """Learning rate."""
    batch_tokens: int = 4096
    """Tokens per optimizer step."""


@dataclass
class RunConfig:
    """A whole training run."""

    env: str = "agentgym/HouseholdEasy-v0"
    """The registered env to train on."""
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    """Constructor arguments of the env."""
    out_dir: str = "runs/grpo"
    """The run directory (config, metrics, checkpoints)."""
    model: ModelConfig = field(default_factory=ModelConfig)
    rollout: RolloutBackendConfig = field(default_factory=RolloutBackendConfig)
    algorithm: AlgorithmConfig = field(default_factory=AlgorithmConfig)
    trainer: TrainerConfig = field(default_factory=TrainerConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    sft: SFTConfig = field(default_factory=SFTConfig)

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (what ``config.yaml`` holds)."""
        return dataclasses.asdict(self)

    def save(self, path: str | Path) -> None:
        """Write the config as YAML."""
        Path(path).write_text(yaml.safe_dump(self.to_dict(), sort_keys=False))


def _build(cls: type, data: dict[str, Any], where: str) -> Any:
    hints = get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(str(key) for key in set(data) - set(names))  # YAML keys may be numbers
    if unknown:
        section = f"section {where.rstrip('.')!r}" if where else "the top level"
        hints_text = "".join(
            f" ({where}{key}: did you mean {where}{close[0]}?)" for key in unknown if (close := difflib.get_close_matches(key, names, n=1))
        )
        raise ValueError(f"unknown config key(s) {unknown} in {section}{hints_text}; expected one of {sorted(names)}")
    kwargs = {}
    for key, value in data.items():
        hint = hints[key]
        if dataclasses.is_dataclass(hint):
            if not isinstance(value, dict):
                raise ValueError(f"{where}{key} must be a mapping, got {value!r}")
            kwargs[key] = _build(hint, value, f"{where}{key}.")
        else:
            kwargs[key] = _coerce(value, hint, f"{where}{key}")
    return cls(**kwargs)


def _coerce(value: Any, hint: Any, name: str) -> Any:
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is float and isinstance(value, str):
        try:
            return float(value)  # YAML 1.1 reads "1e-5" (no dot) as a string
        except ValueError:
            pass
    # bool is an int in Python: `trainer.iterations=true` must not pass as 1.
    if hint in (int, float, str, bool) and (not isinstance(value, hint) or (hint is not bool and isinstance(value, bool))):
        raise ValueError(f"{name} must be {hint.__name__}, got {value!r}")
    if getattr(hint, "__origin__", None) is dict and not isinstance(value, dict):
        raise ValueError(f"{name} must be a mapping (name: value), got {value!r}")
    allowed = CHOICES.get(name)
    if allowed is not None and value not in allowed:
        raise ValueError(f"{name} must be one of {list(allowed)}, got {value!r}")
    return value


def apply_overrides(data: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """Apply ``a.b=value`` strings to a nested dict (values parsed as YAML scalars)."""
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ValueError(f"overrides look like section.field=value, got {item!r}")
        node = data
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ValueError(f"{key}: {part} is not a section")
        node[parts[-1]] = yaml.safe_load(raw)
    return data


def load_config(path: str | Path | None = None, overrides: Sequence[str] = ()) -> RunConfig:
    """The defaults, updated by a YAML file, updated by ``key=value`` overrides.

    Raises:
        ValueError: the file is missing or not YAML, or a key, type or choice is wrong; the
            message names the file or the key.
    """
    data: dict[str, Any] = RunConfig().to_dict()
    if path is not None:
        path = Path(path)
        try:
            with path.open(encoding="utf-8") as fh:  # a stream: YAML errors then name the file
                loaded = yaml.safe_load(fh) or {}
        except OSError as exc:
            raise ValueError(f"cannot read the config file {str(path)!r}: {exc.strerror or exc}") from None
        except yaml.YAMLError as exc:
            raise ValueError(f"the config file is not valid YAML: {exc}") from None
        if not isinstance(loaded, dict):
            raise ValueError(f"{path} must hold a mapping of config sections")
        _merge(data, loaded)
    apply_overrides(data, overrides)
    return _build(RunConfig, data, "")


def _merge(base: dict[str, Any], update: dict[str, Any]) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict) and key != "env_kwargs":
            _merge(base[key], value)
        else:
            base[key] = value
