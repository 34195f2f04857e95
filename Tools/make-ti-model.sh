#!/usr/bin/env bash
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
#
# Makes a full-size MobileViGv2-Ti int8 model (224x224, 1000 classes) for the firmware's
# photo check, and runs that check:
#   Tools/make-ti-model.sh [CHECKPOINT.pth | --random]
# --random (what Tools/test.sh runs) writes a seeded random-weight Ti checkpoint with
# Tools/make-random-checkpoint.py (numpy only), so the check needs no PyTorch. Without an
# argument the checkpoint is .golden-full/ti/ti.full.pth, which
#   .venv-tools/bin/python Tools/make-golden.py --reference DIR --full .golden-full --variants ti
# writes (Tools/setup-python.sh makes the venv; the weights are the reference network's seeded
# random initialisation: no trained Ti weights can be downloaded here). The model is calibrated
# with minmax on 4 opencv-doc photos into build/ti/ti.vigil, then
#   Tools/firmware-check.sh --ti build/ti/ti.vigil --photos /usr/share/doc/opencv-doc/examples/data
# compares the board's logits on 8 photos with the host's under qemu (about a minute).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
checkpoint="${1:-.golden-full/ti/ti.full.pth}"
photos=/usr/share/doc/opencv-doc/examples/data
if [[ "$checkpoint" == --random ]]; then
  python3 -c 'import numpy' 2>/dev/null || python3 -m pip install -q numpy
  mkdir -p build/ti
  checkpoint=build/ti/ti-random.safetensors
  python3 Tools/make-random-checkpoint.py ti "$checkpoint" --seed 7
fi
[[ -f "$checkpoint" ]] || { echo "make-ti-model: no checkpoint '$checkpoint' (see the comment at the top of $0)" >&2; exit 1; }
[[ -d "$photos" ]] || { echo "make-ti-model: no $photos: apt-get install opencv-doc" >&2; exit 1; }
swift build --product vigil
vigil="$(swift build --show-bin-path)/vigil"
mkdir -p build/ti
"$vigil" quantize --checkpoint "$checkpoint" --variant ti --calib "$photos" --calib-count 4 \
  --method minmax -o build/ti/ti.vigil
bash Tools/firmware-check.sh --ti build/ti/ti.vigil --photos "$photos"
