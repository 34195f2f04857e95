// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// A correction to the Embedded Swift runtime of the toolchain (Swift 6.3), linked into every
// board build with `-Wl,--wrap=` (Tools/cross-build.sh).
//
// swift_bridgeObjectRetain(_n) must return its argument unchanged: the compiler declares the
// result as the argument itself (LLVM's `returned`), so the code after a retain may keep using
// the returned register in place of the value it passed in. The toolchain's Embedded runtime
// (EmbeddedRuntime.swift) instead returns the *untagged* object, the value with the
// bridge-object tag bits masked off (on aarch64, & 0x8ffffffffffffff8). Where the code
// generator takes the result, a String's object word loses its tag bits: a small string
// (up to 15 UTF-8 bytes held inline, such as "/dev/video0") turns into a "large" one whose
// address is its own text, and the first read of it faults. This is how the aarch64 board
// build crashed at the first camera frame (the frame's origin, the device path, copied out of
// the camera settings with a retain). The x86-64 build happened to ignore the result.
//
// The wrappers do the retain through the runtime's own function and return the argument, as
// the ABI says. `vgl_board_runtime_check`, run by main() before anything else, verifies the
// contract on the binary as linked: a build without the wrappers refuses to start (exit 70)
// instead of faulting later on some string.
#include <stdint.h>

void *__real_swift_bridgeObjectRetain(void *object);
void *__real_swift_bridgeObjectRetain_n(void *object, uint32_t n);

void *__wrap_swift_bridgeObjectRetain(void *object) {
  (void)__real_swift_bridgeObjectRetain(object);
  return object;
}

void *__wrap_swift_bridgeObjectRetain_n(void *object, uint32_t n) {
  (void)__real_swift_bridgeObjectRetain_n(object, n);
  return object;
}

#if UINTPTR_MAX > 0xffffffffu
void *swift_bridgeObjectRetain(void *object);  // resolves to the wrapper once linked

int vgl_board_runtime_check(void) {
  // The object word of the small string "/dev/video0": immortal, small, ASCII, 11 bytes, its
  // last three bytes inline. Immortal, so the retain itself touches no memory.
  void *small = (void *)(uintptr_t)0xEB00000000306f65u;
  return swift_bridgeObjectRetain(small) == small ? 0 : -1;
}
#else
// 32-bit targets: String holds no bridge object there (nothing calls the function).
int vgl_board_runtime_check(void) { return 0; }
#endif
