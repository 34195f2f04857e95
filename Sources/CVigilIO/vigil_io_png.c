// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// PNG decoding through libpng from memory.
//
// libpng reports errors by calling an error callback that must not return; it then longjmps
// to png_jmpbuf. Swift cannot take part in setjmp/longjmp, so this shim owns the jump buffer,
// keeps every allocation reachable from a job struct, and turns the jump into a status.
#define _POSIX_C_SOURCE 200809L
#include "vigil_io_internal.h"

#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

typedef struct png_job {
  png_structp png;
  png_infop info;
  const uint8_t *data;
  size_t len;
  size_t pos;
  char *msg;
  size_t cap;
  png_bytep *rows;  // row pointers into the target's RGB buffer
  vgl_io_target *target;
} png_job;

// Reads from the in-memory buffer; running out of data is a libpng error (longjmp).
static void png_read_memory(png_structp png, png_bytep dst, size_t n) {
  png_job *job = png_get_io_ptr(png);
  if (n > job->len - job->pos) png_error(png, "unexpected end of data (truncated file)");
  memcpy(dst, job->data + job->pos, n);
  job->pos += n;
}

// Keeps libpng's message for the caller; png_longjmp never returns.
static _Noreturn void png_error_longjmp(png_structp png, png_const_charp text) {
  png_job *job = png_get_error_ptr(png);
  vgl_io_fail(VGL_IO_E_CORRUPT, job->msg, job->cap, "PNG: %s", text);
  png_longjmp(png, 1);
}

// libpng prints warnings to stderr by default; a daemon should stay quiet.
static void png_warning_silent(png_structp png, png_const_charp text) {
  (void)png;
  (void)text;
}

// Ancillary chunks whose payload libpng would inflate or parse and Vigil never uses: skipped
// unread (only their CRC is checked), so a compressed text or profile bomb costs nothing.
static const png_byte kSkippedChunks[] = {'i', 'C', 'C', 'P', '\0', 'z', 'T', 'X', 't', '\0',
                                          'i', 'T', 'X', 't', '\0', 't', 'E', 'X', 't', '\0',
                                          's', 'P', 'L', 'T', '\0', 'e', 'X', 'I', 'f', '\0'};

static vgl_io_status png_run(png_job *job) {
  if (setjmp(png_jmpbuf(job->png))) {
    return VGL_IO_E_CORRUPT;  // message written by png_error_longjmp
  }
  png_set_read_fn(job->png, job, png_read_memory);
  // Lift libpng's own side limit (1e6 by default) to the PNG maximum so that oversized images
  // reach our check below and get VGL_IO_E_DIMENSIONS; nothing large is allocated before it.
  png_set_user_limits(job->png, 0x7fffffffu, 0x7fffffffu);
  png_set_keep_unknown_chunks(job->png, PNG_HANDLE_CHUNK_NEVER, kSkippedChunks,
                              (int)(sizeof kSkippedChunks / 5));
  // Any chunk libpng still reads whole (palette, tRNS, ...) is small; cap it and the number of
  // chunks kept so a file of many chunks cannot grow libpng's memory.
  png_set_chunk_malloc_max(job->png, 1u << 20);
  png_set_chunk_cache_max(job->png, 128);
  png_read_info(job->png, job->info);

  png_uint_32 w, h;
  int depth, color, interlace;
  png_get_IHDR(job->png, job->info, &w, &h, &depth, &color, &interlace, NULL, NULL);
  vgl_io_status st = vgl_io_check_dimensions(w, h, "PNG", job->msg, job->cap);
  if (st != VGL_IO_OK) return st;

  // Pillow's convert("RGB"): expand the palette, replicate gray, keep the high byte of 16-bit
  // samples, and drop alpha without compositing. tRNS may add an alpha channel through the
  // palette expansion; it is stripped the same way, so libpng writes RGB rows straight into
  // the one output buffer.
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(job->png);
  if ((color & PNG_COLOR_MASK_COLOR) == 0 && depth < 8) png_set_expand_gray_1_2_4_to_8(job->png);
  if (depth == 16) png_set_strip_16(job->png);
  if ((color & PNG_COLOR_MASK_COLOR) == 0) png_set_gray_to_rgb(job->png);
  png_set_strip_alpha(job->png);
  png_set_interlace_handling(job->png);
  png_read_update_info(job->png, job->info);

  int channels = png_get_channels(job->png, job->info);
  size_t rowbytes = png_get_rowbytes(job->png, job->info);
  if (channels != 3 || rowbytes != (size_t)w * 3) {
    return vgl_io_fail(VGL_IO_E_UNSUPPORTED, job->msg, job->cap,
                       "PNG: unexpected layout after conversion (%d channels, %zu bytes/row)",
                       channels, rowbytes);
  }
  uint8_t *pixels = NULL;
  st = vgl_io_target_bind(job->target, w, h, "PNG", &pixels, job->msg, job->cap);
  if (st != VGL_IO_OK || pixels == NULL) return st;  // failed, or header only
  job->rows = malloc((size_t)h * sizeof *job->rows);
  if (job->rows == NULL) {
    return vgl_io_fail(VGL_IO_E_NOMEM, job->msg, job->cap, "PNG: out of memory for %u rows", h);
  }
  for (png_uint_32 y = 0; y < h; y++) job->rows[y] = pixels + (size_t)y * rowbytes;
  // libpng inflates IDAT only into these rows (and at most one small buffer past them, to
  // see the stream end), so a zlib bomb costs no more than the declared image.
  png_read_image(job->png, job->rows);
  png_read_end(job->png, NULL);
  return VGL_IO_OK;
}

vgl_io_status vgl_io_png_decode(const uint8_t *data, size_t len, vgl_io_target *target,
                                char *msg, size_t msg_cap) {
  if (len < 8 || png_sig_cmp(data, 0, 8) != 0) {
    return vgl_io_fail(VGL_IO_E_UNSUPPORTED, msg, msg_cap, "not a PNG (bad signature)");
  }
  // The first chunk must be IHDR: check its size here, before libpng reads the chunks that
  // follow it (a header-only bomb would otherwise be reported as merely truncated).
  if (len >= 24 && memcmp(data + 12, "IHDR", 4) == 0) {
    uint32_t w = ((uint32_t)data[16] << 24) | ((uint32_t)data[17] << 16) |
                 ((uint32_t)data[18] << 8) | data[19];
    uint32_t h = ((uint32_t)data[20] << 24) | ((uint32_t)data[21] << 16) |
                 ((uint32_t)data[22] << 8) | data[23];
    vgl_io_status st = vgl_io_check_dimensions(w, h, "PNG", msg, msg_cap);
    if (st != VGL_IO_OK) return st;
  }
  png_job *job = calloc(1, sizeof *job);
  if (job == NULL) return vgl_io_fail(VGL_IO_E_NOMEM, msg, msg_cap, "PNG: out of memory");
  job->data = data;
  job->len = len;
  job->msg = msg;
  job->cap = msg_cap;
  job->target = target;
  vgl_io_status st;
  job->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, job, png_error_longjmp,
                                    png_warning_silent);
  if (job->png != NULL) job->info = png_create_info_struct(job->png);
  if (job->png == NULL || job->info == NULL) {
    st = vgl_io_fail(VGL_IO_E_NOMEM, msg, msg_cap, "PNG: cannot create libpng structures");
  } else {
    st = png_run(job);
  }
  if (job->png != NULL) png_destroy_read_struct(&job->png, job->info ? &job->info : NULL, NULL);
  free(job->rows);
  free(job);
  if (st != VGL_IO_OK) {
    free(target->allocated);
    target->allocated = NULL;
  }
  return st;
}

vgl_io_status vgl_io_decode_png(const uint8_t *data, size_t len, vgl_io_image *image_out, char *msg,
                                size_t msg_cap) {
  if (image_out == NULL || (data == NULL && len > 0)) {
    return vgl_io_fail(VGL_IO_E_ARGUMENT, msg, msg_cap, "vgl_io_decode_png: NULL argument");
  }
  image_out->pixels = NULL;
  image_out->width = image_out->height = 0;
  vgl_io_target target = {0};
  vgl_io_status st = vgl_io_png_decode(data, len, &target, msg, msg_cap);
  if (st != VGL_IO_OK) return st;
  image_out->pixels = target.allocated;
  image_out->width = target.width;
  image_out->height = target.height;
  return VGL_IO_OK;
}
