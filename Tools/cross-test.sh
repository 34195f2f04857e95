#!/usr/bin/env bash
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
#
# Cross-builds CKernels and its C tests as static ARM Linux binaries and runs them under qemu
# user-mode emulation:
#   Tools/cross-test.sh aarch64   # aarch64-linux-gnu-gcc, qemu-aarch64-static
#   Tools/cross-test.sh armv7     # arm-linux-gnueabihf-gcc (hard float, NEON), qemu-arm-static
# Output goes to .build-cross-<arch>/. Missing Debian packages are installed (apt-get update
# only when something is missing). Extra arguments go to make. The tests run once per emulated
# CPU (QEMU_CPU, read by qemu itself): for aarch64 `max` (Advanced SIMD + dot product: the neon
# and neondot kernels) and `cortex-a53` (no dot product: the neondot rows must report skipped
# and dispatch must fall back to neon); for armv7 `cortex-a7` and `cortex-r5f` (no NEON: the
# scalar kernels). QEMU_CPU set by the caller
# picks one CPU instead.
set -euo pipefail

usage() { echo "usage: $0 aarch64|armv7 [make arguments...]" >&2; exit 2; }
[[ $# -ge 1 ]] || usage
arch="$1"
shift

case "$arch" in
  aarch64)
    triple=aarch64-linux-gnu
    qemu=qemu-aarch64-static
    compiler_package=gcc-aarch64-linux-gnu
    arch_flags=()
    cpus=(max cortex-a53)
    ;;
  armv7)
    triple=arm-linux-gnueabihf
    qemu=qemu-arm-static
    compiler_package=gcc-arm-linux-gnueabihf
    # The board ABI: ARMv7-A, hard-float calling convention, a VFPv3-D16 baseline (the NEON
    # kernels are chosen at run time from HWCAP_NEON).
    arch_flags=(-march=armv7-a -mfloat-abi=hard -mfpu=vfpv3-d16)
    # cortex-a7: NEON (the neon rows run); cortex-r5f: VFPv3-D16 without NEON (they are skipped).
    cpus=(cortex-a7 cortex-r5f)
    ;;
  *) usage ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Install only what dpkg says is absent.
missing=()
for package in "$compiler_package" qemu-user-static; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  echo "=== installing ${missing[*]}"
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

echo "=== CKernels C tests for $arch ($("$triple-gcc" --version | head -n 1)) under $qemu"
args=(
  --no-print-directory
  -C "$root/CKernels"
  CC="$triple-gcc"
  AR="$triple-ar"
  CFLAGS="-O3 -g -Wall -Wextra -Werror ${arch_flags[*]}"
  # Static: qemu-user then needs no target sysroot for the dynamic loader and libc.
  LDFLAGS=-static
  RUNNER="$qemu"
  OUT="$root/.build-cross-$arch"
)
# make does not track flags: objects built with other flags (an older -mfpu) are removed.
out="$root/.build-cross-$arch"
flags="${arch_flags[*]}"
if [[ -f "$out/flags" && "$(cat "$out/flags")" != "$flags" ]]; then rm -rf "$out"; fi
mkdir -p "$out"
printf '%s' "$flags" > "$out/flags"
[[ -n "${QEMU_CPU:-}" ]] && cpus=("$QEMU_CPU")
make -j2 "${args[@]}" build "$@"
for cpu in "${cpus[@]}"; do
  echo "=== $arch tests under $qemu${cpu:+ -cpu $cpu}"
  if [[ -n "$cpu" ]]; then
    QEMU_CPU="$cpu" make "${args[@]}" test "$@"
  else
    env -u QEMU_CPU make "${args[@]}" test "$@"
  fi
done
