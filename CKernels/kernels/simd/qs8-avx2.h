// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The AVX2 vocabulary of the int8 kernels: the requantization rule of qs8-kernels.h on 8 int32
// accumulators at once, bit for bit (int32 -> float conversion rounding to nearest even under
// the runtime's MXCSR, one float multiply, float clamps, the 1.5 * 2^23 magic-number rounding;
// no FMA: VGL_TARGET_AVX2 leaves it out, and a clamp stands between every multiply and the add
// that follows it), the residual rule, and the GELU table looked up code by code (AVX2 has no
// 256-entry byte permute). vmaxps returns its second operand for a NaN first one, so
// max(y, lo) clamps a NaN low as the scalar !(y >= lo) does. The codes (already in [-128, 127])
// narrow by a byte shuffle, never by the saturating packs.
// Include only from files guarded by VGL_ARCH_X86_64.
#ifndef VIGIL_QS8_AVX2_H
#define VIGIL_QS8_AVX2_H

#include <immintrin.h>

#include "../isa.h"
#include "../qs8-kernels.h"

/// The op's output stage, broadcast once per kernel call.
typedef struct vgl_avx2_stage {
  __m256 min_less_zp, max_less_zp, magic, term_limit, neg_term_limit, residual_scale;
  __m256i magic_bits, zero_point, qmin, qmax, residual_zero_point;
  const int8_t *gelu_table;
  int has_residual;
} vgl_avx2_stage;

static inline VGL_TARGET_AVX2 void vgl_avx2_stage_init(vgl_avx2_stage *s,
                                                       const vgl_qs8_requant_params *params,
                                                       const int8_t *gelu_table,
                                                       const int8_t *residual) {
  s->min_less_zp = _mm256_set1_ps(params->min_less_zero_point);
  s->max_less_zp = _mm256_set1_ps(params->max_less_zero_point);
  s->magic = _mm256_set1_ps(VGL_QS8_MAGIC_BIAS);
  s->term_limit = _mm256_set1_ps(VGL_QS8_RESIDUAL_TERM_LIMIT);
  s->neg_term_limit = _mm256_set1_ps(-VGL_QS8_RESIDUAL_TERM_LIMIT);
  s->residual_scale = _mm256_set1_ps(params->residual_scale);
  s->magic_bits = _mm256_set1_epi32(VGL_QS8_MAGIC_BIAS_BITS);
  s->zero_point = _mm256_set1_epi32(params->zero_point);
  s->qmin = _mm256_set1_epi32(params->qmin);
  s->qmax = _mm256_set1_epi32(params->qmax);
  s->residual_zero_point = _mm256_set1_epi32(params->residual_zero_point);
  s->gelu_table = gelu_table;
  s->has_residual = residual != NULL;
}

static inline VGL_TARGET_AVX2 __m256i vgl_avx2_round(const vgl_avx2_stage *s, __m256 y) {
  return _mm256_sub_epi32(_mm256_castps_si256(_mm256_add_ps(y, s->magic)), s->magic_bits);
}

/// vgl_qs8_finish on 8 accumulators (the bias added) with the 8 scales at `scale`; residual
/// codes (when the op has them) at `residual`; writes the first n (1..8) codes to `out`. Reads
/// only n bytes of `residual`.
static inline VGL_TARGET_AVX2 void vgl_avx2_finish8(const vgl_avx2_stage *s, __m256i acc,
                                                    const float *scale, const int8_t *residual,
                                                    size_t n, int8_t *out) {
  const __m256 product = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), _mm256_loadu_ps(scale));
  __m256i code;
  if (s->has_residual) {
    int64_t bits;
    if (n == 8) {
      memcpy(&bits, residual, 8);
    } else {
      int8_t r8[8] = {0};
      memcpy(r8, residual, n);
      memcpy(&bits, r8, 8);
    }
    const __m256i r = _mm256_cvtepi8_epi32(_mm_cvtsi64_si128(bits));
    const __m256 conv_term =
        _mm256_min_ps(_mm256_max_ps(product, s->neg_term_limit), s->term_limit);
    const __m256 residual_product = _mm256_mul_ps(
        _mm256_cvtepi32_ps(_mm256_sub_epi32(r, s->residual_zero_point)), s->residual_scale);
    const __m256 residual_term =
        _mm256_min_ps(_mm256_max_ps(residual_product, s->neg_term_limit), s->term_limit);
    code = _mm256_add_epi32(
        _mm256_add_epi32(vgl_avx2_round(s, conv_term), vgl_avx2_round(s, residual_term)),
        s->zero_point);
    code = _mm256_min_epi32(_mm256_max_epi32(code, s->qmin), s->qmax);
  } else {
    const __m256 clamped = _mm256_min_ps(_mm256_max_ps(product, s->min_less_zp), s->max_less_zp);
    code = _mm256_add_epi32(vgl_avx2_round(s, clamped), s->zero_point);
  }
  // The low byte of every int32: bytes 0, 4, 8, 12 of each 128-bit half, then the two halves'
  // first dwords side by side.
  const __m256i pick = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                        -1, 0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                        -1, -1);
  const __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(code, pick),
                                                    _mm256_setr_epi32(0, 4, 1, 1, 1, 1, 1, 1));
  int8_t codes[8];
  const int64_t packed = _mm_cvtsi128_si64(_mm256_castsi256_si128(bytes));
  memcpy(codes, &packed, 8);
  if (s->gelu_table != NULL) {
    for (size_t i = 0; i < 8; i++) codes[i] = s->gelu_table[(uint8_t)(codes[i] ^ 0x80)];
  }
  if (n == 8) {
    memcpy(out, codes, 8);
  } else {
    memcpy(out, codes, n);
  }
}

#endif  // VIGIL_QS8_AVX2_H
