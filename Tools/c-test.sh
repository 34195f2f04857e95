#!/usr/bin/env bash
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
#
# Builds CKernels alone (no SwiftPM) and runs its C tests natively: with gcc, then with clang
# when one is on PATH. Output goes to .build-c/<compiler>/. Extra arguments go to make, e.g.
#   Tools/c-test.sh CFLAGS='-O0 -g -Wall -Wextra -Werror -fsanitize=address,undefined'
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

compilers=()
if command -v gcc >/dev/null 2>&1; then compilers+=(gcc); else compilers+=(cc); fi
if command -v clang >/dev/null 2>&1; then compilers+=(clang); fi

for compiler in "${compilers[@]}"; do
  echo "=== CKernels C tests with $compiler ($("$compiler" --version | head -n 1))"
  args=(
    --no-print-directory
    -C "$root/CKernels"
    CC="$compiler"
    OUT="$root/.build-c/$compiler"
  )
  make -j2 "${args[@]}" build "$@"
  make "${args[@]}" test "$@"
done
