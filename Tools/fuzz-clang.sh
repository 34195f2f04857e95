# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
#
# Sourced by the C fuzz scripts (Tools/fuzz.sh, fuzz-images.sh, fuzz-http.sh): sets
# `fuzz_flags` (libFuzzer + ASan + UBSan, UB fatal) and `clang_bin`, the first clang that links
# -fsanitize=fuzzer: $CLANG, the Swift toolchain's (/opt/swift/usr/bin/clang ships
# libclang_rt.fuzzer), clang on PATH; if none does, Debian's clang and libclang-rt-dev are
# installed (apt-get update only then). Needs `out` (the script's build folder) set first.
fuzz_flags=(-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)

links_fuzzer() {
  command -v "$1" >/dev/null 2>&1 || return 1
  mkdir -p "$out/probe"
  printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
    > "$out/probe/probe.c"
  "$1" "${fuzz_flags[@]}" "$out/probe/probe.c" -o "$out/probe/probe" >/dev/null 2>&1
}

clang_bin=""
for candidate in "${CLANG:-}" /opt/swift/usr/bin/clang clang; do
  [[ -n "$candidate" ]] || continue
  if links_fuzzer "$candidate"; then clang_bin="$candidate"; break; fi
done
if [[ -z "$clang_bin" ]]; then
  fuzz_sudo=()
  [[ $(id -u) -eq 0 ]] || fuzz_sudo=(sudo)
  echo "=== installing clang libclang-rt-dev"
  "${fuzz_sudo[@]}" apt-get update
  "${fuzz_sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    clang libclang-rt-dev
  links_fuzzer clang || { echo "$(basename "$0"): clang cannot link -fsanitize=fuzzer" >&2; exit 1; }
  clang_bin=clang
fi
