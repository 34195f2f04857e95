// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../isa.h"

#if VGL_ARCH_X86_64
#include <stdbool.h>

#include "../simd/qs8-avx512.h"

// The graph op fused with its 2C -> C conv, with vpdpbusd. Per pixel: xj = max of the rolled
// neighbours - x, 64 channels per step (byte max, then a wrapping byte subtract: the max is at
// least x, so the wrapped difference is the exact 0..255), into the plan's scratch; then one
// pixel x 64 output channels of the packed [C][2C] weight (2 taps): the x half enters as x + 128
// (corrected by (zp + 128) * the x half's weight sum, stored beside the biases), the xj half as
// the unsigned bytes it already is. Exact for the same reasons as the 1x1 GEMM.

static inline VGL_TARGET_AVX512VNNI __m512i group_bits(const uint8_t *row, size_t group,
                                                       size_t channels) {
  const size_t first = group * 4;
  return _mm512_set1_epi32(
      (int32_t)vgl_load_partial_u32(row + first, first + 4 <= channels ? 4 : channels - first));
}

static inline __attribute__((always_inline)) VGL_TARGET_AVX512VNNI void tile(
    const vgl_avx512_stage *stage, size_t channels, size_t tap_stride, const int8_t *x,
    const uint8_t *xj, const int8_t *weight, const int32_t *bias, const float *scale,
    int32_t shifted_zero_point, const int8_t *residual, int8_t *out, size_t first_block,
    const size_t blocks) {
  __m512i acc[4];
  const __m512i zp = _mm512_set1_epi32(shifted_zero_point);
  for (size_t j = 0; j < blocks; j++) {
    const size_t channel = (first_block + j) * 16;
    const __mmask16 mask = vgl_avx512_lanes(channels - channel);
    const __m512i b = _mm512_maskz_loadu_epi32(mask, bias + channel);
    const __m512i sums = _mm512_maskz_loadu_epi32(mask, bias + channels + channel);
    acc[j] = _mm512_sub_epi32(b, _mm512_mullo_epi32(sums, zp));
  }
  const size_t depth = 2 * tap_stride, block_bytes = depth * 16, groups = tap_stride / 4;
  const __m512i flip = _mm512_set1_epi32((int32_t)0x80808080);
  const int8_t *w = weight + first_block * block_bytes;
  for (size_t group = 0; group < groups; group++) {  // tap 0: x
    const __m512i a = _mm512_xor_si512(group_bits((const uint8_t *)x, group, channels), flip);
    for (size_t j = 0; j < blocks; j++) {
      acc[j] = _mm512_dpbusd_epi32(acc[j], a, _mm512_loadu_si512(w + j * block_bytes + group * 64));
    }
  }
  const int8_t *w_xj = w + tap_stride * 16;
  for (size_t group = 0; group < groups; group++) {  // tap 1: xj
    const __m512i a = group_bits(xj, group, channels);
    for (size_t j = 0; j < blocks; j++) {
      acc[j] = _mm512_dpbusd_epi32(acc[j], a,
                                   _mm512_loadu_si512(w_xj + j * block_bytes + group * 64));
    }
  }
  for (size_t j = 0; j < blocks; j++) {
    const size_t channel = (first_block + j) * 16;
    const __mmask16 mask = vgl_avx512_lanes(channels - channel);
    vgl_avx512_finish16(stage, acc[j], _mm512_maskz_loadu_ps(mask, scale + channel),
                        residual != NULL ? residual + channel : NULL, mask, out + channel);
  }
}

VGL_TARGET_AVX512VNNI void vgl_qs8_mrconv_1x64c4__avx512vnni(
    size_t channels, size_t height, size_t width, size_t hop, const int8_t *input,
    int32_t input_zero_point, const int8_t *weight, const int32_t *bias, const float *scale,
    const vgl_qs8_requant_params *params, const int8_t *gelu_table, const int8_t *residual,
    uint8_t *xj_scratch, int8_t *output, size_t out_y_begin,
    size_t out_y_end) {
  VGL_DCHECK(out_y_begin <= out_y_end && out_y_end <= height);
  VGL_DCHECK(channels != 0 && height != 0 && width != 0);
  VGL_DCHECK(input != NULL && weight != NULL && bias != NULL && scale != NULL);
  VGL_DCHECK(params != NULL && xj_scratch != NULL && output != NULL);
  VGL_DCHECK(input_zero_point >= -128 && input_zero_point <= 127);

  vgl_avx512_stage stage;
  vgl_avx512_stage_init(&stage, params, gelu_table, residual);
  const size_t tap_stride = vgl_qs8_packed_channels(channels);
  const size_t blocks = (channels + 15) / 16;
  const bool roll_h = hop != 0 && hop < height;
  const bool roll_w = hop != 0 && hop < width;
  for (size_t out_y = out_y_begin; out_y < out_y_end; out_y++) {
    for (size_t out_x = 0; out_x < width; out_x++) {
      const size_t pixel = out_y * width + out_x;
      const int8_t *x = input + pixel * channels;
      const int8_t *n[4];
      vgl_qs8_mrconv_neighbours(input, channels, height, width, hop, out_y, out_x, n);
      const int8_t *up = n[0], *down = n[1], *left = n[2], *right = n[3];
      for (size_t c = 0; c < channels; c += 64) {
        const __mmask64 mask = channels - c >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << (channels - c)) - 1);
        const __m512i xv = _mm512_maskz_loadu_epi8(mask, x + c);
        __m512i m = xv;
        if (roll_h) {
          m = _mm512_max_epi8(m, _mm512_maskz_loadu_epi8(mask, up + c));
          m = _mm512_max_epi8(m, _mm512_maskz_loadu_epi8(mask, down + c));
        }
        if (roll_w) {
          m = _mm512_max_epi8(m, _mm512_maskz_loadu_epi8(mask, left + c));
          m = _mm512_max_epi8(m, _mm512_maskz_loadu_epi8(mask, right + c));
        }
        _mm512_mask_storeu_epi8(xj_scratch + c, mask, _mm512_sub_epi8(m, xv));
      }
      const int8_t *res = residual != NULL ? residual + pixel * channels : NULL;
      int8_t *out = output + pixel * channels;
      size_t block = 0;
      for (; block + 4 <= blocks; block += 4) {
        tile(&stage, channels, tap_stride, x, xj_scratch, weight, bias, scale,
             input_zero_point + 128, res, out, block, 4);
      }
      switch (blocks - block) {
        case 3: tile(&stage, channels, tap_stride, x, xj_scratch, weight, bias, scale, input_zero_point + 128, res, out, block, 3); break;
        case 2: tile(&stage, channels, tap_stride, x, xj_scratch, weight, bias, scale, input_zero_point + 128, res, out, block, 2); break;
        case 1: tile(&stage, channels, tap_stride, x, xj_scratch, weight, bias, scale, input_zero_point + 128, res, out, block, 1); break;
        default: break;
      }
    }
  }
}

#endif  // VGL_ARCH_X86_64
