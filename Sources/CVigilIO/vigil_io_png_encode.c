// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// PNG encoding through libpng's simplified write API into a caller-owned buffer (the
// thumbnails embedded in `vigil eval --html`). png_image_write_to_memory catches libpng's
// longjmp errors itself and reports them in image.message, so no setjmp is needed here; it
// writes into the buffer given and reports the size it would need when the buffer is short.
#include "vigil_io_internal.h"

#include <string.h>

#include <png.h>

vgl_io_status vgl_io_encode_png(const uint8_t *pixels, uint32_t width, uint32_t height,
                                uint32_t channels, uint8_t *out, size_t cap, size_t *len_out,
                                char *msg, size_t msg_cap) {
  if (!pixels || !out || !len_out || cap == 0) {
    return vgl_io_fail(VGL_IO_E_ARGUMENT, msg, msg_cap, "PNG encode: NULL buffer or zero capacity");
  }
  *len_out = 0;
  if (channels != 1 && channels != 3) {
    return vgl_io_fail(VGL_IO_E_ARGUMENT, msg, msg_cap,
                       "PNG encode: %u channels (1 for gray, 3 for RGB)", channels);
  }
  if (width == 0 || height == 0 || width > VGL_IO_MAX_SIDE || height > VGL_IO_MAX_SIDE) {
    return vgl_io_fail(VGL_IO_E_DIMENSIONS, msg, msg_cap,
                       "PNG encode: %ux%u is outside 1...%u per side", width, height,
                       VGL_IO_MAX_SIDE);
  }
  png_image image;
  memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = width;
  image.height = height;
  image.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  png_alloc_size_t bytes = cap;
  // Sides are at most VGL_IO_MAX_SIDE, so the row stride fits png_int_32.
  int ok = png_image_write_to_memory(&image, out, &bytes, 0, pixels,
                                     (png_int_32)(width * channels), NULL);
  if (!ok) {
    vgl_io_status status = bytes > cap ? VGL_IO_E_TOO_BIG : VGL_IO_E_CORRUPT;
    char text[sizeof image.message + 1];
    memcpy(text, image.message, sizeof image.message);
    text[sizeof image.message] = '\0';
    png_image_free(&image);
    if (status == VGL_IO_E_TOO_BIG) {
      return vgl_io_fail(status, msg, msg_cap,
                         "PNG encode: a %ux%u image needs %zu bytes, the buffer holds %zu", width,
                         height, (size_t)bytes, cap);
    }
    return vgl_io_fail(status, msg, msg_cap, "PNG encode: %s", text);
  }
  *len_out = bytes;
  return VGL_IO_OK;
}
