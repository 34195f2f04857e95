#!/usr/bin/env bash
# Soak run of the daemon: FRAMES frames (default 100000) from the synthetic in-memory source at
# a frame rate above what the model keeps up with (so frames are classified and dropped, the
# newest winning), through the shipped model. Samples the resident memory (VmRSS) once a second,
# then reports it after warm-up (the sample at 10% of the run) and at the end (failing on more
# than 2 MiB of growth), and checks from the stop line
# that every frame is accounted for: classified + skipped + dropped + bad = captured.
#   bash Tools/soak.sh [FRAMES] [FPS]        (FPS default 2000; VIGIL=path skips the build)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
frames="${1:-100000}"
fps="${2:-2000}"
if [[ -z "${VIGIL:-}" ]]; then
  swift build -c release --product vigil >&2
  VIGIL="$(swift build -c release --show-bin-path)/vigil"
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$VIGIL" serve weights/fashion-mnist/mobilevigv2-fmnist.vigil --synthetic 160x120 --fps "$fps" \
  --max-frames "$frames" --smooth 5 --output "$out/lines.jsonl" 2>"$out/stderr" &
pid=$!
: > "$out/rss"
while kill -0 "$pid" 2>/dev/null; do
  awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null >> "$out/rss" || true
  sleep 1
done
status=0
wait "$pid" || status=$?
if [[ "$status" != 0 ]]; then
  echo "soak: vigil serve exited with $status:" >&2
  cat "$out/stderr" >&2
  exit 1
fi
python3 - "$out/lines.jsonl" "$out/rss" "$frames" <<'PY'
import json, sys
lines_path, rss_path, frames = sys.argv[1:4]
stop = None
results = 0
with open(lines_path) as f:
    for line in f:
        record = json.loads(line)
        if record["type"] == "result":
            results += 1
        stop = record
assert stop and stop["type"] == "stop", "the last line is not the stop line"
c = stop["captured"]; k = stop["classified"]; s = stop["skipped"]; d = stop["dropped"]; b = stop["bad"]
samples = [int(l.split()[0]) for l in open(rss_path) if l.strip()]
# Warm-up: the model is loaded and the buffers are allocated within the first seconds; take the
# sample at 10% of the run (at least the third, t = 2 s) as the reference.
warm = samples[max(2, len(samples) // 10)] if len(samples) >= 4 else None
last = samples[-1] if samples else None
print(f"soak: {c} frames captured ({stop['reason']}): classified {k} + skipped {s} + dropped {d} + bad {b} = {k + s + d + b}")
print(f"soak: {results} result lines")
if warm is not None:
    print(f"soak: resident memory after warm-up {warm} KiB, at the end {last} KiB, max {max(samples[2:])} KiB after warm-up ({len(samples)} samples, 1/s)")
else:
    print(f"soak: run too short to judge memory ({len(samples)} samples); last {last} KiB")
ok = c == k + s + d + b and c >= int(frames) and results == k
if warm is not None and last > warm + 2048:
    print(f"soak: FAIL: resident memory grew by {last - warm} KiB after warm-up")
    ok = False
if not ok:
    print("soak: FAIL: frames are not all accounted for")
    sys.exit(1)
print("soak: OK")
PY
