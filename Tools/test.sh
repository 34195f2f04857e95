#!/usr/bin/env bash
# Runs every Vigil test on this machine: installs what is missing, then the C runtime tests
# (native, and cross-built under qemu for aarch64 and armv7), short fuzz runs of the model
# loader, the Swift parsers, the image decoders and the IDX reader, the Embedded-Swift check
# of the core and the daemon, the daemon on the kernel's vivid camera in qemu-system, the
# Swift test suite (which runs the built CLI too), the CLI's shell completions and
# man page, a short soak of the daemon, the HTTP status
# checks, and the board firmware built for x86-64, aarch64 and armv7 and compared with the host
# CLI byte for byte (Tools/firmware-check.sh), then run on vivid in arm64 and armmp guests.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash Tools/setup.sh
echo "== C runtime tests (native)"
bash Tools/c-test.sh
echo "== C runtime tests (aarch64, qemu)"
bash Tools/cross-test.sh aarch64
echo "== C runtime tests (armv7, qemu)"
bash Tools/cross-test.sh armv7
echo "== Model loader fuzz smoke (libFuzzer, 20 s)"
bash Tools/fuzz.sh 20
echo "== Swift parser fuzz smoke (libFuzzer: pickle, zip, safetensors, npy, idx; 10 s each)"
bash Tools/fuzz-swift.sh 10
echo "== Image decoder and IDX fuzz smoke (libFuzzer, 4 targets x 8 s)"
bash Tools/fuzz-images.sh 8
echo "== Benchmark script helpers (Python, standard library)"
python3 Tools/test-bench-common.py
echo "== HTTP status server in C (native; static aarch64 and armv7 under qemu)"
bash Tools/http-c-test.sh
echo "== HTTP request parser fuzz smoke (libFuzzer, 10 s)"
bash Tools/fuzz-http.sh 10
echo "== VigilCore and VigilDaemon in Embedded Swift"
bash Tools/embedded-check.sh
echo "== V4L2 camera on a real driver (vivid in qemu-system-x86_64, about 45 s)"
bash Tools/vivid-test.sh x86_64
echo "== Swift tests"
swift build --build-tests
swift test --skip-build
echo "== CLI: --version, bash/zsh/fish completions in their shells, the man page through groff and man (about 10-40 s)"
VIGIL="$(swift build --show-bin-path)/vigil" bash Tools/cli-docs-check.sh
echo "== Daemon soak smoke (3,000 synthetic frames; the full run is Tools/soak.sh)"
VIGIL="$(swift build --show-bin-path)/vigil" bash Tools/soak.sh 3000
echo "== HTTP status: /metrics through prometheus_client's parser"
VIGIL="$(swift build --show-bin-path)/vigil" bash Tools/metrics-check.sh
echo "== HTTP status: hostile clients smoke (1,000 requests, 20 slow clients; full run: Tools/http-load.py)"
VIGIL="$(swift build --show-bin-path)/vigil" python3 Tools/http-load.py --smoke
echo "== HTTP status: headless Chromium loads the live page"
VIGIL="$(swift build --show-bin-path)/vigil" bash Tools/browser-check.sh
echo "== HTML reports: headless Chromium opens eval --html and quantize --report-html (about 15 s)"
VIGIL="$(swift build --show-bin-path)/vigil" bash Tools/report-check.sh
echo "== Board firmware (Embedded Swift: x86-64 native, aarch64 and armv7 under qemu, vs the host CLI; full-size Ti on photos)"
bash Tools/make-ti-model.sh --random   # firmware-check.sh, plus a full-size Ti on 8 photos
echo "== The board binary on a real V4L2 driver (vivid in qemu-system-aarch64 / -arm -M virt, about 40-55 s each)"
bash Tools/vivid-test.sh aarch64
bash Tools/vivid-test.sh armv7
echo "== Board packages (.deb, scratch-root install, systemd-analyze verify)"
bash Tools/package.sh aarch64
bash Tools/package.sh armv7
