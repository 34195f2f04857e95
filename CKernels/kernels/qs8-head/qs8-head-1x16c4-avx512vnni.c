// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../isa.h"

#if VGL_ARCH_X86_64
#include "../simd/qs8-avx512.h"

// The classifier with vpdpbusd, 16 classes per block of the packed [classes][E] weight: the
// pooled vector enters as x + 128, the accumulators start at bias - (zp + 128) * weight_sum,
// and each logit is (float)acc * scale: one conversion (round to nearest even) and one float
// multiply, as the scalar reference.
VGL_TARGET_AVX512VNNI void vgl_qs8_head_1x16c4__avx512vnni(size_t in_channels, size_t classes,
                                                           const int8_t *input,
                                                           int32_t input_zero_point,
                                                           const int8_t *weight,
                                                           const int32_t *bias,
                                                           const float *scale, float *logits) {
  VGL_DCHECK(in_channels != 0 && classes != 0);
  VGL_DCHECK(input != NULL && weight != NULL && bias != NULL && scale != NULL);
  VGL_DCHECK(logits != NULL);
  VGL_DCHECK(input_zero_point >= -128 && input_zero_point <= 127);

  const size_t depth = vgl_qs8_packed_channels(in_channels), groups = depth / 4;
  const __m512i zp = _mm512_set1_epi32(input_zero_point + 128);
  const __m512i flip = _mm512_set1_epi32((int32_t)0x80808080);
  for (size_t block = 0; block * 16 < classes; block++) {
    const size_t first = block * 16;
    const __mmask16 mask = vgl_avx512_lanes(classes - first);
    const __m512i b = _mm512_maskz_loadu_epi32(mask, bias + first);
    const __m512i sums = _mm512_maskz_loadu_epi32(mask, bias + classes + first);
    __m512i acc = _mm512_sub_epi32(b, _mm512_mullo_epi32(sums, zp));
    const int8_t *w = weight + block * depth * 16;
    for (size_t group = 0; group < groups; group++) {
      const size_t at = group * 4;
      const uint32_t bits = vgl_load_partial_u32(input + at, in_channels - at < 4 ? in_channels - at : 4);
      const __m512i a = _mm512_xor_si512(_mm512_set1_epi32((int32_t)bits), flip);
      acc = _mm512_dpbusd_epi32(acc, a, _mm512_loadu_si512(w + group * 64));
    }
    const __m512 logit = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), _mm512_maskz_loadu_ps(mask, scale + first));
    _mm512_mask_storeu_ps(logits + first, mask, logit);
  }
}

#endif  // VGL_ARCH_X86_64
