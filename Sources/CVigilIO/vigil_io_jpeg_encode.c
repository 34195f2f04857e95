// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// JPEG encoding through libjpeg(-turbo) into a caller-owned buffer (the daemon's
// /snapshot.jpg). The destination manager writes straight into that buffer and fails the
// encode, by longjmp through the error manager, when it is full: the output never grows and
// nothing outside libjpeg's own per-encode pools is allocated. libjpeg's default error_exit
// would call exit(); here every error longjmps back and is returned as a status.
#define _POSIX_C_SOURCE 200809L
#include "vigil_io_internal.h"

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

typedef struct encode_error {
  struct jpeg_error_mgr pub;  // first: libjpeg hands us a pointer to it
  jmp_buf jump;
  int full;                   // the destination ran out of room
} encode_error;

typedef struct encode_dest {
  struct jpeg_destination_mgr pub;  // first
  uint8_t *out;
  size_t cap;
} encode_dest;

static _Noreturn void encode_error_exit(j_common_ptr cinfo) {
  longjmp(((encode_error *)cinfo->err)->jump, 1);
}

static void encode_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void dest_init(j_compress_ptr cinfo) {
  encode_dest *d = (encode_dest *)cinfo->dest;
  d->pub.next_output_byte = d->out;
  d->pub.free_in_buffer = d->cap;
}

// Called when the buffer is full: there is no more room, so the encode fails.
static boolean dest_empty(j_compress_ptr cinfo) {
  encode_error *e = (encode_error *)cinfo->err;
  e->full = 1;
  longjmp(e->jump, 1);
}

static void dest_term(j_compress_ptr cinfo) { (void)cinfo; }

// Everything libjpeg touches lives in the caller's frame and is reached through `st`, so
// nothing the setjmp branch reads is an automatic variable changed after setjmp.
typedef struct encode_state {
  struct jpeg_compress_struct cinfo;
  encode_error err;
  encode_dest dest;
} encode_state;

static vgl_io_status run_encode(encode_state *st, const uint8_t *rgb, uint32_t width,
                                uint32_t height, int quality, size_t *len_out, char *msg,
                                size_t msg_cap) {
  if (setjmp(st->err.jump)) {
    char text[JMSG_LENGTH_MAX] = "";
    if (!st->err.full) (*st->cinfo.err->format_message)((j_common_ptr)&st->cinfo, text);
    jpeg_destroy_compress(&st->cinfo);
    if (st->err.full) {
      return vgl_io_fail(VGL_IO_E_TOO_BIG, msg, msg_cap,
                         "JPEG encode: a %ux%u frame does not fit %zu bytes", width, height,
                         st->dest.cap);
    }
    return vgl_io_fail(VGL_IO_E_CORRUPT, msg, msg_cap, "JPEG encode: %s", text);
  }
  jpeg_create_compress(&st->cinfo);
  st->cinfo.dest = &st->dest.pub;
  st->cinfo.image_width = width;
  st->cinfo.image_height = height;
  st->cinfo.input_components = 3;
  st->cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&st->cinfo);
  jpeg_set_quality(&st->cinfo, quality, TRUE);
  jpeg_start_compress(&st->cinfo, TRUE);
  const size_t stride = (size_t)width * 3;
  while (st->cinfo.next_scanline < st->cinfo.image_height) {
    JSAMPROW row = (JSAMPROW)(rgb + (size_t)st->cinfo.next_scanline * stride);
    jpeg_write_scanlines(&st->cinfo, &row, 1);
  }
  jpeg_finish_compress(&st->cinfo);
  *len_out = st->dest.cap - st->dest.pub.free_in_buffer;
  jpeg_destroy_compress(&st->cinfo);
  return VGL_IO_OK;
}

vgl_io_status vgl_io_encode_jpeg(const uint8_t *rgb, uint32_t width, uint32_t height,
                                 int quality, uint8_t *out, size_t cap, size_t *len_out,
                                 char *msg, size_t msg_cap) {
  if (!rgb || !out || !len_out || cap == 0) {
    return vgl_io_fail(VGL_IO_E_ARGUMENT, msg, msg_cap, "JPEG encode: NULL buffer or zero capacity");
  }
  *len_out = 0;
  if (width == 0 || height == 0 || width > VGL_IO_MAX_SIDE || height > VGL_IO_MAX_SIDE) {
    return vgl_io_fail(VGL_IO_E_DIMENSIONS, msg, msg_cap,
                       "JPEG encode: %ux%u is outside 1...%u per side", width, height,
                       VGL_IO_MAX_SIDE);
  }
  if (quality < 1) quality = 1;
  if (quality > 100) quality = 100;
  encode_state st;
  memset(&st, 0, sizeof st);
  st.cinfo.err = jpeg_std_error(&st.err.pub);
  st.err.pub.error_exit = encode_error_exit;
  st.err.pub.output_message = encode_output_message;
  st.dest.out = out;
  st.dest.cap = cap;
  st.dest.pub.init_destination = dest_init;
  st.dest.pub.empty_output_buffer = dest_empty;
  st.dest.pub.term_destination = dest_term;
  return run_encode(&st, rgb, width, height, quality, len_out, msg, msg_cap);
}
