// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../isa.h"

#if VGL_ARCH_X86_64
#include "../simd/qs8-avx512.h"

// Pointwise conv as a GEMM with vpdpbusd (u8 x s8 -> 4 products summed into an int32 lane),
// tile 4 pixels x 64 output channels (4 blocks of 16, 16 accumulators), reduction by groups of
// 4 input channels: the packed weight (vigil_q8.h) gives 16 rows x 4 bytes per 64-byte line.
//
// vpdpbusd multiplies UNSIGNED bytes by signed bytes, so each activation x (int8) enters as the
// unsigned byte x + 128 (x xor 0x80). Then
//   sum w * (x - zp) = sum w * (x + 128) - (zp + 128) * sum w
// and the accumulators start at bias - (zp + 128) * weight_sum (the sums follow the biases in
// the bias array): after the reduction they hold the scalar reference's int32 exactly. Bounds:
// each product is at most 255 * 127 and validation bounds terms * 32385 + |bias| by INT32_MAX,
// so the start value and the sum stay in int32 (and lane adds wrap exactly anyway). Never
// vpdpbusds (saturating) or vpmaddubsw (int16 saturation): either would break the equality.
//
// Tails: pixels beyond the last repeat the last pixel's row (computed, not stored); channel
// blocks past out_channels are masked at the store; an input-channel remainder (in_channels %
// 4) is loaded byte by byte (the packed weight's padding is zero, so those lanes add 0).

typedef struct tile_args {
  size_t in_channels, out_channels, depth;
  const int8_t *rows[4];
  const int8_t *residual_rows[4];
  int8_t *out_rows[4];
  size_t rows_used;
  const int8_t *weight;  // the first block of the tile
  const int32_t *bias;
  const float *scale;
  int32_t shifted_zero_point;  // zp + 128
  size_t first_channel;
} tile_args;

static inline VGL_TARGET_AVX512VNNI __m512i broadcast_group(const int8_t *row, size_t group,
                                                            size_t in_channels) {
  // Bytes past in_channels are 0 (any value would do: they meet zero padding weights).
  const size_t first = group * 4;
  const uint32_t bits = vgl_load_partial_u32(row + first, in_channels - first < 4 ? in_channels - first : 4);
  return _mm512_xor_si512(_mm512_set1_epi32((int32_t)bits), _mm512_set1_epi32((int32_t)0x80808080));
}

static inline __attribute__((always_inline)) VGL_TARGET_AVX512VNNI void tile(
    const tile_args *t, const vgl_avx512_stage *stage, const size_t blocks) {
  __m512i acc[4][4];
  const __m512i zp = _mm512_set1_epi32(t->shifted_zero_point);
  for (size_t j = 0; j < blocks; j++) {
    const size_t channel = t->first_channel + 16 * j;
    const __mmask16 mask = vgl_avx512_lanes(t->out_channels - channel);
    const __m512i bias = _mm512_maskz_loadu_epi32(mask, t->bias + channel);
    const __m512i sums = _mm512_maskz_loadu_epi32(mask, t->bias + t->out_channels + channel);
    const __m512i start = _mm512_sub_epi32(bias, _mm512_mullo_epi32(sums, zp));
    for (size_t i = 0; i < 4; i++) acc[i][j] = start;
  }
  const size_t block_bytes = t->depth * 16;
  const size_t full_groups = t->in_channels / 4;
  const size_t groups = t->depth / 4;
  const __m512i flip = _mm512_set1_epi32((int32_t)0x80808080);
  const int8_t *w = t->weight;
  size_t group = 0;
  for (; group < full_groups; group++) {
    __m512i b[4];
    for (size_t j = 0; j < blocks; j++) b[j] = _mm512_loadu_si512(w + j * block_bytes + group * 64);
    for (size_t i = 0; i < 4; i++) {
      uint32_t bits;
      memcpy(&bits, t->rows[i] + group * 4, 4);
      const __m512i a = _mm512_xor_si512(_mm512_set1_epi32((int32_t)bits), flip);
      for (size_t j = 0; j < blocks; j++) acc[i][j] = _mm512_dpbusd_epi32(acc[i][j], a, b[j]);
    }
  }
  for (; group < groups; group++) {  // the in_channels % 4 remainder: at most one group
    __m512i b[4];
    for (size_t j = 0; j < blocks; j++) b[j] = _mm512_loadu_si512(w + j * block_bytes + group * 64);
    for (size_t i = 0; i < 4; i++) {
      const __m512i a = broadcast_group(t->rows[i], group, t->in_channels);
      for (size_t j = 0; j < blocks; j++) acc[i][j] = _mm512_dpbusd_epi32(acc[i][j], a, b[j]);
    }
  }
  for (size_t j = 0; j < blocks; j++) {
    const size_t channel = t->first_channel + 16 * j;
    const __mmask16 mask = vgl_avx512_lanes(t->out_channels - channel);
    const __m512 scale = _mm512_maskz_loadu_ps(mask, t->scale + channel);
    for (size_t i = 0; i < t->rows_used; i++) {
      vgl_avx512_finish16(stage, acc[i][j], scale,
                          t->residual_rows[i] != NULL ? t->residual_rows[i] + channel : NULL,
                          mask, t->out_rows[i] + channel);
    }
  }
}

VGL_TARGET_AVX512VNNI void vgl_qs8_conv_1x1_4x64c4__avx512vnni(
    size_t in_channels, size_t out_channels, size_t pixels, const int8_t *input,
    int32_t input_zero_point, const int8_t *weight, const int32_t *bias, const float *scale,
    const vgl_qs8_requant_params *params, const int8_t *gelu_table, const int8_t *residual,
    int8_t *output) {
  VGL_DCHECK(in_channels != 0 && out_channels != 0 && pixels != 0);
  VGL_DCHECK(input != NULL && weight != NULL && bias != NULL && scale != NULL);
  VGL_DCHECK(params != NULL && output != NULL);
  VGL_DCHECK(input_zero_point >= -128 && input_zero_point <= 127);

  vgl_avx512_stage stage;
  vgl_avx512_stage_init(&stage, params, gelu_table, residual);
  const size_t depth = vgl_qs8_packed_channels(in_channels);
  const size_t blocks = (out_channels + 15) / 16;
  tile_args t = {.in_channels = in_channels, .out_channels = out_channels, .depth = depth,
                 .bias = bias, .scale = scale, .shifted_zero_point = input_zero_point + 128};
  for (size_t pixel = 0; pixel < pixels; pixel += 4) {
    t.rows_used = pixels - pixel < 4 ? pixels - pixel : 4;
    for (size_t i = 0; i < 4; i++) {
      const size_t row = pixel + (i < t.rows_used ? i : t.rows_used - 1);
      t.rows[i] = input + row * in_channels;
      t.residual_rows[i] = residual != NULL ? residual + row * out_channels : NULL;
      t.out_rows[i] = output + row * out_channels;
    }
    size_t block = 0;
    for (; block + 4 <= blocks; block += 4) {
      t.weight = weight + block * depth * 16;
      t.first_channel = block * 16;
      tile(&t, &stage, 4);
    }
    t.weight = weight + block * depth * 16;
    t.first_channel = block * 16;
    switch (blocks - block) {
      case 3: tile(&t, &stage, 3); break;
      case 2: tile(&t, &stage, 2); break;
      case 1: tile(&t, &stage, 1); break;
      default: break;
    }
  }
}

#endif  // VGL_ARCH_X86_64
