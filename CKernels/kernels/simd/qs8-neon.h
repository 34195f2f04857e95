// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The NEON vocabulary of the int8 kernels: the requantization rule of qs8-kernels.h on 16 int32
// accumulators (four int32x4 vectors) at once, bit for bit. int32 -> float conversion (round to
// nearest even: the runtime enters that FPCR mode), one vmulq_f32 (never vmlaq/vfmaq: no fused
// multiply-add), the float clamps as compare + select (so a NaN clamps to the low bound exactly
// as the scalar !(y >= lo) does; vmaxq_f32 would propagate it), the 1.5 * 2^23 magic-number
// add, the residual rule, and the GELU table through vqtbl4q_s8 (four 64-byte quarters; 32-bit
// ARM, which lacks it, looks the 16 codes up one by one). Narrowing uses vmovn (the codes are
// already in [-128, 127]); nothing saturates. Every helper carries VGL_TARGET_NEON (empty on
// aarch64, "fpu=neon" on a -mfpu=vfpv3-d16 ARMv7 build).
// Include only from files guarded by VGL_ARCH_AARCH64 || VGL_ARCH_ARMV7_NEON_KERNELS.
#ifndef VIGIL_QS8_NEON_H
#define VIGIL_QS8_NEON_H

#include <arm_neon.h>

#include "../isa.h"
#include "../qs8-kernels.h"

/// The op's output stage, broadcast once per kernel call.
typedef struct vgl_neon_stage {
  float32x4_t min_less_zp, max_less_zp, magic, term_limit, neg_term_limit, residual_scale;
  int32x4_t magic_bits, zero_point, qmin, qmax, residual_zero_point;
#if VGL_ARCH_AARCH64
  int8x16x4_t gelu[4];  // the 256-entry table as four 64-byte quarters
#endif
  const int8_t *gelu_table;
  int has_gelu, has_residual;
} vgl_neon_stage;

/// 64 bytes at p as four vectors.
static inline VGL_TARGET_NEON int8x16x4_t vgl_neon_load64(const int8_t *p) {
  int8x16x4_t v;
  v.val[0] = vld1q_s8(p);
  v.val[1] = vld1q_s8(p + 16);
  v.val[2] = vld1q_s8(p + 32);
  v.val[3] = vld1q_s8(p + 48);
  return v;
}

/// [sum of lanes 0+1, 2+3 of a, 0+1, 2+3 of b].
static inline VGL_TARGET_NEON int32x4_t vgl_neon_pairwise(int32x4_t a, int32x4_t b) {
#if VGL_ARCH_AARCH64
  return vpaddq_s32(a, b);
#else
  return vcombine_s32(vpadd_s32(vget_low_s32(a), vget_high_s32(a)),
                      vpadd_s32(vget_low_s32(b), vget_high_s32(b)));
#endif
}

static inline VGL_TARGET_NEON void vgl_neon_stage_init(vgl_neon_stage *s, const vgl_qs8_requant_params *params,
                                       const int8_t *gelu_table, const int8_t *residual) {
  s->min_less_zp = vdupq_n_f32(params->min_less_zero_point);
  s->max_less_zp = vdupq_n_f32(params->max_less_zero_point);
  s->magic = vdupq_n_f32(VGL_QS8_MAGIC_BIAS);
  s->term_limit = vdupq_n_f32(VGL_QS8_RESIDUAL_TERM_LIMIT);
  s->neg_term_limit = vdupq_n_f32(-VGL_QS8_RESIDUAL_TERM_LIMIT);
  s->residual_scale = vdupq_n_f32(params->residual_scale);
  s->magic_bits = vdupq_n_s32(VGL_QS8_MAGIC_BIAS_BITS);
  s->zero_point = vdupq_n_s32(params->zero_point);
  s->qmin = vdupq_n_s32(params->qmin);
  s->qmax = vdupq_n_s32(params->qmax);
  s->residual_zero_point = vdupq_n_s32(params->residual_zero_point);
  s->gelu_table = gelu_table;
  s->has_gelu = gelu_table != NULL;
  s->has_residual = residual != NULL;
#if VGL_ARCH_AARCH64
  for (int q = 0; q < 4; q++) {
    if (gelu_table != NULL) {
      s->gelu[q] = vgl_neon_load64(gelu_table + 64 * q);
    } else {
      s->gelu[q].val[0] = s->gelu[q].val[1] = s->gelu[q].val[2] = s->gelu[q].val[3] = vdupq_n_s8(0);
    }
  }
#endif
}

/// !(y >= lo) ? lo : y, then !(y <= hi) ? hi : y: the scalar clamp, NaN included.
static inline VGL_TARGET_NEON float32x4_t vgl_neon_clamp(float32x4_t y, float32x4_t lo, float32x4_t hi) {
  y = vbslq_f32(vcgeq_f32(y, lo), y, lo);
  return vbslq_f32(vcleq_f32(y, hi), y, hi);
}

/// rne(y) for |y| <= 2^22 (the caller clamps): vgl_qs8_round_half_even on 4 lanes.
static inline VGL_TARGET_NEON int32x4_t vgl_neon_round(const vgl_neon_stage *s, float32x4_t y) {
  return vsubq_s32(vreinterpretq_s32_f32(vaddq_f32(y, s->magic)), s->magic_bits);
}

/// vgl_qs8_finish on 4 accumulators (the bias added) with their scales; r: the 4 residual
/// codes widened to int32 (ignored without a residual). Returns the codes before the GELU table.
static inline VGL_TARGET_NEON int32x4_t vgl_neon_code4(const vgl_neon_stage *s, int32x4_t acc, float32x4_t scale,
                                      int32x4_t r) {
  const float32x4_t product = vmulq_f32(vcvtq_f32_s32(acc), scale);
  if (s->has_residual) {
    const float32x4_t conv_term = vgl_neon_clamp(product, s->neg_term_limit, s->term_limit);
    const float32x4_t residual_product =
        vmulq_f32(vcvtq_f32_s32(vsubq_s32(r, s->residual_zero_point)), s->residual_scale);
    const float32x4_t residual_term =
        vgl_neon_clamp(residual_product, s->neg_term_limit, s->term_limit);
    const int32x4_t code = vaddq_s32(
        vaddq_s32(vgl_neon_round(s, conv_term), vgl_neon_round(s, residual_term)), s->zero_point);
    return vminq_s32(vmaxq_s32(code, s->qmin), s->qmax);
  }
  const float32x4_t clamped = vgl_neon_clamp(product, s->min_less_zp, s->max_less_zp);
  return vaddq_s32(vgl_neon_round(s, clamped), s->zero_point);
}

/// vgl_qs8_finish on 16 accumulators acc[0..3] (channel c in acc[c / 4] lane c % 4) with the
/// 16 scales at `scale`; residual codes (when the op has them) at `residual`; writes the first
/// n (1..16) codes to `out`. Reads only n bytes of `residual`, 16 floats of `scale`.
static inline VGL_TARGET_NEON void vgl_neon_finish16(const vgl_neon_stage *s, const int32x4_t acc[4],
                                     const float *scale, const int8_t *residual, size_t n,
                                     int8_t *out) {
  int8_t residual_codes[16] = {0};
  if (s->has_residual) memcpy(residual_codes, residual, n);
  const int8x16_t r8 = vld1q_s8(residual_codes);
  const int16x8_t r_low = vmovl_s8(vget_low_s8(r8)), r_high = vmovl_s8(vget_high_s8(r8));
  const int32x4_t r[4] = {vmovl_s16(vget_low_s16(r_low)), vmovl_s16(vget_high_s16(r_low)),
                          vmovl_s16(vget_low_s16(r_high)), vmovl_s16(vget_high_s16(r_high))};
  int32x4_t code[4];
  for (int q = 0; q < 4; q++) code[q] = vgl_neon_code4(s, acc[q], vld1q_f32(scale + 4 * q), r[q]);
  // The codes are in [-128, 127]: plain narrowing moves keep them.
  const int16x8_t low = vcombine_s16(vmovn_s32(code[0]), vmovn_s32(code[1]));
  const int16x8_t high = vcombine_s16(vmovn_s32(code[2]), vmovn_s32(code[3]));
  int8x16_t codes = vcombine_s8(vmovn_s16(low), vmovn_s16(high));
  if (s->has_gelu) {
    // index = code + 128 in 0..255.
    const uint8x16_t index = vreinterpretq_u8_s8(veorq_s8(codes, vdupq_n_s8(-128)));
#if VGL_ARCH_AARCH64
    // Each quarter answers the indices in its 64 entries (an index outside 0..63 of vqtbx4q
    // keeps the earlier answer).
    int8x16_t looked_up = vqtbl4q_s8(s->gelu[0], index);
    looked_up = vqtbx4q_s8(looked_up, s->gelu[1], vsubq_u8(index, vdupq_n_u8(64)));
    looked_up = vqtbx4q_s8(looked_up, s->gelu[2], vsubq_u8(index, vdupq_n_u8(128)));
    looked_up = vqtbx4q_s8(looked_up, s->gelu[3], vsubq_u8(index, vdupq_n_u8(192)));
    codes = looked_up;
#else
    uint8_t indices[16];
    int8_t looked_up[16];
    vst1q_u8(indices, index);
    for (int i = 0; i < 16; i++) looked_up[i] = s->gelu_table[indices[i]];
    codes = vld1q_s8(looked_up);
#endif
  }
  if (n == 16) {
    vst1q_s8(out, codes);
  } else {
    int8_t staged[16];
    vst1q_s8(staged, codes);
    memcpy(out, staged, n);
  }
}

/// The first n (1..4) bytes at p as the low bytes of a 32-bit word, the rest 0 (never reads
/// past p + n): the remainder group of a reduction whose length is not a multiple of 4.
static inline uint32_t vgl_neon_load_group(const int8_t *p, size_t n) {
  uint32_t bits;
  if (n >= 4) {
    memcpy(&bits, p, 4);
    return bits;
  }
  uint8_t b[4] = {0, 0, 0, 0};
  memcpy(b, p, n);
  memcpy(&bits, b, 4);
  return bits;
}

/// One block's bias - zp * weight_sum for its first n (1..16) channels (0 past them), and its
/// scales (1 past them): channel c of the block in lane c % 4 of vector c / 4.
static inline VGL_TARGET_NEON void vgl_neon_block_start(const int32_t *bias, const int32_t *sums,
                                        const float *scale, size_t n, int32_t zero_point,
                                        int32x4_t start[4], float scale_out[16]) {
  int32_t b[16] = {0}, w[16] = {0};
  memcpy(b, bias, n * sizeof *b);
  memcpy(w, sums, n * sizeof *w);
  for (size_t i = 0; i < 16; i++) scale_out[i] = i < n ? scale[i] : 1.0f;
  const int32x4_t zp = vdupq_n_s32(zero_point);
  for (int q = 0; q < 4; q++) start[q] = vmlsq_s32(vld1q_s32(b + 4 * q), vld1q_s32(w + 4 * q), zp);
}

#endif  // VIGIL_QS8_NEON_H
