// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../isa.h"

#if VGL_ARCH_X86_64
#include <stdbool.h>

#include "../simd/qs8-avx512.h"

// Depthwise conv, 16 channels per vector: each tap widens 16 codes and 16 weights to int32 and
// multiplies-adds in int32 lanes (vpmulld, vpaddd), the scalar reference's terms exactly
// (|x - zp| <= 255, |w| <= 127, at most 49 taps: 1,586,865 at most, and for interior pixels
// |bias - zp * sum w| + 49 * 128 * 127 stays as far inside int32, so no partial sum wraps);
// padded taps are skipped as there. Weight [ky][kx][C] is read in place.
VGL_TARGET_AVX512VNNI void vgl_qs8_dwconv_kxk_16c__avx512vnni(
    size_t channels, size_t in_height, size_t in_width, size_t out_height, size_t out_width,
    size_t kernel, size_t stride, size_t pad, const int8_t *input, int32_t input_zero_point,
    const int8_t *weight, const int32_t *bias, const float *scale,
    const vgl_qs8_requant_params *params, const int8_t *gelu_table, const int8_t *residual,
    int8_t *output, size_t out_y_begin,
    size_t out_y_end) {
  VGL_DCHECK(out_y_begin <= out_y_end && out_y_end <= out_height);
  VGL_DCHECK(channels != 0 && in_height != 0 && in_width != 0);
  VGL_DCHECK(out_height != 0 && out_width != 0);
  VGL_DCHECK(kernel != 0 && stride != 0 && pad < kernel);
  VGL_DCHECK(input != NULL && weight != NULL && bias != NULL && scale != NULL);
  VGL_DCHECK(params != NULL && output != NULL);
  VGL_DCHECK(input_zero_point >= -128 && input_zero_point <= 127);

  vgl_avx512_stage stage;
  vgl_avx512_stage_init(&stage, params, gelu_table, residual);
  const __m512i zp = _mm512_set1_epi32(input_zero_point);
  const size_t taps = kernel * kernel;
  // Channel blocks outermost, so that a 3x3 block's 9 weight vectors and its interior start
  // value stay in registers over the pixels. An interior pixel (every tap inside the map)
  // starts at bias - zp * sum(w) and adds w * x per tap: the same integer as the border path's
  // bias + sum w * (x - zp), with the zero point taken out once.
  for (size_t channel = 0; channel < channels; channel += 16) {
    const __mmask16 mask = vgl_avx512_lanes(channels - channel);
    const __m512i bias_v = _mm512_maskz_loadu_epi32(mask, bias + channel);
    const __m512 scale_v = _mm512_maskz_loadu_ps(mask, scale + channel);
    __m512i w3[9];
    __m512i weight_sum = _mm512_setzero_si512();
    for (size_t t = 0; t < taps; t++) {
      const __m512i w = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mask, weight + t * channels + channel));
      weight_sum = _mm512_add_epi32(weight_sum, w);
      if (t < 9) w3[t] = w;
    }
    const __m512i interior_start = _mm512_sub_epi32(bias_v, _mm512_mullo_epi32(weight_sum, zp));
    for (size_t out_y = out_y_begin; out_y < out_y_end; out_y++) {
      const ptrdiff_t origin_y = (ptrdiff_t)(out_y * stride) - (ptrdiff_t)pad;
      const bool rows_inside = origin_y >= 0 && origin_y + (ptrdiff_t)kernel <= (ptrdiff_t)in_height;
      for (size_t out_x = 0; out_x < out_width; out_x++) {
        const size_t at = (out_y * out_width + out_x) * channels + channel;
        const ptrdiff_t origin_x = (ptrdiff_t)(out_x * stride) - (ptrdiff_t)pad;
        const bool interior =
            rows_inside && origin_x >= 0 && origin_x + (ptrdiff_t)kernel <= (ptrdiff_t)in_width;
        __m512i acc;
        if (interior) {
          acc = interior_start;
          const int8_t *x0 = input + ((size_t)origin_y * in_width + (size_t)origin_x) * channels + channel;
          if (kernel == 3) {
            for (size_t ky = 0; ky < 3; ky++) {
              for (size_t kx = 0; kx < 3; kx++) {
                const __m512i xv = _mm512_cvtepi8_epi32(
                    _mm_maskz_loadu_epi8(mask, x0 + (ky * in_width + kx) * channels));
                acc = _mm512_add_epi32(acc, _mm512_mullo_epi32(xv, w3[ky * 3 + kx]));
              }
            }
          } else {
            for (size_t ky = 0; ky < kernel; ky++) {
              for (size_t kx = 0; kx < kernel; kx++) {
                const __m512i xv = _mm512_cvtepi8_epi32(
                    _mm_maskz_loadu_epi8(mask, x0 + (ky * in_width + kx) * channels));
                const __m512i wv = _mm512_cvtepi8_epi32(
                    _mm_maskz_loadu_epi8(mask, weight + (ky * kernel + kx) * channels + channel));
                acc = _mm512_add_epi32(acc, _mm512_mullo_epi32(xv, wv));
              }
            }
          }
        } else {
          acc = bias_v;
          for (size_t ky = 0; ky < kernel; ky++) {
            const size_t in_y = vgl_qs8_tap_position(out_y, ky, stride, pad);
            if (in_y >= in_height) continue;
            for (size_t kx = 0; kx < kernel; kx++) {
              const size_t in_x = vgl_qs8_tap_position(out_x, kx, stride, pad);
              const bool is_padding = in_x >= in_width;
              if (is_padding) continue;
              const int8_t *x = input + (in_y * in_width + in_x) * channels + channel;
              const int8_t *w = weight + (ky * kernel + kx) * channels + channel;
              const __m512i xv =
                  _mm512_sub_epi32(_mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mask, x)), zp);
              const __m512i wv = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mask, w));
              acc = _mm512_add_epi32(acc, _mm512_mullo_epi32(xv, wv));
            }
          }
        }
        vgl_avx512_finish16(&stage, acc, scale_v, residual != NULL ? residual + at : NULL, mask,
                            output + at);
      }
    }
  }
}

#endif  // VGL_ARCH_X86_64
