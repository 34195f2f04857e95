// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../isa.h"

#if VGL_ARCH_X86_64
#include "../simd/qs8-avx2.h"

// The classifier on AVX2, 16 classes per block of the packed [classes][E] weight, with vpmaddwd
// on widened int16 as the AVX2 1x1 GEMM (never vpmaddubsw): the pooled vector enters
// sign-extended, the accumulators start at bias - zp * weight_sum, and each logit is
// (float)acc * scale: one conversion (round to nearest even) and one float multiply, as the
// scalar reference.
VGL_TARGET_AVX2 void vgl_qs8_head_1x16c4__avx2(size_t in_channels, size_t classes,
                                               const int8_t *input, int32_t input_zero_point,
                                               const int8_t *weight, const int32_t *bias,
                                               const float *scale, float *logits) {
  VGL_DCHECK(in_channels != 0 && classes != 0);
  VGL_DCHECK(input != NULL && weight != NULL && bias != NULL && scale != NULL);
  VGL_DCHECK(logits != NULL);
  VGL_DCHECK(input_zero_point >= -128 && input_zero_point <= 127);

  const size_t depth = vgl_qs8_packed_channels(in_channels), groups = depth / 4;
  const __m256i zp = _mm256_set1_epi32(input_zero_point);
  for (size_t first = 0; first < classes; first += 16) {
    const size_t n = classes - first < 16 ? classes - first : 16;
    int32_t b[16] = {0}, sums[16] = {0};
    float block_scale[16] = {0};
    memcpy(b, bias + first, n * sizeof *b);
    memcpy(sums, bias + classes + first, n * sizeof *sums);
    memcpy(block_scale, scale + first, n * sizeof *block_scale);
    __m256i acc[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(),
                      _mm256_setzero_si256()};
    const int8_t *w = weight + first * depth;
    for (size_t group = 0; group < groups; group++) {
      const size_t at = group * 4, count = in_channels - at < 4 ? in_channels - at : 4;
      int32_t bits;
      if (count == 4) {
        memcpy(&bits, input + at, 4);
      } else {  // the remainder group: the codes past in_channels read as 0
        int8_t codes[4] = {0, 0, 0, 0};
        memcpy(codes, input + at, count);
        memcpy(&bits, codes, 4);
      }
      const __m256i a = _mm256_broadcastq_epi64(_mm_cvtepi8_epi16(_mm_cvtsi32_si128(bits)));
      for (size_t q = 0; q < 4; q++) {
        const __m256i wq = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + group * 64 + 16 * q)));
        acc[q] = _mm256_add_epi32(acc[q], _mm256_madd_epi16(wq, a));
      }
    }
    float out[16];
    for (size_t half = 0; half < 2; half++) {
      const __m256i start = _mm256_sub_epi32(
          _mm256_loadu_si256((const __m256i *)(b + 8 * half)),
          _mm256_mullo_epi32(_mm256_loadu_si256((const __m256i *)(sums + 8 * half)), zp));
      // hadd: [c0 c1 c4 c5 | c2 c3 c6 c7] of the half's 8 classes; qwords 0, 2, 1, 3 order them.
      const __m256i folded =
          _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc[2 * half], acc[2 * half + 1]), 0xD8);
      const __m256 logit = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(start, folded)),
                                         _mm256_loadu_ps(block_scale + 8 * half));
      _mm256_storeu_ps(out + 8 * half, logit);
    }
    memcpy(logits + first, out, n * sizeof *out);
  }
}

#endif  // VGL_ARCH_X86_64
