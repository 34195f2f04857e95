// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../isa.h"

#if VGL_ARCH_AARCH64 || VGL_ARCH_ARMV7_NEON_KERNELS
#include <stdbool.h>

#include "../simd/qs8-neon.h"

// The graph op fused with its 2C -> C conv on baseline Advanced SIMD (aarch64, and ARMv7 NEON
// chosen at run time). Per pixel: xj = max(x, rolled neighbours) - x, 16 channels per vmaxq_s8
// and a wrapping byte subtract (the max is at least x, so the wrapped difference is the exact
// 0..255), into the plan's scratch. Then one pixel x 16 output channels of the packed [C][2C]
// weight (2 taps): the x half by vmull_s8 (|w * x| <= 16384), the xj half widened to int16,
// w_xj as signed and xj as unsigned, by vmulq_s16 (|w * xj| <= 128 * 255 = 32640 < 32768:
// exact, no wrap), both into int32 pairs by vpadalq_s16, folded by one pairwise add as in the
// 1x1 GEMM. The accumulators start at bias - zp * weight_sum (the sums stored beside the
// biases cover the x half). Nothing saturates; the int32 equal the scalar reference's.

static inline VGL_TARGET_NEON int8x16_t group_vector(const int8_t *row, size_t group,
                                                     size_t channels) {
  const size_t first = group * 4;
  uint32_t bits;
  if (first + 4 <= channels) {
    memcpy(&bits, row + first, 4);
  } else {
    bits = vgl_neon_load_group(row + first, channels - first);
  }
  return vreinterpretq_s8_u32(vdupq_n_u32(bits));
}

VGL_TARGET_NEON void vgl_qs8_mrconv_1x16c4__neon(
    size_t channels, size_t height, size_t width, size_t hop, const int8_t *input,
    int32_t input_zero_point, const int8_t *weight, const int32_t *bias, const float *scale,
    const vgl_qs8_requant_params *params, const int8_t *gelu_table, const int8_t *residual,
    uint8_t *xj_scratch, int8_t *output, size_t out_y_begin, size_t out_y_end) {
  VGL_DCHECK(out_y_begin <= out_y_end && out_y_end <= height);
  VGL_DCHECK(channels != 0 && height != 0 && width != 0);
  VGL_DCHECK(input != NULL && weight != NULL && bias != NULL && scale != NULL);
  VGL_DCHECK(params != NULL && xj_scratch != NULL && output != NULL);
  VGL_DCHECK(input_zero_point >= -128 && input_zero_point <= 127);

  vgl_neon_stage stage;
  vgl_neon_stage_init(&stage, params, gelu_table, residual);
  const size_t tap_stride = vgl_qs8_packed_channels(channels);
  const size_t depth = 2 * tap_stride, groups = tap_stride / 4;
  const bool roll_h = hop != 0 && hop < height;
  const bool roll_w = hop != 0 && hop < width;
  for (size_t out_y = out_y_begin; out_y < out_y_end; out_y++) {
    for (size_t out_x = 0; out_x < width; out_x++) {
      const size_t pixel = out_y * width + out_x;
      const int8_t *x = input + pixel * channels;
      const int8_t *n[4];
      vgl_qs8_mrconv_neighbours(input, channels, height, width, hop, out_y, out_x, n);
      const int8_t *up = n[0], *down = n[1], *left = n[2], *right = n[3];
      size_t c = 0;
      for (; c + 16 <= channels; c += 16) {
        const int8x16_t xv = vld1q_s8(x + c);
        int8x16_t v = xv;
        if (roll_h) v = vmaxq_s8(vmaxq_s8(v, vld1q_s8(up + c)), vld1q_s8(down + c));
        if (roll_w) v = vmaxq_s8(vmaxq_s8(v, vld1q_s8(left + c)), vld1q_s8(right + c));
        vst1q_u8(xj_scratch + c, vreinterpretq_u8_s8(vsubq_s8(v, xv)));
      }
      for (; c < channels; c++) {
        int32_t v = x[c];
        if (roll_h) {
          if (up[c] > v) v = up[c];
          if (down[c] > v) v = down[c];
        }
        if (roll_w) {
          if (left[c] > v) v = left[c];
          if (right[c] > v) v = right[c];
        }
        xj_scratch[c] = (uint8_t)(v - x[c]);
      }
      const int8_t *res = residual != NULL ? residual + pixel * channels : NULL;
      int8_t *out = output + pixel * channels;
      for (size_t channel = 0; channel < channels; channel += 16) {
        const size_t n = channels - channel < 16 ? channels - channel : 16;
        int32x4_t start[4], low[4], high[4];
        float block_scale[16];
        vgl_neon_block_start(bias + channel, bias + channels + channel, scale + channel, n,
                             input_zero_point, start, block_scale);
        for (size_t q = 0; q < 4; q++) low[q] = high[q] = vdupq_n_s32(0);
        const int8_t *w_x = weight + channel * depth;
        const int8_t *w_xj = w_x + tap_stride * 16;
        for (size_t group = 0; group < groups; group++) {
          const int8x16_t xv = group_vector(x, group, channels);
          const uint8x16_t jv =
              vreinterpretq_u8_s8(group_vector((const int8_t *)xj_scratch, group, channels));
          const int16x8_t j16 = vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(jv)));
          const int8x16x4_t bx = vgl_neon_load64(w_x + group * 64);
          const int8x16x4_t bj = vgl_neon_load64(w_xj + group * 64);
          for (size_t q = 0; q < 4; q++) {
            low[q] = vpadalq_s16(low[q], vmull_s8(vget_low_s8(bx.val[q]), vget_low_s8(xv)));
            high[q] = vpadalq_s16(high[q], vmull_s8(vget_high_s8(bx.val[q]), vget_high_s8(xv)));
            low[q] = vpadalq_s16(low[q], vmulq_s16(vmovl_s8(vget_low_s8(bj.val[q])), j16));
            high[q] = vpadalq_s16(high[q], vmulq_s16(vmovl_s8(vget_high_s8(bj.val[q])), j16));
          }
        }
        int32x4_t acc[4];
        for (size_t q = 0; q < 4; q++) acc[q] = vaddq_s32(start[q], vgl_neon_pairwise(low[q], high[q]));
        vgl_neon_finish16(&stage, acc, block_scale, res != NULL ? res + channel : NULL, n,
                          out + channel);
      }
    }
  }
}

#endif  // VGL_ARCH_AARCH64 || VGL_ARCH_ARMV7_NEON_KERNELS
