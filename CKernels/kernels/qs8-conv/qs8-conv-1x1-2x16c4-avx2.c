// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../isa.h"

#if VGL_ARCH_X86_64
#include "../simd/qs8-avx2.h"

// Pointwise conv as a GEMM on AVX2 with vpmaddwd on sign-extended int16 (never vpmaddubsw, whose
// int16 sums saturate), tile 2 pixels x 16 output channels, reduction by groups of 4 input
// channels: one 64-byte line of the packed weight (vigil_q8.h) is 4 chunks of 4 channels x 4
// bytes. Per chunk, the 16 weight bytes widen to 16 int16 and meet the group's 4 activations
// (widened, repeated 4 times): vpmaddwd gives [c k0*x0+k1*x1, c k2*x2+k3*x3, ...] for the
// chunk's 4 channels in 8 int32 lanes (each pair at most 2 * 128 * 127: exact). After the
// reduction, vphaddd and one cross-lane permute fold the pairs into 8 channels per vector.
//
// Both operands are signed, so the activations enter unchanged and the zero point comes out
// through the weight sums the packed layout stores after the biases:
//   sum w * (x - zp) + bias = sum w * x + (bias - zp * weight_sum)
// Lane adds wrap and validation bounds the exact sum by INT32_MAX, so every int32 equals the
// scalar reference's. Tails: a missing second pixel repeats the first (computed, not stored); a
// channel block past out_channels computes zero-padded weights and stores only its first
// channels; an input-channel remainder is loaded byte by byte (the padding weights are zero).

static inline VGL_TARGET_AVX2 __m256i widened_group(const int8_t *row, size_t group,
                                                    size_t in_channels) {
  const size_t first = group * 4;
  int32_t bits;
  if (first + 4 <= in_channels) {
    memcpy(&bits, row + first, 4);
  } else {  // the remainder group: the bytes past in_channels read as 0
    int8_t b[4] = {0, 0, 0, 0};
    memcpy(b, row + first, in_channels - first);
    memcpy(&bits, b, 4);
  }
  return _mm256_broadcastq_epi64(_mm_cvtepi8_epi16(_mm_cvtsi32_si128(bits)));
}

static inline __attribute__((always_inline)) VGL_TARGET_AVX2 void block(
    size_t in_channels, size_t depth, const int8_t *const rows[2], size_t rows_used,
    const int8_t *w, const __m256i start[2], const float *scale, const vgl_avx2_stage *stage,
    const int8_t *const residual_rows[2], int8_t *const out_rows[2], size_t channel, size_t n) {
  __m256i acc[2][4];
  for (size_t i = 0; i < 2; i++) {
    for (size_t q = 0; q < 4; q++) acc[i][q] = _mm256_setzero_si256();
  }
  const size_t groups = depth / 4;
  for (size_t group = 0; group < groups; group++) {
    __m256i b[4];
    for (size_t q = 0; q < 4; q++) {
      b[q] = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + group * 64 + 16 * q)));
    }
    for (size_t i = 0; i < 2; i++) {
      const __m256i a = widened_group(rows[i], group, in_channels);
      for (size_t q = 0; q < 4; q++) acc[i][q] = _mm256_add_epi32(acc[i][q], _mm256_madd_epi16(b[q], a));
    }
  }
  for (size_t i = 0; i < rows_used; i++) {
    for (size_t half = 0; half < 2; half++) {
      const size_t first = 8 * half;
      if (first >= n) break;
      // hadd: [c0 c1 c4 c5 | c2 c3 c6 c7] of the half's 8 channels; qwords 0, 2, 1, 3 order them.
      const __m256i folded = _mm256_permute4x64_epi64(
          _mm256_hadd_epi32(acc[i][2 * half], acc[i][2 * half + 1]), 0xD8);
      vgl_avx2_finish8(stage, _mm256_add_epi32(start[half], folded), scale + first,
                       residual_rows[i] != NULL ? residual_rows[i] + channel + first : NULL,
                       n - first < 8 ? n - first : 8, out_rows[i] + channel + first);
    }
  }
}

VGL_TARGET_AVX2 void vgl_qs8_conv_1x1_2x16c4__avx2(
    size_t in_channels, size_t out_channels, size_t pixels, const int8_t *input,
    int32_t input_zero_point, const int8_t *weight, const int32_t *bias, const float *scale,
    const vgl_qs8_requant_params *params, const int8_t *gelu_table, const int8_t *residual,
    int8_t *output) {
  VGL_DCHECK(in_channels != 0 && out_channels != 0 && pixels != 0);
  VGL_DCHECK(input != NULL && weight != NULL && bias != NULL && scale != NULL);
  VGL_DCHECK(params != NULL && output != NULL);
  VGL_DCHECK(input_zero_point >= -128 && input_zero_point <= 127);

  vgl_avx2_stage stage;
  vgl_avx2_stage_init(&stage, params, gelu_table, residual);
  const size_t depth = vgl_qs8_packed_channels(in_channels);
  const __m256i zp = _mm256_set1_epi32(input_zero_point);
  for (size_t channel = 0; channel < out_channels; channel += 16) {
    const size_t n = out_channels - channel < 16 ? out_channels - channel : 16;
    int32_t b[16] = {0}, sums[16] = {0};
    float block_scale[16];
    memcpy(b, bias + channel, n * sizeof *b);
    memcpy(sums, bias + out_channels + channel, n * sizeof *sums);
    for (size_t i = 0; i < 16; i++) block_scale[i] = i < n ? scale[channel + i] : 1.0f;
    __m256i start[2];
    for (size_t h = 0; h < 2; h++) {
      start[h] = _mm256_sub_epi32(_mm256_loadu_si256((const __m256i *)(b + 8 * h)),
                                  _mm256_mullo_epi32(_mm256_loadu_si256((const __m256i *)(sums + 8 * h)), zp));
    }
    const int8_t *w = weight + channel * depth;
    for (size_t pixel = 0; pixel < pixels; pixel += 2) {
      const size_t rows_used = pixels - pixel < 2 ? pixels - pixel : 2;
      const int8_t *rows[2];
      const int8_t *residual_rows[2];
      int8_t *out_rows[2];
      for (size_t i = 0; i < 2; i++) {
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

#endif  // VGL_ARCH_X86_64
