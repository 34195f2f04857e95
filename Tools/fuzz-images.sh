#!/usr/bin/env bash
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
#
# Fuzzes the image decoders and the IDX/gzip reader (Tests/Fuzz/image-fuzz.c, idx-fuzz.c) with
# libFuzzer under ASan + UBSan, one target after the other:
#   Tools/fuzz-images.sh [SECONDS_EACH] [TARGET...]   # default 60 s; targets jpeg png pnm idx
# e.g. `Tools/fuzz-images.sh 8` as the smoke run of Tools/test.sh (about 40 s in all).
# Builds into .build-fuzz/ (-O1 -g). Seeds are made here, never committed: the decoders' own
# fixtures (Tests/Fixtures/images, small real photos and every variant the tests cover) and
# small IDX files written below, plain and gzipped. New inputs go to .build-fuzz/<target>-corpus/.
# Prints each target's executions; exits non-zero when libFuzzer finds a crash, leak, UB or
# a decoder disagreeing with itself (reproducer in .build-fuzz/artifacts/; replay:
# .build-fuzz/<target>-fuzz FILE). The clang is found as Tools/fuzz.sh finds it.
set -euo pipefail

seconds="${1:-60}"
[[ $# -ge 1 ]] && shift
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "usage: $0 [SECONDS_EACH] [jpeg|png|pnm|idx ...]" >&2; exit 2; }
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(jpeg png pnm idx)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/.build-fuzz"
mkdir -p "$out/artifacts" "$out/probe"
source "$root/Tools/fuzz-clang.sh"

io=("$root"/Sources/CVigilIO/*.c)
build() {  # name, source, extra flags...
  local name="$1" source="$2"; shift 2
  local binary="$out/$name-fuzz" stale=0
  [[ -x "$binary" ]] || stale=1
  for f in "${io[@]}" "$root"/Sources/CVigilIO/*.h "$root"/Sources/CVigilIO/include/*.h "$source" "$0"; do
    [[ $stale -eq 1 || "$f" -nt "$binary" ]] && { stale=1; break; }
  done
  [[ $stale -eq 1 ]] || return 0
  if ! "$clang_bin" -std=c11 -O1 -g "${fuzz_flags[@]}" -I"$root/Sources/CVigilIO/include" "$@" \
      "${io[@]}" "$source" -ljpeg -lpng -lz -lm -o "$binary" >"$out/$name-build.log" 2>&1; then
    cat "$out/$name-build.log" >&2
    echo "fuzz-images.sh: building $name failed" >&2
    exit 1
  fi
}

seeds() {  # name: fills .build-fuzz/<name>-seeds
  local dir="$out/$1-seeds" images="$root/Tests/Fixtures/images"
  rm -rf "$dir"
  mkdir -p "$dir"
  case "$1" in
    jpeg) cp "$images"/*.jpg "$dir"/ ;;
    png) cp "$images"/*.png "$dir"/ ;;
    pnm) cp "$images"/*.ppm "$images"/*.pgm "$dir"/ ;;
    idx)
      # 3 images of 2x3 bytes, their 3 labels, a 2-D int32 array; plain, gzipped, cut short.
      printf '\0\0\010\003\0\0\0\003\0\0\0\002\0\0\0\003abcdefghijklmnopqr' > "$dir/images.idx"
      printf '\0\0\010\001\0\0\0\003\001\002\011' > "$dir/labels.idx"
      printf '\0\0\014\002\0\0\0\001\0\0\0\002\0\0\0\001\0\0\0\002' > "$dir/int32.idx"
      for f in "$dir"/*.idx; do gzip -9 -n -c "$f" > "$f.gz"; done
      head -c 20 "$dir/images.idx.gz" > "$dir/cut.idx.gz"
      ;;
  esac
}

status=0
for target in "${targets[@]}"; do
  case "$target" in
    jpeg) build jpeg "$root/Tests/Fuzz/image-fuzz.c" -DVGL_FUZZ_FORMAT=1 ;;
    png) build png "$root/Tests/Fuzz/image-fuzz.c" -DVGL_FUZZ_FORMAT=2 ;;
    pnm) build pnm "$root/Tests/Fuzz/image-fuzz.c" -DVGL_FUZZ_FORMAT=3 ;;
    idx) build idx "$root/Tests/Fuzz/idx-fuzz.c" ;;
    *) echo "fuzz-images.sh: unknown target '$target' (jpeg, png, pnm, idx)" >&2; exit 2 ;;
  esac
  seeds "$target"
  mkdir -p "$out/$target-corpus"
  log="$out/$target-last-run.log"
  rc=0
  # -max_len 64 KiB: the seeds are below 40 KiB. -timeout: a single input taking 10 s is a
  # hang worth a report. -rss_limit_mb: the decoders' memory must stay bounded.
  ASAN_OPTIONS="${ASAN_OPTIONS:-allocator_may_return_null=1:detect_leaks=1}" \
  UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
    "$out/$target-fuzz" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/artifacts/$target-" \
      "$out/$target-corpus" "$out/$target-seeds" >"$log" 2>&1 || rc=$?
  runs="$(grep -aE '^stat::number_of_executed_units' "$log" | awk '{print $2}' | tail -n 1)"
  if [[ $rc -ne 0 ]]; then
    tail -n 40 "$log"
    echo "fuzz-images.sh: $target FAILED (libFuzzer status $rc) after ${runs:-?} executions"
    status=1
    continue
  fi
  echo "fuzz-images.sh: $target: ${runs:-?} executions in ${seconds}s, no crash ($(ls "$out/$target-corpus" | wc -l) inputs in its corpus)"
done
exit $status
