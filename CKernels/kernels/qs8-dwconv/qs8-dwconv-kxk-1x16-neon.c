// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../isa.h"

#if VGL_ARCH_AARCH64 || VGL_ARCH_ARMV7_NEON_KERNELS
#include <stdbool.h>

#include "../simd/qs8-neon.h"

// Depthwise conv on Advanced SIMD (aarch64, and ARMv7 NEON chosen at run time), 16 channels of
// one output pixel per step, the taps by pairs: vmull_s8 multiplies 8 signed codes by 8 signed
// weights into int16 and vmlal_s8 adds the pair's second tap (|w * x| <= 127 * 128 = 16256, so a
// pair is at most 32512 < 2^15: exact, and the wrapping add never wraps), then vaddw_s16 widens
// the pair sums into the int32 accumulators. Nothing saturates (no vqdmull, vqadd or vqmovn).
//
// The codes enter as they are and a padded tap feeds the zero point, with the accumulators
// started at bias - zp * sum(w): every tap contributes w * (x - zp), a padded one
// zp * w - zp * w = 0, the reference's terms. A lane adds at most 49 products (7x7: 1,586,865
// at most) to the start value: exact int32. Channel tails go through zero-padded 16-byte copies
// (weight 0 past the channels) and store only their channels. Weight [ky][kx][C] in place.

enum { kMaxTaps = 49 };

/// 16 bytes at p (n of them, the rest 0).
static inline VGL_TARGET_NEON int8x16_t load16(const int8_t *p, size_t n) {
  if (n == 16) return vld1q_s8(p);
  int8_t b[16] = {0};
  memcpy(b, p, n);
  return vld1q_s8(b);
}

/// acc[0..3] (channels 0-3, 4-7, 8-11, 12-15) += the int16 pair sums `low` (channels 0-7) and
/// `high` (8-15).
static inline VGL_TARGET_NEON void widen_add(int32x4_t acc[4], int16x8_t low, int16x8_t high) {
  acc[0] = vaddw_s16(acc[0], vget_low_s16(low));
  acc[1] = vaddw_s16(acc[1], vget_high_s16(low));
  acc[2] = vaddw_s16(acc[2], vget_low_s16(high));
  acc[3] = vaddw_s16(acc[3], vget_high_s16(high));
}

VGL_TARGET_NEON void vgl_qs8_dwconv_kxk_1x16__neon(
    size_t channels, size_t in_height, size_t in_width, size_t out_height, size_t out_width,
    size_t kernel, size_t stride, size_t pad, const int8_t *input, int32_t input_zero_point,
    const int8_t *weight, const int32_t *bias, const float *scale,
    const vgl_qs8_requant_params *params, const int8_t *gelu_table, const int8_t *residual,
    int8_t *output, size_t out_y_begin, size_t out_y_end) {
  VGL_DCHECK(out_y_begin <= out_y_end && out_y_end <= out_height);
  VGL_DCHECK(channels != 0 && in_height != 0 && in_width != 0);
  VGL_DCHECK(out_height != 0 && out_width != 0);
  VGL_DCHECK(kernel != 0 && kernel * kernel <= kMaxTaps && stride != 0 && pad < kernel);
  VGL_DCHECK(input != NULL && weight != NULL && bias != NULL && scale != NULL);
  VGL_DCHECK(params != NULL && output != NULL);
  VGL_DCHECK(input_zero_point >= -128 && input_zero_point <= 127);

  vgl_neon_stage stage;
  vgl_neon_stage_init(&stage, params, gelu_table, residual);
  const size_t taps = kernel * kernel;
  const int8x16_t padding = vdupq_n_s8((int8_t)input_zero_point);
  int8x16_t w[kMaxTaps];
  for (size_t channel = 0; channel < channels; channel += 16) {
    const size_t n = channels - channel < 16 ? channels - channel : 16;
    int32_t sums[16] = {0};
    for (size_t t = 0; t < taps; t++) {
      w[t] = load16(weight + t * channels + channel, n);
      for (size_t i = 0; i < n; i++) sums[i] += weight[t * channels + channel + i];
    }
    int32x4_t start[4];
    float block_scale[16];
    vgl_neon_block_start(bias + channel, sums, scale + channel, n, input_zero_point, start,
                         block_scale);
    for (size_t out_y = out_y_begin; out_y < out_y_end; out_y++) {
      for (size_t out_x = 0; out_x < out_width; out_x++) {
        int8x16_t x[kMaxTaps];
        for (size_t ky = 0; ky < kernel; ky++) {
          const size_t in_y = vgl_qs8_tap_position(out_y, ky, stride, pad);
          for (size_t kx = 0; kx < kernel; kx++) {
            const size_t in_x = vgl_qs8_tap_position(out_x, kx, stride, pad);
            const bool is_padding = in_y >= in_height || in_x >= in_width;
            x[ky * kernel + kx] =
                is_padding ? padding : load16(input + (in_y * in_width + in_x) * channels + channel, n);
          }
        }
        int32x4_t acc[4] = {start[0], start[1], start[2], start[3]};
        size_t t = 0;
        for (; t + 2 <= taps; t += 2) {
          int16x8_t low = vmull_s8(vget_low_s8(x[t]), vget_low_s8(w[t]));
          int16x8_t high = vmull_s8(vget_high_s8(x[t]), vget_high_s8(w[t]));
          low = vmlal_s8(low, vget_low_s8(x[t + 1]), vget_low_s8(w[t + 1]));
          high = vmlal_s8(high, vget_high_s8(x[t + 1]), vget_high_s8(w[t + 1]));
          widen_add(acc, low, high);
        }
        if (t < taps) {
          widen_add(acc, vmull_s8(vget_low_s8(x[t]), vget_low_s8(w[t])),
                    vmull_s8(vget_high_s8(x[t]), vget_high_s8(w[t])));
        }
        const size_t at = (out_y * out_width + out_x) * channels + channel;
        vgl_neon_finish16(&stage, acc, block_scale, residual != NULL ? residual + at : NULL, n,
                          output + at);
      }
    }
  }
}

#endif  // VGL_ARCH_AARCH64 || VGL_ARCH_ARMV7_NEON_KERNELS
