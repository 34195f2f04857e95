// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The fp32 execution path: a flat list of ops over NCHW float tensors (batch 1) that live in
// one scratch buffer owned by the caller. The toolkit folds BatchNorm, layer scales, the CPE
// identity and the two heads into plain conv weights before building a plan, so the runtime
// only knows three op kinds. This path is the calibration engine and the accuracy baseline of
// the int8 runtime; it stays readable and allocation-free.
//
// Scratch buffer layout (offsets in floats, chosen by the toolkit's planner):
//
//   scratch: [ tensor a | tensor b | ... ]   tensors may share storage when their lifetimes
//            ^offset(a)  ^offset(b)          do not overlap; an op's output never overlaps
//                                            its input or residual tensor.
#ifndef VIGIL_F32_H
#define VIGIL_F32_H

#include "vigil.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vgl_f32_op_kind {
  /// out = act(conv(in) + bias) [+ residual]. Dense (groups = 1) or depthwise
  /// (groups = in_channels = out_channels) convolution, square kernel, zero padding.
  /// weight layout: [out_channels][in_channels / groups][kernel][kernel].
  VGL_F32_CONV = 1,
  /// Max-relative graph convolution of MobileViGv2 fused with its 1x1 conv:
  ///   xj = max(0, max over the 4 cyclic neighbours at hop distance `hop` - x)
  ///   out = act(W [x; xj] + bias) [+ residual]
  /// The rolls along an axis of size n are identity when hop == 0 or hop >= n (the
  /// reference then contributes nothing along that axis). in_channels = out_channels = C,
  /// weight layout: [C][2C], columns 0..C-1 multiply x, C..2C-1 multiply xj.
  VGL_F32_MRCONV = 2,
  /// Global average pool: out (C,1,1) = mean over H x W of in (C,H,W). No weight.
  VGL_F32_GAP = 3,
  /// Elementwise: out = act(in) [+ residual], same shape. No weight. The toolkit uses it to
  /// split a conv's activation off (conv without act, then this op) when calibration must
  /// observe pre-activation values.
  VGL_F32_ACT = 4,
} vgl_f32_op_kind;

typedef enum vgl_act {
  VGL_ACT_NONE = 0,
  VGL_ACT_GELU = 1,  ///< exact erf form: 0.5 x (1 + erf(x / sqrt 2))
} vgl_act;

/// Marks "no residual tensor" in vgl_f32_op.residual.
#define VGL_NO_TENSOR UINT32_MAX

typedef struct vgl_f32_tensor {
  uint32_t channels, height, width;
  uint64_t offset;  ///< in floats from the start of the scratch buffer
} vgl_f32_tensor;

typedef struct vgl_f32_op {
  uint32_t kind;      ///< vgl_f32_op_kind
  uint32_t input;     ///< tensor id
  uint32_t output;    ///< tensor id
  uint32_t residual;  ///< tensor id of the same shape as output, or VGL_NO_TENSOR
  uint32_t kernel, stride, pad, groups;  ///< CONV only (groups is 1 or in_channels)
  uint32_t hop;       ///< MRCONV only: graph hop distance K
  uint32_t activation;  ///< vgl_act, applied before the residual add
  const float *weight;  ///< see the op kind for the layout; NULL for GAP
  const float *bias;    ///< [out_channels]; NULL for GAP
} vgl_f32_op;

typedef struct vgl_f32_plan {
  uint32_t tensor_count;
  const vgl_f32_tensor *tensors;
  uint32_t op_count;
  const vgl_f32_op *ops;  ///< executed in order
  uint32_t input_tensor;  ///< filled from the caller's input before the first op
  uint32_t output_tensor; ///< copied to the caller's output after the last op
  uint64_t scratch_floats;  ///< bytes / 4 the scratch buffer must hold
} vgl_f32_plan;

/// Checks every id, shape, offset and op parameter of `plan`. On failure writes a message with
/// the numbers involved into `message` (capacity `message_capacity`, always NUL-terminated when
/// the capacity is non-zero) and returns VGL_E_BAD_PLAN or VGL_E_INVALID_ARGUMENT.
vgl_status vgl_f32_plan_validate(const vgl_f32_plan *plan, char *message, size_t message_capacity);

/// Called after each op with its output tensor (C,H,W contiguous floats in the scratch).
typedef void (*vgl_f32_observer)(void *context, uint32_t op_index, const float *data,
                                 uint32_t channels, uint32_t height, uint32_t width);

/// Runs a validated plan. `scratch` holds plan->scratch_floats floats (scratch_floats_available
/// says how many the caller has); `input` is the input tensor (C,H,W floats); `output_out`
/// receives the output tensor. `observer` may be NULL. Never allocates.
vgl_status vgl_f32_run(const vgl_f32_plan *plan, float *scratch, uint64_t scratch_floats_available,
                       const float *input, float *output_out, vgl_f32_observer observer,
                       void *observer_context);

#ifdef __cplusplus
}
#endif

#endif  // VIGIL_F32_H
