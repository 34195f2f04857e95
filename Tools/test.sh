#!/usr/bin/env bash
# Runs every Vigil test on this machine: installs what is missing, then the C runtime tests
# (native, and cross-built under qemu for aarch64 and armv7), a short fuzz run of the model
# loader, the Embedded-Swift check of the core, the Swift test suite (which runs the built
# CLI too), and the board firmware built for x86-64, aarch64 and armv7 and compared with the
# host CLI byte for byte (Tools/firmware-check.sh).
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
echo "== VigilCore in Embedded Swift"
bash Tools/embedded-check.sh
echo "== Swift tests"
swift build --build-tests
swift test --skip-build
echo "== Board firmware (Embedded Swift: x86-64 native, aarch64 and armv7 under qemu, vs the host CLI)"
bash Tools/firmware-check.sh
echo "== Board packages (.deb, scratch-root install, systemd-analyze verify)"
bash Tools/package.sh aarch64
bash Tools/package.sh armv7
