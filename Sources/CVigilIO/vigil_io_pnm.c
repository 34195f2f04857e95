// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Binary PPM (P6) and PGM (P5) decoding from memory. No system library does this, and the
// header is attacker-controlled text, so it is parsed here with every field checked.
#define _POSIX_C_SOURCE 200809L
#include "vigil_io_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int is_space(uint8_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Skips whitespace and '#' comments (to the end of the line).
static size_t skip_blank(const uint8_t *p, size_t len, size_t pos) {
  while (pos < len) {
    if (is_space(p[pos])) {
      pos++;
    } else if (p[pos] == '#') {
      while (pos < len && p[pos] != '\n' && p[pos] != '\r') pos++;
    } else {
      break;
    }
  }
  return pos;
}

// Parses one decimal header field into *value. Returns 0 on success, -1 when there is no
// digit or the number exceeds `max`.
static int parse_field(const uint8_t *p, size_t len, size_t *pos, uint32_t max, uint32_t *value) {
  size_t i = skip_blank(p, len, *pos);
  if (i >= len || p[i] < '0' || p[i] > '9') return -1;
  uint64_t v = 0;
  while (i < len && p[i] >= '0' && p[i] <= '9') {
    v = v * 10 + (uint64_t)(p[i] - '0');
    if (v > max) return -1;
    i++;
  }
  *pos = i;
  *value = (uint32_t)v;
  return 0;
}

vgl_io_status vgl_io_pnm_decode(const uint8_t *data, size_t len, vgl_io_target *target,
                                char *msg, size_t msg_cap) {
  if (len < 2 || data[0] != 'P' || (data[1] != '5' && data[1] != '6')) {
    return vgl_io_fail(VGL_IO_E_UNSUPPORTED, msg, msg_cap,
                       "not a binary PPM/PGM (expected magic P6 or P5)");
  }
  const char *kind = data[1] == '6' ? "PPM" : "PGM";
  uint32_t channels = data[1] == '6' ? 3 : 1;
  size_t pos = 2;
  if (pos >= len || !(is_space(data[pos]) || data[pos] == '#')) {
    return vgl_io_fail(VGL_IO_E_CORRUPT, msg, msg_cap, "%s: no whitespace after the magic", kind);
  }
  uint32_t w, h, maxval;
  // Sides above the limit are rejected by vgl_io_check_dimensions; the parse cap only keeps
  // the arithmetic in range.
  if (parse_field(data, len, &pos, 0x7fffffffu, &w) != 0 ||
      parse_field(data, len, &pos, 0x7fffffffu, &h) != 0) {
    return vgl_io_fail(VGL_IO_E_CORRUPT, msg, msg_cap, "%s: bad or missing width/height", kind);
  }
  if (parse_field(data, len, &pos, 65535, &maxval) != 0 || maxval == 0) {
    return vgl_io_fail(VGL_IO_E_CORRUPT, msg, msg_cap,
                       "%s: bad or missing maxval (must be 1...65535)", kind);
  }
  // Exactly one whitespace byte separates the header from the raster.
  if (pos >= len || !is_space(data[pos])) {
    return vgl_io_fail(VGL_IO_E_CORRUPT, msg, msg_cap, "%s: no whitespace after maxval", kind);
  }
  pos++;
  vgl_io_status st = vgl_io_check_dimensions(w, h, kind, msg, msg_cap);
  if (st != VGL_IO_OK) return st;

  size_t sample_bytes = maxval > 255 ? 2 : 1;
  size_t samples = (size_t)w * h * channels;
  size_t need = samples * sample_bytes;  // at most 64 Mpixels * 3 * 2: no overflow
  if (len - pos < need) {
    return vgl_io_fail(VGL_IO_E_CORRUPT, msg, msg_cap,
                       "%s: truncated raster (%zu of %zu bytes for %ux%u)", kind, len - pos, need,
                       w, h);
  }
  uint8_t *pixels = NULL;
  st = vgl_io_target_bind(target, w, h, kind, &pixels, msg, msg_cap);
  if (st != VGL_IO_OK || pixels == NULL) return st;  // failed, or header only
  // Pillow's PpmDecoder for maxval != 255: clamp to maxval, then round(v / maxval * 255)
  // in double precision with round-half-even. A 256-entry or 65536-entry table would be
  // faster but is not needed for the sizes we read.
  const uint8_t *raster = data + pos;
  for (size_t i = 0; i < (size_t)w * h; i++) {
    for (uint32_t c = 0; c < 3; c++) {
      size_t s = i * channels + (channels == 3 ? c : 0);
      uint32_t v = sample_bytes == 2 ? ((uint32_t)raster[2 * s] << 8) | raster[2 * s + 1]
                                     : raster[s];
      uint8_t q;
      if (maxval == 255) {
        q = (uint8_t)v;
      } else {
        if (v > maxval) v = maxval;
        q = (uint8_t)nearbyint((double)v / (double)maxval * 255.0);
      }
      pixels[3 * i + c] = q;
    }
  }
  return VGL_IO_OK;
}

vgl_io_status vgl_io_decode_pnm(const uint8_t *data, size_t len, vgl_io_image *image_out, char *msg,
                                size_t msg_cap) {
  if (image_out == NULL || (data == NULL && len > 0)) {
    return vgl_io_fail(VGL_IO_E_ARGUMENT, msg, msg_cap, "vgl_io_decode_pnm: NULL argument");
  }
  image_out->pixels = NULL;
  image_out->width = image_out->height = 0;
  vgl_io_target target = {0};
  vgl_io_status st = vgl_io_pnm_decode(data, len, &target, msg, msg_cap);
  if (st != VGL_IO_OK) return st;
  image_out->pixels = target.allocated;
  image_out->width = target.width;
  image_out->height = target.height;
  return VGL_IO_OK;
}
