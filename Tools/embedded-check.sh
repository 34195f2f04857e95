#!/usr/bin/env bash
# Compiles the VigilCore and VigilDaemon modules in Embedded Swift for the host, so nothing outside the
# Embedded subset (Foundation, existentials, untyped throws, Codable, ...) creeps into the
# core that the board firmware links. Output in .build-embedded/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.build-embedded"
# A fresh Clang module cache each run, so no module built from older headers is reused.
rm -rf "$out/module-cache"
mkdir -p "$out/modules" "$out/module-cache"
# CVigilIO has no module map of its own (SwiftPM makes one); give the compiler one here.
cat > "$out/modules/module.modulemap" <<MAP
module CVigilIO {
  umbrella "$root/Sources/CVigilIO/include"
  export *
}
MAP
arch="$(uname -m)"
args=(
  -target "$arch-unknown-linux-gnu"
  -enable-experimental-feature Embedded
  -wmo -parse-as-library -Osize
  -module-name VigilCore
  -module-cache-path "$out/module-cache"
  -I "$root/CKernels/include"
  -I "$out/modules"
  -emit-module -emit-module-path "$out/VigilCore.swiftmodule"
  -c -o "$out/VigilCore.o"
)
swiftc "${args[@]}" "$root"/Sources/VigilCore/*.swift "$@"
echo "embedded-check: VigilCore compiles in Embedded Swift ($(stat -c %s "$out/VigilCore.o") bytes of object code)"
# The daemon core over VigilCore and the CVigilSys shims (which bring their own module map).
daemon_args=(
  -target "$arch-unknown-linux-gnu"
  -enable-experimental-feature Embedded
  -wmo -parse-as-library -Osize
  -module-name VigilDaemon
  -module-cache-path "$out/module-cache"
  -I "$out" -I "$root/CKernels/include" -I "$out/modules"
  -I "$root/Sources/CVigilSys/include"
  -c -o "$out/VigilDaemon.o"
)
mapfile -t daemon_sources < <(find "$root/Sources/VigilDaemon" -name '*.swift' | sort)
swiftc "${daemon_args[@]}" "${daemon_sources[@]}"
echo "embedded-check: VigilDaemon compiles in Embedded Swift ($(stat -c %s "$out/VigilDaemon.o") bytes of object code)"
