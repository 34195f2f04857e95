#!/usr/bin/env bash
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
#
# Checks the board firmware against the host CLI:
#   Tools/firmware-check.sh                 # build host, aarch64, armv7 (+ aarch64 --embed-model)
#   Tools/firmware-check.sh --ti TI.vigil --photos DIR   # also a full-size model on photos
#
# 1. Tools/cross-build.sh for host (x86-64 Embedded), aarch64 and armv7: static, stripped.
# 2. `vigil-board classify --json --logits` and `classify --logits` (text) on the bundled frames
#    (Tests/Fixtures/samples) with the shipped model print what the host's `vigil classify`
#    prints (text byte for byte, JSON value for value, logits bit for bit): natively (x86-64), under qemu-aarch64-static -cpu max (dotprod) and
#    -cpu cortex-a53 (no dotprod), under qemu-arm-static -cpu cortex-a15 (NEON) and -cpu
#    cortex-r5f (VFPv3-D16, no NEON: the baseline the armv7 build targets), for every ISA path
#    the CPU offers (VIGIL_ISA forced; the others must be refused by name), and from the model
#    embedded with --embed-model.
# 3. inspect matches the host's (text byte for byte, JSON value for value); usage errors and bad models fail with their
#    messages and exit codes. With the daemon in the tree (Sources/VigilDaemon), `serve` over
#    the frames prints the host daemon's JSON lines (clocks and latencies aside) natively and
#    under qemu, and `serve --watch` under qemu-aarch64 classifies arrivals as the host does and
#    stops cleanly on SIGTERM; without it, `serve` says it is not in the build.
# 4. The symbols the Swift code takes from libc and the runtime (nm -u, less what the project's
#    C defines) are all listed in Firmware/undefined-symbols-<arch>.txt (the firmware's external
#    dependencies, with and without the daemon core), and each binary stays within 25 % of its
#    last size in Firmware/size-history.txt.
# Prints each binary's size and the peak resident memory of one classify run.
# Needs the host CLI built (swift build); Tools/test.sh runs this after the Swift build.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

ti_model=""
photos=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --ti) ti_model="$2"; shift 2 ;;
    --photos) photos="$2"; shift 2 ;;
    *) echo "usage: $0 [--ti MODEL.vigil --photos DIR]" >&2; exit 2 ;;
  esac
done

fail=0
failed() { echo "firmware-check: FAIL: $*" >&2; fail=1; }

vigil="$(swift build --show-bin-path)/vigil"
[[ -x "$vigil" ]] || { echo "firmware-check: FAIL: no host CLI at $vigil: run swift build first" >&2; exit 1; }
model=weights/fashion-mnist/mobilevigv2-fmnist.vigil
frames=(Tests/Fixtures/samples/*.png Tests/Fixtures/samples/*.jpg)

for arch in host aarch64 armv7; do
  bash Tools/cross-build.sh "$arch"
done
bash Tools/cross-build.sh aarch64 --embed-model "$model" --out build/aarch64-embedded

# The ISA paths tried on each CPU (VIGIL_ISA forced), once the runtime dispatches (it reads
# VIGIL_ISA); before that, the scalar path only. A path the CPU offers must print the host's
# bytes; a path it lacks must be refused by name ("this CPU lacks it"). `must_offer` and
# `must_refuse` pin what each emulated CPU has: aarch64 max has dotprod, cortex-a53 not;
# cortex-a15 (armv7) has NEON, which the VFPv3-D16 board build finds through HWCAP_NEON;
# cortex-r5f (armv7, VFPv3-D16) has no NEON.
if grep -rqs 'VIGIL_ISA' CKernels/runtime; then
  declare -A isas=(
    [native]="scalar avx2 avx512vnni"
    [qemu-aarch64-static:max]="scalar neon neondot"
    [qemu-aarch64-static:cortex-a53]="scalar neon neondot"
    [qemu-arm-static:cortex-a15]="scalar neon"
    [qemu-arm-static:cortex-r5f]="scalar neon"
  )
  declare -A must_offer=(
    [qemu-aarch64-static:max]="scalar neon neondot"
    [qemu-aarch64-static:cortex-a53]="scalar neon"
    [qemu-arm-static:cortex-a15]="scalar neon"
  )
  declare -A must_refuse=(
    [qemu-aarch64-static:cortex-a53]="neondot"
    [qemu-arm-static:cortex-r5f]="neon"
  )
else
  declare -A isas=(
    [native]="scalar"
    [qemu-aarch64-static:max]="scalar"
    [qemu-aarch64-static:cortex-a53]="scalar"
    [qemu-arm-static:cortex-a15]="scalar"
    [qemu-arm-static:cortex-r5f]="scalar"
  )
  declare -A must_offer=()
  declare -A must_refuse=()
fi
declare -A binary_of=(
  [native]=build/host/vigil-board
  [qemu-aarch64-static:max]=build/aarch64/vigil-board
  [qemu-aarch64-static:cortex-a53]=build/aarch64/vigil-board
  [qemu-arm-static:cortex-a15]=build/armv7/vigil-board
  # VFPv3-D16 without NEON: the armv7 binary must not need NEON outside run-time dispatch.
  [qemu-arm-static:cortex-r5f]=build/armv7/vigil-board
)
runner() {  # runner KEY: the command prefix that runs a binary for KEY
  case "$1" in
    native) ;;
    *) echo "${1%%:*} -cpu ${1#*:}" ;;
  esac
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# JSON Lines files equal value for value, line by line (the host writes its lines with
# JSONEncoder, keys sorted and no spaces; the board with its own writer; the numbers are the
# same shortest round-trip decimals, so they parse to the same values).
same_json_lines() {
  python3 -c '
import json, sys
a, b = (open(f).read().splitlines() for f in sys.argv[1:])
sys.exit(len(a) != len(b) or any(json.loads(x) != json.loads(y) for x, y in zip(a, b)))' "$1" "$2"
}

# --- Static, stripped ----------------------------------------------------------------------
for arch in host aarch64 armv7; do
  description="$(file -b "build/$arch/vigil-board")"
  [[ "$description" == *"statically linked"* && "$description" == *"stripped"* && "$description" != *"not stripped"* ]] \
    || failed "build/$arch/vigil-board is not a stripped static executable: $description"
done

# --- Logits bit for bit --------------------------------------------------------------------
"$vigil" classify --json --logits "$model" "${frames[@]}" > "$work/host.json"
"$vigil" classify --logits "$model" "${frames[@]}" > "$work/host.txt"
[[ $(wc -l < "$work/host.json") -eq ${#frames[@]} ]] || failed "host classify printed $(wc -l < "$work/host.json") lines for ${#frames[@]} frames"
for key in native qemu-aarch64-static:max qemu-aarch64-static:cortex-a53 qemu-arm-static:cortex-a15 \
           qemu-arm-static:cortex-r5f; do
  read -r -a run <<< "$(runner "$key")"
  for isa in ${isas[$key]}; do
    status=0
    VIGIL_ISA="$isa" "${run[@]}" "${binary_of[$key]}" classify --json --logits "$model" "${frames[@]}" \
      > "$work/board.json" 2> "$work/board.err" || status=$?
    if [[ $status -ne 0 ]] && grep -q "lacks it" "$work/board.err"; then
      if [[ " ${must_offer[$key]:-} " == *" $isa "* ]]; then
        failed "$key: VIGIL_ISA=$isa refused, but this CPU has it: $(head -c 300 "$work/board.err")"
      else
        echo "firmware-check: $key isa $isa: not offered by this CPU, refused by name"
      fi
      continue
    fi
    if [[ " ${must_refuse[$key]:-} " == *" $isa "* ]]; then
      failed "$key: VIGIL_ISA=$isa ran (exit $status), but this CPU lacks it"
      continue
    fi
    [[ $status -eq 0 ]] || failed "$key isa $isa: classify --json exited $status: $(head -c 300 "$work/board.err")"
    VIGIL_ISA="$isa" "${run[@]}" "${binary_of[$key]}" classify --logits "$model" "${frames[@]}" > "$work/board.txt" \
      || failed "$key isa $isa: classify exited $?"
    if same_json_lines "$work/host.json" "$work/board.json" && cmp -s "$work/host.txt" "$work/board.txt"; then
      echo "firmware-check: $key isa $isa: ${#frames[@]} frames, JSON and text logits identical to the host"
    else
      failed "$key isa $isa: output differs from the host's:"
      diff "$work/host.json" "$work/board.json" | head -n 6 >&2 || true
    fi
  done
done

# The embedded model, run in place from the binary (the inputs' names are the same).
qemu-aarch64-static -cpu cortex-a53 build/aarch64-embedded/vigil-board classify --json --logits @embedded "${frames[@]}" > "$work/embedded.json" \
  || failed "embedded model: classify exited $?"
same_json_lines "$work/host.json" "$work/embedded.json" && echo "firmware-check: aarch64 @embedded: identical to the host" \
  || failed "aarch64 @embedded: output differs from the host's"
report="$(qemu-aarch64-static build/aarch64-embedded/vigil-board inspect @embedded | tail -n 1)"
[[ "$report" == *"64-byte aligned); weights read in place from it" ]] \
  || failed "aarch64 @embedded: weights not run in place: $report"

# --- Full-size model on photos (optional: needs a Ti model, see Tools/make-ti-model.sh) -------
if [[ -n "$ti_model" ]]; then
  mapfile -t photo_files < <(find "$photos" -maxdepth 1 -name '*.jpg' | LC_ALL=C sort | head -n 8)
  [[ ${#photo_files[@]} -gt 0 ]] || failed "--photos $photos: no .jpg files"
  "$vigil" classify --json --logits "$ti_model" "${photo_files[@]}" > "$work/ti-host.json"
  for key in qemu-aarch64-static:max qemu-aarch64-static:cortex-a53 qemu-arm-static:cortex-a15; do
    read -r -a run <<< "$(runner "$key")"
    "${run[@]}" "${binary_of[$key]}" classify --json --logits "$ti_model" "${photo_files[@]}" > "$work/ti-board.json" \
      || failed "$key: Ti classify exited $?"
    same_json_lines "$work/ti-host.json" "$work/ti-board.json" \
      && echo "firmware-check: $key: Ti on ${#photo_files[@]} photos identical to the host" \
      || failed "$key: Ti output differs from the host's"
  done
fi

# --- inspect, errors ---------------------------------------------------------------------------
for mode in "" --json; do
  "$vigil" inspect $mode "$model" > "$work/host-inspect"
  qemu-aarch64-static build/aarch64/vigil-board inspect $mode "$model" > "$work/board-inspect" \
    || failed "inspect $mode exited $?"
  if [[ -z "$mode" ]]; then
    cmp -s "$work/host-inspect" "$work/board-inspect" || failed "inspect differs from the host's"
  else
    # The host encodes with JSONEncoder (sorted keys), the board with the Embedded core's own
    # writer: the same object, value for value, not the same bytes.
    python3 -c 'import json, sys; a, b = (json.load(open(f)) for f in sys.argv[1:]); sys.exit(a != b)' \
      "$work/host-inspect" "$work/board-inspect" || failed "inspect --json differs from the host's"
  fi
done
board=build/host/vigil-board
expect() {  # expect STATUS 'TEXT ON STDERR' ARGS...: the exit status and a line of stderr
  local status="$1" text="$2"
  shift 2
  local got=0
  "$board" "$@" > "$work/out" 2> "$work/err" || got=$?
  if [[ $got -ne $status ]] || ! grep -qF -- "$text" "$work/err"; then
    failed "vigil-board $*: expected exit $status and '$text', got $got: $(head -c 300 "$work/err")"
  fi
}
head -c 5000 "$model" > "$work/truncated.vigil"
printf 'not a model' > "$work/garbage.vigil"
expect 2 "unknown option '--bogus'" classify --bogus "$model" x.png
expect 2 "give a model (MODEL.vigil or @embedded) and at least one input file" classify "$model"
expect 2 "--top must be between 1 and" classify --top 0 "$model" x.png
expect 2 "--top takes a whole number, got 'x'" classify --top x "$model" x.png
expect 2 "unknown command 'frobnicate'" frobnicate
if [[ -d Sources/VigilDaemon ]]; then
  expect 2 "give exactly one source" serve "$model"
else
  expect 2 "serve is not in this build" serve --watch Tests/Fixtures/samples
fi
expect 1 "model file truncated" classify "$work/truncated.vigil" "${frames[0]}"
expect 1 "not a .vigil model file" inspect "$work/garbage.vigil"
expect 1 "this vigil-board has no embedded model" classify @embedded "${frames[0]}"
expect 1 "1 of 2 input(s) failed" classify "$model" "${frames[0]}" "$work/missing.png"
"$board" --help | grep -q "^  classify    classify images" || failed "--help lacks the command list"
"$board" --version | grep -q "^vigil-board .* (x86_64)$" || failed "--version: $("$board" --version)"

# --- serve: the daemon core on the board (when the tree has it) -----------------------------------
if [[ -d Sources/VigilDaemon ]]; then
  # JSON lines without what differs from run to run (clocks, latencies) or from CPU to CPU (the
  # kernel path the start line names: avx512vnni, neon, scalar; the logits are identical).
  normalize() { sed -E 's/"(wall_ns|mono_ns)":[0-9]+,//g; s/,"latency_ms":\{[^}]*\}//; s/"isa":"[a-z0-9]+",//'; }
  "$vigil" serve "$model" "${frames[@]}" | normalize > "$work/serve-host.jsonl"
  grep -q '"type":"stop".*"reason":"ended"' "$work/serve-host.jsonl" || failed "host serve did not end: $(tail -n 1 "$work/serve-host.jsonl")"
  for key in native qemu-aarch64-static:cortex-a53 qemu-arm-static:cortex-a15; do
    read -r -a run <<< "$(runner "$key")"
    "${run[@]}" "${binary_of[$key]}" serve "$model" "${frames[@]}" | normalize > "$work/serve-board.jsonl" \
      || failed "$key: serve exited $?"
    cmp -s "$work/serve-host.jsonl" "$work/serve-board.jsonl" \
      && echo "firmware-check: $key: serve over ${#frames[@]} files: the host daemon's JSON lines" \
      || { failed "$key: serve output differs from the host's:"; diff "$work/serve-host.jsonl" "$work/serve-board.jsonl" | head -n 6 >&2 || true; }
  done
  # --watch under qemu: frames arrive in a folder, SIGTERM stops it cleanly (exit 0).
  mkdir "$work/incoming"
  qemu-aarch64-static -cpu cortex-a53 build/aarch64/vigil-board serve --watch "$work/incoming" "$model" \
    > "$work/watch.jsonl" 2> "$work/watch.err" &
  watcher=$!
  for _ in $(seq 100); do grep -qs '"type":"start"' "$work/watch.jsonl" && break; sleep 0.1; done
  for frame in "${frames[@]}"; do
    cp "$frame" "$work/incoming/.tmp" && mv "$work/incoming/.tmp" "$work/incoming/$(basename "$frame")"
  done
  for _ in $(seq 600); do
    [[ $(grep -c '"type":"result"' "$work/watch.jsonl") -ge ${#frames[@]} ]] && break
    sleep 0.1
  done
  kill -TERM "$watcher"
  status=0
  wait "$watcher" || status=$?
  grep -o '"top":\[[^]]*\]' "$work/serve-host.jsonl" > "$work/top-host"
  grep -o '"top":\[[^]]*\]' "$work/watch.jsonl" > "$work/top-watch" || true
  if [[ $status -eq 0 ]] && grep -q '"type":"stop".*"reason":"SIGTERM"' "$work/watch.jsonl" \
     && cmp -s "$work/top-host" "$work/top-watch"; then
    echo "firmware-check: aarch64 serve --watch: ${#frames[@]} arrivals classified as on the host, clean stop on SIGTERM"
  else
    failed "aarch64 serve --watch: exit $status, $(wc -l < "$work/top-watch") results, last line $(tail -n 1 "$work/watch.jsonl"); $(head -c 300 "$work/watch.err")"
  fi
fi

# --- Undefined symbols, sizes, memory ------------------------------------------------------------
for arch in host aarch64 armv7; do
  expected="Firmware/undefined-symbols-$arch.txt"
  extra="$(LC_ALL=C comm -13 "$expected" "build/$arch/undefined-symbols.txt")"
  if [[ -n "$extra" ]]; then
    failed "the Swift code for $arch takes symbols from libc or the runtime that $expected does not list (add them if intended): $(tr '\n' ' ' <<< "$extra")"
  fi
  size=$(stat -c %s "build/$arch/vigil-board")
  last=$(awk -v a="$arch" '$3 == a && $4 == "plain" { s = $5 } END { print s + 0 }' Firmware/size-history.txt)
  if [[ $last -gt 0 && $size -gt $((last + last / 4)) ]]; then
    failed "build/$arch/vigil-board is $size bytes, more than 25 % over the last recorded $last (Firmware/size-history.txt; record with Tools/firmware-size.sh)"
  fi
  echo "firmware-check: $arch: $size bytes (last recorded $last), $(wc -l < "build/$arch/undefined-symbols.txt") undefined symbols in the Swift code"
done
peak() { /usr/bin/time -f %M "$@" > /dev/null 2> "$work/time" && tail -n 1 "$work/time"; }
echo "firmware-check: peak RSS of classify on ${#frames[@]} frames: x86-64 native $(peak build/host/vigil-board classify "$model" "${frames[@]}") KiB;" \
  "under qemu (emulator included): aarch64 $(peak qemu-aarch64-static build/aarch64/vigil-board classify "$model" "${frames[@]}") KiB," \
  "armv7 $(peak qemu-arm-static -cpu cortex-a15 build/armv7/vigil-board classify "$model" "${frames[@]}") KiB"

if [[ $fail -ne 0 ]]; then
  echo "firmware-check: FAILED" >&2
  exit 1
fi
echo "firmware-check: all checks passed"
