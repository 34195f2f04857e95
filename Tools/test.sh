#!/usr/bin/env bash
# Runs every Vigil test on this machine: installs what is missing, then the C runtime tests
# (native, and cross-built under qemu for aarch64 and armv7), a short fuzz run of the model
# loader, the Embedded-Swift check of the core, and the Swift test suite (which runs the built
# CLI too).
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
echo "== HTTP request parser fuzz smoke (libFuzzer, 10 s)"
bash Tools/fuzz-http.sh 10
echo "== VigilCore in Embedded Swift"
bash Tools/embedded-check.sh
echo "== Swift tests"
swift build --build-tests
swift test --skip-build
