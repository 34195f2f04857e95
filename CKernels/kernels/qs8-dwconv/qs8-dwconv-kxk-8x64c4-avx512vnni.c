// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../isa.h"

#if VGL_ARCH_X86_64
#include <stdbool.h>

#include "../simd/qs8-avx512.h"

// Depthwise conv with vpdpbusd, 64 channels x up to 8 output pixels of one row per tile, the
// reduction by groups of 4 kernel rows: for each input column of the tile the kernel rows
// 4q..4q+3 (q = 0 .. ceil(k / 4) - 1) are interleaved byte by byte, so that a 32-bit lane holds
// one channel's 4 vertical taps; the same interleaved column then serves every output pixel and
// every kx that reads it, and one vpdpbusd adds 4 taps x 16 channels. The interleave works inside
// 128-bit lanes, so vector v (v = 0..3) of a group holds channel 16 L + 4 v + j in dword 4 L + j
// (L = 0..3); the weights are interleaved the same way, and a 4x4 transpose of 128-bit blocks
// brings the accumulators back to channel order before the output stage.
//
// vpdpbusd multiplies unsigned by signed bytes: codes enter as x + 128 (x xor 0x80) and a padded
// tap feeds zp + 128, so with the accumulators started at bias - (zp + 128) * sum(w) every tap
// contributes w * (x - zp) (a padded one (zp + 128) * w - (zp + 128) * w = 0), the reference's
// terms. A row slot past the kernel (k = 3, 7: the fourth row of the last group) has weight 0.
// Products are at most 255 * 127 and a lane adds at most 56 of them, 49 with a non-zero weight
// (7x7: 1,586,865 at most), before the start value: exact int32, never saturated (vpdpbusd,
// not vpdpbusds). Channel
// tails load and store masked (masked-off lanes carry weight 0). Weight [ky][kx][C] in place.

// The stack buffers below hold the largest window plan validation accepts (kernel <= 7,
// stride <= 2).
enum { kTilePixels = 8, kMaxKernel = 7, kMaxGroups = 2, kMaxColumns = (kTilePixels - 1) * 2 + kMaxKernel };

/// The 4 interleaved vectors of rows r0..r3 (64 bytes each): dword 4 L + j of vector v holds
/// channel 16 L + 4 v + j's bytes from r0, r1, r2, r3.
static inline VGL_TARGET_AVX512VNNI void interleave4(__m512i r0, __m512i r1, __m512i r2,
                                                     __m512i r3, __m512i out[4]) {
  const __m512i ab_lo = _mm512_unpacklo_epi8(r0, r1), ab_hi = _mm512_unpackhi_epi8(r0, r1);
  const __m512i cd_lo = _mm512_unpacklo_epi8(r2, r3), cd_hi = _mm512_unpackhi_epi8(r2, r3);
  out[0] = _mm512_unpacklo_epi16(ab_lo, cd_lo);
  out[1] = _mm512_unpackhi_epi16(ab_lo, cd_lo);
  out[2] = _mm512_unpacklo_epi16(ab_hi, cd_hi);
  out[3] = _mm512_unpackhi_epi16(ab_hi, cd_hi);
}

/// Back to channel order: out[L] = 128-bit block L of v[0], v[1], v[2], v[3].
static inline VGL_TARGET_AVX512VNNI void transpose4(const __m512i v[4], __m512i out[4]) {
  const __m512i t0 = _mm512_shuffle_i32x4(v[0], v[1], 0x44), t1 = _mm512_shuffle_i32x4(v[0], v[1], 0xEE);
  const __m512i t2 = _mm512_shuffle_i32x4(v[2], v[3], 0x44), t3 = _mm512_shuffle_i32x4(v[2], v[3], 0xEE);
  out[0] = _mm512_shuffle_i32x4(t0, t2, 0x88);
  out[1] = _mm512_shuffle_i32x4(t0, t2, 0xDD);
  out[2] = _mm512_shuffle_i32x4(t1, t3, 0x88);
  out[3] = _mm512_shuffle_i32x4(t1, t3, 0xDD);
}

/// The tile's output pixels from its interleaved columns: `kernel` and `groups` are constants
/// at the MobileViGv2 call sites (3x3, the CPE's 7x7), so the taps unroll and the weights stay in
/// registers.
static inline __attribute__((always_inline)) VGL_TARGET_AVX512VNNI void tile(
    const vgl_avx512_stage *stage, __m512i columns[kMaxGroups][kMaxColumns][4],
    __m512i w[kMaxGroups][kMaxKernel][4], const __m512i start[4], const __m512 scale[4],
    const size_t kernel, const size_t groups, size_t stride, size_t pixels, size_t channels,
    size_t n, const int8_t *residual, int8_t *output, size_t first_at) {
  for (size_t p = 0; p < pixels; p++) {
    __m512i acc[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(),
                      _mm512_setzero_si512()};
    for (size_t g = 0; g < groups; g++) {
      for (size_t kx = 0; kx < kernel; kx++) {
        const __m512i *a = columns[g][p * stride + kx];
        for (size_t v = 0; v < 4; v++) acc[v] = _mm512_dpbusd_epi32(acc[v], a[v], w[g][kx][v]);
      }
    }
    __m512i ordered[4];
    transpose4(acc, ordered);
    const size_t at = first_at + p * channels;
    for (size_t l = 0; l < 4 && 16 * l < n; l++) {
      vgl_avx512_finish16(stage, _mm512_add_epi32(ordered[l], start[l]), scale[l],
                          residual != NULL ? residual + at + 16 * l : NULL,
                          vgl_avx512_lanes(n - 16 * l), output + at + 16 * l);
    }
  }
}

VGL_TARGET_AVX512VNNI void vgl_qs8_dwconv_kxk_8x64c4__avx512vnni(
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

  vgl_avx512_stage stage;
  vgl_avx512_stage_init(&stage, params, gelu_table, residual);
  const size_t groups = (kernel + 3) / 4;
  const __m512i flip = _mm512_set1_epi8((char)0x80);
  const __m512i padding = _mm512_set1_epi8((char)(uint8_t)(input_zero_point + 128));
  const __m512i shifted_zp = _mm512_set1_epi32(input_zero_point + 128);
  __m512i w[kMaxGroups][kMaxKernel][4];
  __m512i columns[kMaxGroups][kMaxColumns][4];
  for (size_t channel = 0; channel < channels; channel += 64) {
    const size_t n = channels - channel < 64 ? channels - channel : 64;
    const __mmask64 mask = n == 64 ? ~(__mmask64)0 : (((__mmask64)1 << n) - 1);
    // start = bias - (zp + 128) * sum(w), in channel order, 16 channels per vector.
    __m512i start[4];
    __m512 block_scale[4];
    for (size_t l = 0; l < 4; l++) {
      const size_t first = 16 * l;
      const __mmask16 lanes = first < n ? vgl_avx512_lanes(n - first) : 0;
      __m512i sum = _mm512_setzero_si512();
      for (size_t t = 0; t < kernel * kernel; t++) {
        sum = _mm512_add_epi32(sum, _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(
                                        lanes, weight + t * channels + channel + first)));
      }
      start[l] = _mm512_sub_epi32(_mm512_maskz_loadu_epi32(lanes, bias + channel + first),
                                  _mm512_mullo_epi32(sum, shifted_zp));
      block_scale[l] = _mm512_maskz_loadu_ps(lanes, scale + channel + first);
    }
    for (size_t g = 0; g < groups; g++) {
      for (size_t kx = 0; kx < kernel; kx++) {
        __m512i rows[4];
        for (size_t r = 0; r < 4; r++) {
          const size_t ky = 4 * g + r;
          rows[r] = ky < kernel ? _mm512_maskz_loadu_epi8(mask, weight + (ky * kernel + kx) * channels + channel)
                                : _mm512_setzero_si512();
        }
        interleave4(rows[0], rows[1], rows[2], rows[3], w[g][kx]);
      }
    }
    for (size_t out_y = out_y_begin; out_y < out_y_end; out_y++) {
      const int8_t *row_at[kMaxGroups * 4];
      for (size_t r = 0; r < 4 * groups; r++) {
        const size_t in_y = r < kernel ? vgl_qs8_tap_position(out_y, r, stride, pad) : SIZE_MAX;
        row_at[r] = in_y < in_height ? input + in_y * in_width * channels + channel : NULL;
      }
      for (size_t out_x = 0; out_x < out_width; out_x += kTilePixels) {
        const size_t pixels = out_width - out_x < kTilePixels ? out_width - out_x : kTilePixels;
        const size_t column_count = (pixels - 1) * stride + kernel;
        const ptrdiff_t first_x = (ptrdiff_t)(out_x * stride) - (ptrdiff_t)pad;
        for (size_t g = 0; g < groups; g++) {
          for (size_t j = 0; j < column_count; j++) {
            const ptrdiff_t in_x = first_x + (ptrdiff_t)j;
            const bool is_padding = in_x < 0 || in_x >= (ptrdiff_t)in_width;
            __m512i rows[4];
            for (size_t r = 0; r < 4; r++) {
              const int8_t *row = row_at[4 * g + r];
              rows[r] = is_padding || row == NULL
                            ? padding
                            : _mm512_xor_si512(_mm512_maskz_loadu_epi8(mask, row + (size_t)in_x * channels), flip);
            }
            interleave4(rows[0], rows[1], rows[2], rows[3], columns[g][j]);
          }
        }
        if (kernel == 3) {
          tile(&stage, columns, w, start, block_scale, 3, 1, stride, pixels, channels, n, residual,
               output, (out_y * out_width + out_x) * channels + channel);
        } else if (kernel == 7) {
          tile(&stage, columns, w, start, block_scale, 7, 2, stride, pixels, channels, n, residual,
               output, (out_y * out_width + out_x) * channels + channel);
        } else {
          tile(&stage, columns, w, start, block_scale, kernel, groups, stride, pixels, channels, n,
               residual, output, (out_y * out_width + out_x) * channels + channel);
        }
      }
    }
  }
}

#endif  // VGL_ARCH_X86_64
