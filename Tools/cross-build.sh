#!/usr/bin/env bash
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
#
# Builds the board firmware, one static Embedded Swift binary:
#   Tools/cross-build.sh aarch64                     # build/aarch64/vigil-board
#   Tools/cross-build.sh armv7                       # build/armv7/vigil-board (hard float)
#   Tools/cross-build.sh host                        # build/host/vigil-board (x86-64, for CI)
#   Tools/cross-build.sh aarch64 --embed-model weights/fashion-mnist/mobilevigv2-fmnist.vigil
#
# On a fresh Debian 12 machine with the Swift toolchain (swiftc, clang and lld) on PATH it
# installs what is missing (cross gcc, qemu-user-static, file), idempotently, and puts the
# target's libjpeg, libpng and zlib in a private sysroot under build/sysroot-<arch>/ with
# `apt-get download` + `dpkg -x` from a private apt state (the machine's own apt sources,
# lists and architectures are not touched).
#
# The C parts (CKernels, CVigilIO, CVigilSys when the daemon is in the tree, the shims) are compiled by the gcc cross compiler,
# so OpenMP links statically through libgomp.a when the kernels use it; the Swift parts by
# swiftc in Embedded mode; clang with lld links everything with -static. The result is
# stripped and its size printed. Also written: build/<arch>/undefined-symbols.txt (what the
# Swift code takes from libc and the runtime; Tools/firmware-check.sh compares it with the
# committed Firmware/undefined-symbols-<arch>.txt).
set -euo pipefail

usage() {
  echo "usage: $0 aarch64|armv7|host [--embed-model FILE.vigil] [--out DIR]" >&2
  exit 2
}
[[ $# -ge 1 ]] || usage
arch="$1"
shift
embed_model=""
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --embed-model) [[ $# -ge 2 ]] || usage; embed_model="$2"; shift 2 ;;
    --out) [[ $# -ge 2 ]] || usage; out="$2"; shift 2 ;;
    *) echo "cross-build: unknown argument '$1'" >&2; usage ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${out:-$root/build/$arch}"

# --- Target settings: every non-obvious flag is here ---------------------------------------
case "$arch" in
  aarch64)
    triple=aarch64-linux-gnu            # gcc cross compiler and binutils prefix
    deb_arch=arm64                      # Debian's name for the target
    swift_target=aarch64-none-none-elf  # the Embedded Swift stdlib for 64-bit ARM
    clang_target=aarch64-linux-gnu
    compiler_packages=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu)
    c_arch_flags=()
    swift_arch_flags=()
    ;;
  armv7)
    triple=arm-linux-gnueabihf
    deb_arch=armhf
    swift_target=armv7-none-none-eabi
    clang_target=armv7a-linux-gnueabihf
    compiler_packages=(gcc-arm-linux-gnueabihf libc6-dev-armhf-cross binutils-arm-linux-gnueabihf)
    # Debian armhf's baseline: ARMv7-A, VFPv3-D16, hard-float calling convention. NEON is not
    # assumed: the kernels choose NEON at run time (function-level target attributes).
    c_arch_flags=(-march=armv7-a -mfloat-abi=hard -mfpu=vfpv3-d16)
    # Without -mfloat-abi=hard the link succeeds and every float argument arrives wrong.
    swift_arch_flags=(-Xcc -mfloat-abi=hard -Xcc -mfpu=vfpv3-d16 -Xcc -march=armv7-a)
    ;;
  host)
    triple=""
    deb_arch=""
    swift_target="$(uname -m)-unknown-linux-gnu"
    clang_target="$(uname -m)-linux-gnu"
    compiler_packages=(gcc libc6-dev libjpeg-dev libpng-dev zlib1g-dev)
    c_arch_flags=()
    swift_arch_flags=()
    ;;
  *) usage ;;
esac
cc="${triple:+$triple-}gcc"
strip="${triple:+$triple-}strip"

# --- Tools on this machine ------------------------------------------------------------------
for tool in swiftc clang ld.lld; do
  command -v "$tool" >/dev/null || {
    echo "cross-build: '$tool' not found: put the Swift toolchain's usr/bin on PATH (swift.org, 6.3)" >&2
    exit 1
  }
done
missing=()
for package in "${compiler_packages[@]}" qemu-user-static file; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  echo "cross-build: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
fi

# --- Target C libraries in a private sysroot ----------------------------------------------
target_packages=(libjpeg62-turbo-dev libpng-dev zlib1g-dev)
if [[ "$arch" == host ]]; then
  sysroot=""
  lib_dir="/usr/lib/$(uname -m)-linux-gnu"
  c_include_flags=()
else
  sysroot="$root/build/sysroot-$deb_arch"
  lib_dir="$sysroot/usr/lib/$triple"
  c_include_flags=(-isystem "$sysroot/usr/include" -isystem "$sysroot/usr/include/$triple")
  stamp="$sysroot/.packages"
  if [[ "$(cat "$stamp" 2>/dev/null)" != "${target_packages[*]}" ]] \
    || [[ ! -f "$lib_dir/libjpeg.a" || ! -f "$lib_dir/libpng16.a" || ! -f "$lib_dir/libz.a" ]]; then
    echo "cross-build: fetching ${target_packages[*]} for $deb_arch into $sysroot"
    apt_dir="$root/build/apt-$deb_arch"
    rm -rf "$sysroot" "$apt_dir"
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs" "$sysroot"
    # A private apt state: the machine's sources, but our own lists, cache and architecture,
    # so nothing of the system's apt changes (no dpkg --add-architecture). apt-get update can
    # exit non-zero over one stale index while the one we need is fine: judge by the download.
    apt_options=(
      -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
      -o "Dir::State::status=/dev/null" -o "APT::Architecture=$deb_arch"
      -o "APT::Architectures::=$deb_arch" -o "APT::Sandbox::User=root"
    )
    apt-get -qq "${apt_options[@]}" update || echo "cross-build: apt-get update exited $?; trying the download anyway" >&2
    (cd "$apt_dir/debs" && apt-get -qq "${apt_options[@]}" download "${target_packages[@]}") || {
      echo "cross-build: could not download ${target_packages[*]} for $deb_arch (see apt's message above); check the network and /etc/apt/sources.list" >&2
      exit 1
    }
    for deb in "$apt_dir/debs"/*.deb; do dpkg -x "$deb" "$sysroot"; done
    rm -rf "$apt_dir"
    echo "${target_packages[*]}" > "$stamp"
  fi
fi
for lib in libjpeg.a libpng16.a libz.a; do
  [[ -f "$lib_dir/$lib" ]] || { echo "cross-build: $lib_dir/$lib missing" >&2; exit 1; }
done

# --- Compile -------------------------------------------------------------------------------
rm -rf "$out/obj"
mkdir -p "$out/obj/c" "$out/obj/swift"
version="0.1.0"
if commit="$(git -C "$root" rev-parse --short=10 HEAD 2>/dev/null)"; then version+=" ($commit)"; fi

# OpenMP: when the kernels use it, gcc compiles them with -fopenmp and libgomp.a links in.
openmp_flags=()
if grep -rqs '#pragma omp' "$root/CKernels"; then openmp_flags=(-fopenmp); fi

common_c_flags=(
  -std=c11 -O3 -Wall -Wextra -Werror
  -ffp-contract=off          # the int8 contract: no fused multiply-add (CKernels/Makefile)
  -DNDEBUG                   # a release build: no per-element asserts (validation stays)
  -ffunction-sections -fdata-sections  # lets the linker drop what nothing calls
  "${c_arch_flags[@]}"
)
compile_c() {  # compile_c OUTPUT SOURCE FLAGS...
  local output="$1" source="$2"
  shift 2
  "$cc" "${common_c_flags[@]}" "$@" -c "$source" -o "$output"
}
c_objects=()
# Every .c file under CKernels/runtime and CKernels/kernels: new kernel files land by themselves.
while IFS= read -r source; do
  rel="${source#"$root"/CKernels/}"
  object="$out/obj/c/ckernels-${rel//\//-}.o"
  compile_c "$object" "$source" "${openmp_flags[@]}" -I "$root/CKernels/include" -I "$root/CKernels/kernels" &
  c_objects+=("$object")
  [[ $(jobs -r | wc -l) -lt 2 ]] || wait -n
done < <(find "$root/CKernels/runtime" "$root/CKernels/kernels" -name '*.c' | sort)
for source in "$root"/Sources/CVigilIO/*.c; do
  object="$out/obj/c/cvigilio-$(basename "$source" .c).o"
  compile_c "$object" "$source" -I "$root/Sources/CVigilIO/include" "${c_include_flags[@]}" &
  c_objects+=("$object")
  [[ $(jobs -r | wc -l) -lt 2 ]] || wait -n
done
wait
# The daemon core, when the tree has it: its C shims here, its Swift module below.
daemon=0
if [[ -d "$root/Sources/VigilDaemon" && -d "$root/Sources/CVigilSys" ]]; then
  daemon=1
  for source in "$root"/Sources/CVigilSys/*.c; do
    object="$out/obj/c/cvigilsys-$(basename "$source" .c).o"
    compile_c "$object" "$source" -I "$root/Sources/CVigilSys/include" &
    c_objects+=("$object")
    [[ $(jobs -r | wc -l) -lt 2 ]] || wait -n
  done
  wait
fi
# A release build: no C object may call assert (NDEBUG above removes every VGL_DCHECK).
if asserting="$(nm -u "${c_objects[@]}" | grep -E '__assert(_fail|_rtn)?$')"; then
  echo "cross-build: C objects still call assert, so NDEBUG did not reach them: $asserting" >&2
  exit 1
fi
compile_c "$out/obj/c/board.o" "$root/Firmware/Shims/board.c" -I "$root/Firmware/Shims/include" \
  "-DVGL_BOARD_VERSION=\"$version\""
c_objects+=("$out/obj/c/board.o")
model_flags=()
if [[ -n "$embed_model" ]]; then
  [[ -f "$embed_model" ]] || { echo "cross-build: --embed-model: no file '$embed_model'" >&2; exit 1; }
  model_path="$(cd "$(dirname "$embed_model")" && pwd)/$(basename "$embed_model")"
  if [[ "$model_path" == *[\"\\]* || "$model_path" == *$'\n'* ]]; then
    echo "cross-build: --embed-model: the path may not hold quotes, backslashes or newlines" >&2
    exit 1
  fi
  model_flags=("-DVGL_BOARD_MODEL_FILE=\"$model_path\"" "-DVGL_BOARD_MODEL_NAME=\"$(basename "$model_path")\"")
fi
compile_c "$out/obj/c/board-model.o" "$root/Firmware/Shims/board-model.c" \
  -I "$root/Firmware/Shims/include" "${model_flags[@]}"
c_objects+=("$out/obj/c/board-model.o")
# A correction to the Embedded Swift runtime's swift_bridgeObjectRetain (it returns the untagged
# object instead of its argument, which breaks small strings): Firmware/Shims/runtime-fixes.c.
compile_c "$out/obj/c/runtime-fixes.o" "$root/Firmware/Shims/runtime-fixes.c"
c_objects+=("$out/obj/c/runtime-fixes.o")
runtime_wraps=(-Wl,--wrap=swift_bridgeObjectRetain -Wl,--wrap=swift_bridgeObjectRetain_n)

swift_flags=(
  -target "$swift_target" "${swift_arch_flags[@]}"
  -enable-experimental-feature Embedded -wmo -parse-as-library -Osize
  -Xcc -ffp-contract=off
  -Xfrontend -function-sections
  # A fresh module cache per build: clang does not notice a header added to an umbrella
  # directory (CVigilSys), so a shared cache could serve a stale module.
  -module-cache-path "$out/obj/module-cache"
  -I "$root/CKernels/include" -I "$root/Sources/CVigilIO/include" -I "$root/Firmware/Shims/include"
)
swiftc "${swift_flags[@]}" -module-name VigilCore -emit-module \
  -emit-module-path "$out/obj/swift/VigilCore.swiftmodule" \
  -c -o "$out/obj/swift/VigilCore.o" "$root"/Sources/VigilCore/*.swift
swift_objects=("$out/obj/swift/VigilCore.o")
board_flags=()
if [[ $daemon -eq 1 ]]; then
  # The daemon's shims include libc headers (sys/types.h), which the bare-metal Swift targets
  # lack: give the importer the cross glibc's headers.
  daemon_flags=(-I "$root/Sources/CVigilSys/include")
  [[ -z "$triple" ]] || daemon_flags+=(-Xcc -isystem -Xcc "/usr/$triple/include")
  mapfile -t daemon_sources < <(find "$root/Sources/VigilDaemon" -name '*.swift' | sort)
  swiftc "${swift_flags[@]}" "${daemon_flags[@]}" -module-name VigilDaemon -I "$out/obj/swift" \
    -emit-module -emit-module-path "$out/obj/swift/VigilDaemon.swiftmodule" \
    -c -o "$out/obj/swift/VigilDaemon.o" "${daemon_sources[@]}"
  swift_objects+=("$out/obj/swift/VigilDaemon.o")
  board_flags=("${daemon_flags[@]}" -D VIGIL_DAEMON)
fi
swiftc "${swift_flags[@]}" "${board_flags[@]}" -module-name VigilBoard -I "$out/obj/swift" \
  -c -o "$out/obj/swift/VigilBoard.o" "$root"/Firmware/Sources/*.swift
swift_objects+=("$out/obj/swift/VigilBoard.o")

# --- Link ----------------------------------------------------------------------------------
swift_lib="$(dirname "$(command -v swiftc)")/../lib/swift/embedded/$swift_target"
link_libs=("$lib_dir/libpng16.a" "$lib_dir/libjpeg.a" "$lib_dir/libz.a"
           "$swift_lib/libswiftUnicodeDataTables.a" -lm)
if [[ ${#openmp_flags[@]} -gt 0 ]]; then
  link_libs+=("$("$cc" -print-file-name=libgomp.a)" -lpthread)
fi
clang --target="$clang_target" -fuse-ld=lld -static -Wl,--gc-sections "${runtime_wraps[@]}" \
  "${swift_objects[@]}" "${c_objects[@]}" "${link_libs[@]}" -o "$out/vigil-board.unstripped"
"$strip" -o "$out/vigil-board" "$out/vigil-board.unstripped"

# What the Swift code takes from outside the project (libc, the Swift runtime's tables): its
# undefined symbols (nm -u) minus those the project's own C objects define. One a line.
ld.lld -r "${swift_objects[@]}" -o "$out/obj/swift/swift-combined.o"
nm --defined-only "${c_objects[@]}" | awk 'NF == 3 {print $3}' | LC_ALL=C sort -u > "$out/obj/c-defined.txt"
nm -u "$out/obj/swift/swift-combined.o" | awk '{print $NF}' | LC_ALL=C sort -u \
  | LC_ALL=C comm -23 - "$out/obj/c-defined.txt" > "$out/undefined-symbols.txt"

size=$(stat -c %s "$out/vigil-board")
echo "cross-build: $out/vigil-board: $size bytes ($(file -b "$out/vigil-board" | cut -d, -f1-2,5-7))"
