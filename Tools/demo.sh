#!/usr/bin/env bash
# The main job: installs what is missing, builds Vigil and starts the daemon (`vigil serve`) on
# the shipped int8 model over the bundled sample frames (Fashion-MNIST test images as PNG and
# JPEG, Tests/Fixtures/samples): it prints its JSON lines (docs/serve.md) and stops by itself
# after the last frame (or on Ctrl-C, cleanly). Then shows the model's plan and latency.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash Tools/setup.sh
swift build -c release --product vigil >&2
vigil="$(swift build -c release --show-bin-path)/vigil"
model=weights/fashion-mnist/mobilevigv2-fmnist.vigil
"$vigil" serve "$model" --top 3 --smooth 3 Tests/Fixtures/samples/*.png Tests/Fixtures/samples/*.jpg
echo
"$vigil" inspect "$model" | sed -n 1,12p
echo
"$vigil" bench "$model" --runs 20 --warmup 3
