#!/usr/bin/env bash
# Creates the ignored virtual environment .venv-tools/ with PyTorch and friends, for the
# scripts in Tools/ only (golden fixtures, training, peer benchmarks). The product and its
# tests never need it. Idempotent: a second run only checks that the imports work.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv-tools"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import torch, torchvision, timm, safetensors, onnx, onnxruntime, PIL' 2>/dev/null; then
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet torch torchvision timm safetensors numpy pillow onnx onnxruntime
fi
"$venv/bin/python" -c 'import torch, timm; print("torch", torch.__version__, "timm", timm.__version__)'
