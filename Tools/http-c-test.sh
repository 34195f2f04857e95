#!/usr/bin/env bash
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
#
# The status server's C side (Sources/CVigilSys/http_*.c) tested alone over loopback
# (Tests/HTTP/http-server-test.c): natively, and as static aarch64 and armv7 executables under
# qemu-user (the board builds link it statically), counting allocations (none per request).
# Output in .build-http-c/. A few seconds.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.build-http-c"
mkdir -p "$out"
sources=("$root/Sources/CVigilSys/http_parse.c" "$root/Sources/CVigilSys/http_server.c"
         "$root/Tests/HTTP/http-server-test.c")
flags=(-std=c11 -O2 -Wall -Wextra -Werror -I "$root/Sources/CVigilSys/include")
run() {  # name compiler runner...
  local name="$1" cc="$2"; shift 2
  command -v "$cc" >/dev/null || { echo "http-c-test: $cc missing (Tools/setup.sh installs it)" >&2; exit 1; }
  local static=()
  [[ "$name" != native ]] && static=(-static)
  "$cc" "${flags[@]}" "${static[@]}" "${sources[@]}" -pthread \
    -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc -o "$out/http-server-test-$name"
  echo "== $name"
  "$@" "$out/http-server-test-$name"
}
run native cc
run aarch64 aarch64-linux-gnu-gcc qemu-aarch64-static
run armv7 arm-linux-gnueabihf-gcc qemu-arm-static
