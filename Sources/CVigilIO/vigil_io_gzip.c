// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Reads a file that may be gzip-compressed (datasets such as Fashion-MNIST ship as .gz).
// Exists because Swift has no zlib binding on Linux: zlib's gzread decompresses gzip data and
// passes any other file through unchanged, so one call serves both.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "vigil_io.h"
#include "vigil_io_internal.h"

// gzread: 0 is the end of the data, -1 an error (zlib's text in the message). One call reads at
// most 2^30 bytes, so the count fits gzread's unsigned and int.
static vgl_io_status read_gzip(void *source, uint8_t *dst, size_t want, size_t *got, bool *end,
                               const char *path, char *msg, size_t cap) {
  gzFile file = source;
  unsigned chunk = want > (1u << 30) ? (1u << 30) : (unsigned)want;
  int count = gzread(file, dst, chunk);
  if (count < 0) {
    int zerr = 0;
    const char *text = gzerror(file, &zerr);
    return vgl_io_fail(VGL_IO_E_CORRUPT, msg, cap, "'%s' is not readable gzip data: %s", path,
                       text);
  }
  if (count == 0) {
    // gzread returns what it has, then 0, for a stream cut short: zlib only says so through
    // gzerror's Z_BUF_ERROR.
    int zerr = Z_OK;
    (void)gzerror(file, &zerr);
    if (zerr == Z_BUF_ERROR) {
      return vgl_io_fail(VGL_IO_E_CORRUPT, msg, cap,
                         "'%s' is truncated gzip data (the stream ends early)", path);
    }
  }
  *got = (size_t)count;
  *end = count == 0;
  return VGL_IO_OK;
}

vgl_io_status vgl_io_read_file_gunzip(const char *path, size_t max_bytes, uint8_t **buf_out,
                                      size_t *len_out, char *msg, size_t msg_cap) {
  if (path == NULL || buf_out == NULL || len_out == NULL) {
    return vgl_io_fail(VGL_IO_E_ARGUMENT, msg, msg_cap, "vgl_io_read_file_gunzip: NULL argument");
  }
  *buf_out = NULL;
  *len_out = 0;
  errno = 0;
  gzFile file = gzopen(path, "rb");
  if (file == NULL) {
    int e = errno;
    // The path is added by the caller's message (ImageError.cannotOpen), as for vgl_io_read_file.
    return vgl_io_fail(VGL_IO_E_OPEN, msg, msg_cap, "%s", e != 0 ? strerror(e) : "out of memory");
  }
  // Decompressed size is unknown up front: vgl_io_read_stream grows its buffer up to the cap.
  vgl_io_status status =
      vgl_io_read_stream(read_gzip, file, path, max_bytes, buf_out, len_out, msg, msg_cap);
  const int closed = gzclose(file);
  if (status == VGL_IO_OK && closed == Z_BUF_ERROR) {
    free(*buf_out);
    *buf_out = NULL;
    *len_out = 0;
    return vgl_io_fail(VGL_IO_E_CORRUPT, msg, msg_cap,
                       "'%s' is truncated gzip data (the stream ends early)", path);
  }
  if (status == VGL_IO_E_TOO_BIG) {
    return vgl_io_fail(status, msg, msg_cap, "'%s' holds more than %zu bytes (decompressed)", path,
                       max_bytes);
  }
  return status;
}
