#!/usr/bin/env bash
# The main job: installs what is missing, builds Vigil and classifies the bundled sample frames
# (Fashion-MNIST test images as PNG and JPEG) with the shipped model.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash Tools/setup.sh
swift build -c release --product vigil >&2
vigil="$(swift build -c release --show-bin-path)/vigil"
model=weights/fashion-mnist/mobilevigv2-fmnist
"$vigil" classify --checkpoint "$model.safetensors" --config "$model.config.json" \
  --labels weights/fashion-mnist/labels.txt --top 3 Tests/Fixtures/samples/*.png Tests/Fixtures/samples/*.jpg
