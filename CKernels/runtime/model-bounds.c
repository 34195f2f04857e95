// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The loader's range checks on the numbers the int8 contract multiplies by: every scale in a
// model must be one the arithmetic of docs/int8.md ("Scale bounds") can use. The plan
// validator only asks for "finite and > 0"; a file can pass that with scales no quantizer
// writes (3e38 head scales make every logit infinite, a subnormal scale is flushed to zero by
// armv7 NEON and so breaks bit-exactness across ISAs). Kept in its own file so the loader's
// structural checks (model-open.c) and these numeric ones change independently.
#include <inttypes.h>
#include <stdbool.h>

#include "model-internal.h"
#include "runtime-internal.h"

static bool scale_in_bounds(float scale) {
  return scale >= VGL_MODEL_MIN_SCALE && scale <= VGL_MODEL_MAX_SCALE;  // NaN fails both
}

#define OUT_OF_BOUNDS(what_fmt, ...)                                                          \
  vgl_fail(VGL_E_BAD_MODEL, message, capacity,                                                \
           what_fmt " is outside [2^-126, 2^32], the scales the int8 contract can use "       \
                    "(docs/int8.md, \"Scale bounds\"): re-quantize the model",                \
           __VA_ARGS__)

// Runs after vgl_q8_plan_validate, so every op's scale array is known to be readable with the
// length its shape implies (rows = output channels, classes for the head, 1 for the pool).
vgl_status vgl_model_check_scales(const vgl_model *m, char *message, size_t capacity) {
  const vgl_q8_plan *plan = &m->plan;
  for (uint32_t id = 0; id < plan->tensor_count; id++) {
    if (id == plan->input_tensor) continue;  // uint8 pixels: the scale is not used
    const float s = plan->tensors[id].scale;
    if (!scale_in_bounds(s)) {
      return OUT_OF_BOUNDS("tensor %" PRIu32 " scale %g", id, (double)s);
    }
  }
  for (uint32_t index = 0; index < plan->op_count; index++) {
    const vgl_q8_op *op = &plan->ops[index];
    const char *kind = vgl_q8_kind_name(op->kind);
    uint32_t rows;
    switch (op->kind) {
      case VGL_Q8_GAP: rows = 1; break;
      case VGL_Q8_HEAD: rows = op->classes; break;
      default: rows = plan->tensors[op->output].channels; break;
    }
    for (uint32_t row = 0; row < rows; row++) {
      if (!scale_in_bounds(op->scale[row])) {
        return OUT_OF_BOUNDS("op %" PRIu32 " (%s) scale[%" PRIu32 "] = %g", index, kind, row,
                             (double)op->scale[row]);
      }
    }
    // The residual scale's upper bound (4096) is the requant params' own; here only its
    // lower end: a subnormal r_scale would be flushed on NEON like any other.
    if (op->residual != VGL_Q8_NO_TENSOR &&
        !(op->requant.residual_scale >= VGL_MODEL_MIN_SCALE)) {
      return OUT_OF_BOUNDS("op %" PRIu32 " (%s) residual scale %g", index, kind,
                           (double)op->requant.residual_scale);
    }
  }
  return VGL_OK;
}
