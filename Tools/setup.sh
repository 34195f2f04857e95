#!/usr/bin/env bash
# Installs the Debian packages Vigil builds and tests with, only those that are missing.
# Idempotent: a second run installs nothing and does not touch the network.
set -euo pipefail
packages=(
  libjpeg-dev libpng-dev zlib1g-dev # image decoding and gzip (CVigilIO)
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross    # cross C compilers (Tools/cross-test.sh)
  gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
  qemu-user-static                  # runs the cross-built tests
  file time                         # firmware checks: static binaries, peak memory
  dataset-fashion-mnist             # real labelled images (eval, samples)
  opencv-doc                        # real photos (the board's full-size Ti check)
  qemu-system-x86 busybox-static cpio # the vivid camera VM (Tools/vivid-test.sh)
  python3-venv                      # Tools/metrics-check.sh's own venv (prometheus_client)
  chromium                          # Tools/browser-check.sh loads the daemon's live page
  zsh fish groff-base man-db        # shell completions and the man page (Tools/cli-docs-check.sh)
)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
