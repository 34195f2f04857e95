// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Helpers shared by the CVigilIO decoders; not part of the public header.
#ifndef VIGIL_IO_INTERNAL_H
#define VIGIL_IO_INTERNAL_H
#include <stdbool.h>

#include "vigil_io.h"

/// Writes a formatted message into `msg` (truncated to `cap`, always NUL-terminated when
/// cap > 0) and returns `status`, so error paths are one line.
vgl_io_status vgl_io_fail(vgl_io_status status, char *msg, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/// Opens `path` for reading as a regular file: opened O_NONBLOCK (so a FIFO cannot block the
/// open), checked with fstat on the open descriptor (no race with a rename), then switched back
/// to blocking reads. A FIFO, device, socket or directory is refused as VGL_IO_E_OPEN with a
/// message naming its kind. Returns the descriptor in *fd_out.
vgl_io_status vgl_io_open_regular(const char *path, int *fd_out, char *msg, size_t cap);

/// One read for vgl_io_read_stream: reads up to `want` (> 0) bytes of `source` into `dst`,
/// stores how many in `*got` and sets `*end` once the data has ended. On a read error it writes
/// the message (naming `path`) and returns that error, before the source is closed.
typedef vgl_io_status (*vgl_io_read_fn)(void *source, uint8_t *dst, size_t want, size_t *got,
                                        bool *end, const char *path, char *msg, size_t cap);

/// The read loop behind vgl_io_read_file and vgl_io_read_file_gunzip: reads `source` through
/// `read_chunk` into a new buffer grown geometrically (no size is trusted up front: pipes and
/// decompressed data have none), up to `max_bytes` + 1 bytes so that "too big" is told from
/// "exactly the cap". On success `*buf_out` holds `*len_out` <= max_bytes bytes. Otherwise,
/// having freed the buffer, returns VGL_IO_E_TOO_BIG with no message (each caller words its
/// own), VGL_IO_E_NOMEM, or `read_chunk`'s error. The caller opens and closes the source.
vgl_io_status vgl_io_read_stream(vgl_io_read_fn read_chunk, void *source, const char *path,
                                 size_t max_bytes, uint8_t **buf_out, size_t *len_out, char *msg,
                                 size_t cap);

/// Checks decoded dimensions against VGL_IO_MAX_SIDE and VGL_IO_MAX_PIXELS before anything
/// is allocated for them.
vgl_io_status vgl_io_check_dimensions(uint64_t width, uint64_t height, const char *format,
                                      char *msg, size_t cap);

/// Where a decoder puts its pixels. A decoder fills `width` and `height` (the size it will
/// produce, after any orientation) once its header is read and checked, then calls
/// vgl_io_target_bind for the one RGB buffer it writes into: the caller's `pixels` (which must
/// hold exactly width * height * 3 bytes) or, when `pixels` is NULL, a new malloc'd buffer
/// left in `allocated` (the decoder frees it on failure). With `header_only` set, bind
/// returns VGL_IO_OK with *out NULL and the decoder returns at once: nothing is decoded.
typedef struct vgl_io_target {
  uint8_t *pixels;
  size_t bytes;
  int header_only;
  uint32_t width;
  uint32_t height;
  uint8_t *allocated;
} vgl_io_target;

vgl_io_status vgl_io_target_bind(vgl_io_target *target, uint32_t width, uint32_t height,
                                 const char *format, uint8_t **out, char *msg, size_t cap);

/// The three decoders, writing into `target`.
vgl_io_status vgl_io_jpeg_decode(const uint8_t *data, size_t len, int apply_exif_orientation,
                                 vgl_io_target *target, char *msg, size_t cap);
vgl_io_status vgl_io_png_decode(const uint8_t *data, size_t len, vgl_io_target *target,
                                char *msg, size_t cap);
vgl_io_status vgl_io_pnm_decode(const uint8_t *data, size_t len, vgl_io_target *target,
                                char *msg, size_t cap);

#endif
