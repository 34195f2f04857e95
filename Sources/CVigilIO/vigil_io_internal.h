// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Helpers shared by the CVigilIO decoders; not part of the public header.
#ifndef VIGIL_IO_INTERNAL_H
#define VIGIL_IO_INTERNAL_H
#include "vigil_io.h"

/// Writes a formatted message into `msg` (truncated to `cap`, always NUL-terminated when
/// cap > 0) and returns `status`, so error paths are one line.
vgl_io_status vgl_io_fail(vgl_io_status status, char *msg, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/// Checks decoded dimensions against VGL_IO_MAX_SIDE and VGL_IO_MAX_PIXELS before anything
/// is allocated for them.
vgl_io_status vgl_io_check_dimensions(uint64_t width, uint64_t height, const char *format,
                                      char *msg, size_t cap);

#endif
