// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../isa.h"

#if VGL_ARCH_AARCH64 || VGL_ARCH_ARMV7_NEON_KERNELS
#include "../simd/qs8-neon.h"

// The classifier on baseline Advanced SIMD (aarch64, and ARMv7 NEON chosen at run time), 16
// classes per block of the packed [classes][E] weight: vmull_s8 on the low and the high halves
// of each weight vector (|w * x| <= 128 * 128: exact int16) and vpadalq_s16 pair sums into
// int32, folded by one pairwise add, as the neon 1x1 GEMM. The pooled codes enter as they are,
// the accumulators start at bias - zp * weight_sum, and each logit is (float)acc * scale: one
// conversion (round to nearest even) and one float multiply (vmulq_f32, never fused).
VGL_TARGET_NEON void vgl_qs8_head_1x16c4__neon(size_t in_channels, size_t classes,
                                               const int8_t *input, int32_t input_zero_point,
                                               const int8_t *weight, const int32_t *bias,
                                               const float *scale, float *logits) {
  VGL_DCHECK(in_channels != 0 && classes != 0);
  VGL_DCHECK(input != NULL && weight != NULL && bias != NULL && scale != NULL);
  VGL_DCHECK(logits != NULL);
  VGL_DCHECK(input_zero_point >= -128 && input_zero_point <= 127);

  const size_t depth = vgl_qs8_packed_channels(in_channels), groups = depth / 4;
  for (size_t first = 0; first < classes; first += 16) {
    const size_t n = classes - first < 16 ? classes - first : 16;
    int32x4_t start[4];
    float block_scale[16];
    vgl_neon_block_start(bias + first, bias + classes + first, scale + first, n,
                         input_zero_point, start, block_scale);
    int32x4_t low[4], high[4];
    for (int q = 0; q < 4; q++) low[q] = high[q] = vdupq_n_s32(0);
    const int8_t *w = weight + first * depth;
    for (size_t group = 0; group < groups; group++) {
      const int8x16_t a = vreinterpretq_s8_u32(
          vdupq_n_u32(vgl_neon_load_group(input + group * 4, in_channels - group * 4)));
      const int8x16x4_t line = vgl_neon_load64(w + group * 64);
      for (int q = 0; q < 4; q++) {
        low[q] = vpadalq_s16(low[q], vmull_s8(vget_low_s8(line.val[q]), vget_low_s8(a)));
        high[q] = vpadalq_s16(high[q], vmull_s8(vget_high_s8(line.val[q]), vget_high_s8(a)));
      }
    }
    float out[16];
    for (int q = 0; q < 4; q++) {
      const int32x4_t acc = vaddq_s32(start[q], vgl_neon_pairwise(low[q], high[q]));
      vst1q_f32(out + 4 * q, vmulq_f32(vcvtq_f32_s32(acc), vld1q_f32(block_scale + 4 * q)));
    }
    memcpy(logits + first, out, n * sizeof *out);
  }
}

#endif  // VGL_ARCH_AARCH64 || VGL_ARCH_ARMV7_NEON_KERNELS
