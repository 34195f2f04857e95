// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../isa.h"

#if VGL_ARCH_X86_64
#include <stdbool.h>

#include "../simd/qs8-avx2.h"

// The graph op fused with its 2C -> C conv on AVX2. Per pixel: xj = max of the rolled
// neighbours - x, 32 channels per step (byte max, then a wrapping byte subtract: the max is at
// least x, so the wrapped difference is the exact 0..255), into the plan's scratch; then one
// pixel x 16 output channels of the packed [C][2C] weight (2 taps) with vpmaddwd on widened
// int16, as the AVX2 1x1 GEMM (never vpmaddubsw): the x half sign-extended, corrected by zp *
// the x half's weight sum (stored beside the biases), the xj half zero-extended (0..255 fits
// int16; each pair at most 2 * 255 * 127). Exact for the same reasons as the 1x1 GEMM.

/// The group's 4 bytes at p (n of them, the rest 0), widened to int16 (zero-extended when
/// `is_unsigned`) and repeated over the 4 chunks of a vector.
static inline VGL_TARGET_AVX2 __m256i widened_group(const void *p, size_t n, bool is_unsigned) {
  int32_t bits;
  if (n >= 4) {
    memcpy(&bits, p, 4);
  } else {  // the remainder group: the bytes past the channels read as 0
    uint8_t b[4] = {0, 0, 0, 0};
    memcpy(b, p, n);
    memcpy(&bits, b, 4);
  }
  const __m128i v = _mm_cvtsi32_si128(bits);
  return _mm256_broadcastq_epi64(is_unsigned ? _mm_cvtepu8_epi16(v) : _mm_cvtepi8_epi16(v));
}

/// One tap (`channels` inputs at `a`, packed weight line `w`) into the 4 chunk accumulators.
static inline __attribute__((always_inline)) VGL_TARGET_AVX2 void tap(
    const void *a, size_t channels, size_t groups, const int8_t *w, bool is_unsigned,
    __m256i acc[4]) {
  const uint8_t *bytes = a;
  for (size_t group = 0; group < groups; group++) {
    const __m256i x = widened_group(bytes + group * 4, channels - group * 4, is_unsigned);
    for (size_t q = 0; q < 4; q++) {
      const __m256i b = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + group * 64 + 16 * q)));
      acc[q] = _mm256_add_epi32(acc[q], _mm256_madd_epi16(b, x));
    }
  }
}

VGL_TARGET_AVX2 void vgl_qs8_mrconv_1x16c4__avx2(
    size_t channels, size_t height, size_t width, size_t hop, const int8_t *input,
    int32_t input_zero_point, const int8_t *weight, const int32_t *bias, const float *scale,
    const vgl_qs8_requant_params *params, const int8_t *gelu_table, const int8_t *residual,
    uint8_t *xj_scratch, int8_t *output, size_t out_y_begin, size_t out_y_end) {
  VGL_DCHECK(out_y_begin <= out_y_end && out_y_end <= height);
  VGL_DCHECK(channels != 0 && height != 0 && width != 0);
  VGL_DCHECK(input != NULL && weight != NULL && bias != NULL && scale != NULL);
  VGL_DCHECK(params != NULL && xj_scratch != NULL && output != NULL);
  VGL_DCHECK(input_zero_point >= -128 && input_zero_point <= 127);

  vgl_avx2_stage stage;
  vgl_avx2_stage_init(&stage, params, gelu_table, residual);
  const size_t tap_stride = vgl_qs8_packed_channels(channels), groups = tap_stride / 4;
  const size_t block_bytes = 2 * tap_stride * 16;
  const bool roll_h = hop != 0 && hop < height;
  const bool roll_w = hop != 0 && hop < width;
  const __m256i zp = _mm256_set1_epi32(input_zero_point);
  for (size_t out_y = out_y_begin; out_y < out_y_end; out_y++) {
    for (size_t out_x = 0; out_x < width; out_x++) {
      const size_t pixel = out_y * width + out_x;
      const int8_t *x = input + pixel * channels;
      const int8_t *n[4];
      vgl_qs8_mrconv_neighbours(input, channels, height, width, hop, out_y, out_x, n);
      const int8_t *up = n[0], *down = n[1], *left = n[2], *right = n[3];
      size_t c = 0;
      for (; c + 32 <= channels; c += 32) {
        const __m256i xv = _mm256_loadu_si256((const __m256i *)(x + c));
        __m256i m = xv;
        if (roll_h) {
          m = _mm256_max_epi8(m, _mm256_loadu_si256((const __m256i *)(up + c)));
          m = _mm256_max_epi8(m, _mm256_loadu_si256((const __m256i *)(down + c)));
        }
        if (roll_w) {
          m = _mm256_max_epi8(m, _mm256_loadu_si256((const __m256i *)(left + c)));
          m = _mm256_max_epi8(m, _mm256_loadu_si256((const __m256i *)(right + c)));
        }
        _mm256_storeu_si256((__m256i *)(xj_scratch + c), _mm256_sub_epi8(m, xv));
      }
      for (; c < channels; c++) {  // the scalar reference's tail
        int32_t neighbour_max = x[c];
        if (roll_h) {
          if (up[c] > neighbour_max) neighbour_max = up[c];
          if (down[c] > neighbour_max) neighbour_max = down[c];
        }
        if (roll_w) {
          if (left[c] > neighbour_max) neighbour_max = left[c];
          if (right[c] > neighbour_max) neighbour_max = right[c];
        }
        xj_scratch[c] = (uint8_t)(neighbour_max - x[c]);
      }
      for (size_t channel = 0; channel < channels; channel += 16) {
        const size_t n = channels - channel < 16 ? channels - channel : 16;
        int32_t b[16] = {0}, sums[16] = {0};
        float block_scale[16];
        memcpy(b, bias + channel, n * sizeof *b);
        memcpy(sums, bias + channels + channel, n * sizeof *sums);
        for (size_t i = 0; i < 16; i++) block_scale[i] = i < n ? scale[channel + i] : 1.0f;
        __m256i acc[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(),
                          _mm256_setzero_si256()};
        const int8_t *w = weight + channel / 16 * block_bytes;
        tap(x, channels, groups, w, false, acc);
        tap(xj_scratch, channels, groups, w + tap_stride * 16, true, acc);
        const size_t at = pixel * channels + channel;
        for (size_t half = 0; half < 2 && 8 * half < n; half++) {
          const __m256i start = _mm256_sub_epi32(
              _mm256_loadu_si256((const __m256i *)(b + 8 * half)),
              _mm256_mullo_epi32(_mm256_loadu_si256((const __m256i *)(sums + 8 * half)), zp));
          // hadd: [c0 c1 c4 c5 | c2 c3 c6 c7] of the half's 8 channels; qwords 0, 2, 1, 3 order them.
          const __m256i folded = _mm256_permute4x64_epi64(
              _mm256_hadd_epi32(acc[2 * half], acc[2 * half + 1]), 0xD8);
          vgl_avx2_finish8(&stage, _mm256_add_epi32(start, folded), block_scale + 8 * half,
                           residual != NULL ? residual + at + 8 * half : NULL,
                           n - 8 * half < 8 ? n - 8 * half : 8, output + at + 8 * half);
        }
      }
    }
  }
}

#endif  // VGL_ARCH_X86_64
