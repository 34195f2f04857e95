// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The AVX-512 vocabulary of the int8 kernels: the requantization rule of qs8-kernels.h on 16
// int32 accumulators at once, bit for bit (int32 -> float conversion rounding to nearest even
// under the default MXCSR, one float multiply, float clamps, the 1.5 * 2^23 magic-number
// rounding; no FMA: the target has none enabled, and a clamp stands between every multiply and
// the add that follows it), the residual rule, and the GELU table through vpermi2b (VBMI).
// Include only from files guarded by VGL_ARCH_X86_64.
#ifndef VIGIL_QS8_AVX512_H
#define VIGIL_QS8_AVX512_H

#include <immintrin.h>

#include "../isa.h"
#include "../qs8-kernels.h"

/// The op's output stage, broadcast once per kernel call.
typedef struct vgl_avx512_stage {
  __m512 min_less_zp, max_less_zp, magic, term_limit, neg_term_limit, residual_scale;
  __m512i magic_bits, zero_point, qmin, qmax, residual_zero_point;
  __m512i gelu[4];  // the 256-entry table as four 64-byte quarters
  int has_gelu, has_residual;
} vgl_avx512_stage;

static inline VGL_TARGET_AVX512VNNI void vgl_avx512_stage_init(
    vgl_avx512_stage *s, const vgl_qs8_requant_params *params, const int8_t *gelu_table,
    const int8_t *residual) {
  s->min_less_zp = _mm512_set1_ps(params->min_less_zero_point);
  s->max_less_zp = _mm512_set1_ps(params->max_less_zero_point);
  s->magic = _mm512_set1_ps(VGL_QS8_MAGIC_BIAS);
  s->term_limit = _mm512_set1_ps(VGL_QS8_RESIDUAL_TERM_LIMIT);
  s->neg_term_limit = _mm512_set1_ps(-VGL_QS8_RESIDUAL_TERM_LIMIT);
  s->residual_scale = _mm512_set1_ps(params->residual_scale);
  s->magic_bits = _mm512_set1_epi32(VGL_QS8_MAGIC_BIAS_BITS);
  s->zero_point = _mm512_set1_epi32(params->zero_point);
  s->qmin = _mm512_set1_epi32(params->qmin);
  s->qmax = _mm512_set1_epi32(params->qmax);
  s->residual_zero_point = _mm512_set1_epi32(params->residual_zero_point);
  s->has_gelu = gelu_table != NULL;
  s->has_residual = residual != NULL;
  for (int q = 0; q < 4; q++) {
    s->gelu[q] = gelu_table != NULL ? _mm512_loadu_si512(gelu_table + 64 * q) : _mm512_setzero_si512();
  }
}

/// rne(y) for |y| <= 2^22 (the caller clamps): vgl_qs8_round_half_even on 16 lanes.
static inline VGL_TARGET_AVX512VNNI __m512i vgl_avx512_round(const vgl_avx512_stage *s, __m512 y) {
  return _mm512_sub_epi32(_mm512_castps_si512(_mm512_add_ps(y, s->magic)), s->magic_bits);
}

/// vgl_qs8_finish on 16 accumulators (the bias already added) with their 16 scales; the
/// residual codes (when the op has them) at `residual`; writes the `mask`ed lanes to `out`.
static inline VGL_TARGET_AVX512VNNI void vgl_avx512_finish16(const vgl_avx512_stage *s,
                                                              __m512i acc, __m512 scale,
                                                              const int8_t *residual,
                                                              __mmask16 mask, int8_t *out) {
  const __m512 product = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), scale);
  __m512i code;
  if (s->has_residual) {
    // max(y, lo) returns lo for a NaN y, as the scalar !(y >= lo) does.
    const __m512 conv_term =
        _mm512_min_ps(_mm512_max_ps(product, s->neg_term_limit), s->term_limit);
    const __m512i r = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mask, residual));
    const __m512 residual_product = _mm512_mul_ps(
        _mm512_cvtepi32_ps(_mm512_sub_epi32(r, s->residual_zero_point)), s->residual_scale);
    const __m512 residual_term =
        _mm512_min_ps(_mm512_max_ps(residual_product, s->neg_term_limit), s->term_limit);
    code = _mm512_add_epi32(_mm512_add_epi32(vgl_avx512_round(s, conv_term),
                                             vgl_avx512_round(s, residual_term)),
                            s->zero_point);
    code = _mm512_min_epi32(_mm512_max_epi32(code, s->qmin), s->qmax);
  } else {
    const __m512 clamped = _mm512_min_ps(_mm512_max_ps(product, s->min_less_zp), s->max_less_zp);
    code = _mm512_add_epi32(vgl_avx512_round(s, clamped), s->zero_point);
  }
  if (s->has_gelu) {
    // index = code + 128 in 0..255: bit 7 picks the table half, bits 0..6 the entry.
    const __m512i index = _mm512_castsi128_si512(
        _mm512_cvtepi32_epi8(_mm512_add_epi32(code, _mm512_set1_epi32(128))));
    const __m512i low = _mm512_permutex2var_epi8(s->gelu[0], index, s->gelu[1]);
    const __m512i high = _mm512_permutex2var_epi8(s->gelu[2], index, s->gelu[3]);
    const __m512i looked_up = _mm512_mask_blend_epi8(_mm512_movepi8_mask(index), low, high);
    _mm_mask_storeu_epi8(out, mask, _mm512_castsi512_si128(looked_up));
    return;
  }
  _mm_mask_storeu_epi8(out, mask, _mm512_cvtepi32_epi8(code));
}

/// The first n (1..4) bytes at p as the low bytes of a 32-bit word, the rest 0: the remainder
/// group of a reduction whose length is not a multiple of 4 (never reads past p + n).
static inline uint32_t vgl_load_partial_u32(const void *p, size_t n) {
  const uint8_t *b = p;
  uint32_t bits = 0;
  switch (n) {
    case 4: memcpy(&bits, b, 4); break;
    case 3: bits = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16; break;
    case 2: bits = (uint32_t)b[0] | (uint32_t)b[1] << 8; break;
    case 1: bits = b[0]; break;
    default: break;
  }
  return bits;
}

/// The mask of the first n (<= 16) lanes.
static inline __mmask16 vgl_avx512_lanes(size_t n) {
  return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1u);
}

#endif  // VIGIL_QS8_AVX512_H
