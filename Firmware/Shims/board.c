// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The libc side of vigil_board.h, and the process entry point: C's main() hands argc/argv to
// the Swift entry (Embedded Swift has no CommandLine).
#define _GNU_SOURCE  // strtod_l, newlocale
#include "vigil_board.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef VGL_BOARD_VERSION
#define VGL_BOARD_VERSION "unversioned"
#endif

int vigil_board_main(int argc, char **argv);  // Firmware/Sources/Main.swift

int vgl_board_runtime_check(void);  // runtime-fixes.c

int main(int argc, char **argv) {
  if (vgl_board_runtime_check() != 0) {
    static const char why[] =
        "vigil-board: internal error: this build's Swift runtime breaks small strings "
        "(swift_bridgeObjectRetain does not return its argument); rebuild with "
        "Tools/cross-build.sh, which links Firmware/Shims/runtime-fixes.c\n";
    (void)!write(2, why, sizeof why - 1);
    return 70;
  }
  // stdout is written through vgl_board_write only; nothing is buffered in stdio.
  return vigil_board_main(argc, argv);
}

int vgl_board_write(int fd, const void *bytes, size_t length) {
  const char *p = bytes;
  while (length > 0) {
    ssize_t n = write(fd, p, length);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += n;
    length -= (size_t)n;
  }
  return 0;
}

double vgl_board_exp(double x) { return exp(x); }

// The Swift runtime's number parser, which the Embedded stdlib's Double(String) (used by the
// daemon's option parser) calls but does not define: strtod in the C locale; returns the end
// of the parsed text (Swift succeeds only when that is the string's end), or NULL.
const char *_swift_stdlib_strtod_clocale(const char *nptr, double *out_result);
const char *_swift_stdlib_strtod_clocale(const char *nptr, double *out_result) {
  static locale_t c_locale;
  if (c_locale == (locale_t)0) c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
  if (c_locale == (locale_t)0) return NULL;
  char *end = NULL;
  *out_result = strtod_l(nptr, &end, c_locale);
  return end;
}

int vgl_board_parse_double(const char *text, double *value_out) {
  if (text == NULL || *text == '\0') return 0;
  char *end = NULL;
  errno = 0;
  double v = strtod(text, &end);
  if (end == text || *end != '\0') return 0;
  *value_out = v;
  return 1;
}

uint64_t vgl_board_monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const char *vgl_board_getenv(const char *name) { return getenv(name); }

int64_t vgl_board_file_size(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) return -1;
  return (int64_t)st.st_size;
}

void vgl_board_cpu_name(char *buffer, size_t capacity) {
  if (capacity == 0) return;
  snprintf(buffer, capacity, "unknown");
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (f == NULL) return;
  char line[512];
  // x86 has "model name"; ARM kernels give "Model" (device tree) or only "CPU part".
  static const char *const keys[] = {"model name", "Model", "CPU part"};
  char found[3][256] = {{0}};
  while (fgets(line, sizeof line, f) != NULL) {
    for (int k = 0; k < 3; k++) {
      size_t n = strlen(keys[k]);
      if (found[k][0] == 0 && strncmp(line, keys[k], n) == 0) {
        const char *colon = strchr(line, ':');
        if (colon == NULL) continue;
        colon++;
        while (*colon == ' ' || *colon == '\t') colon++;
        snprintf(found[k], sizeof found[k], "%s", colon);
        found[k][strcspn(found[k], "\r\n")] = 0;
      }
    }
  }
  fclose(f);
  for (int k = 0; k < 3; k++) {
    if (found[k][0] != 0) {
      snprintf(buffer, capacity, "%s%s", k == 2 ? "CPU part " : "", found[k]);
      return;
    }
  }
}

const char *vgl_board_arch(void) {
#if defined(__aarch64__)
  return "aarch64";
#elif defined(__arm__)
  return "armv7";
#elif defined(__x86_64__)
  return "x86_64";
#else
  return "unknown";
#endif
}

const char *vgl_board_version(void) { return VGL_BOARD_VERSION; }
