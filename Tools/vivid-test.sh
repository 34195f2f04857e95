#!/usr/bin/env bash
# Runs `vigil serve --camera /dev/video0 --http` against a real V4L2 driver: the kernel's `vivid`
# virtual camera, in Debian's own kernel booted under qemu-system (software emulation, no KVM
# needed). Checks that frames were captured and classified, that JSON lines came out, that
# /metrics answered inside the guest, and that SIGTERM stopped the daemon with exit status 0.
# Fails (never skips) when any step cannot run.
#
#   bash Tools/vivid-test.sh [x86_64|aarch64|armv7]   # the architecture of the guest
#
# Downloads (the kernel package) are cached in .cache/vivid/ (ignored by git). Environment:
#   VIVID_RESULTS=N   results to wait for before SIGTERM (default 5)
#   VIVID_WAIT=S      longest wait for them inside the guest, seconds (default 60)
#   VIVID_KERNEL_ARGS replaces the kernel's "quiet loglevel=3" (loglevel=7: a faulting
#                     program's pc and registers on the console)
#
# Adding an architecture: give it a case in `configure` below (its kernel meta-package, qemu
# binary and machine options, console device, a static busybox and the binary under test for
# it); everything else (module chain, initramfs, checks) is shared.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
arch="${1:-x86_64}"
results="${VIVID_RESULTS:-5}"
wait_s="${VIVID_WAIT:-60}"
cache="$root/.cache/vivid/$arch"
work="$cache/run"
t_start=$(date +%s.%N)

fail() { echo "vivid-test: FAIL: $*" >&2; exit 1; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "vivid-test: installing ${missing[*]}" >&2
  local sudo=; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null || fail "cannot install ${missing[*]}"
}

# A private apt state for a foreign architecture: the machine's sources, our own lists and
# cache under .cache/vivid/ARCH/apt, so the system's apt configuration is not touched (no
# dpkg --add-architecture). apt-get update may exit non-zero over one stale index while the
# one needed is fine: the download decides.
apt_opts=()
foreign_apt() {
  local dir="$cache/apt"
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
  apt_opts=(-o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache"
    -o "Dir::State::status=/dev/null" -o "APT::Architecture=$1" -o "APT::Architectures::=$1"
    -o "APT::Sandbox::User=root")
  [ -n "$(ls "$dir/lists" 2>/dev/null | grep -v partial)" ] || apt-get -qq "${apt_opts[@]}" update || true
}

# The static busybox of the guest's architecture, from Debian's busybox-static.
foreign_busybox() {
  local dir="$cache/busybox"
  if [ ! -x "$dir/bin/busybox" ]; then
    mkdir -p "$dir"
    ( cd "$cache" && ls busybox-static_*.deb >/dev/null 2>&1 \
      || apt-get -qq "${apt_opts[@]}" download busybox-static >/dev/null 2>&1 ) \
      || fail "cannot download busybox-static for $arch"
    dpkg -x "$(ls "$cache"/busybox-static_*.deb | head -1)" "$dir" || fail "cannot unpack busybox-static"
  fi
  echo "$dir/bin/busybox"
}

# Per-architecture facts. Sets: kernel_meta qemu qemu_args console busybox build_target and
# cc (a C compiler that links static programs for the guest).
configure() {
  case "$arch" in
    x86_64)
      apt_install qemu-system-x86 busybox-static cpio binutils python3
      kernel_meta=linux-image-amd64
      qemu=qemu-system-x86_64
      qemu_args=(-cpu max -m 1024)
      console=ttyS0
      busybox=/bin/busybox
      build_target="${VIVID_BUILD:-host}"  # VIVID_BUILD=board: the Embedded board binary
      board_arch=host
      cc=gcc
      ;;
    aarch64)
      apt_install qemu-system-arm busybox-static cpio binutils python3 gcc-aarch64-linux-gnu
      foreign_apt arm64
      kernel_meta=linux-image-arm64
      qemu=qemu-system-aarch64
      qemu_args=(-M virt -cpu cortex-a72 -m 1024)
      console=ttyAMA0
      busybox="$(foreign_busybox)"
      build_target=board
      board_arch=aarch64
      cc=aarch64-linux-gnu-gcc
      ;;
    armv7)
      apt_install qemu-system-arm busybox-static cpio binutils python3 gcc-arm-linux-gnueabihf
      foreign_apt armhf
      kernel_meta=linux-image-armmp  # Debian armhf's multiplatform kernel, which runs on -M virt
      qemu=qemu-system-arm
      qemu_args=(-M virt -cpu cortex-a15 -m 1024)
      console=ttyAMA0
      busybox="$(foreign_busybox)"
      build_target=board
      board_arch=armv7
      cc=arm-linux-gnueabihf-gcc
      ;;
    *)
      fail "architecture '$arch' is not wired (x86_64, aarch64 and armv7 are); add it to configure() in $0"
      ;;
  esac
  command -v "$qemu" >/dev/null || fail "$qemu not found after installing its package"
  [ -x "$busybox" ] || fail "no busybox at $busybox"
  ! readelf -l "$busybox" | grep -q INTERP || fail "$busybox is not statically linked"
}

# Debian's kernel image package for the guest: downloaded once, unpacked once.
fetch_kernel() {
  mkdir -p "$cache"
  local pkg
  pkg="$(apt-cache "${apt_opts[@]}" depends "$kernel_meta" 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }')"
  if [ -z "$pkg" ]; then
    apt-get "${apt_opts[@]}" -o DPkg::Lock::Timeout=600 update -qq || true
    pkg="$(apt-cache "${apt_opts[@]}" depends "$kernel_meta" | awk '/Depends: linux-image-/ { print $2; exit }')"
  fi
  [ -n "$pkg" ] || fail "apt-cache finds no kernel image behind $kernel_meta"
  kernel_dir="$cache/$pkg"
  if [ ! -f "$kernel_dir/.unpacked" ]; then
    if ! ls "$cache/$pkg"_*.deb >/dev/null 2>&1; then
      # Stale package lists name a version the mirror no longer has: refresh them once.
      ( cd "$cache" && apt-get "${apt_opts[@]}" download "$pkg" >/dev/null 2>&1 ) || {
        apt-get "${apt_opts[@]}" -o DPkg::Lock::Timeout=600 update -qq || true
        pkg="$(apt-cache "${apt_opts[@]}" depends "$kernel_meta" | awk '/Depends: linux-image-/ { print $2; exit }')"
        kernel_dir="$cache/$pkg"
        ( cd "$cache" && apt-get "${apt_opts[@]}" download "$pkg" >/dev/null 2>&1 ) || fail "cannot download $pkg"
      }
    fi
    rm -rf "$kernel_dir" && mkdir -p "$kernel_dir"
    # Only the kernel and the media drivers: 43 of the package's 400 MB, in half the time.
    dpkg-deb --fsys-tarfile "$(ls "$cache/$pkg"_*.deb | head -1)" \
      | tar -x -C "$kernel_dir" --wildcards './boot/vmlinuz-*' './lib/modules/*/kernel/drivers/media/*' \
      || fail "cannot unpack $pkg"
    touch "$kernel_dir/.unpacked"
  fi
  vmlinuz="$(ls "$kernel_dir"/boot/vmlinuz-* | head -1)"
  modules_dir="$(ls -d "$kernel_dir"/lib/modules/* | head -1)"
  [ -f "$vmlinuz" ] && [ -d "$modules_dir" ] || fail "$pkg has no vmlinuz or modules"
  echo "vivid-test: kernel $pkg"
}

# The vivid module and everything it depends on, dependencies first, from each .ko's own
# `depends=` field (the package ships no modules.dep).
resolve_modules() {
  declare -gA ko_path=()
  local f name
  while IFS= read -r f; do
    name="$(basename "$f" .ko)"
    ko_path["${name//_/-}"]="$f"
  done < <(find "$modules_dir/kernel/drivers/media" -name '*.ko')
  declare -gA visited=()
  module_order=()
  visit() {
    local m="${1//_/-}" dep deps
    [ -n "${visited[$m]:-}" ] && return 0
    visited[$m]=1
    [ -n "${ko_path[$m]:-}" ] || fail "module $m (needed by vivid) not found under drivers/media"
    deps="$(strings -a "${ko_path[$m]}" | sed -n 's/^depends=//p' | head -1)"
    for dep in ${deps//,/ }; do visit "$dep"; done
    module_order+=("$m")
  }
  visit vivid
  echo "vivid-test: modules ${module_order[*]}"
}

# The program under test and the files it needs, at the paths it expects.
build_binary() {
  case "$build_target" in
    host)
      # The same debug build as the Swift tests (.build/, shared with Tools/test.sh's build, so
      # nothing is compiled twice); its shared libraries go into the initramfs. VIVID_STATIC=1
      # builds with --static-swift-stdlib into .build-vivid/ instead.
      local build=(swift build --product vigil)
      [ "${VIVID_STATIC:-0}" = 1 ] && build+=(--static-swift-stdlib --build-path "$root/.build-vivid")
      "${build[@]}" >"$cache/build.log" 2>&1 || { tail -30 "$cache/build.log" >&2; fail "swift build failed"; }
      binary="$("${build[@]}" --show-bin-path)/vigil"
      ;;
    board)
      # The board binary: one static Embedded Swift executable whose `serve` is the same
      # daemon core with the same flags.
      [ -f Tools/cross-build.sh ] || fail "$arch needs the board build, Tools/cross-build.sh"
      bash Tools/cross-build.sh "$board_arch" >"$cache/build.log" 2>&1 \
        || { tail -30 "$cache/build.log" >&2; fail "Tools/cross-build.sh $board_arch failed"; }
      binary="$root/build/$board_arch/vigil-board"
      ;;
  esac
  [ -x "$binary" ] || fail "no binary at $binary"
  helper="$cache/vivid-disconnect"
  $cc -static -O2 -o "$helper" Tools/vivid/vivid-disconnect.c || fail "cannot build vivid-disconnect"
}

make_initramfs() {
  rm -rf "$work" && mkdir -p "$work/root"/{bin,dev,proc,sys,tmp,lib/vivid}
  local r="$work/root"
  cp "$busybox" "$r/bin/busybox"
  for m in "${module_order[@]}"; do cp "${ko_path[$m]}" "$r/lib/vivid/$m.ko"; done
  printf '%s\n' "${module_order[@]}" > "$r/lib/vivid/order"
  if [ "$build_target" = host ]; then
    strip -o "$r/vigil" "$binary" || fail "cannot strip $binary"  # debug info is most of it
  else
    cp "$binary" "$r/vigil"  # the board build is stripped already
  fi
  if [ "$build_target" = host ]; then
    # A dynamically linked host binary: its libraries (and the loader) at the same paths.
    local lib
    for lib in $(ldd "$binary" | grep -o '/[^ ]*' | sort -u); do
      mkdir -p "$r$(dirname "$lib")"
      cp -L "$lib" "$r$lib"
    done
  fi
  cp weights/fashion-mnist/mobilevigv2-fmnist.vigil "$r/model.vigil"
  cp "$helper" "$r/vivid-disconnect"
  cat > "$r/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# A faulting program gets its registers and pc on the console (arm64, x86).
echo 1 > /proc/sys/debug/exception-trace 2>/dev/null
vivid_params="n_devs=1 node_types=0x1 input_types=0x0"
for m in \$(cat /lib/vivid/order); do
  if [ "\$m" = vivid ]; then
    insmod /lib/vivid/vivid.ko \$vivid_params || echo "VIVID-ERROR insmod vivid"
  else
    insmod /lib/vivid/\$m.ko || echo "VIVID-ERROR insmod \$m"
  fi
done
echo "VIVID-UPTIME modules \$(cut -d' ' -f1 /proc/uptime)"
[ -c /dev/video0 ] || echo "VIVID-ERROR no /dev/video0"
# wait_for PATTERN COUNT: until the output has COUNT lines matching PATTERN (bounded).
wait_for() {
  i=0
  while [ \$i -lt $((wait_s * 10)) ] && kill -0 \$pid 2>/dev/null; do
    [ "\$(grep -c "\$1" /tmp/out.jsonl)" -ge \$2 ] && return 0
    sleep 0.1
    i=\$((i + 1))
  done
  echo "VIVID-ERROR waited in vain for \$2 lines matching \$1"
}
# The status server binds loopback only: bring lo up for it.
ifconfig lo 127.0.0.1 up || echo "VIVID-ERROR ifconfig lo"
/vigil serve /model.vigil --camera /dev/video0 --size 320x240 --fps 15 --smooth 3 --http 8080 \
  >/tmp/out.jsonl 2>/tmp/err.txt &
pid=\$!
started=\$(cut -d' ' -f1 /proc/uptime)
wait_for '"type":"result"' $results
echo "VIVID-UPTIME serving \$started results \$(cut -d' ' -f1 /proc/uptime)"
# /metrics from inside the guest, while frames flow (busybox wget, bounded).
# (bounded by timeout: busybox 1.35 wget -T faults on arm64)
if timeout 10 wget -q -O /tmp/metrics.txt http://127.0.0.1:8080/metrics 2>/tmp/wget.err; then
  while IFS= read -r line; do echo "VIVID-METRICS \$line"; done < /tmp/metrics.txt
  echo "VIVID-METRICS-END"
else
  echo "VIVID-ERROR wget http://127.0.0.1:8080/metrics failed: \$(cat /tmp/wget.err)"
fi
# Unplug: vivid's Disconnect control makes it behave as an unplugged USB camera (its node
# fails every call with ENODEV and polls POLLERR | POLLHUP under the running daemon); when the
# last user has closed it, vivid registers it again, as a camera plugged back in.
/vivid-disconnect /dev/video0 || echo "VIVID-ERROR vivid-disconnect"
echo "VIVID-UPTIME unplugged \$(cut -d' ' -f1 /proc/uptime)"
wait_for '"kind":"disconnected"' 1
wait_for '"kind":"reconnected"' 1
echo "VIVID-UPTIME reconnected \$(cut -d' ' -f1 /proc/uptime)"
wait_for '"type":"result"' $((results + 2))
kill -TERM \$pid
echo "VIVID-UPTIME sigterm \$(cut -d' ' -f1 /proc/uptime)"
wait \$pid
rc=\$?
echo "VIVID-UPTIME stopped \$(cut -d' ' -f1 /proc/uptime)"
# The other formats vivid offers that the source converts, briefly (the daemon stops itself
# after two results), and one it does not offer (refused at start).
for fmt in nv12 grey mjpeg; do
  /vigil serve /model.vigil --camera /dev/video0 --format \$fmt --max-results 2 \
    >/tmp/\$fmt.jsonl 2>/tmp/\$fmt.err
  echo "VIVID-FORMAT \$fmt exit \$?"
  while IFS= read -r line; do echo "VIVID-FORMAT-JSON \$fmt \$line"; done < /tmp/\$fmt.jsonl
  while IFS= read -r line; do echo "VIVID-FORMAT-STDERR \$fmt \$line"; done < /tmp/\$fmt.err
done
while IFS= read -r line; do echo "VIVID-JSON \$line"; done < /tmp/out.jsonl
while IFS= read -r line; do echo "VIVID-STDERR \$line"; done < /tmp/err.txt
echo "VIVID-EXIT \$rc"
poweroff -f
INIT
  chmod +x "$r/init"
  ( cd "$r" && find . | cpio -o -H newc --quiet ) > "$work/initrd.cpio" || fail "cpio failed"
  echo "vivid-test: initramfs $(( $(stat -c %s "$work/initrd.cpio") / 1048576 )) MiB"
}

boot() {
  local log="$work/console.log"
  local t0; t0=$(date +%s.%N)
  # A bound for a hung guest only (a normal run takes 20-30 s): each wait inside is bounded too.
  timeout $((wait_s * 3 + 60)) "$qemu" "${qemu_args[@]}" -nographic -no-reboot \
    -kernel "$vmlinuz" -initrd "$work/initrd.cpio" \
    -append "console=$console panic=-1 ${VIVID_KERNEL_ARGS:-quiet loglevel=3} rdinit=/init" >"$log" 2>&1 \
    || echo "vivid-test: qemu exited with status $?" >&2
  vm_seconds=$(elapsed "$t0")
  # Drop carriage returns and the terminal escapes the firmware prints before the first line.
  tr -d '\r' < "$log" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g' > "$work/console.txt"
}

check() {
  local c="$work/console.txt"
  grep 'VIVID-ERROR' "$c" >&2 && fail "the guest reported errors (log: $c)"
  grep -q 'VIVID-EXIT ' "$c" || { tail -40 "$c" >&2; fail "the guest never ran the daemon to its end (log: $c)"; }
  sed -n 's/^.*VIVID-JSON //p' "$c" > "$work/out.jsonl"
  python3 - "$work/out.jsonl" "$c" "$results" <<'PY' || fail "checks failed (log: $work/console.txt)"
import json, sys
path, console, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = [json.loads(l) for l in open(path) if l.strip()]
kinds = [l["type"] for l in lines]
text = open(console).read()
status = int(text.split("VIVID-EXIT ")[1].split()[0])
errs = []
if status != 0: errs.append(f"exit status {status}, want 0")
if not kinds or kinds[0] != "start": errs.append("no start line first")
if not kinds or kinds[-1] != "stop": errs.append("no stop line last")
start = lines[0] if lines else {}
if "v4l2 /dev/video0" not in start.get("source", ""): errs.append(f"start source: {start.get('source')}")
results = [l for l in lines if l["type"] == "result"]
if len(results) < want: errs.append(f"{len(results)} results, want >= {want}")
for r in results:
    if r.get("source") != "/dev/video0" or not r.get("top") or not r["top"][0].get("label"):
        errs.append(f"bad result line: {r}")
        break
errors = [l for l in lines if l["type"] == "error"]
lost = [l for l in errors if l.get("kind") == "disconnected"]
back = [l for l in errors if l.get("kind") == "reconnected"]
if not lost: errs.append("no disconnected line after vivid's Disconnect control")
if not back: errs.append("no reconnected line after vivid came back")
elif not any(r["mono_ns"] > back[0]["mono_ns"] for r in results):
    errs.append("no result after the reconnection")
others = [l for l in errors if l.get("kind") not in ("disconnected", "reconnected")]
if others: errs.append(f"unexpected error lines: {others[:3]}")
stop = lines[-1] if lines else {}
if lines and stop.get("type") == "stop":
    if stop.get("classified", 0) < want: errs.append(f"stop: classified {stop.get('classified')}")
    if stop.get("captured", 0) < stop.get("classified", 0): errs.append("stop: captured < classified")
up = {}
for l in text.splitlines():
    if "VIVID-UPTIME " in l:
        f = l[l.index("VIVID-UPTIME "):].split()
        if f[1] == "modules": up["modules"] = float(f[2])
        if f[1] == "serving": up["serving"], up["results"] = float(f[2]), float(f[4])
        if f[1] == "sigterm": up["sigterm"] = float(f[2])
        if f[1] == "stopped": up["stopped"] = float(f[2])
import re
for fmt, fourcc in (("nv12", "NV12"), ("grey", "GREY"), ("mjpeg", None)):
    m = re.search(rf"VIVID-FORMAT {fmt} exit (\d+)", text)
    if not m:
        errs.append(f"--format {fmt}: never ran")
        continue
    rc = int(m.group(1))
    out = [json.loads(l.split(f"VIVID-FORMAT-JSON {fmt} ", 1)[1]) for l in text.splitlines()
           if f"VIVID-FORMAT-JSON {fmt} " in l]
    err = " ".join(l.split(f"VIVID-FORMAT-STDERR {fmt} ", 1)[1] for l in text.splitlines()
                   if f"VIVID-FORMAT-STDERR {fmt} " in l)
    if fourcc:
        got = [l for l in out if l["type"] == "result"]
        src = out[0].get("source", "") if out else ""
        if rc != 0 or len(got) != 2 or f" {fourcc} " not in src:
            errs.append(f"--format {fmt}: exit {rc}, {len(got)} results, source {src!r}, stderr {err!r}")
        else:
            print(f"vivid-test: --format {fmt}: {src}; 2 results, top {got[-1]['top'][0]['label']}")
    else:
        if rc == 0 or "offers" not in err:
            errs.append(f"--format {fmt} should be refused: exit {rc}, stderr {err!r}")
        else:
            print(f"vivid-test: --format {fmt} refused: {err.strip()[:160]}")
# /metrics, scraped inside the guest after the first results: Prometheus text with the counters
# the JSON lines agree with at that moment (they only rise after it).
if "VIVID-METRICS-END" not in text:
    errs.append("no /metrics answer from inside the guest")
else:
    metrics = {}
    for l in text.splitlines():
        if "VIVID-METRICS " in l:
            f = l.split("VIVID-METRICS ", 1)[1].split()
            if len(f) == 2 and not f[0].startswith("#"):
                metrics[f[0]] = float(f[1])
    got = {k: metrics.get(k) for k in ("vigil_frames_captured_total", "vigil_frames_classified_total",
                                        "vigil_inference_seconds_count", "vigil_uptime_seconds")}
    if None in got.values():
        errs.append(f"/metrics lacks some of {sorted(got)}: {sorted(metrics)[:12]}")
    else:
        c, k = got["vigil_frames_captured_total"], got["vigil_frames_classified_total"]
        # The scrape follows the want-th result line. The histograms are fed with each result
        # line, the counters only after it, so the counters may be one frame behind both.
        n = got["vigil_inference_seconds_count"]
        if k < want - 1 or c < k or not k <= n <= k + 1 or got["vigil_uptime_seconds"] <= 0:
            errs.append(f"/metrics disagrees: {got} (want >= {want - 1} classified, captured >= classified, "
                        "one inference per classified frame, give or take the frame in flight)")
        elif stop.get("type") == "stop" and k > stop.get("classified", 0):
            errs.append(f"/metrics says {k} classified, more than the stop line's {stop.get('classified')}")
        else:
            print(f"vivid-test: /metrics from the guest: {len(metrics)} samples, captured {c:.0f}, "
                  f"classified {k:.0f}, inference count {got['vigil_inference_seconds_count']:.0f}")
for e in errs: print("vivid-test: " + e, file=sys.stderr)
print(f"vivid-test: {start.get('source')}")
if results:
    r = results[-1]
    print(f"vivid-test: {len(results)} results, last: frame {r['frame']} top {r['top'][0]['label']} "
          f"{r['top'][0]['score']} latency_ms {json.dumps(r.get('latency_ms'))}")
if stop.get("type") == "stop":
    print(f"vivid-test: stop: reason {json.dumps(stop.get('reason'))} captured {stop.get('captured')} "
          f"classified {stop.get('classified')} dropped {stop.get('dropped')} bad {stop.get('bad')}")
if lost and back:
    print(f"vivid-test: unplugged and back: {lost[0]['message']} / reopened after "
          f"{(back[0]['mono_ns'] - lost[0]['mono_ns']) / 1e6:.0f} ms")
if {"modules", "serving", "results", "stopped"} <= up.keys():
    print(f"vivid-test: guest uptime: modules loaded {up['modules']:.1f} s, {want} results "
          f"{up['results'] - up['serving']:.1f} s after start, SIGTERM to exit "
          f"{up['stopped'] - up.get('sigterm', up['results']):.2f} s")
sys.exit(1 if errs else 0)
PY
}

configure
fetch_kernel
resolve_modules
t_build=$(date +%s.%N)
build_binary
build_seconds=$(elapsed "$t_build")
make_initramfs
boot
check
echo "vivid-test: OK ($arch): build ${build_seconds} s, VM ${vm_seconds} s, total $(elapsed "$t_start") s"
