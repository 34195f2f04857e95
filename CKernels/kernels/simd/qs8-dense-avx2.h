// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The dense kxk convolution on AVX2, shared by the CONV kxk and STEM kernels (tile 2 output
// pixels x 16 output channels): an implicit GEMM whose reduction runs over the taps and, within
// a tap, over groups of 4 input channels, the packed weight's order (vigil_q8.h). Per group the
// 64-byte line of a 16-channel block is 4 chunks of 4 channels x 4 bytes; each chunk widens to
// 16 int16 and meets the group's 4 activations (widened, repeated 4 times) in vpmaddwd: 8 int32
// lanes of [c k0*x0+k1*x1, c k2*x2+k3*x3, ...], each pair at most 2 * 255 * 127 (exact; never
// vpmaddubsw, whose int16 sums saturate). After the reduction, vphaddd and one cross-lane
// permute fold the pairs into 8 channels per vector, as in the AVX2 1x1 GEMM.
//
// Activations widen as they are: CONV codes sign-extended, STEM pixels zero-extended (0..255
// fits int16). A padded tap feeds the zero point (CONV: zp in every position; STEM: pz[c] per
// channel), so with the accumulators started at bias - correction (CONV: zp * weight_sum; STEM:
// the stored sum of w * pz) every tap, padded or not, contributes exactly the scalar
// reference's w * (x - zp). Validation bounds the reduction, so every int32 is exact. Include
// only from files guarded by VGL_ARCH_X86_64.
#ifndef VIGIL_QS8_DENSE_AVX2_H
#define VIGIL_QS8_DENSE_AVX2_H

#include "qs8-avx2.h"

typedef vgl_qs8_dense_args vgl_avx2_dense;

/// The group's 4 bytes at p (n of them, the rest 0) widened to int16 (zero-extended for STEM
/// pixels), repeated over the 4 chunks of a vector.
static inline VGL_TARGET_AVX2 __m256i vgl_avx2_dense_group(const vgl_avx2_dense *d,
                                                           const void *p, size_t n) {
  int32_t bits;
  if (n >= 4) {
    memcpy(&bits, p, 4);
  } else {  // the remainder group: the bytes past the channels read as 0
    uint8_t b[4] = {0, 0, 0, 0};
    memcpy(b, p, n);
    memcpy(&bits, b, 4);
  }
  const __m128i v = _mm_cvtsi32_si128(bits);
  return _mm256_broadcastq_epi64(d->pixel_zero_points != NULL ? _mm_cvtepu8_epi16(v)
                                                              : _mm_cvtepi8_epi16(v));
}

static inline __attribute__((always_inline)) VGL_TARGET_AVX2 void vgl_avx2_dense_tile(
    const vgl_avx2_dense *d, const vgl_avx2_stage *stage, const size_t pixel_index[2],
    size_t pixels_used, size_t channel) {
  const size_t n = d->out_channels - channel < 16 ? d->out_channels - channel : 16;
  int32_t b[16] = {0}, sums[16] = {0};
  float block_scale[16];
  memcpy(b, d->bias + channel, n * sizeof *b);
  memcpy(sums, d->bias + d->out_channels + channel, n * sizeof *sums);
  for (size_t i = 0; i < 16; i++) block_scale[i] = i < n ? d->scale[channel + i] : 1.0f;
  const __m256i zp = _mm256_set1_epi32(d->pixel_zero_points != NULL ? 1 : d->zero_point);
  __m256i start[2];
  for (size_t h = 0; h < 2; h++) {
    start[h] = _mm256_sub_epi32(_mm256_loadu_si256((const __m256i *)(b + 8 * h)),
                                _mm256_mullo_epi32(_mm256_loadu_si256((const __m256i *)(sums + 8 * h)), zp));
  }
  __m256i acc[2][4];
  for (size_t i = 0; i < 2; i++) {
    for (size_t q = 0; q < 4; q++) acc[i][q] = _mm256_setzero_si256();
  }
  const __m256i padding = _mm256_set1_epi16((short)d->zero_point);
  const size_t groups = d->tap_stride / 4;
  ptrdiff_t origin_y[2], origin_x[2];
  for (size_t i = 0; i < 2; i++) {
    origin_y[i] = (ptrdiff_t)(pixel_index[i] / d->out_width * d->stride) - (ptrdiff_t)d->pad;
    origin_x[i] = (ptrdiff_t)(pixel_index[i] % d->out_width * d->stride) - (ptrdiff_t)d->pad;
  }
  const int8_t *block = d->weight + channel / 16 * d->depth * 16;
  for (size_t ky = 0; ky < d->kernel; ky++) {
    for (size_t kx = 0; kx < d->kernel; kx++) {
      const int8_t *rows[2];
      for (size_t i = 0; i < 2; i++) {
        // The same padding test as vgl_qs8_tap_position, on the origins computed once per tile.
        const ptrdiff_t in_y = origin_y[i] + (ptrdiff_t)ky, in_x = origin_x[i] + (ptrdiff_t)kx;
        const int is_padding = in_y < 0 || in_x < 0 || in_y >= (ptrdiff_t)d->in_height ||
                               in_x >= (ptrdiff_t)d->in_width;
        rows[i] = is_padding ? NULL
                             : d->input + ((size_t)in_y * d->in_width + (size_t)in_x) * d->in_channels;
      }
      const int8_t *w = block + (ky * d->kernel + kx) * d->tap_stride * 16;
      for (size_t group = 0; group < groups; group++) {
        __m256i bw[4];
        for (size_t q = 0; q < 4; q++) {
          bw[q] = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(w + group * 64 + 16 * q)));
        }
        const size_t first = group * 4, count = d->in_channels - first;
        __m256i group_padding = padding;
        if (d->pixel_zero_points != NULL) {
          group_padding = vgl_avx2_dense_group(d, d->pixel_zero_points + first, count);
        }
        for (size_t i = 0; i < 2; i++) {
          const __m256i a = rows[i] != NULL ? vgl_avx2_dense_group(d, rows[i] + first, count)
                                            : group_padding;
          for (size_t q = 0; q < 4; q++) acc[i][q] = _mm256_add_epi32(acc[i][q], _mm256_madd_epi16(bw[q], a));
        }
      }
    }
  }
  for (size_t i = 0; i < pixels_used; i++) {
    const size_t at = pixel_index[i] * d->out_channels + channel;
    for (size_t half = 0; half < 2; half++) {
      const size_t first = 8 * half;
      if (first >= n) break;
      // hadd: [c0 c1 c4 c5 | c2 c3 c6 c7] of the half's 8 channels; qwords 0, 2, 1, 3 order them.
      const __m256i folded = _mm256_permute4x64_epi64(
          _mm256_hadd_epi32(acc[i][2 * half], acc[i][2 * half + 1]), 0xD8);
      vgl_avx2_finish8(stage, _mm256_add_epi32(start[half], folded), block_scale + first,
                       d->residual != NULL ? d->residual + at + first : NULL,
                       n - first < 8 ? n - first : 8, d->output + at + first);
    }
  }
}

static inline VGL_TARGET_AVX2 void vgl_avx2_dense_run(const vgl_avx2_dense *d,
                                                      const vgl_avx2_stage *stage) {
  const size_t pixels = d->out_y_end * d->out_width;
  for (size_t channel = 0; channel < d->out_channels; channel += 16) {
    for (size_t pixel = d->out_y_begin * d->out_width; pixel < pixels; pixel += 2) {
      const size_t used = pixels - pixel < 2 ? pixels - pixel : 2;
      const size_t index[2] = {pixel, pixel + used - 1};
      vgl_avx2_dense_tile(d, stage, index, used, channel);
    }
  }
}

#endif  // VIGIL_QS8_DENSE_AVX2_H
