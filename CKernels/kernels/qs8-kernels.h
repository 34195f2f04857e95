// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Internal declarations of the int8 reference kernels (not a public header; the executor in
// CKernels/runtime/ and the C tests include it), and the one requantization rule as inline
// helpers that every kernel, scalar or SIMD, must agree with bit for bit. docs/int8.md is the
// contract in prose.
//
// Every activation tensor is HWC (batch 1), contiguous: element (y, x, c) is at
// (y * width + x) * channels + c. Each kernel computes one output element at a time (tile
// 1x1: one output channel x one pixel) in this order:
//
//   acc  = sum over the reduction of w * (q - zp)   int32, exact (the bound is at each `+=`)
//   acc += bias[out_channel]                        int32, exact
//   out  = vgl_qs8_finish(acc, ...)                 requantize, zero point, clamp [, GELU table]
//
// Integer sums are exact, so the order of the terms is free: a SIMD kernel may sum in any
// order and blocking and still match, as long as it applies the same finish.
#ifndef VIGIL_QS8_KERNELS_H
#define VIGIL_QS8_KERNELS_H

#include <assert.h>
#include <float.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "isa.h"
#include "vigil_q8.h"

#ifdef __cplusplus
extern "C" {
#endif

// The rule needs every float operation evaluated in float (no x87 extended precision) and
// no contraction of the multiply into a fused multiply-add. The build passes
// -ffp-contract=off; the pragma covers compilers that honour it instead, and each product is
// a separate statement whose result passes through a clamp before anything is added to it.
#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "the int8 requantization rule needs FLT_EVAL_METHOD == 0 (SSE/NEON/VFP float math)"
#endif
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/// Debug-only check for arguments the executor guarantees (validated plans). Compiles out
/// with NDEBUG (release builds): the condition is then not evaluated, only type-checked, so a
/// parameter that only a check reads still counts as used.
#ifndef VGL_DCHECK
#ifdef NDEBUG
#define VGL_DCHECK(condition) ((void)sizeof(condition))
#else
#define VGL_DCHECK(condition) assert(condition)
#endif
#endif

/// 1.5 * 2^23 and its IEEE bit pattern: for |y| <= 2^22, y + 1.5 * 2^23 lies in [2^23, 2^24],
/// where floats are the integers, so the add rounds y half to even (the default rounding
/// mode, which the runtime never changes) and the low bits of the sum are that integer.
#define VGL_QS8_MAGIC_BIAS 12582912.0f
#define VGL_QS8_MAGIC_BIAS_BITS INT32_C(0x4B400000)
/// The clamp applied to each term of the residual rule before rounding (see below).
#define VGL_QS8_RESIDUAL_TERM_LIMIT 2097152.0f  // 2^21

/// rne(y): y rounded half to even to an integer.
/// Input range: |y| <= 2^22 (checked); callers clamp first. Exact on that whole range.
static inline int32_t vgl_qs8_round_half_even(float y) {
  VGL_DCHECK(y >= -4194304.0f && y <= 4194304.0f);
  const float biased = y + VGL_QS8_MAGIC_BIAS;
  int32_t bits;
  memcpy(&bits, &biased, sizeof bits);
  return bits - VGL_QS8_MAGIC_BIAS_BITS;
}

/// clamp(rne((float)acc * scale) + zero_point, qmin, qmax).
/// Input ranges: any int32 acc; scale finite and > 0; params from vgl_qs8_requant_params_init.
/// Evaluated as rne(clamp(y, qmin - zp, qmax - zp)) + zp with y = (float)acc * scale: equal to
/// the rule because rne is monotonic and fixes the integers qmin - zp and qmax - zp, and the
/// clamped y (|y| <= 255; +-inf for a huge scale is clamped too) is in the exact range of
/// vgl_qs8_round_half_even.
static inline int32_t vgl_qs8_requantize(int32_t acc, float scale,
                                         const vgl_qs8_requant_params *params) {
  VGL_DCHECK(scale > 0.0f && scale <= FLT_MAX);
  VGL_DCHECK(params->qmin >= -128 && params->qmin <= params->qmax && params->qmax <= 127);
  // One int32 -> float conversion (round to nearest even), then one float multiply.
  const float product = (float)acc * scale;
  // Written as !(y >= lo) so that a NaN (impossible from a validated plan) clamps too instead of
  // reaching the rounding and a GELU table index.
  float clamped = product;
  if (!(clamped >= params->min_less_zero_point)) clamped = params->min_less_zero_point;
  if (!(clamped <= params->max_less_zero_point)) clamped = params->max_less_zero_point;
  return vgl_qs8_round_half_even(clamped) + params->zero_point;
}

/// clamp(rne((float)acc * scale) + rne((float)(r - r_zp) * r_scale) + zero_point, qmin, qmax),
/// the residual add fused into the conv that ends a branch (r_zp, r_scale in params).
/// Input ranges: any int32 acc; r any int8; r_scale in (0, 4096], so the residual term's
/// magnitude is at most 255 * 4096 < 2^20. Each term is clamped to +-2^21 before rounding:
/// exact, because a conv term beyond 2^21 leaves the sum beyond 2^20 > 255 in the same
/// direction with or without the clamp, so the output saturates the same way.
static inline int32_t vgl_qs8_requantize_residual(int32_t acc, float scale, int8_t r,
                                                  const vgl_qs8_requant_params *params) {
  VGL_DCHECK(scale > 0.0f && scale <= FLT_MAX);
  VGL_DCHECK(params->residual_scale > 0.0f &&
             params->residual_scale <= VGL_QS8_MAX_RESIDUAL_SCALE);
  const float conv_product = (float)acc * scale;
  float conv_term = conv_product;
  if (!(conv_term >= -VGL_QS8_RESIDUAL_TERM_LIMIT)) conv_term = -VGL_QS8_RESIDUAL_TERM_LIMIT;
  if (!(conv_term <= VGL_QS8_RESIDUAL_TERM_LIMIT)) conv_term = VGL_QS8_RESIDUAL_TERM_LIMIT;
  // |r - r_zp| <= 255: exact in float. The clamp is a no-op (|product| < 2^20) but, like the
  // conv term's, it stands between the product and the magic-number add, so no compiler or SIMD
  // port can fuse them into one FMA (which would round once instead of twice).
  const float residual_product = (float)((int32_t)r - params->residual_zero_point) *
                                 params->residual_scale;
  float residual_term = residual_product;
  if (!(residual_term >= -VGL_QS8_RESIDUAL_TERM_LIMIT)) residual_term = -VGL_QS8_RESIDUAL_TERM_LIMIT;
  if (!(residual_term <= VGL_QS8_RESIDUAL_TERM_LIMIT)) residual_term = VGL_QS8_RESIDUAL_TERM_LIMIT;
  const int32_t sum = vgl_qs8_round_half_even(conv_term) +
                      vgl_qs8_round_half_even(residual_term) + params->zero_point;
  if (sum < params->qmin) return params->qmin;
  if (sum > params->qmax) return params->qmax;
  return sum;
}

/// The tail of every int8-producing op after the bias: requantize (with the residual when
/// `residual` is not NULL), add the zero point, clamp, and, when `gelu_table` is not NULL,
/// look the pre-activation code q up as gelu_table[q + 128]. A table and a residual never
/// come together (validation).
static inline int8_t vgl_qs8_finish(int32_t acc, float scale,
                                    const vgl_qs8_requant_params *params,
                                    const int8_t *gelu_table, const int8_t *residual) {
  VGL_DCHECK(gelu_table == NULL || residual == NULL);
  if (residual != NULL) return (int8_t)vgl_qs8_requantize_residual(acc, scale, *residual, params);
  const int32_t code = vgl_qs8_requantize(acc, scale, params);
  if (gelu_table != NULL) return gelu_table[code + 128];
  return (int8_t)code;
}

/// The input row (or column) that output position `out` reads through tap `tap` along one
/// axis: out * stride + tap - pad, or SIZE_MAX when that lies before the start of the map. The
/// tap reads zero padding unless the result is below the input's height (width). Shared by the
/// windowed kernels (STEM, CONV kxk, DWCONV) so that padding is decided in one place.
static inline size_t vgl_qs8_tap_position(size_t out, size_t tap, size_t stride, size_t pad) {
  const size_t padded = out * stride + tap;
  return padded < pad ? SIZE_MAX : padded - pad;
}

/// The byte of a packed weight (vigil_q8.h, "packed weights") holding row `row`, reduction
/// index `k` = tap * round_up(channels, 4) + channel, in a weight of `depth` =
/// taps * round_up(channels, 4) bytes per row.
static inline size_t vgl_qs8_packed_index(size_t row, size_t k, size_t depth) {
  return ((row / VGL_Q8_PACK_ROWS) * (depth / VGL_Q8_PACK_DEPTH) + k / VGL_Q8_PACK_DEPTH) *
             (VGL_Q8_PACK_ROWS * VGL_Q8_PACK_DEPTH) +
         (row % VGL_Q8_PACK_ROWS) * VGL_Q8_PACK_DEPTH + k % VGL_Q8_PACK_DEPTH;
}

/// round_up(channels, 4): the packed stride of one tap.
static inline size_t vgl_qs8_packed_channels(size_t channels) {
  return (channels + VGL_Q8_PACK_DEPTH - 1) / VGL_Q8_PACK_DEPTH * VGL_Q8_PACK_DEPTH;
}

/// The input pixel row `out_y`'s neighbours for the graph op at column `out_x`: the rows
/// (out_y -+ hop) mod height and columns (out_x -+ hop) mod width of an HWC map with `channels`
/// channels, as n[0] up, n[1] down, n[2] left, n[3] right (the callers skip an axis whose roll
/// is the identity).
static inline void vgl_qs8_mrconv_neighbours(const int8_t *input, size_t channels, size_t height,
                                             size_t width, size_t hop, size_t out_y,
                                             size_t out_x, const int8_t *n[4]) {
  n[0] = input + (((out_y + height - hop % height) % height) * width + out_x) * channels;
  n[1] = input + (((out_y + hop) % height) * width + out_x) * channels;
  n[2] = input + (out_y * width + (out_x + width - hop % width) % width) * channels;
  n[3] = input + (out_y * width + (out_x + hop) % width) * channels;
}

/// The arguments of a dense kxk conv (CONV kxk or STEM) as the AVX2 and NEON implicit GEMMs
/// (simd/qs8-dense-avx2.h, simd/qs8-dense-neon.h) read them.
typedef struct vgl_qs8_dense_args {
  size_t in_channels, in_height, in_width, out_channels, out_height, out_width;
  size_t kernel, stride, pad;
  size_t tap_stride, depth;          // round_up(in_channels, 4); kernel^2 * tap_stride
  const int8_t *input;               // CONV codes or STEM pixels (as bytes)
  const uint8_t *pixel_zero_points;  // STEM: pz per input channel; NULL: CONV
  int32_t zero_point;                // CONV: the input zero point
  const int8_t *weight;
  const int32_t *bias;
  const float *scale;
  const int8_t *residual;
  int8_t *output;
  size_t out_y_begin, out_y_end;  // the output rows to compute
} vgl_qs8_dense_args;

/// A CONV kxk kernel's arguments; a STEM's are the same with the pixels as `input`, their zero
/// points as `pixel_zero_points` (then input_zero_point and residual are unused).
static inline vgl_qs8_dense_args vgl_qs8_dense_args_make(
    size_t in_channels, size_t in_height, size_t in_width, size_t out_channels,
    size_t out_height, size_t out_width, size_t kernel, size_t stride, size_t pad,
    const int8_t *input, const uint8_t *pixel_zero_points, int32_t input_zero_point,
    const int8_t *weight, const int32_t *bias, const float *scale, const int8_t *residual,
    int8_t *output, size_t out_y_begin, size_t out_y_end) {
  const size_t tap_stride = vgl_qs8_packed_channels(in_channels);
  const vgl_qs8_dense_args d = {
      .in_channels = in_channels, .in_height = in_height, .in_width = in_width,
      .out_channels = out_channels, .out_height = out_height, .out_width = out_width,
      .kernel = kernel, .stride = stride, .pad = pad, .tap_stride = tap_stride,
      .depth = kernel * kernel * tap_stride, .input = input,
      .pixel_zero_points = pixel_zero_points, .zero_point = input_zero_point,
      .weight = weight, .bias = bias, .scale = scale, .residual = residual, .output = output,
      .out_y_begin = out_y_begin, .out_y_end = out_y_end};
  return d;
}

/// STEM: dense conv over uint8 HWC pixels [in_height][in_width][in_channels] with per-channel
/// pixel zero points [in_channels]; weight packed (vigil_q8.h) from
/// [out_channels][kernel][kernel][in_channels]; bias [out_channels] (the weight sums follow).
/// Output [out_height][out_width][out_channels] int8.
void vgl_qs8_stem_kxk_1x1__scalar(size_t in_channels, size_t in_height, size_t in_width,
                                  size_t out_channels, size_t out_height, size_t out_width,
                                  size_t kernel, size_t stride, size_t pad,
                                  const uint8_t *pixels, const uint8_t *pixel_zero_points,
                                  const int8_t *weight, const int32_t *bias, const float *scale,
                                  const vgl_qs8_requant_params *params,
                                  const int8_t *gelu_table, int8_t *output, size_t out_y_begin, size_t out_y_end);

/// Dense conv (groups = 1), any odd kernel, stride and zero padding. Input HWC
/// [in_height][in_width][in_channels] with zero point input_zero_point; weight packed from
/// [out_channels][kernel][kernel][in_channels]; residual NULL or shaped like the output.
void vgl_qs8_conv_kxk_1x1__scalar(size_t in_channels, size_t in_height, size_t in_width,
                                  size_t out_channels, size_t out_height, size_t out_width,
                                  size_t kernel, size_t stride, size_t pad, const int8_t *input,
                                  int32_t input_zero_point, const int8_t *weight,
                                  const int32_t *bias, const float *scale,
                                  const vgl_qs8_requant_params *params,
                                  const int8_t *gelu_table, const int8_t *residual,
                                  int8_t *output, size_t out_y_begin, size_t out_y_end);

/// Pointwise conv (1x1, stride 1, no padding): input [pixels][in_channels], weight packed
/// from [out_channels][in_channels], output and residual [pixels][out_channels].
void vgl_qs8_conv_1x1_1x1__scalar(size_t in_channels, size_t out_channels, size_t pixels,
                                  const int8_t *input, int32_t input_zero_point,
                                  const int8_t *weight, const int32_t *bias, const float *scale,
                                  const vgl_qs8_requant_params *params,
                                  const int8_t *gelu_table, const int8_t *residual,
                                  int8_t *output);

/// Depthwise conv: input [in_height][in_width][channels], weight [kernel][kernel][channels],
/// output and residual [out_height][out_width][channels].
void vgl_qs8_dwconv_kxk_1x1__scalar(size_t channels, size_t in_height, size_t in_width,
                                    size_t out_height, size_t out_width, size_t kernel,
                                    size_t stride, size_t pad, const int8_t *input,
                                    int32_t input_zero_point, const int8_t *weight,
                                    const int32_t *bias, const float *scale,
                                    const vgl_qs8_requant_params *params,
                                    const int8_t *gelu_table, const int8_t *residual,
                                    int8_t *output, size_t out_y_begin, size_t out_y_end);

/// The graph op fused with its 2C -> C 1x1 conv (VGL_Q8_MRCONV): input, output and residual
/// [height][width][channels]; weight packed from [channels][2 * channels] (2 taps); xj_scratch [channels] bytes
/// that overlap nothing else.
void vgl_qs8_mrconv_1x1__scalar(size_t channels, size_t height, size_t width, size_t hop,
                                const int8_t *input, int32_t input_zero_point,
                                const int8_t *weight, const int32_t *bias, const float *scale,
                                const vgl_qs8_requant_params *params, const int8_t *gelu_table,
                                const int8_t *residual, uint8_t *xj_scratch, int8_t *output, size_t out_y_begin, size_t out_y_end);

/// Global average pool: input [pixels][channels] -> output [channels], one scale.
void vgl_qs8_gap_1x1__scalar(size_t channels, size_t pixels, const int8_t *input,
                             int32_t input_zero_point, float scale,
                             const vgl_qs8_requant_params *params, int8_t *output);

/// The classifier: input [in_channels] int8, weight packed from [classes][in_channels], bias and scale
/// [classes]; logits [classes] floats = (float)acc * scale[class].
void vgl_qs8_head_1x1__scalar(size_t in_channels, size_t classes, const int8_t *input,
                              int32_t input_zero_point, const int8_t *weight,
                              const int32_t *bias, const float *scale, float *logits);

// ---- the kernel families and their tables ----------------------------------------------------
//
// One signature per family (the scalar reference's); each family's registry
// (qs8-<family>/qs8-<family>.inc, one VGL_QS8_KERNEL(isa, function, mr, nr) row per kernel)
// is the only hand-edited list of its kernels: the dispatcher (runtime/q8-kernels.c), the kernel
// tests and `vigil bench` expand it.

typedef void (*vgl_qs8_conv_1x1_fn)(size_t in_channels, size_t out_channels, size_t pixels,
                                    const int8_t *input, int32_t input_zero_point,
                                    const int8_t *weight, const int32_t *bias,
                                    const float *scale, const vgl_qs8_requant_params *params,
                                    const int8_t *gelu_table, const int8_t *residual,
                                    int8_t *output);

typedef void (*vgl_qs8_conv_kxk_fn)(size_t in_channels, size_t in_height, size_t in_width,
                                    size_t out_channels, size_t out_height, size_t out_width,
                                    size_t kernel, size_t stride, size_t pad,
                                    const int8_t *input, int32_t input_zero_point,
                                    const int8_t *weight, const int32_t *bias,
                                    const float *scale, const vgl_qs8_requant_params *params,
                                    const int8_t *gelu_table, const int8_t *residual,
                                    int8_t *output, size_t out_y_begin, size_t out_y_end);

typedef void (*vgl_qs8_stem_fn)(size_t in_channels, size_t in_height, size_t in_width,
                                size_t out_channels, size_t out_height, size_t out_width,
                                size_t kernel, size_t stride, size_t pad, const uint8_t *pixels,
                                const uint8_t *pixel_zero_points, const int8_t *weight,
                                const int32_t *bias, const float *scale,
                                const vgl_qs8_requant_params *params, const int8_t *gelu_table,
                                int8_t *output, size_t out_y_begin, size_t out_y_end);

typedef void (*vgl_qs8_dwconv_fn)(size_t channels, size_t in_height, size_t in_width,
                                  size_t out_height, size_t out_width, size_t kernel,
                                  size_t stride, size_t pad, const int8_t *input,
                                  int32_t input_zero_point, const int8_t *weight,
                                  const int32_t *bias, const float *scale,
                                  const vgl_qs8_requant_params *params,
                                  const int8_t *gelu_table, const int8_t *residual,
                                  int8_t *output, size_t out_y_begin, size_t out_y_end);

typedef void (*vgl_qs8_mrconv_fn)(size_t channels, size_t height, size_t width, size_t hop,
                                  const int8_t *input, int32_t input_zero_point,
                                  const int8_t *weight, const int32_t *bias, const float *scale,
                                  const vgl_qs8_requant_params *params,
                                  const int8_t *gelu_table, const int8_t *residual,
                                  uint8_t *xj_scratch, int8_t *output, size_t out_y_begin, size_t out_y_end);

typedef void (*vgl_qs8_head_fn)(size_t in_channels, size_t classes, const int8_t *input,
                                int32_t input_zero_point, const int8_t *weight,
                                const int32_t *bias, const float *scale, float *logits);

#if VGL_ARCH_X86_64
void vgl_qs8_head_1x16c4__avx512vnni(size_t in_channels, size_t classes, const int8_t *input,
                                     int32_t input_zero_point, const int8_t *weight,
                                     const int32_t *bias, const float *scale, float *logits);
void vgl_qs8_head_1x16c4__avx2(size_t in_channels, size_t classes, const int8_t *input,
                                     int32_t input_zero_point, const int8_t *weight,
                                     const int32_t *bias, const float *scale, float *logits);
void vgl_qs8_conv_kxk_4x64c4__avx512vnni(size_t in_channels, size_t in_height, size_t in_width,
                                         size_t out_channels, size_t out_height,
                                         size_t out_width, size_t kernel, size_t stride,
                                         size_t pad, const int8_t *input,
                                         int32_t input_zero_point, const int8_t *weight,
                                         const int32_t *bias, const float *scale,
                                         const vgl_qs8_requant_params *params,
                                         const int8_t *gelu_table, const int8_t *residual,
                                         int8_t *output, size_t out_y_begin, size_t out_y_end);
void vgl_qs8_conv_kxk_2x16c4__avx2(size_t in_channels, size_t in_height, size_t in_width,
                                   size_t out_channels, size_t out_height,
                                   size_t out_width, size_t kernel, size_t stride,
                                   size_t pad, const int8_t *input,
                                   int32_t input_zero_point, const int8_t *weight,
                                   const int32_t *bias, const float *scale,
                                   const vgl_qs8_requant_params *params,
                                   const int8_t *gelu_table, const int8_t *residual,
                                   int8_t *output, size_t out_y_begin, size_t out_y_end);
void vgl_qs8_stem_kxk_4x64c4__avx512vnni(size_t in_channels, size_t in_height, size_t in_width,
                                         size_t out_channels, size_t out_height,
                                         size_t out_width, size_t kernel, size_t stride,
                                         size_t pad, const uint8_t *pixels,
                                         const uint8_t *pixel_zero_points,
                                         const int8_t *weight, const int32_t *bias,
                                         const float *scale,
                                         const vgl_qs8_requant_params *params,
                                         const int8_t *gelu_table, int8_t *output, size_t out_y_begin, size_t out_y_end);
void vgl_qs8_stem_kxk_2x16c4__avx2(size_t in_channels, size_t in_height, size_t in_width,
                                   size_t out_channels, size_t out_height,
                                   size_t out_width, size_t kernel, size_t stride,
                                   size_t pad, const uint8_t *pixels,
                                   const uint8_t *pixel_zero_points,
                                   const int8_t *weight, const int32_t *bias,
                                   const float *scale,
                                   const vgl_qs8_requant_params *params,
                                   const int8_t *gelu_table, int8_t *output, size_t out_y_begin, size_t out_y_end);
void vgl_qs8_dwconv_kxk_8x64c4__avx512vnni(size_t channels, size_t in_height, size_t in_width,
                                           size_t out_height, size_t out_width, size_t kernel,
                                           size_t stride, size_t pad, const int8_t *input,
                                           int32_t input_zero_point, const int8_t *weight,
                                           const int32_t *bias, const float *scale,
                                           const vgl_qs8_requant_params *params,
                                           const int8_t *gelu_table, const int8_t *residual,
                                           int8_t *output, size_t out_y_begin, size_t out_y_end);
void vgl_qs8_dwconv_kxk_8x16c2__avx2(size_t channels, size_t in_height, size_t in_width,
                                     size_t out_height, size_t out_width, size_t kernel,
                                     size_t stride, size_t pad, const int8_t *input,
                                     int32_t input_zero_point, const int8_t *weight,
                                     const int32_t *bias, const float *scale,
                                     const vgl_qs8_requant_params *params,
                                     const int8_t *gelu_table, const int8_t *residual,
                                     int8_t *output, size_t out_y_begin, size_t out_y_end);
void vgl_qs8_mrconv_1x64c4__avx512vnni(size_t channels, size_t height, size_t width, size_t hop,
                                       const int8_t *input, int32_t input_zero_point,
                                       const int8_t *weight, const int32_t *bias,
                                       const float *scale, const vgl_qs8_requant_params *params,
                                       const int8_t *gelu_table, const int8_t *residual,
                                       uint8_t *xj_scratch, int8_t *output, size_t out_y_begin, size_t out_y_end);
void vgl_qs8_mrconv_1x16c4__avx2(size_t channels, size_t height, size_t width, size_t hop,
                                 const int8_t *input, int32_t input_zero_point,
                                 const int8_t *weight, const int32_t *bias,
                                 const float *scale, const vgl_qs8_requant_params *params,
                                 const int8_t *gelu_table, const int8_t *residual,
                                 uint8_t *xj_scratch, int8_t *output, size_t out_y_begin, size_t out_y_end);
void vgl_qs8_conv_1x1_2x16c4__avx2(size_t in_channels, size_t out_channels, size_t pixels,
                                   const int8_t *input, int32_t input_zero_point,
                                   const int8_t *weight, const int32_t *bias, const float *scale,
                                   const vgl_qs8_requant_params *params,
                                   const int8_t *gelu_table, const int8_t *residual,
                                   int8_t *output);
void vgl_qs8_conv_1x1_4x64c4__avx512vnni(size_t in_channels, size_t out_channels, size_t pixels,
                                         const int8_t *input, int32_t input_zero_point,
                                         const int8_t *weight, const int32_t *bias,
                                         const float *scale,
                                         const vgl_qs8_requant_params *params,
                                         const int8_t *gelu_table, const int8_t *residual,
                                         int8_t *output);
#endif
#if VGL_ARCH_AARCH64 || VGL_ARCH_ARMV7_NEON_KERNELS
void vgl_qs8_conv_1x1_2x16c4__neon(size_t in_channels, size_t out_channels, size_t pixels,
                                   const int8_t *input, int32_t input_zero_point,
                                   const int8_t *weight, const int32_t *bias, const float *scale,
                                   const vgl_qs8_requant_params *params,
                                   const int8_t *gelu_table, const int8_t *residual,
                                   int8_t *output);
void vgl_qs8_mrconv_1x16c4__neon(size_t channels, size_t height, size_t width, size_t hop,
                                 const int8_t *input, int32_t input_zero_point,
                                 const int8_t *weight, const int32_t *bias, const float *scale,
                                 const vgl_qs8_requant_params *params, const int8_t *gelu_table,
                                 const int8_t *residual, uint8_t *xj_scratch, int8_t *output,
                                 size_t out_y_begin, size_t out_y_end);
void vgl_qs8_dwconv_kxk_1x16__neon(size_t channels, size_t in_height, size_t in_width,
                                   size_t out_height, size_t out_width, size_t kernel,
                                   size_t stride, size_t pad, const int8_t *input,
                                   int32_t input_zero_point, const int8_t *weight,
                                   const int32_t *bias, const float *scale,
                                   const vgl_qs8_requant_params *params,
                                   const int8_t *gelu_table, const int8_t *residual,
                                   int8_t *output, size_t out_y_begin, size_t out_y_end);
void vgl_qs8_conv_kxk_2x16c4__neon(size_t in_channels, size_t in_height, size_t in_width,
                                   size_t out_channels, size_t out_height,
                                   size_t out_width, size_t kernel, size_t stride,
                                   size_t pad, const int8_t *input,
                                   int32_t input_zero_point, const int8_t *weight,
                                   const int32_t *bias, const float *scale,
                                   const vgl_qs8_requant_params *params,
                                   const int8_t *gelu_table, const int8_t *residual,
                                   int8_t *output, size_t out_y_begin, size_t out_y_end);
void vgl_qs8_stem_kxk_2x16c4__neon(size_t in_channels, size_t in_height, size_t in_width,
                                   size_t out_channels, size_t out_height,
                                   size_t out_width, size_t kernel, size_t stride,
                                   size_t pad, const uint8_t *pixels,
                                   const uint8_t *pixel_zero_points,
                                   const int8_t *weight, const int32_t *bias,
                                   const float *scale,
                                   const vgl_qs8_requant_params *params,
                                   const int8_t *gelu_table, int8_t *output, size_t out_y_begin, size_t out_y_end);
void vgl_qs8_head_1x16c4__neon(size_t in_channels, size_t classes, const int8_t *input,
                                     int32_t input_zero_point, const int8_t *weight,
                                     const int32_t *bias, const float *scale, float *logits);
#endif
#if VGL_ARCH_AARCH64
void vgl_qs8_mrconv_1x16c4__neondot(size_t channels, size_t height, size_t width, size_t hop,
                                    const int8_t *input, int32_t input_zero_point,
                                    const int8_t *weight, const int32_t *bias, const float *scale,
                                    const vgl_qs8_requant_params *params,
                                    const int8_t *gelu_table, const int8_t *residual,
                                    uint8_t *xj_scratch, int8_t *output, size_t out_y_begin,
                                    size_t out_y_end);
void vgl_qs8_conv_1x1_4x16c4__neondot(size_t in_channels, size_t out_channels, size_t pixels,
                                      const int8_t *input, int32_t input_zero_point,
                                      const int8_t *weight, const int32_t *bias,
                                      const float *scale, const vgl_qs8_requant_params *params,
                                      const int8_t *gelu_table, const int8_t *residual,
                                      int8_t *output);
void vgl_qs8_conv_kxk_4x16c4__neondot(size_t in_channels, size_t in_height, size_t in_width,
                                      size_t out_channels, size_t out_height,
                                      size_t out_width, size_t kernel, size_t stride,
                                      size_t pad, const int8_t *input,
                                      int32_t input_zero_point, const int8_t *weight,
                                      const int32_t *bias, const float *scale,
                                      const vgl_qs8_requant_params *params,
                                      const int8_t *gelu_table, const int8_t *residual,
                                      int8_t *output, size_t out_y_begin, size_t out_y_end);
void vgl_qs8_stem_kxk_4x16c4__neondot(size_t in_channels, size_t in_height, size_t in_width,
                                      size_t out_channels, size_t out_height,
                                      size_t out_width, size_t kernel, size_t stride,
                                      size_t pad, const uint8_t *pixels,
                                      const uint8_t *pixel_zero_points,
                                      const int8_t *weight, const int32_t *bias,
                                      const float *scale,
                                      const vgl_qs8_requant_params *params,
                                      const int8_t *gelu_table, int8_t *output, size_t out_y_begin, size_t out_y_end);
void vgl_qs8_head_1x16c4__neondot(size_t in_channels, size_t classes, const int8_t *input,
                                        int32_t input_zero_point, const int8_t *weight,
                                        const int32_t *bias, const float *scale, float *logits);
void vgl_qs8_dwconv_kxk_8x16c4__neondot(size_t channels, size_t in_height, size_t in_width,
                                        size_t out_height, size_t out_width, size_t kernel,
                                        size_t stride, size_t pad, const int8_t *input,
                                        int32_t input_zero_point, const int8_t *weight,
                                        const int32_t *bias, const float *scale,
                                        const vgl_qs8_requant_params *params,
                                        const int8_t *gelu_table, const int8_t *residual,
                                        int8_t *output, size_t out_y_begin, size_t out_y_end);
#endif

/// The kernels one instance runs, one per family, chosen once for its ISA.
typedef struct vgl_qs8_kernels {
  vgl_isa isa;
  vgl_qs8_conv_1x1_fn conv_1x1;
  vgl_qs8_conv_kxk_fn conv_kxk;
  vgl_qs8_stem_fn stem;
  vgl_qs8_dwconv_fn dwconv;
  vgl_qs8_mrconv_fn mrconv;
  vgl_qs8_head_fn head;
  const char *conv_1x1_name, *conv_kxk_name, *stem_name, *dwconv_name, *mrconv_name, *head_name;
} vgl_qs8_kernels;

/// Fills *kernels with the best kernel of each family at or below `isa` (a resolved path the
/// CPU runs: vgl_isa_resolve).
void vgl_qs8_kernels_init(vgl_isa isa, vgl_qs8_kernels *kernels);

/// Whether a kernel written for `kernel_isa` may run on the path `path`: scalar always, else
/// the same architecture's ladder (avx2 < avx512vnni; neon < neondot) at or below the path.
static inline int vgl_isa_within(vgl_isa kernel_isa, vgl_isa path) {
  if (kernel_isa == VGL_ISA_SCALAR) return 1;
  const int x86_kernel = kernel_isa == VGL_ISA_AVX2 || kernel_isa == VGL_ISA_AVX512VNNI;
  const int x86_path = path == VGL_ISA_AVX2 || path == VGL_ISA_AVX512VNNI;
  const int arm_kernel = kernel_isa == VGL_ISA_NEON || kernel_isa == VGL_ISA_NEONDOT;
  const int arm_path = path == VGL_ISA_NEON || path == VGL_ISA_NEONDOT;
  if (!((x86_kernel && x86_path) || (arm_kernel && arm_path))) return 0;
  return kernel_isa <= path;  // enum order follows each ladder
}

#ifdef __cplusplus
}
#endif

#endif  // VIGIL_QS8_KERNELS_H
