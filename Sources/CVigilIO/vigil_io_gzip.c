// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Reads a file that may be gzip-compressed (datasets such as Fashion-MNIST ship as .gz).
// Exists because Swift has no zlib binding on Linux: zlib's gzread decompresses gzip data and
// passes any other file through unchanged, so one call serves both.
#include <errno.h>
#include <unistd.h>
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

// A regular file only (vgl_io_open_regular), then handed to zlib. The path is added by the
// caller's message (ImageError.cannotOpen), as for vgl_io_read_file.
static vgl_io_status open_gzip(const char *path, gzFile *file_out, char *msg, size_t msg_cap) {
  int fd;
  vgl_io_status opened = vgl_io_open_regular(path, &fd, msg, msg_cap);
  if (opened != VGL_IO_OK) return opened;
  errno = 0;
  gzFile file = gzdopen(fd, "rb");
  if (file == NULL) {
    int e = errno;
    close(fd);
    return vgl_io_fail(VGL_IO_E_OPEN, msg, msg_cap, "%s", e != 0 ? strerror(e) : "out of memory");
  }
  *file_out = file;
  return VGL_IO_OK;
}

vgl_io_status vgl_io_read_file_gunzip(const char *path, size_t max_bytes, uint8_t **buf_out,
                                      size_t *len_out, char *msg, size_t msg_cap) {
  if (path == NULL || buf_out == NULL || len_out == NULL) {
    return vgl_io_fail(VGL_IO_E_ARGUMENT, msg, msg_cap, "vgl_io_read_file_gunzip: NULL argument");
  }
  *buf_out = NULL;
  *len_out = 0;
  gzFile file = NULL;
  vgl_io_status opened = open_gzip(path, &file, msg, msg_cap);
  if (opened != VGL_IO_OK) return opened;
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

// Reads exactly `want` bytes (fewer only at the end of the data: *got says how many).
static vgl_io_status read_exact(gzFile file, uint8_t *dst, size_t want, size_t *got,
                                const char *path, char *msg, size_t cap) {
  *got = 0;
  while (*got < want) {
    size_t n = 0;
    bool end = false;
    vgl_io_status st = read_gzip(file, dst + *got, want - *got, &n, &end, path, msg, cap);
    if (st != VGL_IO_OK) return st;
    *got += n;
    if (end) break;
  }
  return VGL_IO_OK;
}

// The element size of an IDX type code (0x08 ubyte ... 0x0E double), or 0 if unknown.
static size_t idx_element_bytes(uint8_t type) {
  switch (type) {
    case 0x08: case 0x09: return 1;
    case 0x0B: return 2;
    case 0x0C: case 0x0D: return 4;
    case 0x0E: return 8;
    default: return 0;
  }
}

static vgl_io_status read_idx_stream(gzFile file, const char *path, size_t max_bytes,
                                     uint8_t **buf_out, size_t *len_out, char *msg,
                                     size_t cap) {
  uint8_t head[4 + 4 * VGL_IO_IDX_MAX_DIMS];
  size_t got = 0;
  vgl_io_status st = read_exact(file, head, 4, &got, path, msg, cap);
  if (st != VGL_IO_OK) return st;
  const size_t element = got == 4 ? idx_element_bytes(head[2]) : 0;
  if (got < 4 || head[0] != 0 || head[1] != 0 || element == 0 || head[3] == 0 ||
      head[3] > VGL_IO_IDX_MAX_DIMS) {
    return vgl_io_fail(VGL_IO_E_CORRUPT, msg, cap,
                       "'%s' is not an IDX file (magic 00 00 <type> <1..%d dimensions>)", path,
                       VGL_IO_IDX_MAX_DIMS);
  }
  const size_t dims = head[3], header = 4 + 4 * dims;
  st = read_exact(file, head + 4, 4 * dims, &got, path, msg, cap);
  if (st != VGL_IO_OK) return st;
  if (got < 4 * dims) {
    return vgl_io_fail(VGL_IO_E_CORRUPT, msg, cap, "'%s' ends inside its IDX header", path);
  }
  // The declared size, in checked 64-bit arithmetic (each side < 2^32, at most 8 of them).
  uint64_t total = element;
  bool overflow = false;
  for (size_t d = 0; d < dims; d++) {
    const uint8_t *p = head + 4 + 4 * d;
    const uint64_t side = (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | p[3];
    if (side != 0 && total > UINT64_MAX / side) overflow = true;
    total = overflow ? UINT64_MAX : total * side;
  }
  if (overflow || total > max_bytes - header || max_bytes < header) {
    return vgl_io_fail(VGL_IO_E_TOO_BIG, msg, cap,
                       "'%s': its IDX header declares %s%llu data bytes, above the limit of %zu",
                       path, overflow ? "more than " : "", (unsigned long long)total, max_bytes);
  }
  const size_t size = header + (size_t)total;
  uint8_t *data = malloc(size > 0 ? size : 1);
  if (data == NULL) {
    return vgl_io_fail(VGL_IO_E_NOMEM, msg, cap, "out of memory for the %zu bytes of '%s'",
                       size, path);
  }
  memcpy(data, head, header);
  st = read_exact(file, data + header, (size_t)total, &got, path, msg, cap);
  if (st == VGL_IO_OK && got < total) {
    st = vgl_io_fail(VGL_IO_E_CORRUPT, msg, cap,
                     "'%s' holds %zu of the %llu data bytes its IDX header declares", path, got,
                     (unsigned long long)total);
  }
  // One byte more tells "exactly the declared size" from "more": the rest is never inflated.
  uint8_t extra;
  if (st == VGL_IO_OK) st = read_exact(file, &extra, 1, &got, path, msg, cap);
  if (st == VGL_IO_OK && got != 0) {
    st = vgl_io_fail(VGL_IO_E_CORRUPT, msg, cap,
                     "'%s' holds more data than the %llu bytes its IDX header declares", path,
                     (unsigned long long)total);
  }
  if (st != VGL_IO_OK) {
    free(data);
    return st;
  }
  *buf_out = data;
  *len_out = size;
  return VGL_IO_OK;
}

vgl_io_status vgl_io_read_idx(const char *path, size_t max_bytes, uint8_t **buf_out,
                              size_t *len_out, char *msg, size_t msg_cap) {
  if (path == NULL || buf_out == NULL || len_out == NULL) {
    return vgl_io_fail(VGL_IO_E_ARGUMENT, msg, msg_cap, "vgl_io_read_idx: NULL argument");
  }
  *buf_out = NULL;
  *len_out = 0;
  gzFile file = NULL;
  vgl_io_status opened = open_gzip(path, &file, msg, msg_cap);
  if (opened != VGL_IO_OK) return opened;
  vgl_io_status status = read_idx_stream(file, path, max_bytes, buf_out, len_out, msg, msg_cap);
  gzclose(file);  // stopping early is fine: the declared bytes and one more were checked
  return status;
}

uint32_t vgl_io_crc32(const uint8_t *data, size_t len) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes a uInt length: feed at most 1 GiB per call.
  while (len > 0) {
    uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;
    crc = crc32(crc, data, n);
    data += n;
    len -= n;
  }
  return (uint32_t)crc;
}
