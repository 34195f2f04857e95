// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../isa.h"

#if VGL_ARCH_AARCH64
#include "../simd/qs8-neon.h"

// Pointwise conv as a GEMM with sdot (vdotq_s32: signed x signed bytes, 4 products summed into
// each int32 lane, wrapping, never saturating), tile 4 pixels x 16 output channels (16
// accumulators), reduction by groups of 4 input channels: one 64-byte line of the packed weight
// (vigil_q8.h) is 4 vectors of 4 channels x 4 bytes, and the group's 4 activation bytes are
// broadcast to every lane.
//
// Both operands are signed, so the activations enter as they are and the zero point comes out
// through the weight sums the packed layout stores after the biases:
//   sum w * (x - zp) + bias = sum w * x + (bias - zp * weight_sum)
// The accumulators start at the bracket; lane adds wrap, and validation bounds the exact sum by
// INT32_MAX, so every int32 equals the scalar reference's.
//
// Tails: pixels beyond the last repeat the last pixel's row (computed, not stored); a channel
// block past out_channels computes zero-padded weights and stores only its first channels; an
// input-channel remainder (in_channels % 4) is loaded byte by byte (the packed weight's padding
// is zero, so those lanes add 0).

static inline __attribute__((always_inline)) VGL_TARGET_NEONDOT void block(
    size_t in_channels, size_t depth, const int8_t *const rows[4], size_t rows_used,
    const int8_t *w, const int32x4_t start[4], const float *scale, const vgl_neon_stage *stage,
    const int8_t *const residual_rows[4], int8_t *const out_rows[4], size_t channel, size_t n) {
  int32x4_t acc[4][4];
  for (size_t i = 0; i < 4; i++) {
    for (size_t q = 0; q < 4; q++) acc[i][q] = start[q];
  }
  const size_t full_groups = in_channels / 4, groups = depth / 4;
  for (size_t group = 0; group < groups; group++) {
    const int8x16x4_t b = vgl_neon_load64(w + group * 64);
    for (size_t i = 0; i < 4; i++) {
      uint32_t bits;
      if (group < full_groups) {
        memcpy(&bits, rows[i] + group * 4, 4);
      } else {
        bits = vgl_neon_load_group(rows[i] + group * 4, in_channels - group * 4);
      }
      const int8x16_t a = vreinterpretq_s8_u32(vdupq_n_u32(bits));
      for (size_t q = 0; q < 4; q++) acc[i][q] = vdotq_s32(acc[i][q], b.val[q], a);
    }
  }
  for (size_t i = 0; i < rows_used; i++) {
    vgl_neon_finish16(stage, acc[i], scale,
                      residual_rows[i] != NULL ? residual_rows[i] + channel : NULL, n,
                      out_rows[i] + channel);
  }
}

VGL_TARGET_NEONDOT void vgl_qs8_conv_1x1_4x16c4__neondot(
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
    for (size_t pixel = 0; pixel < pixels; pixel += 4) {
      const size_t rows_used = pixels - pixel < 4 ? pixels - pixel : 4;
      const int8_t *rows[4];
      const int8_t *residual_rows[4];
      int8_t *out_rows[4];
      for (size_t i = 0; i < 4; i++) {
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

#endif  // VGL_ARCH_AARCH64
