#!/usr/bin/env bash
# Vigil against ONNX Runtime int8 on this machine (Tools/bench-peers.py; docs/benchmarks.md):
# installs what is missing (the Debian photos and data set, the .venv-tools environment),
# builds a release vigil in .build-release/, then runs the benchmark with the arguments given.
#   Tools/bench-peers.sh --reference DIR [--variants ti,s,m,b,shipped] [--threads 1,2]
#                        [--rounds R] [--runs N] [--quick] [--json FILE]
# DIR is a checkout of SLDGroup/MobileViGv2 (the ONNX model is exported from the authors'
# code; missing full-size checkpoints are made with it in .golden-full/). Runs outside CI.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash Tools/setup.sh
if ! dpkg -s opencv-doc >/dev/null 2>&1; then   # the calibration photos
  echo "bench-peers: installing opencv-doc" >&2
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends opencv-doc >/dev/null
fi
bash Tools/setup-python.sh >&2
scratch=.build-release
swift build -c release --scratch-path "$scratch" --product vigil >&2
vigil="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/vigil"
exec .venv-tools/bin/python Tools/bench-peers.py --vigil "$vigil" "$@"
