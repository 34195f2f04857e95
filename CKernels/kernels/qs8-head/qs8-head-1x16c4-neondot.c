// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../isa.h"

#if VGL_ARCH_AARCH64
#include "../simd/qs8-neon.h"

// The classifier with sdot (signed x signed bytes, wrapping, never saturating), 16 classes per
// block of the packed [classes][E] weight: the pooled codes enter as they are, the accumulators
// start at bias - zp * weight_sum, and each logit is (float)acc * scale: one conversion (round
// to nearest even) and one float multiply (vmulq_f32, never fused), as the scalar reference.
VGL_TARGET_NEONDOT void vgl_qs8_head_1x16c4__neondot(size_t in_channels, size_t classes,
                                                     const int8_t *input,
                                                     int32_t input_zero_point,
                                                     const int8_t *weight, const int32_t *bias,
                                                     const float *scale, float *logits) {
  VGL_DCHECK(in_channels != 0 && classes != 0);
  VGL_DCHECK(input != NULL && weight != NULL && bias != NULL && scale != NULL);
  VGL_DCHECK(logits != NULL);
  VGL_DCHECK(input_zero_point >= -128 && input_zero_point <= 127);

  const size_t depth = vgl_qs8_packed_channels(in_channels), groups = depth / 4;
  for (size_t first = 0; first < classes; first += 16) {
    const size_t n = classes - first < 16 ? classes - first : 16;
    int32x4_t acc[4];
    float block_scale[16];
    vgl_neon_block_start(bias + first, bias + classes + first, scale + first, n,
                         input_zero_point, acc, block_scale);
    const int8_t *w = weight + first * depth;
    for (size_t group = 0; group < groups; group++) {
      const int8x16_t a = vreinterpretq_s8_u32(
          vdupq_n_u32(vgl_neon_load_group(input + group * 4, in_channels - group * 4)));
      const int8x16x4_t line = vgl_neon_load64(w + group * 64);
      for (int q = 0; q < 4; q++) acc[q] = vdotq_s32(acc[q], line.val[q], a);
    }
    float out[16];
    for (int q = 0; q < 4; q++) {
      vst1q_f32(out + 4 * q, vmulq_f32(vcvtq_f32_s32(acc[q]), vld1q_f32(block_scale + 4 * q)));
    }
    memcpy(logits + first, out, n * sizeof *out);
  }
}

#endif  // VGL_ARCH_AARCH64
