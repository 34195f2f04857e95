#!/usr/bin/env bash
# The main job: installs what is missing, builds Vigil and classifies the bundled sample frames
# (Fashion-MNIST test images as PNG and JPEG, Tests/Fixtures/samples) with the shipped int8
# model, then shows its plan and latency.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash Tools/setup.sh
swift build -c release --product vigil >&2
vigil="$(swift build -c release --show-bin-path)/vigil"
model=weights/fashion-mnist/mobilevigv2-fmnist.vigil
"$vigil" classify "$model" --top 3 Tests/Fixtures/samples/*.png Tests/Fixtures/samples/*.jpg
echo
"$vigil" inspect "$model" | sed -n 1,12p
echo
"$vigil" bench "$model" --runs 20 --warmup 3
