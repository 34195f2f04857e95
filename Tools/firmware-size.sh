#!/usr/bin/env bash
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
#
# Appends the sizes of the built firmware (build/<arch>/vigil-board, and
# build/<arch>-embedded/ when present) to Firmware/size-history.txt, one line per binary:
#   DATE COMMIT ARCH plain|embedded BYTES
#   Tools/cross-build.sh aarch64 && Tools/firmware-size.sh aarch64
# Tools/firmware-check.sh fails when a binary grows more than 25 % over its last line.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[[ $# -ge 1 ]] || { echo "usage: $0 ARCH..." >&2; exit 2; }
commit="$(git -C "$root" rev-parse --short=10 HEAD)"
day="$(date -u +%Y-%m-%d)"
for arch in "$@"; do
  for kind in plain embedded; do
    dir="$root/build/$arch"
    [[ $kind == plain ]] || dir="$root/build/$arch-embedded"
    [[ -f "$dir/vigil-board" ]] || { [[ $kind == embedded ]] && continue; echo "no $dir/vigil-board: run Tools/cross-build.sh $arch" >&2; exit 1; }
    line="$day $commit $arch $kind $(stat -c %s "$dir/vigil-board")"
    echo "$line" >> "$root/Firmware/size-history.txt"
    echo "$line"
  done
done
