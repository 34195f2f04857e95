// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../isa.h"

#if VGL_ARCH_AARCH64
#include <stdbool.h>

#include "../simd/qs8-neon.h"

// Depthwise conv with sdot (vdotq_s32: signed x signed bytes, 4 products per int32 lane,
// wrapping, never saturating), 16 channels x up to 8 output pixels of one row per tile, the
// reduction by groups of 4 kernel rows, as the AVX-512 kernel: for each input column of the tile
// the kernel rows 4q..4q+3 (q = 0 .. ceil(k / 4) - 1) are interleaved byte by byte (vzip1q/vzip2q
// on bytes, then on 16-bit pairs), so that lane j of vector v holds channel 4 v + j's 4 vertical
// taps, already the order of vgl_neon_finish16; the interleaved column serves every output pixel
// and every kx that reads it, and one sdot adds 4 taps x 4 channels.
//
// Both operands are signed: the codes enter as they are, a padded tap feeds the zero point, and
// the accumulators start at bias - zp * sum(w), so every tap contributes w * (x - zp) (a padded
// one zp * w - zp * w = 0), the reference's terms. A row slot past the kernel (k = 3, 7: the
// fourth row of the last group) has weight 0. A lane adds at most 49 products with a non-zero
// weight (7x7: 1,586,865 at most) to the start value: exact int32. Channel tails go through
// zero-padded 16-byte copies (weight 0 past the channels) and store only their channels.
// Weight [ky][kx][C] read in place.

// The stack buffers below hold the largest window plan validation accepts (kernel <= 7,
// stride <= 2).
enum { kTilePixels = 8, kMaxKernel = 7, kMaxGroups = 2, kMaxColumns = (kTilePixels - 1) * 2 + kMaxKernel };

/// 16 bytes at p (n of them, the rest 0).
static inline VGL_TARGET_NEONDOT int8x16_t load16(const int8_t *p, size_t n) {
  if (n == 16) return vld1q_s8(p);
  int8_t b[16] = {0};
  memcpy(b, p, n);
  return vld1q_s8(b);
}

/// Lane j of out[v] = channel 4 v + j's bytes from r0, r1, r2, r3.
static inline VGL_TARGET_NEONDOT void interleave4(int8x16_t r0, int8x16_t r1, int8x16_t r2,
                                                  int8x16_t r3, int8x16_t out[4]) {
  const int16x8_t ab_lo = vreinterpretq_s16_s8(vzip1q_s8(r0, r1));
  const int16x8_t ab_hi = vreinterpretq_s16_s8(vzip2q_s8(r0, r1));
  const int16x8_t cd_lo = vreinterpretq_s16_s8(vzip1q_s8(r2, r3));
  const int16x8_t cd_hi = vreinterpretq_s16_s8(vzip2q_s8(r2, r3));
  out[0] = vreinterpretq_s8_s16(vzip1q_s16(ab_lo, cd_lo));
  out[1] = vreinterpretq_s8_s16(vzip2q_s16(ab_lo, cd_lo));
  out[2] = vreinterpretq_s8_s16(vzip1q_s16(ab_hi, cd_hi));
  out[3] = vreinterpretq_s8_s16(vzip2q_s16(ab_hi, cd_hi));
}

/// The tile's output pixels from its interleaved columns: `kernel` and `groups` are constants
/// at the MobileViGv2 call sites (3x3, the CPE's 7x7), so the taps unroll.
static inline __attribute__((always_inline)) VGL_TARGET_NEONDOT void tile(
    const vgl_neon_stage *stage, int8x16_t columns[kMaxGroups][kMaxColumns][4],
    int8x16_t w[kMaxGroups][kMaxKernel][4], const int32x4_t start[4], const float *scale,
    const size_t kernel, const size_t groups, size_t stride, size_t pixels, size_t channels,
    size_t n, const int8_t *residual, int8_t *output, size_t first_at) {
  for (size_t p = 0; p < pixels; p++) {
    int32x4_t acc[4] = {start[0], start[1], start[2], start[3]};
    for (size_t g = 0; g < groups; g++) {
      for (size_t kx = 0; kx < kernel; kx++) {
        const int8x16_t *a = columns[g][p * stride + kx];
        for (size_t v = 0; v < 4; v++) acc[v] = vdotq_s32(acc[v], a[v], w[g][kx][v]);
      }
    }
    const size_t at = first_at + p * channels;
    vgl_neon_finish16(stage, acc, scale, residual != NULL ? residual + at : NULL, n, output + at);
  }
}

VGL_TARGET_NEONDOT void vgl_qs8_dwconv_kxk_8x16c4__neondot(
    size_t channels, size_t in_height, size_t in_width, size_t out_height, size_t out_width,
    size_t kernel, size_t stride, size_t pad, const int8_t *input, int32_t input_zero_point,
    const int8_t *weight, const int32_t *bias, const float *scale,
    const vgl_qs8_requant_params *params, const int8_t *gelu_table, const int8_t *residual,
    int8_t *output, size_t out_y_begin, size_t out_y_end) {
  VGL_DCHECK(out_y_begin <= out_y_end && out_y_end <= out_height);
  VGL_DCHECK(channels != 0 && in_height != 0 && in_width != 0);
  VGL_DCHECK(out_height != 0 && out_width != 0);
  VGL_DCHECK(kernel != 0 && kernel <= kMaxKernel && stride != 0 && stride <= 2 && pad < kernel);
  VGL_DCHECK(input != NULL && weight != NULL && bias != NULL && scale != NULL);
  VGL_DCHECK(params != NULL && output != NULL);
  VGL_DCHECK(input_zero_point >= -128 && input_zero_point <= 127);

  vgl_neon_stage stage;
  vgl_neon_stage_init(&stage, params, gelu_table, residual);
  const size_t groups = (kernel + 3) / 4;
  const int8x16_t padding = vdupq_n_s8((int8_t)input_zero_point);
  int8x16_t w[kMaxGroups][kMaxKernel][4];
  int8x16_t columns[kMaxGroups][kMaxColumns][4];
  for (size_t channel = 0; channel < channels; channel += 16) {
    const size_t n = channels - channel < 16 ? channels - channel : 16;
    int32_t sums[16] = {0};
    for (size_t t = 0; t < kernel * kernel; t++) {
      for (size_t i = 0; i < n; i++) sums[i] += weight[t * channels + channel + i];
    }
    int32x4_t start[4];
    float block_scale[16];
    vgl_neon_block_start(bias + channel, sums, scale + channel, n, input_zero_point, start,
                         block_scale);
    for (size_t g = 0; g < groups; g++) {
      for (size_t kx = 0; kx < kernel; kx++) {
        int8x16_t rows[4];
        for (size_t r = 0; r < 4; r++) {
          const size_t ky = 4 * g + r;
          rows[r] = ky < kernel ? load16(weight + (ky * kernel + kx) * channels + channel, n)
                                : vdupq_n_s8(0);
        }
        interleave4(rows[0], rows[1], rows[2], rows[3], w[g][kx]);
      }
    }
    for (size_t out_y = out_y_begin; out_y < out_y_end; out_y++) {
      const int8_t *row_at[kMaxGroups * 4];
      for (size_t r = 0; r < 4 * groups; r++) {
        const size_t in_y = r < kernel ? vgl_qs8_tap_position(out_y, r, stride, pad) : SIZE_MAX;
        row_at[r] = in_y < in_height ? input + in_y * in_width * channels + channel : NULL;
      }
      for (size_t out_x = 0; out_x < out_width; out_x += kTilePixels) {
        const size_t pixels = out_width - out_x < kTilePixels ? out_width - out_x : kTilePixels;
        const size_t column_count = (pixels - 1) * stride + kernel;
        const ptrdiff_t first_x = (ptrdiff_t)(out_x * stride) - (ptrdiff_t)pad;
        for (size_t g = 0; g < groups; g++) {
          for (size_t j = 0; j < column_count; j++) {
            const ptrdiff_t in_x = first_x + (ptrdiff_t)j;
            const bool is_padding = in_x < 0 || in_x >= (ptrdiff_t)in_width;
            int8x16_t rows[4];
            for (size_t r = 0; r < 4; r++) {
              const int8_t *row = row_at[4 * g + r];
              rows[r] = is_padding || row == NULL ? padding : load16(row + (size_t)in_x * channels, n);
            }
            interleave4(rows[0], rows[1], rows[2], rows[3], columns[g][j]);
          }
        }
        const size_t first_at = (out_y * out_width + out_x) * channels + channel;
        if (kernel == 3) {
          tile(&stage, columns, w, start, block_scale, 3, 1, stride, pixels, channels, n,
               residual, output, first_at);
        } else if (kernel == 7) {
          tile(&stage, columns, w, start, block_scale, 7, 2, stride, pixels, channels, n,
               residual, output, first_at);
        } else {
          tile(&stage, columns, w, start, block_scale, kernel, groups, stride, pixels, channels,
               n, residual, output, first_at);
        }
      }
    }
  }
}

#endif  // VGL_ARCH_AARCH64
