// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../isa.h"

#if VGL_ARCH_AARCH64 || VGL_ARCH_ARMV7_NEON_KERNELS
#include "../simd/qs8-neon.h"

// Pointwise conv as a GEMM on baseline Advanced SIMD (no dot product; aarch64, and ARMv7 NEON
// chosen at run time), tile 2 pixels x 16 output channels, reduction by groups of 4 input
// channels (one 64-byte line of the packed weight, vigil_q8.h: 4 vectors of 4 channels x 4
// bytes). Per vector, vmull_s8 on the low and the high halves
// multiply signed bytes into int16 (|w * x| <= 128 * 128 = 16384: exact) and vpadalq_s16 adds
// adjacent pairs into int32 (exact, wrapping): lanes hold [c k0+k1, c k2+k3, c+1 k0+k1, c+1
// k2+k3] in `low` (channels c, c+1) and `high` (c+2, c+3), and one pairwise add after the
// reduction gives the 4 channels' sums. Nothing saturates (no vqdmull, vmlal on int16 or
// vqmovn).
//
// The zero point comes out through the stored weight sums, as in the dotprod kernel:
//   sum w * (x - zp) + bias = sum w * x + (bias - zp * weight_sum)
// Tails: a missing second pixel repeats the first (computed, not stored); a channel block past
// out_channels computes zero-padded weights and stores only its first channels; an
// input-channel remainder is loaded byte by byte (the padding weights are zero).

static inline __attribute__((always_inline)) VGL_TARGET_NEON void block(
    size_t in_channels, size_t depth, const int8_t *const rows[2], size_t rows_used,
    const int8_t *w, const int32x4_t start[4], const float *scale, const vgl_neon_stage *stage,
    const int8_t *const residual_rows[2], int8_t *const out_rows[2], size_t channel, size_t n) {
  int32x4_t low[2][4], high[2][4];
  for (size_t i = 0; i < 2; i++) {
    for (size_t q = 0; q < 4; q++) low[i][q] = high[i][q] = vdupq_n_s32(0);
  }
  const size_t full_groups = in_channels / 4, groups = depth / 4;
  for (size_t group = 0; group < groups; group++) {
    const int8x16x4_t b = vgl_neon_load64(w + group * 64);
    for (size_t i = 0; i < 2; i++) {
      uint32_t bits;
      if (group < full_groups) {
        memcpy(&bits, rows[i] + group * 4, 4);
      } else {
        bits = vgl_neon_load_group(rows[i] + group * 4, in_channels - group * 4);
      }
      const int8x16_t a = vreinterpretq_s8_u32(vdupq_n_u32(bits));
      for (size_t q = 0; q < 4; q++) {
        low[i][q] = vpadalq_s16(low[i][q], vmull_s8(vget_low_s8(b.val[q]), vget_low_s8(a)));
        high[i][q] = vpadalq_s16(high[i][q], vmull_s8(vget_high_s8(b.val[q]), vget_high_s8(a)));
      }
    }
  }
  for (size_t i = 0; i < rows_used; i++) {
    int32x4_t acc[4];
    for (size_t q = 0; q < 4; q++) acc[q] = vaddq_s32(start[q], vgl_neon_pairwise(low[i][q], high[i][q]));
    vgl_neon_finish16(stage, acc, scale,
                      residual_rows[i] != NULL ? residual_rows[i] + channel : NULL, n,
                      out_rows[i] + channel);
  }
}

VGL_TARGET_NEON void vgl_qs8_conv_1x1_2x16c4__neon(
    size_t in_channels, size_t out_channels, size_t pixels, const int8_t *input,
    int32_t input_zero_point, const int8_t *weight, const int32_t *bias, const float *scale,
    const vgl_qs8_requant_params *params, const int8_t *gelu_table, const int8_t *residual,
    int8_t *output) {
  VGL_DCHECK(in_channels != 0 && out_channels != 0 && pixels != 0);
  VGL_DCHECK(input != NULL && weight != NULL && bias != NULL && scale != NULL);
  VGL_DCHECK(params != NULL && output != NULL);
  VGL_DCHECK(input_zero_point >= -128 && input_zero_point <= 127);

  vgl_neon_stage stage;
  vgl_neon_stage_init(&stage, params, gelu_table, residual);
  const size_t depth = vgl_qs8_packed_channels(in_channels);
  for (size_t channel = 0; channel < out_channels; channel += 16) {
    const size_t n = out_channels - channel < 16 ? out_channels - channel : 16;
    int32x4_t start[4];
    float block_scale[16];
    vgl_neon_block_start(bias + channel, bias + out_channels + channel, scale + channel, n,
                         input_zero_point, start, block_scale);
    const int8_t *w = weight + channel * depth;
    for (size_t pixel = 0; pixel < pixels; pixel += 2) {
      const size_t rows_used = pixels - pixel < 2 ? pixels - pixel : 2;
      const int8_t *rows[2];
      const int8_t *residual_rows[2];
      int8_t *out_rows[2];
      for (size_t i = 0; i < 2; i++) {
        const size_t row = pixel + (i < rows_used ? i : rows_used - 1);
        rows[i] = input + row * in_channels;
        residual_rows[i] = residual != NULL ? residual + row * out_channels : NULL;
        out_rows[i] = output + row * out_channels;
      }
      block(in_channels, depth, rows, rows_used, w, start, block_scale, &stage, residual_rows,
            out_rows, channel, n);
    }
  }
}

#endif  // VGL_ARCH_AARCH64 || VGL_ARCH_ARMV7_NEON_KERNELS
