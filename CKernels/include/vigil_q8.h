// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The int8 execution path: a flat list of ops over int8 tensors that live in ONE arena owned
// by the caller. This header holds what callers and kernels share (the arena's layout, the op
// kinds, the requantization rule, GELU tables, packed weights); the plan structs and the run
// functions are the runtime's own (runtime/q8-plan.h), reached through vigil_model.h. Its arithmetic is the int8 contract written out in docs/int8.md; the scalar
// kernels under CKernels/kernels/qs8-*/ are that contract in code, and every faster kernel
// must reproduce their outputs bit for bit.
//
// Layout: every activation tensor is HWC (batch 1): element (y, x, c) of a C x H x W tensor is
// byte (y * W + x) * C + c. Unlike the fp32 path (NCHW), channels are innermost, so a 1x1
// conv is a GEMM whose reduction (input channels) is contiguous, which is what the int8 dot
// product instructions (vpdpbusd, sdot) consume, and a decoder's interleaved RGB is the stem's
// input as is. docs/int8.md gives the full argument.
//
// Numbers: an int8 tensor holds codes q in [-128, 127] standing for real = scale * (q - zp)
// (scale and zp per tensor, in vgl_q8_tensor). Weights are int8 in [-127, 127] per output
// channel symmetric, biases int32 at scale s_in * s_w[c], accumulation in int32, and one
// requantization rule (vgl_qs8_requant_params below) everywhere. No float is computed between
// the stem and the head except inside that rule.
//
// The arena (byte offsets chosen offline by the toolkit's planner, all multiples of
// VGL_Q8_ALIGNMENT; the arena pointer itself must be VGL_Q8_ALIGNMENT-aligned):
//
//   arena                                                                  arena_bytes
//   |<-------------------------------- plan->arena_bytes ---------------------------->|
//   +-------------------+---------+-----------------------+---------+------------------+
//   | input (uint8 HWC) | pad     | tensor a | tensor b    | ...     | scratch          |
//   +-------------------+---------+-----------------------+---------+------------------+
//   ^tensors[input_tensor].offset  ^tensors[a].offset                ^scratch_offset
//
//   - the input region receives the caller's pixels (H x W x C uint8) before the first op;
//   - tensors may share bytes when their lifetimes do not overlap (the planner's promise;
//     the input region too, once the stem has read it); an op's output never overlaps its
//     input or residual tensor (checked);
//   - the scratch region (scratch_bytes, may be 0) overlaps no tensor (checked); kernels use
//     it within one op or fused block only (the graph op's xj vector, `channels` bytes; a
//     fused block's band buffers, see "fused blocks" in runtime/q8-plan.h);
//   - band-local tensors (band != 0) have no region at all.
//   Regions may come in any order; the drawing shows one.
#ifndef VIGIL_Q8_H
#define VIGIL_Q8_H

#include "vigil.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Every tensor offset and the scratch offset are multiples of this (bytes), and so must be
/// the arena pointer given to an instance: one cache line, one AVX-512 register.
#define VGL_Q8_ALIGNMENT 64u

/// Marks "no tensor" (no residual; the HEAD op's output, which goes to the caller's logits).
#define VGL_Q8_NO_TENSOR UINT32_MAX

/// The largest residual rescale factor s_r / s_out accepted (see vgl_qs8_requant_params_init):
/// it keeps the residual's rounded term below 2^20, which makes the rounding exact.
#define VGL_QS8_MAX_RESIDUAL_SCALE 4096.0f

// ---- the requantization rule ---------------------------------------------------------------

/// The one requantization rule ("fp32" rule), for an int32 accumulator `acc` and the op's
/// per-output-channel float `scale` (s_in * s_w[c] / s_out, computed offline):
///
///   out = clamp(rne((float)acc * scale) + zero_point, qmin, qmax)
///
/// (float)acc rounds to nearest even; the product is one IEEE float multiply (no FMA); rne
/// rounds half to even. With a residual r (an int8 code of a tensor with zero point
/// residual_zero_point) at the output's scale through residual_scale = s_r / s_out:
///
///   out = clamp(rne((float)acc * scale) + rne((float)(r - residual_zero_point) * residual_scale)
///               + zero_point, qmin, qmax)
///
/// docs/int8.md shows how the kernels evaluate this exactly (clamp in float, then the
/// 1.5 * 2^23 magic-number rounding). Fill with vgl_qs8_requant_params_init; kernels only
/// read it. The two float fields are derived; validation checks that they match.
typedef struct vgl_qs8_requant_params {
  int32_t zero_point;          ///< added after rounding, in [-128, 127]
  int32_t qmin, qmax;          ///< the clamp, -128 <= qmin <= qmax <= 127
  float min_less_zero_point;   ///< (float)(qmin - zero_point)
  float max_less_zero_point;   ///< (float)(qmax - zero_point)
  int32_t residual_zero_point; ///< zero point of the residual tensor, [-128, 127] (0 if none)
  float residual_scale;        ///< s_r / s_out in (0, VGL_QS8_MAX_RESIDUAL_SCALE] (1 if none)
} vgl_qs8_requant_params;

/// Fills *params_out for an op without residual. Returns VGL_E_INVALID_ARGUMENT (and leaves
/// *params_out untouched) when zero_point is outside [-128, 127] or not -128 <= qmin <= qmax
/// <= 127.
vgl_status vgl_qs8_requant_params_init(int32_t zero_point, int32_t qmin, int32_t qmax,
                                       vgl_qs8_requant_params *params_out);

/// As vgl_qs8_requant_params_init, plus the residual's zero point and rescale factor
/// (s_r / s_out rounded to float; it must be finite, > 0 and <= VGL_QS8_MAX_RESIDUAL_SCALE).
vgl_status vgl_qs8_requant_params_init_residual(int32_t zero_point, int32_t qmin, int32_t qmax,
                                                int32_t residual_zero_point,
                                                float residual_scale,
                                                vgl_qs8_requant_params *params_out);

/// Builds the 256-entry GELU table of one op: entry i maps the pre-activation code q = i - 128
/// (scale in_scale, zero point in_zero_point) to the output code
///
///   clamp(rne(gelu(in_scale * (q - in_zero_point)) / out_scale) + out_zero_point, -128, 127)
///
/// evaluated in double: x = (double)in_scale * (q - in_zero_point); g = 0.5 * x * (1 + erf(x /
/// sqrt(2))); v = g / (double)out_scale; clamped to [-128 - out_zp, 127 - out_zp], rounded
/// half to even (nearbyint). The toolkit builds tables offline with the same steps; the
/// runtime only reads them. Returns VGL_E_INVALID_ARGUMENT for non-finite or non-positive
/// scales, zero points outside [-128, 127] or a NULL table.
vgl_status vgl_qs8_gelu_table_init(float in_scale, int32_t in_zero_point, float out_scale,
                                   int32_t out_zero_point, int8_t table_out[256]);

// ---- packed weights (model file weight layout 2) --------------------------------------------

/// STEM, CONV, MRCONV and HEAD weights are packed for the int8 dot-product instructions
/// (vpdpbusd, vpdpwssd after widening, sdot), and every path, the scalar reference included,
/// reads them in this one layout. A row matrix w[rows][taps][channels] (the reference layout:
/// STEM and CONV [out][ky][kx][in] with taps = k*k; MRCONV [C][2C] as 2 taps of C, x then xj;
/// HEAD [classes][E] as 1 tap) becomes blocks of VGL_Q8_PACK_ROWS rows by groups of
/// VGL_Q8_PACK_DEPTH reduction bytes:
///
///   depth       = taps * round_up(channels, 4)          (each tap's channels padded to 4)
///   k           = tap * round_up(channels, 4) + channel
///   byte index  = ((row / 16) * (depth / 4) + k / 4) * 64 + (row % 16) * 4 + k % 4
///   bytes       = round_up(rows, 16) * depth            (vgl_q8_packed_weight_bytes)
///
/// so one 64-byte line holds 4 consecutive reduction bytes of 16 consecutive rows: one
/// vpdpbusd operand. Padding rows and padding channels are zero (validated).
///
/// Their bias array holds 2 * rows int32: bias[0 .. rows) as before, then the weight sums
/// sum[0 .. rows) that the dot-product kernels need to correct their shifted or unshifted
/// inputs exactly:
///   CONV, HEAD  sum[o] = sum of w[o][..] over the whole reduction;
///   MRCONV      sum[o] = sum of w[o][0][c] over the x half only (xj is already unsigned);
///   STEM        sum[o] = sum of w[o][t][c] * pixel_zero_points[c] (pixels are unsigned).
/// Validation recomputes them, so every path gives the same result from the same file.
#define VGL_Q8_PACK_ROWS 16u
#define VGL_Q8_PACK_DEPTH 4u

/// Bytes of a packed weight: round_up(rows, 16) * taps * round_up(channels, 4); UINT64_MAX when
/// a product would exceed UINT64_MAX / 2 (never a valid size).
uint64_t vgl_q8_packed_weight_bytes(uint64_t rows, uint64_t taps, uint64_t channels);

/// Packs a reference-layout weight w[rows][taps][channels] of an op of `kind` (STEM, CONV,
/// MRCONV or HEAD) into packed_weight (vgl_q8_packed_weight_bytes bytes, every one written)
/// and copies bias[rows] with the weight sums appended into packed_bias[2 * rows].
/// pixel_zero_points[channels] is read for the STEM only. This is the toolkit's (and the
/// tests') packing step; the runtime never packs. Returns VGL_E_INVALID_ARGUMENT for another
/// kind, zero sizes or NULL arrays.
vgl_status vgl_q8_pack(uint32_t kind, size_t rows, size_t taps, size_t channels,
                       const int8_t *weight, const int32_t *bias,
                       const uint8_t *pixel_zero_points, int8_t *packed_weight,
                       int32_t *packed_bias);

// ---- the plan ------------------------------------------------------------------------------

typedef enum vgl_q8_op_kind {
  /// The first conv, on the caller's uint8 pixels (the plan's input tensor, HWC): dense kxk,
  /// stride 1 or 2, zero padding. Input channel c has the pixel zero point
  /// input_zero_points[c] (round(255 * mean_c): 124, 116, 104 for ImageNet); the ImageNet
  /// normalization is folded into the weights offline, the kernel accumulates
  /// w * (p - input_zero_points[c]) and padded pixels count as p == input_zero_points[c].
  /// weight [out_c][kernel][kernel][in_c].
  VGL_Q8_STEM = 1,
  /// Dense convolution (groups = 1), odd kernel 1..7, stride 1 or 2, pad < kernel, zero
  /// padding (a padded position is the code zero_point, i.e. real 0). kernel 1 / stride 1 /
  /// pad 0 runs as a GEMM. weight [out_c][kernel][kernel][in_c].
  VGL_Q8_CONV = 2,
  /// Depthwise convolution (in_c = out_c = C), odd kernel 1..7, stride 1 or 2, zero padding.
  /// weight [kernel][kernel][C].
  VGL_Q8_DWCONV = 3,
  /// MobileViGv2's graph op fused with its 2C -> C 1x1 conv:
  ///   xj  = max(0, max of the 4 cyclic neighbours' codes at hop distance `hop` - x's code)
  ///   acc = bias + sum_c w[o][c] * (x_c - zp) + sum_c w[o][C + c] * xj_c
  /// xj (0..255) is at x's scale with zero point 0 and is never requantized. Along an axis of
  /// size n the roll is the identity when hop == 0 or hop >= n (the reference's roll by
  /// slicing), else the neighbours are (i - hop) mod n and (i + hop) mod n.
  /// Input and output C x H x W; weight [C][2C]; needs `C` bytes of plan scratch.
  VGL_Q8_MRCONV = 4,
  /// Global average pool, C x H x W -> C x 1 x 1: acc = sum over H*W of (q - zp), then the
  /// rule with scale[0] = s_in / (H * W * s_out). No weight, bias, GELU or residual.
  VGL_Q8_GAP = 5,
  /// The classifier: a 1x1 conv from an E x 1 x 1 int8 tensor to `classes` float logits
  /// written to the caller's logits_out: logit[o] = (float)acc * scale[o] with
  /// acc = bias[o] + sum_c w[o][c] * (x_c - zp) and scale[o] = s_in * s_w[o] (no rounding
  /// to int8). Must be the last op, and the only HEAD. weight [classes][E].
  VGL_Q8_HEAD = 6,
} vgl_q8_op_kind;

#ifdef __cplusplus
}
#endif

#endif  // VIGIL_Q8_H
