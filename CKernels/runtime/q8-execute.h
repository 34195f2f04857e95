// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The executor behind vgl_q8_run and vgl_instance_run (not a public header): a validated plan
// on one kernel table and `threads` threads (pool NULL for one), and the fused-block rules
// that the executor and plan validation share (vigil_q8.h, "fused blocks").
#ifndef VIGIL_Q8_EXECUTE_H
#define VIGIL_Q8_EXECUTE_H

#include "../kernels/qs8-kernels.h"
#include "pool.h"
#include "q8-plan.h"
#include "vigil_q8.h"

vgl_status vgl_q8_execute(const vgl_q8_plan *plan, const vgl_qs8_kernels *kernels,
                          vgl_pool *pool, uint32_t threads, void *arena, uint64_t arena_bytes,
                          const uint8_t *pixels, float *logits_out, vgl_q8_observer observer,
                          void *observer_context);

static inline uint64_t vgl_q8_align_up(uint64_t v) {
  return v > UINT64_MAX - (VGL_Q8_ALIGNMENT - 1)
             ? UINT64_MAX
             : (v + VGL_Q8_ALIGNMENT - 1) / VGL_Q8_ALIGNMENT * VGL_Q8_ALIGNMENT;
}

/// a * b, UINT64_MAX when that overflows.
static inline uint64_t vgl_q8_mul_sat(uint64_t a, uint64_t b) {
  return a != 0 && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}

/// a + b, UINT64_MAX when that overflows.
static inline uint64_t vgl_q8_add_sat(uint64_t a, uint64_t b) {
  return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

/// Ops in the fused block starting at op `index`: 3 (inverted residual: its output and the
/// depthwise's are band-local), 2 (FFN) or 1 (no block starts here). Structural only: plan
/// validation checks the rest of the pattern.
static inline uint32_t vgl_q8_block_length(const vgl_q8_plan *plan, uint32_t index) {
  const vgl_q8_op *op = &plan->ops[index];
  if (op->kind != VGL_Q8_CONV || op->output >= plan->tensor_count ||
      plan->tensors[op->output].band == 0 || index + 2 >= plan->op_count) {
    return 1;
  }
  return plan->ops[index + 1].kind == VGL_Q8_DWCONV ? 3 : 2;
}

/// The band scratch of the block starting at op `index` (vgl_q8_block_length > 1 there), per
/// thread (vigil_q8.h, "fused blocks"); saturates at UINT64_MAX.
static inline uint64_t vgl_q8_block_scratch_bytes(const vgl_q8_plan *plan, uint32_t index,
                                                  uint32_t length) {
  const vgl_q8_tensor *t1 = &plan->tensors[plan->ops[index].output];
  if (length == 2) return vgl_q8_mul_sat(t1->band, t1->channels);
  const uint64_t pad = plan->ops[index + 1].pad;
  const uint64_t row = vgl_q8_mul_sat(t1->width, t1->channels);
  const uint64_t expanded = vgl_q8_mul_sat((uint64_t)t1->band + 2 * pad, row);
  return vgl_q8_add_sat(vgl_q8_align_up(expanded),
                        vgl_q8_mul_sat(t1->band, row));
}

#endif  // VIGIL_Q8_EXECUTE_H
