// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../isa.h"

#if VGL_ARCH_X86_64
#include <stdbool.h>

#include "../simd/qs8-avx2.h"

// Depthwise conv on AVX2 with vpmaddwd on sign-extended int16 (never vpmaddubsw, whose int16
// sums saturate), 16 channels x up to 8 output pixels of one row per tile, the reduction by
// pairs of kernel rows: for each input column of the tile, kernel rows 2q and 2q + 1 (q = 0 ..
// ceil(k / 2) - 1) widen to int16 and interleave, so that a 32-bit lane holds one channel's two
// vertical taps; the interleaved column serves every output pixel and every kx that reads it,
// and one vpmaddwd gives w0 * x0 + w1 * x1 for 8 channels (each pair at most 2 * 128 * 127:
// exact). The interleave works inside 128-bit lanes: the `low` vector holds channels 0-3 and
// 8-11, the `high` one 4-7 and 12-15; the weights are interleaved the same way and two
// cross-lane permutes bring the sums back to channel order.
//
// Both operands are signed, so the codes enter unchanged, a padded tap feeds the zero point and
// the accumulators start at bias - zp * sum(w): every tap then contributes w * (x - zp), a padded
// one zp * w - zp * w = 0, the reference's terms. A row slot past the kernel (k = 3, 7: the
// second row of the last pair) has weight 0. A lane adds at most 49 products with a non-zero
// weight (7x7: 1,586,865 at most) before the start value: exact int32. Channel tails go through
// zero-padded 16-byte copies (weight 0 past the channels) and store only their channels.
// Weight [ky][kx][C] read in place.

// The stack buffers below hold the largest window plan validation accepts (kernel <= 7,
// stride <= 2).
enum { kTilePixels = 8, kMaxKernel = 7, kMaxPairs = 4, kMaxColumns = (kTilePixels - 1) * 2 + kMaxKernel };

/// 16 codes at p (n of them, the rest 0) widened to int16.
static inline VGL_TARGET_AVX2 __m256i load16(const int8_t *p, size_t n) {
  if (n == 16) return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)p));
  int8_t b[16] = {0};
  memcpy(b, p, n);
  return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)b));
}

/// The tile's output pixels from its interleaved columns: `kernel` and `pairs` are constants at
/// the MobileViGv2 call sites (3x3, the CPE's 7x7), so the taps unroll.
static inline __attribute__((always_inline)) VGL_TARGET_AVX2 void tile(
    const vgl_avx2_stage *stage, __m256i columns[kMaxPairs][kMaxColumns][2],
    __m256i w[kMaxPairs][kMaxKernel][2], const __m256i start[2], const float *scale,
    const size_t kernel, const size_t pairs, size_t stride, size_t pixels, size_t channels,
    size_t n, const int8_t *residual, int8_t *output, size_t first_at) {
  for (size_t p = 0; p < pixels; p++) {
    __m256i low = _mm256_setzero_si256(), high = _mm256_setzero_si256();
    for (size_t q = 0; q < pairs; q++) {
      for (size_t kx = 0; kx < kernel; kx++) {
        const __m256i *a = columns[q][p * stride + kx];
        low = _mm256_add_epi32(low, _mm256_madd_epi16(a[0], w[q][kx][0]));
        high = _mm256_add_epi32(high, _mm256_madd_epi16(a[1], w[q][kx][1]));
      }
    }
    const __m256i ordered[2] = {_mm256_permute2x128_si256(low, high, 0x20),
                                _mm256_permute2x128_si256(low, high, 0x31)};
    const size_t at = first_at + p * channels;
    for (size_t h = 0; h < 2 && 8 * h < n; h++) {
      vgl_avx2_finish8(stage, _mm256_add_epi32(ordered[h], start[h]), scale + 8 * h,
                       residual != NULL ? residual + at + 8 * h : NULL,
                       n - 8 * h < 8 ? n - 8 * h : 8, output + at + 8 * h);
    }
  }
}

VGL_TARGET_AVX2 void vgl_qs8_dwconv_kxk_8x16c2__avx2(
    size_t channels, size_t in_height, size_t in_width, size_t out_height, size_t out_width,
    size_t kernel, size_t stride, size_t pad, const int8_t *input, int32_t input_zero_point,
    const int8_t *weight, const int32_t *bias, const float *scale,
    const vgl_qs8_requant_params *params, const int8_t *gelu_table, const int8_t *residual,
    int8_t *output, size_t out_y_begin, size_t out_y_end) {
  VGL_DCHECK(out_y_begin <= out_y_end && out_y_end <= out_height);
  VGL_DCHECK(channels != 0 && in_height != 0 && in_width != 0);
  VGL_DCHECK(out_height != 0 && out_width != 0);
  VGL_DCHECK(kernel != 0 && kernel <= kMaxKernel && stride != 0 && stride <= 2 && pad < kernel);
  VGL_DCHECK(input != NULL && weight != NULL && bias != NULL && scale != NULL);
  VGL_DCHECK(params != NULL && output != NULL);
  VGL_DCHECK(input_zero_point >= -128 && input_zero_point <= 127);

  vgl_avx2_stage stage;
  vgl_avx2_stage_init(&stage, params, gelu_table, residual);
  const size_t pairs = (kernel + 1) / 2;
  const __m256i padding = _mm256_set1_epi16((short)input_zero_point);
  const __m256i zp = _mm256_set1_epi32(input_zero_point);
  __m256i w[kMaxPairs][kMaxKernel][2];
  __m256i columns[kMaxPairs][kMaxColumns][2];
  for (size_t channel = 0; channel < channels; channel += 16) {
    const size_t n = channels - channel < 16 ? channels - channel : 16;
    // start = bias - zp * sum(w) in channel order, 8 channels per vector; scales 1 past n.
    int32_t b[16] = {0}, sums[16] = {0};
    float block_scale[16];
    memcpy(b, bias + channel, n * sizeof *b);
    for (size_t i = 0; i < 16; i++) block_scale[i] = i < n ? scale[channel + i] : 1.0f;
    for (size_t t = 0; t < kernel * kernel; t++) {
      for (size_t i = 0; i < n; i++) sums[i] += weight[t * channels + channel + i];
    }
    __m256i start[2];
    for (size_t h = 0; h < 2; h++) {
      start[h] = _mm256_sub_epi32(_mm256_loadu_si256((const __m256i *)(b + 8 * h)),
                                  _mm256_mullo_epi32(_mm256_loadu_si256((const __m256i *)(sums + 8 * h)), zp));
    }
    for (size_t q = 0; q < pairs; q++) {
      for (size_t kx = 0; kx < kernel; kx++) {
        const __m256i w0 = load16(weight + (2 * q * kernel + kx) * channels + channel, n);
        const __m256i w1 = 2 * q + 1 < kernel
                               ? load16(weight + ((2 * q + 1) * kernel + kx) * channels + channel, n)
                               : _mm256_setzero_si256();
        w[q][kx][0] = _mm256_unpacklo_epi16(w0, w1);
        w[q][kx][1] = _mm256_unpackhi_epi16(w0, w1);
      }
    }
    for (size_t out_y = out_y_begin; out_y < out_y_end; out_y++) {
      const int8_t *row_at[kMaxPairs * 2];
      for (size_t r = 0; r < 2 * pairs; r++) {
        const size_t in_y = r < kernel ? vgl_qs8_tap_position(out_y, r, stride, pad) : SIZE_MAX;
        row_at[r] = in_y < in_height ? input + in_y * in_width * channels + channel : NULL;
      }
      for (size_t out_x = 0; out_x < out_width; out_x += kTilePixels) {
        const size_t pixels = out_width - out_x < kTilePixels ? out_width - out_x : kTilePixels;
        const size_t column_count = (pixels - 1) * stride + kernel;
        const ptrdiff_t first_x = (ptrdiff_t)(out_x * stride) - (ptrdiff_t)pad;
        for (size_t q = 0; q < pairs; q++) {
          for (size_t j = 0; j < column_count; j++) {
            const ptrdiff_t in_x = first_x + (ptrdiff_t)j;
            const bool is_padding = in_x < 0 || in_x >= (ptrdiff_t)in_width;
            __m256i rows[2];
            for (size_t r = 0; r < 2; r++) {
              const int8_t *row = row_at[2 * q + r];
              rows[r] = is_padding || row == NULL ? padding : load16(row + (size_t)in_x * channels, n);
            }
            columns[q][j][0] = _mm256_unpacklo_epi16(rows[0], rows[1]);
            columns[q][j][1] = _mm256_unpackhi_epi16(rows[0], rows[1]);
          }
        }
        const size_t first_at = (out_y * out_width + out_x) * channels + channel;
        if (kernel == 3) {
          tile(&stage, columns, w, start, block_scale, 3, 2, stride, pixels, channels, n,
               residual, output, first_at);
        } else if (kernel == 7) {
          tile(&stage, columns, w, start, block_scale, 7, 4, stride, pixels, channels, n,
               residual, output, first_at);
        } else {
          tile(&stage, columns, w, start, block_scale, kernel, pairs, stride, pixels, channels,
               n, residual, output, first_at);
        }
      }
    }
  }
}

#endif  // VGL_ARCH_X86_64
