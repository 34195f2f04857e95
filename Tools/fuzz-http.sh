#!/usr/bin/env bash
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
#
# Fuzzes the status server's HTTP request parser (Tests/Fuzz/http-fuzz.c over
# Sources/CVigilSys/http_parse.c) with libFuzzer under ASan + UBSan:
#   Tools/fuzz-http.sh [SECONDS]          # default 60; `Tools/fuzz-http.sh 10` is the CI smoke
# Builds into .build-fuzz-http/, writes the seed corpus with Tools/make-http-corpus.py into
# .build-fuzz-http/seeds/ (new inputs go to .build-fuzz-http/corpus/), uses the dictionary
# Tests/Fuzz/http.dict, prints the number of executions, and exits non-zero when libFuzzer finds
# a crash, a contract violation (the target aborts), a leak or UB (the reproducer is left in
# .build-fuzz-http/artifacts/; replay: .build-fuzz-http/http-fuzz FILE). Extra arguments go to
# libFuzzer. The compiler: Tools/fuzz-clang.sh.
set -euo pipefail

seconds="${1:-60}"
[[ $# -ge 1 ]] && shift
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "usage: $0 [SECONDS] [libFuzzer arguments...]" >&2; exit 2; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/.build-fuzz-http"
mkdir -p "$out/corpus" "$out/artifacts" "$out/probe"
source "$root/Tools/fuzz-clang.sh"

binary="$out/http-fuzz"
sources=("$root/Sources/CVigilSys/http_parse.c" "$root/Tests/Fuzz/http-fuzz.c")
stale=0
[[ -x "$binary" ]] || stale=1
for f in "${sources[@]}" "$root/Sources/CVigilSys/include/vigil_http.h" "$0"; do
  [[ $stale -eq 1 || "$f" -nt "$binary" ]] && { stale=1; break; }
done
if [[ $stale -eq 1 ]]; then
  if ! "$clang_bin" -std=c11 -O1 -g "${fuzz_flags[@]}" -I"$root/Sources/CVigilSys/include" \
      "${sources[@]}" -o "$binary" >"$out/build.log" 2>&1; then
    cat "$out/build.log" >&2
    echo "fuzz-http.sh: build failed" >&2
    exit 1
  fi
fi
rm -rf "$out/seeds"
python3 "$root/Tools/make-http-corpus.py" "$out/seeds"
echo "=== fuzzing the HTTP request parser for ${seconds}s with $clang_bin"

log="$out/last-run.log"
status=0
# -max_len: a request never needs more than VHTTP_MAX_REQUEST (5128) bytes; 8 KiB also covers
# inputs past every limit.
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" \
UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
  "$binary" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=1024 \
    -dict="$root/Tests/Fuzz/http.dict" -print_final_stats=1 -artifact_prefix="$out/artifacts/" \
    "$@" "$out/corpus" "$out/seeds" >"$log" 2>&1 || status=$?
runs="$(grep -aE '^stat::number_of_executed_units' "$log" | awk '{print $2}' | tail -n 1)"
if [[ $status -ne 0 ]]; then
  tail -n 40 "$log"
  echo "fuzz-http.sh: FAILED (libFuzzer status $status) after ${runs:-?} executions; artifacts in $out/artifacts/"
  exit 1
fi
grep -aE '^#[0-9]+.*(DONE|pulse)' "$log" | tail -n 1 || true
echo "fuzz-http.sh: ${runs:-?} executions in ${seconds}s, no crash ($(ls "$out/corpus" | wc -l) inputs in $out/corpus)"
