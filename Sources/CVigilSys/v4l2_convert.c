// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// YUYV, NV12 and GREY camera frames to interleaved RGB8.
//
// Colour: ITU-R BT.601, limited ("studio") range, which is what V4L2 drivers deliver for these
// formats unless they say otherwise (V4L2_COLORSPACE_SMPTE170M / V4L2_QUANTIZATION_LIM_RANGE):
//
//     c = Y - 16, d = U - 128, e = V - 128
//     R = 255/219 c                     + 2 (1 - Kr) 255/224 e
//     G = 255/219 c - 2 (1 - Kb) Kb/Kg 255/224 d - 2 (1 - Kr) Kr/Kg 255/224 e
//     B = 255/219 c + 2 (1 - Kb) 255/224 d
//     Kr = 0.299, Kb = 0.114, Kg = 1 - Kr - Kb; each rounded half up, clamped to 0..255.
//
// The coefficients are held in 64-bit fixed point with 30 fractional bits. At that precision the
// result equals the float64 formula above, rounded, for every one of the 2^24 (Y, U, V)
// triples: Tools/make-yuv-golden.py checks that exhaustively and writes the test fixtures
// (at 16 fractional bits, the usual choice, about 8,600 triples are off by one).
// Chroma is not interpolated: each U V pair applies to its two (YUYV) or four (NV12) pixels,
// as libyuv and the V4L2 reference documentation do.
#include "vigil_v4l2.h"

#define VGL_YUV_SHIFT 30
static const int64_t k_y = 1250247329;   // 255/219 * 2^30
static const int64_t k_rv = 1713720712;  // 1.596027 * 2^30
static const int64_t k_gu = 420651556;   // 0.391762 * 2^30
static const int64_t k_gv = 872917364;   // 0.812968 * 2^30
static const int64_t k_bu = 2165986521;  // 2.017232 * 2^30
static const int64_t k_half = (int64_t)1 << (VGL_YUV_SHIFT - 1);

static inline uint8_t clamp_shift(int64_t v) {
  v = (v + k_half) >> VGL_YUV_SHIFT;  // arithmetic shift: floor, so this rounds half up
  return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

static inline void yuv_pixel(int y, int u, int v, uint8_t *rgb) {
  int64_t c = k_y * (int64_t)(y - 16);
  int64_t d = u - 128, e = v - 128;
  rgb[0] = clamp_shift(c + k_rv * e);
  rgb[1] = clamp_shift(c - k_gu * d - k_gv * e);
  rgb[2] = clamp_shift(c + k_bu * d);
}

// The bytes a frame of `rows` rows needs: full rows except the last, which needs only `row`.
static int fits(size_t src_len, uint32_t stride, uint32_t rows, size_t row) {
  if (rows == 0) return 0;
  return (size_t)stride * (rows - 1) + row <= src_len;
}

int vgl_v4l2_yuyv_to_rgb(const uint8_t *src, size_t src_len, uint32_t stride, uint32_t width,
                         uint32_t height, uint8_t *rgb) {
  if (src == NULL || rgb == NULL || width == 0 || height == 0 || (width & 1u) != 0) return -1;
  if (stride < 2u * width || !fits(src_len, stride, height, 2u * (size_t)width)) return -1;
  for (uint32_t out_y = 0; out_y < height; out_y++) {
    const uint8_t *row = src + (size_t)out_y * stride;
    uint8_t *out = rgb + (size_t)out_y * width * 3;
    for (uint32_t pair = 0; pair < width / 2; pair++) {
      const uint8_t *p = row + 4 * (size_t)pair;
      yuv_pixel(p[0], p[1], p[3], out + 6 * (size_t)pair);
      yuv_pixel(p[2], p[1], p[3], out + 6 * (size_t)pair + 3);
    }
  }
  return 0;
}

int vgl_v4l2_nv12_to_rgb(const uint8_t *src, size_t src_len, uint32_t stride, uint32_t width,
                         uint32_t height, uint8_t *rgb) {
  if (src == NULL || rgb == NULL || width == 0 || height == 0) return -1;
  if ((width & 1u) != 0 || (height & 1u) != 0 || stride < width) return -1;
  // Y plane: height rows; UV plane: height / 2 rows right after it.
  if (!fits(src_len, stride, height + height / 2, width)) return -1;
  const uint8_t *uv_plane = src + (size_t)stride * height;
  for (uint32_t out_y = 0; out_y < height; out_y++) {
    const uint8_t *luma = src + (size_t)out_y * stride;
    const uint8_t *chroma = uv_plane + (size_t)(out_y / 2) * stride;
    uint8_t *out = rgb + (size_t)out_y * width * 3;
    for (uint32_t out_x = 0; out_x < width; out_x++) {
      const uint8_t *uv = chroma + 2 * (size_t)(out_x / 2);
      yuv_pixel(luma[out_x], uv[0], uv[1], out + 3 * (size_t)out_x);
    }
  }
  return 0;
}

int vgl_v4l2_grey_to_rgb(const uint8_t *src, size_t src_len, uint32_t stride, uint32_t width,
                         uint32_t height, uint8_t *rgb) {
  if (src == NULL || rgb == NULL || width == 0 || height == 0 || stride < width) return -1;
  if (!fits(src_len, stride, height, width)) return -1;
  for (uint32_t out_y = 0; out_y < height; out_y++) {
    const uint8_t *row = src + (size_t)out_y * stride;
    uint8_t *out = rgb + (size_t)out_y * width * 3;
    for (uint32_t out_x = 0; out_x < width; out_x++) {
      out[3 * out_x] = out[3 * out_x + 1] = out[3 * out_x + 2] = row[out_x];
    }
  }
  return 0;
}
