// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The few libc services the Embedded Swift firmware needs. Embedded Swift cannot import Glibc,
// and its target triple (aarch64-none-none-elf, armv7-none-none-eabi) has no libc headers, so
// this header uses only the compiler's freestanding <stddef.h> and <stdint.h>; board.c, built
// by the target's C compiler against glibc, implements each call. Every function says why it
// exists.
#ifndef VIGIL_BOARD_H
#define VIGIL_BOARD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Writes all `length` bytes to file descriptor `fd` (1 stdout, 2 stderr), retrying short
/// writes and EINTR. Returns 0, or -1 when the write failed (errno kept). Exists because
/// Embedded Swift's print() reaches only stdout, one putchar at a time.
int vgl_board_write(int fd, const void *bytes, size_t length);

/// glibc's exp(). Exists because Embedded Swift has no Foundation or Glibc module; the host
/// CLI's softmax calls the same glibc function.
double vgl_board_exp(double x);

/// strtod() in the C locale (the firmware never calls setlocale). Writes the value and returns
/// 1 when `text` is a whole number, 0 otherwise. Exists because Embedded Swift's Double(String)
/// is not available; strtod and Swift's parser both round correctly.
int vgl_board_parse_double(const char *text, double *value_out);

/// CLOCK_MONOTONIC in nanoseconds. Exists for bench: Embedded Swift has no clock.
uint64_t vgl_board_monotonic_ns(void);

/// getenv(); NULL when unset.
const char *vgl_board_getenv(const char *name);

/// The size in bytes of the regular file at `path`, or -1 (errno kept) when stat fails.
int64_t vgl_board_file_size(const char *path);

/// The first "model name" (x86) or "Model" / "CPU part" line's value in /proc/cpuinfo, copied
/// into `buffer` (NUL-terminated), or "unknown".
void vgl_board_cpu_name(char *buffer, size_t capacity);

/// The architecture this binary was built for: "aarch64", "armv7" or "x86_64".
const char *vgl_board_arch(void);

/// The version string the build passed (VGL_BOARD_VERSION), e.g. "0.1.0 (abc1234)".
const char *vgl_board_version(void);

/// The model linked into the firmware by `Tools/cross-build.sh --embed-model`: its bytes
/// (VGL_MODEL_ALIGNMENT-aligned, read-only, for the life of the process) and size. Returns 0
/// and NULL/0 when the build embedded none.
int vgl_board_embedded_model(const void **data_out, size_t *size_out);

/// The name of the embedded model file as given to the build (basename), or "".
const char *vgl_board_embedded_model_name(void);

#ifdef __cplusplus
}
#endif

#endif  // VIGIL_BOARD_H
