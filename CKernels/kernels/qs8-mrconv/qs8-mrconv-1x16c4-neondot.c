// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../isa.h"

#if VGL_ARCH_AARCH64
#include <stdbool.h>

#include "../simd/qs8-neon.h"

// The graph op fused with its 2C -> C conv, with sdot (signed x signed bytes). xj = m - x with
// m = max(x, rolled neighbours) (signed bytes, 16 channels per vmaxq_s8), but xj itself
// (0..255) is no signed byte, so the kernel never forms it: per pixel m goes to the plan's
// scratch and
//   sum w_x * (x - zp) + sum w_xj * xj + bias
//     = [sum w_x * x + sum w_xj * m] - [sum w_xj * x] + (bias - zp * weight_sum)
// with every bracket a run of sdot on signed bytes (the weight sums stored beside the biases
// cover the x half). Lane adds wrap and the exact result is bounded by validation, so the int32
// equals the scalar reference's. One pixel x 16 output channels per tile; the channel
// remainder of the 4-byte groups is loaded byte by byte (the padding weights are zero).

static inline VGL_TARGET_NEONDOT int8x16_t group_vector(const int8_t *row, size_t group,
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

VGL_TARGET_NEONDOT void vgl_qs8_mrconv_1x16c4__neondot(
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
  int8_t *m = (int8_t *)xj_scratch;  // the neighbour max, C bytes
  for (size_t out_y = out_y_begin; out_y < out_y_end; out_y++) {
    for (size_t out_x = 0; out_x < width; out_x++) {
      const size_t pixel = out_y * width + out_x;
      const int8_t *x = input + pixel * channels;
      const int8_t *n[4];
      vgl_qs8_mrconv_neighbours(input, channels, height, width, hop, out_y, out_x, n);
      const int8_t *up = n[0], *down = n[1], *left = n[2], *right = n[3];
      size_t c = 0;
      for (; c + 16 <= channels; c += 16) {
        int8x16_t v = vld1q_s8(x + c);
        if (roll_h) v = vmaxq_s8(vmaxq_s8(v, vld1q_s8(up + c)), vld1q_s8(down + c));
        if (roll_w) v = vmaxq_s8(vmaxq_s8(v, vld1q_s8(left + c)), vld1q_s8(right + c));
        vst1q_s8(m + c, v);
      }
      for (; c < channels; c++) {
        int8_t v = x[c];
        if (roll_h) {
          if (up[c] > v) v = up[c];
          if (down[c] > v) v = down[c];
        }
        if (roll_w) {
          if (left[c] > v) v = left[c];
          if (right[c] > v) v = right[c];
        }
        m[c] = v;
      }
      const int8_t *res = residual != NULL ? residual + pixel * channels : NULL;
      int8_t *out = output + pixel * channels;
      for (size_t channel = 0; channel < channels; channel += 16) {
        const size_t n = channels - channel < 16 ? channels - channel : 16;
        int32x4_t acc[4], neg[4];
        float block_scale[16];
        vgl_neon_block_start(bias + channel, bias + channels + channel, scale + channel, n,
                             input_zero_point, acc, block_scale);
        for (size_t q = 0; q < 4; q++) neg[q] = vdupq_n_s32(0);
        const int8_t *w_x = weight + channel * depth;
        const int8_t *w_xj = w_x + tap_stride * 16;
        for (size_t group = 0; group < groups; group++) {
          const int8x16_t xv = group_vector(x, group, channels);
          const int8x16_t mv = group_vector(m, group, channels);
          const int8x16x4_t bx = vgl_neon_load64(w_x + group * 64);
          const int8x16x4_t bj = vgl_neon_load64(w_xj + group * 64);
          for (size_t q = 0; q < 4; q++) {
            acc[q] = vdotq_s32(acc[q], bx.val[q], xv);
            acc[q] = vdotq_s32(acc[q], bj.val[q], mv);
            neg[q] = vdotq_s32(neg[q], bj.val[q], xv);
          }
        }
        for (size_t q = 0; q < 4; q++) acc[q] = vsubq_s32(acc[q], neg[q]);
        vgl_neon_finish16(&stage, acc, block_scale, res != NULL ? res + channel : NULL, n,
                          out + channel);
      }
    }
  }
}

#endif  // VGL_ARCH_AARCH64
