#!/usr/bin/env bash
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
#
# Fuzzes the Swift parsers (Tests/Fuzz/swift/ParserFuzz.swift) with libFuzzer under ASan:
#   Tools/fuzz-swift.sh [SECONDS] [TARGET...]   # SECONDS per target, default 60
# Targets: pickle zip safetensors npy idx (default: all). E.g. `Tools/fuzz-swift.sh 10` is the
# smoke run of Tools/test.sh. Builds into .build-fuzz-swift/ (the C runtime and CVigilIO with
# clang, VigilCore as a module, then the parsers' VigilKit sources with the target: one binary,
# the target chosen by VIGIL_FUZZ), writes each target's seeds with Tests/Fuzz/make-swift-corpus.py
# (from the committed fixtures and a few hand-made streams), and runs each target for SECONDS.
# New inputs go to .build-fuzz-swift/corpus/TARGET/; a crash, trap, leak, timeout or a run past
# the memory limit fails the script and leaves the reproducer in .build-fuzz-swift/artifacts/
# (replay: VIGIL_FUZZ=TARGET .build-fuzz-swift/parser-fuzz FILE).
set -euo pipefail

seconds="${1:-60}"
[[ $# -ge 1 ]] && shift
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "usage: $0 [SECONDS] [pickle|zip|safetensors|npy|idx ...]" >&2; exit 2; }
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(pickle zip safetensors npy idx)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/.build-fuzz-swift"
mkdir -p "$out/c" "$out/modules" "$out/artifacts" "$out/seeds"

swiftc_bin="$(command -v swiftc)" || { echo "fuzz-swift.sh: swiftc not found" >&2; exit 1; }
clang_bin="$(dirname "$swiftc_bin")/clang"
[[ -x "$clang_bin" ]] || { echo "fuzz-swift.sh: the Swift toolchain's clang ($clang_bin) is missing" >&2; exit 1; }
command -v python3 >/dev/null || { echo "fuzz-swift.sh: python3 is needed to write the seeds" >&2; exit 1; }

core_sources=("$root"/Sources/VigilCore/*.swift)
kit_sources=("$root"/Sources/VigilKit/Checkpoint/*.swift "$root/Sources/VigilKit/Eval/Dataset.swift"
  "$root/Sources/VigilKit/Classify/InputFile.swift" "$root/Sources/VigilKit/Classify/Prediction.swift"
  "$root/Sources/VigilKit/Quantize/OutputFile.swift")
c_sources=("$root"/CKernels/runtime/*.c "$root"/CKernels/kernels/*/*.c "$root"/Sources/CVigilIO/*.c)
binary="$out/parser-fuzz"

stale=0
[[ -x "$binary" ]] || stale=1
for f in "${core_sources[@]}" "${kit_sources[@]}" "${c_sources[@]}" "$root/Tests/Fuzz/swift/ParserFuzz.swift" "$0"; do
  [[ $stale -eq 1 || "$f" -nt "$binary" ]] && { stale=1; break; }
done
if [[ $stale -eq 1 ]]; then
  echo "=== building the Swift parser fuzzer"
  log="$out/build.log"
  : >"$log"
  # C: instrumented for coverage and ASan, not linked with libFuzzer's main (the Swift link does).
  objects=()
  for src in "${c_sources[@]}"; do
    obj="$out/c/$(echo "${src#"$root"/}" | tr / _).o"
    objects+=("$obj")
    if [[ ! -f "$obj" || "$src" -nt "$obj" ]]; then
      "$clang_bin" -std=c11 -ffp-contract=off -O1 -g -fsanitize=address,fuzzer-no-link \
        -I"$root/CKernels/include" -I"$root/CKernels/kernels" -I"$root/Sources/CVigilIO/include" \
        -c "$src" -o "$obj" >>"$log" 2>&1 || { cat "$log" >&2; echo "fuzz-swift.sh: C build failed" >&2; exit 1; }
    fi
  done
  # VigilCore as its own module (Dataset.swift imports it), testable so the fuzzer reaches the
  # .npy header parser.
  swift_flags=(-O -g -sanitize=fuzzer,address -parse-as-library -I "$root/CKernels/include"
    -I "$root/Sources/CVigilIO/include" -I "$out/modules")
  "$swiftc_bin" "${swift_flags[@]}" -enable-testing -wmo -module-name VigilCore -emit-module \
    -emit-module-path "$out/modules/VigilCore.swiftmodule" -c "${core_sources[@]}" -o "$out/VigilCore.o" \
    >>"$log" 2>&1 || { cat "$log" >&2; echo "fuzz-swift.sh: VigilCore build failed" >&2; exit 1; }
  "$swiftc_bin" "${swift_flags[@]}" -module-name ParserFuzz "$root/Tests/Fuzz/swift/ParserFuzz.swift" \
    "${kit_sources[@]}" "$out/VigilCore.o" "${objects[@]}" -ljpeg -lpng -lz -o "$binary" \
    >>"$log" 2>&1 || { cat "$log" >&2; echo "fuzz-swift.sh: fuzzer build failed" >&2; exit 1; }
fi

python3 "$root/Tests/Fuzz/make-swift-corpus.py" "$root" "$out/seeds"

failed=0
for target in "${targets[@]}"; do
  case "$target" in pickle|zip|safetensors|npy|idx) ;; *) echo "fuzz-swift.sh: unknown target $target" >&2; exit 2;; esac
  mkdir -p "$out/corpus/$target"
  log="$out/last-run-$target.log"
  status=0
  # -max_len: the seeds are < 64 KiB. -timeout: an input taking 10 s is a hang. -rss_limit_mb and
  # -malloc_limit_mb: memory beyond what the input size allows is a finding.
  VIGIL_FUZZ="$target" ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" \
    "$binary" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -malloc_limit_mb=1024 -print_final_stats=1 -artifact_prefix="$out/artifacts/$target-" \
      "$out/corpus/$target" "$out/seeds/$target" >"$log" 2>&1 || status=$?
  runs="$(grep -aE '^stat::number_of_executed_units' "$log" | awk '{print $2}' | tail -n 1)"
  if [[ $status -ne 0 ]]; then
    tail -n 40 "$log"
    echo "fuzz-swift.sh: $target FAILED (libFuzzer status $status) after ${runs:-?} executions; artifacts in $out/artifacts/"
    failed=1
    continue
  fi
  echo "fuzz-swift.sh: $target: ${runs:-?} executions in ${seconds}s, no finding ($(ls "$out/corpus/$target" | wc -l) new inputs)"
done
exit $failed
