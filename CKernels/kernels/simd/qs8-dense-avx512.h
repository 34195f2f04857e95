// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The dense kxk convolution with vpdpbusd, shared by the CONV kxk and STEM kernels (tile 4
// output pixels x 64 output channels): an implicit GEMM whose reduction runs over the taps and,
// within a tap, over groups of 4 input channels, the packed weight's order (vigil_q8.h).
//
// Activations enter as unsigned bytes: CONV codes as x + 128 (x xor 0x80), STEM pixels as they
// are. A padded tap feeds its zero point (CONV: zp + 128 in every byte; STEM: pz[c] per
// channel), so that with the accumulators started at bias - correction (CONV: (zp + 128) *
// weight_sum; STEM: the stored sum of w * pz) every tap, padded or not, contributes exactly the
// scalar reference's w * (x - zp): padded taps add (zp + 128) * w - (zp + 128) * w = 0. Products
// are at most 255 * 127 and validation bounds the reduction, so every int32 is exact. Include
// only from files guarded by VGL_ARCH_X86_64.
#ifndef VIGIL_QS8_DENSE_AVX512_H
#define VIGIL_QS8_DENSE_AVX512_H

#include "qs8-avx512.h"

typedef struct vgl_avx512_dense {
  size_t in_channels, in_height, in_width, out_channels, out_height, out_width;
  size_t kernel, stride, pad, tap_stride, depth;
  const int8_t *input;   // CONV codes or STEM pixels (as bytes)
  int unsigned_input;    // STEM
  uint32_t pad_bits;     // CONV: the 4 bytes a padded group feeds (before the xor)
  const uint8_t *pixel_zero_points;  // STEM: a padded group feeds pz of its channels
  int32_t shifted_zero_point;  // CONV: zp + 128
  const int8_t *weight;
  const int32_t *bias;
  const float *scale;
  const int8_t *residual;
  int8_t *output;
  size_t out_y_begin, out_y_end;  // the output rows to compute
} vgl_avx512_dense;

static inline __attribute__((always_inline)) VGL_TARGET_AVX512VNNI void vgl_avx512_dense_tile(
    const vgl_avx512_dense *d, const vgl_avx512_stage *stage, const size_t pixel_index[4],
    size_t pixels_used, size_t first_block, const size_t blocks) {
  __m512i acc[4][4];
  const __m512i zp = _mm512_set1_epi32(d->shifted_zero_point);
  for (size_t j = 0; j < blocks; j++) {
    const size_t channel = (first_block + j) * 16;
    const __mmask16 mask = vgl_avx512_lanes(d->out_channels - channel);
    const __m512i bias = _mm512_maskz_loadu_epi32(mask, d->bias + channel);
    const __m512i sums = _mm512_maskz_loadu_epi32(mask, d->bias + d->out_channels + channel);
    const __m512i start = d->unsigned_input ? _mm512_sub_epi32(bias, sums)
                                            : _mm512_sub_epi32(bias, _mm512_mullo_epi32(sums, zp));
    for (size_t i = 0; i < 4; i++) acc[i][j] = start;
  }
  const __m512i flip = _mm512_set1_epi32(d->unsigned_input ? 0 : (int32_t)0x80808080);
  const __m512i padding = _mm512_xor_si512(_mm512_set1_epi32((int32_t)d->pad_bits), flip);
  const size_t block_bytes = d->depth * 16;
  const size_t groups = d->tap_stride / 4, full_groups = d->in_channels / 4;
  ptrdiff_t origin_y[4], origin_x[4];
  for (size_t i = 0; i < 4; i++) {
    origin_y[i] = (ptrdiff_t)(pixel_index[i] / d->out_width * d->stride) - (ptrdiff_t)d->pad;
    origin_x[i] = (ptrdiff_t)(pixel_index[i] % d->out_width * d->stride) - (ptrdiff_t)d->pad;
  }
  for (size_t ky = 0; ky < d->kernel; ky++) {
    for (size_t kx = 0; kx < d->kernel; kx++) {
      const int8_t *rows[4];
      for (size_t i = 0; i < 4; i++) {
        // The same padding test as vgl_qs8_tap_position, on the origins computed once per tile.
        const ptrdiff_t in_y = origin_y[i] + (ptrdiff_t)ky, in_x = origin_x[i] + (ptrdiff_t)kx;
        const int is_padding = in_y < 0 || in_x < 0 || in_y >= (ptrdiff_t)d->in_height ||
                               in_x >= (ptrdiff_t)d->in_width;
        rows[i] = is_padding ? NULL
                             : d->input + ((size_t)in_y * d->in_width + (size_t)in_x) * d->in_channels;
      }
      const int8_t *w = d->weight + (ky * d->kernel + kx) * d->tap_stride * 16;
      for (size_t group = 0; group < groups; group++) {
        __m512i b[4];
        for (size_t j = 0; j < blocks; j++) {
          b[j] = _mm512_loadu_si512(w + (first_block + j) * block_bytes + group * 64);
        }
        __m512i group_padding = padding;
        if (d->pixel_zero_points != NULL) {
          const size_t n = d->in_channels - group * 4 < 4 ? d->in_channels - group * 4 : 4;
          group_padding =
              _mm512_set1_epi32((int32_t)vgl_load_partial_u32(d->pixel_zero_points + group * 4, n));
        }
        for (size_t i = 0; i < 4; i++) {
          __m512i a = group_padding;
          if (rows[i] != NULL) {
            uint32_t bits;
            if (group < full_groups) {
              memcpy(&bits, rows[i] + group * 4, 4);
            } else {
              bits = vgl_load_partial_u32(rows[i] + group * 4, d->in_channels - group * 4);
            }
            a = _mm512_xor_si512(_mm512_set1_epi32((int32_t)bits), flip);
          }
          for (size_t j = 0; j < blocks; j++) acc[i][j] = _mm512_dpbusd_epi32(acc[i][j], a, b[j]);
        }
      }
    }
  }
  for (size_t j = 0; j < blocks; j++) {
    const size_t channel = (first_block + j) * 16;
    const __mmask16 mask = vgl_avx512_lanes(d->out_channels - channel);
    const __m512 scale = _mm512_maskz_loadu_ps(mask, d->scale + channel);
    for (size_t i = 0; i < pixels_used; i++) {
      const size_t at = pixel_index[i] * d->out_channels + channel;
      vgl_avx512_finish16(stage, acc[i][j], scale,
                          d->residual != NULL ? d->residual + at : NULL, mask, d->output + at);
    }
  }
}

static inline VGL_TARGET_AVX512VNNI void vgl_avx512_dense_run(const vgl_avx512_dense *d,
                                                              const vgl_avx512_stage *stage) {
  const size_t pixels = d->out_y_end * d->out_width;
  const size_t blocks = (d->out_channels + 15) / 16;
  for (size_t pixel = d->out_y_begin * d->out_width; pixel < pixels; pixel += 4) {
    const size_t used = pixels - pixel < 4 ? pixels - pixel : 4;
    size_t index[4];
    for (size_t i = 0; i < 4; i++) index[i] = pixel + (i < used ? i : used - 1);
    size_t block = 0;
    for (; block + 4 <= blocks; block += 4) vgl_avx512_dense_tile(d, stage, index, used, block, 4);
    switch (blocks - block) {
      case 3: vgl_avx512_dense_tile(d, stage, index, used, block, 3); break;
      case 2: vgl_avx512_dense_tile(d, stage, index, used, block, 2); break;
      case 1: vgl_avx512_dense_tile(d, stage, index, used, block, 1); break;
      default: break;
    }
  }
}

#endif  // VIGIL_QS8_DENSE_AVX512_H
