// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Shared helpers, and whole-file read/write for the Swift core (which has no Foundation).
#define _POSIX_C_SOURCE 200809L
#include "vigil_io_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void vgl_io_free(void *ptr) { free(ptr); }

const char *vgl_io_status_string(vgl_io_status status) {
  switch (status) {
    case VGL_IO_OK: return "VGL_IO_OK: success";
    case VGL_IO_E_OPEN: return "VGL_IO_E_OPEN: cannot open the file";
    case VGL_IO_E_IO: return "VGL_IO_E_IO: read or write error";
    case VGL_IO_E_TOO_BIG: return "VGL_IO_E_TOO_BIG: file larger than the limit";
    case VGL_IO_E_NOMEM: return "VGL_IO_E_NOMEM: out of memory";
    case VGL_IO_E_UNSUPPORTED: return "VGL_IO_E_UNSUPPORTED: unsupported format or variant";
    case VGL_IO_E_CORRUPT: return "VGL_IO_E_CORRUPT: malformed or truncated data";
    case VGL_IO_E_DIMENSIONS: return "VGL_IO_E_DIMENSIONS: image dimensions out of range";
    case VGL_IO_E_ARGUMENT: return "VGL_IO_E_ARGUMENT: invalid argument";
  }
  return "unknown vgl_io_status";
}

vgl_io_status vgl_io_fail(vgl_io_status status, char *msg, size_t cap, const char *fmt, ...) {
  if (msg != NULL && cap > 0) {
    va_list args;
    va_start(args, fmt);
    vsnprintf(msg, cap, fmt, args);
    va_end(args);
  }
  return status;
}

vgl_io_status vgl_io_check_dimensions(uint64_t width, uint64_t height, const char *format,
                                      char *msg, size_t cap) {
  if (width == 0 || height == 0) {
    // Every format requires at least one pixel: an empty image is a malformed header, not
    // one too large.
    return vgl_io_fail(VGL_IO_E_CORRUPT, msg, cap,
                       "%s header declares an empty image (%llux%llu); the format requires at "
                       "least 1x1",
                       format, (unsigned long long)width, (unsigned long long)height);
  }
  if (width > VGL_IO_MAX_SIDE || height > VGL_IO_MAX_SIDE ||
      width * height > (uint64_t)VGL_IO_MAX_PIXELS) {
    return vgl_io_fail(VGL_IO_E_DIMENSIONS, msg, cap,
                       "%s declares %llux%llu pixels, above the limit of %u per side and %u "
                       "pixels in total",
                       format, (unsigned long long)width, (unsigned long long)height,
                       VGL_IO_MAX_SIDE, VGL_IO_MAX_PIXELS);
  }
  return VGL_IO_OK;
}

vgl_io_status vgl_io_target_bind(vgl_io_target *target, uint32_t width, uint32_t height,
                                 const char *format, uint8_t **out, char *msg, size_t cap) {
  *out = NULL;
  vgl_io_status st = vgl_io_check_dimensions(width, height, format, msg, cap);
  if (st != VGL_IO_OK) return st;
  target->width = width;
  target->height = height;
  if (target->header_only) return VGL_IO_OK;
  const size_t bytes = (size_t)width * height * 3;  // at most 3 * 64 Mpixels: no overflow
  if (target->pixels != NULL) {
    if (target->bytes != bytes) {
      return vgl_io_fail(VGL_IO_E_ARGUMENT, msg, cap,
                         "%s: the output buffer has %zu bytes, the %ux%u image needs %zu",
                         format, target->bytes, width, height, bytes);
    }
    *out = target->pixels;
    return VGL_IO_OK;
  }
  target->allocated = malloc(bytes);
  if (target->allocated == NULL) {
    return vgl_io_fail(VGL_IO_E_NOMEM, msg, cap, "%s: out of memory for %ux%u pixels", format,
                       width, height);
  }
  *out = target->allocated;
  return VGL_IO_OK;
}

vgl_io_format vgl_io_detect_format(const uint8_t *data, size_t len) {
  static const uint8_t png[8] = {0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A};
  if (data == NULL) return VGL_IO_FORMAT_UNKNOWN;
  if (len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) {
    return VGL_IO_FORMAT_JPEG;
  }
  if (len >= 8 && memcmp(data, png, 8) == 0) return VGL_IO_FORMAT_PNG;
  if (len >= 2 && data[0] == 'P' && (data[1] == '5' || data[1] == '6')) return VGL_IO_FORMAT_PNM;
  return VGL_IO_FORMAT_UNKNOWN;
}

static vgl_io_status decode_any(const uint8_t *data, size_t len, int apply_exif_orientation,
                                vgl_io_target *target, char *msg, size_t cap) {
  switch (vgl_io_detect_format(data, len)) {
    case VGL_IO_FORMAT_JPEG:
      return vgl_io_jpeg_decode(data, len, apply_exif_orientation, target, msg, cap);
    case VGL_IO_FORMAT_PNG: return vgl_io_png_decode(data, len, target, msg, cap);
    case VGL_IO_FORMAT_PNM: return vgl_io_pnm_decode(data, len, target, msg, cap);
    case VGL_IO_FORMAT_UNKNOWN: break;
  }
  return vgl_io_fail(VGL_IO_E_UNSUPPORTED, msg, cap,
                     "not a JPEG, PNG, PPM (P6) or PGM (P5) image");
}

vgl_io_status vgl_io_image_size(const uint8_t *data, size_t len, int apply_exif_orientation,
                                uint32_t *width_out, uint32_t *height_out, char *msg,
                                size_t msg_cap) {
  if (width_out == NULL || height_out == NULL || (data == NULL && len > 0)) {
    return vgl_io_fail(VGL_IO_E_ARGUMENT, msg, msg_cap, "vgl_io_image_size: NULL argument");
  }
  *width_out = *height_out = 0;
  vgl_io_target target = {.header_only = 1};
  vgl_io_status st = decode_any(data, len, apply_exif_orientation, &target, msg, msg_cap);
  if (st != VGL_IO_OK) return st;
  *width_out = target.width;
  *height_out = target.height;
  return VGL_IO_OK;
}

vgl_io_status vgl_io_decode_into(const uint8_t *data, size_t len, int apply_exif_orientation,
                                 uint8_t *pixels, size_t pixels_bytes, char *msg,
                                 size_t msg_cap) {
  if (pixels == NULL || (data == NULL && len > 0)) {
    return vgl_io_fail(VGL_IO_E_ARGUMENT, msg, msg_cap, "vgl_io_decode_into: NULL argument");
  }
  vgl_io_target target = {.pixels = pixels, .bytes = pixels_bytes};
  return decode_any(data, len, apply_exif_orientation, &target, msg, msg_cap);
}

// strerror is not thread-safe; this picks the XSI strerror_r (guaranteed by _POSIX_C_SOURCE).
static const char *errno_text(int err, char *buf, size_t cap) {
  if (strerror_r(err, buf, cap) != 0) snprintf(buf, cap, "errno %d", err);
  return buf;
}

vgl_io_status vgl_io_read_stream(vgl_io_read_fn read_chunk, void *source, const char *path,
                                 size_t max_bytes, uint8_t **buf_out, size_t *len_out, char *msg,
                                 size_t cap) {
  size_t limit = max_bytes < SIZE_MAX ? max_bytes + 1 : SIZE_MAX;
  size_t capacity = limit < 65536 ? limit : 65536, used = 0;
  uint8_t *data = malloc(capacity);
  if (data == NULL) {
    return vgl_io_fail(VGL_IO_E_NOMEM, msg, cap, "out of memory reading '%s'", path);
  }
  for (;;) {
    if (used == capacity) {
      if (capacity == limit) break;
      size_t next = capacity <= limit / 2 ? capacity * 2 : limit;
      uint8_t *grown = realloc(data, next);
      if (grown == NULL) {
        free(data);
        return vgl_io_fail(VGL_IO_E_NOMEM, msg, cap, "out of memory reading '%s'", path);
      }
      data = grown;
      capacity = next;
    }
    size_t got = 0;
    bool end = false;
    vgl_io_status status =
        read_chunk(source, data + used, capacity - used, &got, &end, path, msg, cap);
    if (status != VGL_IO_OK) {
      free(data);
      return status;
    }
    used += got;
    if (end) break;
  }
  if (used > max_bytes) {
    free(data);
    return VGL_IO_E_TOO_BIG;
  }
  *buf_out = data;
  *len_out = used;
  return VGL_IO_OK;
}

// fread: a short count is the end of the file, or an error (errno text in the message).
static vgl_io_status read_stdio(void *source, uint8_t *dst, size_t want, size_t *got, bool *end,
                                const char *path, char *msg, size_t cap) {
  FILE *file = source;
  *got = fread(dst, 1, want, file);
  if (*got < want) {
    if (ferror(file)) {
      int e = errno;
      char err[128];
      return vgl_io_fail(VGL_IO_E_IO, msg, cap, "error reading '%s': %s", path,
                         errno_text(e, err, sizeof err));
    }
    *end = true;
  }
  return VGL_IO_OK;
}

static const char *file_kind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISDIR(mode)) return "a directory";
  return "not a regular file";
}

vgl_io_status vgl_io_open_regular(const char *path, int *fd_out, char *msg, size_t cap) {
  char err[128];
  *fd_out = -1;
  int fd;
  do {
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    int e = errno;
    return vgl_io_fail(VGL_IO_E_OPEN, msg, cap, "%s", errno_text(e, err, sizeof err));
  }
  struct stat info;
  if (fstat(fd, &info) != 0) {
    int e = errno;
    close(fd);
    return vgl_io_fail(VGL_IO_E_OPEN, msg, cap, "%s", errno_text(e, err, sizeof err));
  }
  if (!S_ISREG(info.st_mode)) {
    close(fd);
    return vgl_io_fail(VGL_IO_E_OPEN, msg, cap,
                       "is %s, not a regular file (reading it could block or never end)",
                       file_kind(info.st_mode));
  }
  const int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
    int e = errno;
    close(fd);
    return vgl_io_fail(VGL_IO_E_OPEN, msg, cap, "%s", errno_text(e, err, sizeof err));
  }
  *fd_out = fd;
  return VGL_IO_OK;
}

vgl_io_status vgl_io_read_file(const char *path, size_t max_bytes, uint8_t **buf_out,
                               size_t *len_out, char *msg, size_t msg_cap) {
  char err[128];
  if (path == NULL || buf_out == NULL || len_out == NULL) {
    return vgl_io_fail(VGL_IO_E_ARGUMENT, msg, msg_cap, "vgl_io_read_file: NULL argument");
  }
  *buf_out = NULL;
  *len_out = 0;
  int fd;
  vgl_io_status opened = vgl_io_open_regular(path, &fd, msg, msg_cap);
  if (opened != VGL_IO_OK) return opened;
  FILE *file = fdopen(fd, "rb");
  if (file == NULL) {
    int e = errno;
    close(fd);
    return vgl_io_fail(VGL_IO_E_OPEN, msg, msg_cap, "%s",
                       errno_text(e, err, sizeof err));
  }
  // Read in growing chunks rather than trusting a size from stat: /proc files report 0.
  vgl_io_status status =
      vgl_io_read_stream(read_stdio, file, path, max_bytes, buf_out, len_out, msg, msg_cap);
  fclose(file);
  if (status == VGL_IO_E_TOO_BIG) {
    return vgl_io_fail(status, msg, msg_cap, "'%s' is larger than the limit of %zu bytes", path,
                       max_bytes);
  }
  return status;
}

vgl_io_status vgl_io_write_file(const char *path, const uint8_t *data, size_t len, char *msg,
                                size_t msg_cap) {
  char err[128];
  if (path == NULL || (data == NULL && len > 0)) {
    return vgl_io_fail(VGL_IO_E_ARGUMENT, msg, msg_cap, "vgl_io_write_file: NULL argument");
  }
  FILE *file = fopen(path, "wb");
  if (file == NULL) {
    int e = errno;
    return vgl_io_fail(VGL_IO_E_OPEN, msg, msg_cap, "cannot create '%s': %s", path,
                       errno_text(e, err, sizeof err));
  }
  size_t put = len > 0 ? fwrite(data, 1, len, file) : 0;
  int e = errno;
  int closed = fclose(file);
  if (put != len || closed != 0) {
    if (closed != 0 && put == len) e = errno;
    return vgl_io_fail(VGL_IO_E_IO, msg, msg_cap, "error writing '%s': %s", path,
                       errno_text(e, err, sizeof err));
  }
  return VGL_IO_OK;
}
