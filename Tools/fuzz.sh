#!/usr/bin/env bash
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
#
# Fuzzes the .vigil loader (Tests/Fuzz/model-fuzz.c) with libFuzzer under ASan + UBSan:
#   Tools/fuzz.sh [SECONDS]          # default 60; e.g. `Tools/fuzz.sh 20` as a smoke test
# Builds into .build-fuzz/ (CKernels and the target, -O1 -g), starts from the committed seeds
# in Tests/Fuzz/corpus/ (never modified: new inputs go to .build-fuzz/corpus/), prints the
# number of executions, and exits non-zero when libFuzzer finds a crash, leak or UB (the
# reproducer is left in .build-fuzz/artifacts/; replay: .build-fuzz/model-fuzz FILE).
# Extra arguments go to libFuzzer.
#
# Compiler: Tools/fuzz-clang.sh (the Swift toolchain's clang, or Debian's installed).
set -euo pipefail

seconds="${1:-60}"
[[ $# -ge 1 ]] && shift
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "usage: $0 [SECONDS] [libFuzzer arguments...]" >&2; exit 2; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/.build-fuzz"
mkdir -p "$out/corpus" "$out/artifacts" "$out/probe"

source "$root/Tools/fuzz-clang.sh"
echo "=== fuzzing the .vigil loader for ${seconds}s with $clang_bin ($("$clang_bin" --version | head -n 1))"

# Rebuild when a source is newer than the binary (a few seconds on two cores).
binary="$out/model-fuzz"
sources=("$root"/CKernels/runtime/*.c "$root"/CKernels/kernels/*/*.c)
headers=("$root"/CKernels/include/*.h "$root"/CKernels/kernels/*.h "$root"/CKernels/runtime/*.h)
stale=0
[[ -x "$binary" ]] || stale=1
for f in "${sources[@]}" "${headers[@]}" "$root/Tests/Fuzz/model-fuzz.c" "$0"; do
  [[ $stale -eq 1 || "$f" -nt "$binary" ]] && { stale=1; break; }
done
if [[ $stale -eq 1 ]]; then
  # The build log holds the linker's chatter (gold warns about ASan's local symbols).
  if ! "$clang_bin" -std=c11 -ffp-contract=off -O1 -g "${fuzz_flags[@]}" \
      -I"$root/CKernels/include" -I"$root/CKernels/kernels" \
      "${sources[@]}" "$root/Tests/Fuzz/model-fuzz.c" -lm -o "$binary" >"$out/build.log" 2>&1; then
    cat "$out/build.log" >&2
    echo "fuzz.sh: build failed" >&2
    exit 1
  fi
fi

log="$out/last-run.log"
status=0
# -max_len: the seeds are < 4 KiB; 16 KiB leaves room to grow. -timeout: any single input
# taking 10 s is a hang worth a report. allocator_may_return_null: the loader's allocation
# failures are handled, not crashes.
ASAN_OPTIONS="${ASAN_OPTIONS:-allocator_may_return_null=1:detect_leaks=1}" \
UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
  "$binary" -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$out/artifacts/" "$@" \
    "$out/corpus" "$root/Tests/Fuzz/corpus" >"$log" 2>&1 || status=$?

runs="$(grep -aE '^stat::number_of_executed_units' "$log" | awk '{print $2}' | tail -n 1)"
if [[ $status -ne 0 ]]; then
  tail -n 40 "$log"
  echo "fuzz.sh: FAILED (libFuzzer status $status) after ${runs:-?} executions; artifacts in $out/artifacts/"
  exit 1
fi
grep -aE '^#[0-9]+.*(DONE|pulse)' "$log" | tail -n 1 || true
echo "fuzz.sh: ${runs:-?} executions in ${seconds}s, no crash ($(ls "$out/corpus" | wc -l) inputs in $out/corpus)"
