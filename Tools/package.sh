#!/usr/bin/env bash
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
#
# Builds the Debian package a board user installs, and tests it:
#   Tools/package.sh aarch64    # build/deb/vigil-board_<version>_arm64.deb
#   Tools/package.sh armv7      # build/deb/vigil-board_<version>_armhf.deb
#
# The package holds the static firmware (Tools/cross-build.sh, run when the binary is
# missing or older than its sources), the hardened systemd unit and default config from
# Firmware/package/, the shipped model and its labels. The test installs it into a scratch
# root (dpkg -x), runs the installed binary on a bundled frame under qemu, checks the unit with
# `systemd-analyze verify` against that root, and prints `systemd-analyze security`'s
# exposure score. A check that cannot run fails with the reason.
set -euo pipefail
usage() { echo "usage: $0 aarch64|armv7" >&2; exit 2; }
[[ $# -eq 1 ]] || usage
arch="$1"
case "$arch" in
  aarch64) deb_arch=arm64; qemu=(qemu-aarch64-static -cpu cortex-a53) ;;
  armv7) deb_arch=armhf; qemu=(qemu-arm-static -cpu cortex-a15) ;;
  *) usage ;;
esac
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

for package in dpkg-dev systemd; do  # dpkg-deb is in dpkg; systemd-analyze in systemd
  dpkg -s "$package" >/dev/null 2>&1 || {
    echo "package: installing $package"
    sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      -o DPkg::Lock::Timeout=300 "$package" >/dev/null
  }
done

binary="build/$arch/vigil-board"
if [[ ! -x "$binary" ]] || [[ -n "$(find Firmware Sources CKernels Tools/cross-build.sh -newer "$binary" -type f -print -quit)" ]]; then
  bash Tools/cross-build.sh "$arch"
fi
# The one version constant (also `vigil --version` and each model's toolkit.version).
version=$(sed -n 's/^ *public static let string = "\(.*\)"$/\1/p' Sources/VigilCore/Version.swift)
[[ -n "$version" ]] || { echo "package.sh: no version in Sources/VigilCore/Version.swift" >&2; exit 1; }
model=weights/fashion-mnist/mobilevigv2-fmnist.vigil
labels=weights/fashion-mnist/labels.txt

# --- Lay out the package ---------------------------------------------------------------------
stage="build/deb/$arch"
rm -rf "$stage"
install -D -m 0755 "$binary" "$stage/usr/bin/vigil-board"
install -D -m 0644 Firmware/package/vigil.service "$stage/lib/systemd/system/vigil.service"
install -D -m 0644 Firmware/package/vigil.conf "$stage/etc/vigil/vigil.conf"
install -D -m 0644 "$model" "$stage/usr/share/vigil/models/$(basename "$model")"
install -D -m 0644 "$labels" "$stage/usr/share/vigil/models/labels.txt"
install -D -m 0644 Firmware/README.md "$stage/usr/share/doc/vigil-board/README.md"
install -D -m 0644 weights/README.md "$stage/usr/share/doc/vigil-board/MODELS.md"
mkdir -p "$stage/DEBIAN"
installed_kib=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: vigil-board
Version: $version
Architecture: $deb_arch
Maintainer: The Vigil Authors <vigil@localhost>
Installed-Size: $installed_kib
Section: misc
Priority: optional
Recommends: systemd
Description: int8 MobileViGv2 image classifier for cameras and folders
 vigil-board classifies frames from a V4L2 camera, a watched folder or image files
 with an int8 MobileViGv2 model, and writes JSON lines. One static binary, a
 hardened systemd unit (vigil.service), a default config in /etc/vigil/ and a
 model trained on Fashion-MNIST with its labels.
CONTROL
echo /etc/vigil/vigil.conf > "$stage/DEBIAN/conffiles"
# Not enabled on install: the user picks the camera in /etc/vigil/vigil.conf first.
cat > "$stage/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null || true; fi
POSTINST
cat > "$stage/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null || true; fi
POSTRM
chmod 0755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/postrm"
deb="build/deb/vigil-board_${version}_${deb_arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "package: $deb: $(stat -c %s "$deb") bytes, installed $installed_kib KiB"

# --- Test: install into a scratch root, run, verify the unit ---------------------------------
fail=0
failed() { echo "package: FAIL: $*" >&2; fail=1; }
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
dpkg-deb -x "$deb" "$scratch"
for path in usr/bin/vigil-board lib/systemd/system/vigil.service etc/vigil/vigil.conf \
            usr/share/vigil/models/mobilevigv2-fmnist.vigil usr/share/vigil/models/labels.txt; do
  [[ -e "$scratch/$path" ]] || failed "$path missing from the package"
done
[[ "$(dpkg-deb -f "$deb" Architecture)" == "$deb_arch" ]] || failed "Architecture is not $deb_arch"
frame=Tests/Fixtures/samples/t10k-00000-ankle-boot.png
line="$("${qemu[@]}" "$scratch/usr/bin/vigil-board" classify --top 1 --json \
  "$scratch/usr/share/vigil/models/mobilevigv2-fmnist.vigil" "$frame")" || failed "installed binary: classify exited $?"
[[ "$line" == *'"label": "Ankle boot"'* ]] || failed "installed binary and model: $line"
model_in_conf="$(sed -n 's/^model = //p' "$scratch/etc/vigil/vigil.conf")"
[[ -f "$scratch$model_in_conf" ]] || failed "vigil.conf names $model_in_conf, which the package does not install"
if [[ -d Sources/VigilDaemon ]]; then
  # The default config is valid for the daemon: with the model path moved into the scratch
  # root it gets as far as opening the camera, which this machine does not have.
  sed "s|^model = |model = $scratch|" "$scratch/etc/vigil/vigil.conf" > "$scratch/vigil-test.conf"
  status=0
  "${qemu[@]}" "$scratch/usr/bin/vigil-board" serve --config "$scratch/vigil-test.conf" \
    > /dev/null 2> "$scratch/serve.err" || status=$?
  if [[ $status -ne 1 ]] || ! grep -q "camera /dev/video0" "$scratch/serve.err"; then
    failed "the default vigil.conf: serve exited $status: $(head -c 300 "$scratch/serve.err")"
  else
    echo "package: the default vigil.conf parses; serve stops at the missing camera, as it should here"
  fi
fi

# systemd-analyze verify needs the unit's binaries where the unit says, and the targets it
# depends on: it runs against the scratch root, which gets /bin/kill (ExecReload) and systemd's
# own units (sysinit.target, ...) from this machine, as a Debian system has them.
mkdir -p "$scratch/bin"
cp /bin/kill "$scratch/bin/kill"
[[ -d /lib/systemd/system ]] && cp -rn /lib/systemd/system/. "$scratch/lib/systemd/system/"
if ! command -v systemd-analyze >/dev/null; then
  failed "systemd-analyze not found (install the systemd package): the unit is not verified"
elif ! verify_output="$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --root="$scratch" \
      --man=no "$scratch/lib/systemd/system/vigil.service" 2>&1)"; then
  failed "systemd-analyze verify: $verify_output"
elif [[ -n "$verify_output" ]]; then
  failed "systemd-analyze verify printed warnings: $verify_output"
else
  echo "package: systemd-analyze verify: vigil.service passes"
fi
if security="$(systemd-analyze security --offline=yes --root="$scratch" vigil.service 2>&1)"; then
  score="$(grep -o 'Overall exposure level for vigil.service: .*' <<< "$security" | sed 's/\x1b\[[0-9;]*m//g')"
  [[ -n "$score" ]] || failed "systemd-analyze security printed no score: $security"
  echo "package: systemd-analyze security: ${score#Overall exposure level for vigil.service: }"
else
  failed "systemd-analyze security --offline: $security"
fi
if [[ $fail -ne 0 ]]; then
  echo "package: FAILED" >&2
  exit 1
fi
echo "package: installs into a scratch root, runs, unit verified"
