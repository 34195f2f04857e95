// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Reads a file that may be gzip-compressed (datasets such as Fashion-MNIST ship as .gz).
// Exists because Swift has no zlib binding on Linux: zlib's gzread decompresses gzip data and
// passes any other file through unchanged, so one call serves both.
#include <errno.h>
#include <stdlib.h>
#include <zlib.h>

#include "vigil_io.h"
#include "vigil_io_internal.h"

vgl_io_status vgl_io_read_file_gunzip(const char *path, size_t max_bytes, uint8_t **buf_out,
                                      size_t *len_out, char *msg, size_t msg_cap) {
  if (path == NULL || buf_out == NULL || len_out == NULL) {
    return vgl_io_fail(VGL_IO_E_ARGUMENT, msg, msg_cap, "vgl_io_read_file_gunzip: NULL argument");
  }
  *buf_out = NULL;
  *len_out = 0;
  gzFile file = gzopen(path, "rb");
  if (file == NULL) {
    return vgl_io_fail(VGL_IO_E_OPEN, msg, msg_cap, "%s",
                       errno != 0 ? "cannot open the file" : "out of memory opening the file");
  }
  // Decompressed size is unknown up front: grow geometrically up to the cap (+1 to tell "too
  // big" from "exactly the cap").
  size_t limit = max_bytes < SIZE_MAX ? max_bytes + 1 : SIZE_MAX;
  size_t cap = limit < 65536 ? limit : 65536, used = 0;
  uint8_t *data = malloc(cap == 0 ? 1 : cap);
  if (data == NULL) {
    gzclose(file);
    return vgl_io_fail(VGL_IO_E_NOMEM, msg, msg_cap, "out of memory reading '%s'", path);
  }
  for (;;) {
    if (used == cap) {
      if (cap == limit) break;
      size_t next = cap <= limit / 2 ? cap * 2 : limit;
      uint8_t *grown = realloc(data, next);
      if (grown == NULL) {
        free(data);
        gzclose(file);
        return vgl_io_fail(VGL_IO_E_NOMEM, msg, msg_cap, "out of memory reading '%s'", path);
      }
      data = grown;
      cap = next;
    }
    size_t want = cap - used;
    unsigned chunk = want > (1u << 30) ? (1u << 30) : (unsigned)want;
    int got = gzread(file, data + used, chunk);
    if (got < 0) {
      int zerr = 0;
      const char *text = gzerror(file, &zerr);
      vgl_io_status st = vgl_io_fail(VGL_IO_E_CORRUPT, msg, msg_cap,
                                     "'%s' is not readable gzip data: %s", path, text);
      free(data);
      gzclose(file);
      return st;
    }
    used += (size_t)got;
    if (got == 0) break;  // end of data
  }
  gzclose(file);
  if (used > max_bytes) {
    free(data);
    return vgl_io_fail(VGL_IO_E_TOO_BIG, msg, msg_cap,
                       "'%s' holds more than %zu bytes (decompressed)", path, max_bytes);
  }
  *buf_out = data;
  *len_out = used;
  return VGL_IO_OK;
}
