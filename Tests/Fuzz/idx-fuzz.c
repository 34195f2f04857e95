// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for the IDX reader and its gzip layer (vgl_io_read_idx,
// vgl_io_read_file_gunzip). Both take a path, so each input is written to a memfd and read
// back through /proc/self/fd. The cap is small so that a header declaring gigabytes is
// refused, and a bomb must stop at the declared size rather than the cap.
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vigil_io.h"

enum { kCap = 1 << 20 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int fd = -1;
  if (fd < 0) fd = memfd_create("idx-fuzz", 0);
  if (fd < 0) __builtin_trap();
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size) __builtin_trap();
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  char msg[256];
  uint8_t *buf = NULL;
  size_t len = 0;
  msg[0] = '\0';
  vgl_io_status st = vgl_io_read_idx(path, kCap, &buf, &len, msg, sizeof msg);
  if (st == VGL_IO_OK) {
    if (len < 8 || len > kCap || buf == NULL) __builtin_trap();
    vgl_io_free(buf);
  } else if (msg[0] == '\0' || buf != NULL) {
    __builtin_trap();
  }
  buf = NULL;
  st = vgl_io_read_file_gunzip(path, kCap, &buf, &len, msg, sizeof msg);
  if (st == VGL_IO_OK) {
    if (len > kCap) __builtin_trap();
    vgl_io_free(buf);
  }
  return 0;
}
