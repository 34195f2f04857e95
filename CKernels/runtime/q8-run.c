// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../kernels/qs8-kernels.h"
#include "vigil_q8.h"

// The int8 executor: copies the caller's pixels into the plan's input region, runs the ops in
// order on the arena (each reads its input and residual tensors and writes its output tensor;
// the graph op also uses the scratch region), reports each op to the observer, and the HEAD
// writes the logits straight to the caller. It allocates nothing and keeps no state.
//
// The plan must have passed vgl_q8_plan_validate: here only the caller's pointers, the arena's
// size and alignment are checked; every shape, id and offset is trusted (VGL_DCHECK).

uint64_t vgl_q8_plan_arena_bytes(const vgl_q8_plan *plan) {
  return plan == NULL ? 0 : plan->arena_bytes;
}

vgl_status vgl_q8_arena_check(const vgl_q8_plan *plan, uint64_t arena_bytes, char *message,
                              size_t message_capacity) {
  if (message != NULL && message_capacity != 0) message[0] = '\0';
  if (plan == NULL) return VGL_E_INVALID_ARGUMENT;
  if (arena_bytes >= plan->arena_bytes) return VGL_OK;
  if (message != NULL && message_capacity != 0) {
    snprintf(message, message_capacity,
             "arena: requested %" PRIu64 " B, available %" PRIu64 " B, missing %" PRIu64 " B",
             plan->arena_bytes, arena_bytes, plan->arena_bytes - arena_bytes);
  }
  return VGL_E_ARENA_SMALL;
}

static int8_t *tensor_data(uint8_t *arena, const vgl_q8_tensor *tensor) {
  return (int8_t *)(arena + (size_t)tensor->offset);
}

static void run_op(const vgl_q8_plan *plan, const vgl_qs8_kernels *kernels, const vgl_q8_op *op,
                   uint8_t *arena, float *logits_out) {
  const vgl_q8_tensor *in = &plan->tensors[op->input];
  const int8_t *input = tensor_data(arena, in);
  const int32_t zp = in->zero_point;
  if (op->kind == VGL_Q8_HEAD) {
    vgl_qs8_head_1x1__scalar(in->channels, op->classes, input, zp, op->weight, op->bias,
                             op->scale, logits_out);
    return;
  }
  const vgl_q8_tensor *out = &plan->tensors[op->output];
  int8_t *output = tensor_data(arena, out);
  const int8_t *residual =
      op->residual == VGL_Q8_NO_TENSOR ? NULL : tensor_data(arena, &plan->tensors[op->residual]);

  switch (op->kind) {
    case VGL_Q8_STEM:
      kernels->stem(in->channels, in->height, in->width, out->channels,
                                   out->height, out->width, op->kernel, op->stride, op->pad,
                                   (const uint8_t *)input, op->input_zero_points, op->weight,
                                   op->bias, op->scale, &op->requant, op->gelu_table, output);
      break;
    case VGL_Q8_CONV:
      if (op->kernel == 1 && op->stride == 1 && op->pad == 0) {
        kernels->conv_1x1(in->channels, out->channels, (size_t)in->height * in->width, input,
                          zp, op->weight, op->bias, op->scale, &op->requant, op->gelu_table,
                          residual, output);
      } else {
        kernels->conv_kxk(in->channels, in->height, in->width, out->channels,
                                     out->height, out->width, op->kernel, op->stride, op->pad,
                                     input, zp, op->weight, op->bias, op->scale, &op->requant,
                                     op->gelu_table, residual, output);
      }
      break;
    case VGL_Q8_DWCONV:
      kernels->dwconv(in->channels, in->height, in->width, out->height,
                                     out->width, op->kernel, op->stride, op->pad, input, zp,
                                     op->weight, op->bias, op->scale, &op->requant,
                                     op->gelu_table, residual, output);
      break;
    case VGL_Q8_MRCONV:
      kernels->mrconv(in->channels, in->height, in->width, op->hop, input, zp,
                                 op->weight, op->bias, op->scale, &op->requant, op->gelu_table,
                                 residual, arena + (size_t)plan->scratch_offset, output);
      break;
    case VGL_Q8_GAP:
      vgl_qs8_gap_1x1__scalar(in->channels, (size_t)in->height * in->width, input, zp,
                              op->scale[0], &op->requant, output);
      break;
    default:
      VGL_DCHECK(!"op kind rejected by vgl_q8_plan_validate");
      break;
  }
}

vgl_status vgl_q8_run(const vgl_q8_plan *plan, void *arena, uint64_t arena_bytes,
                      const uint8_t *pixels, float *logits_out, vgl_q8_observer observer,
                      void *observer_context) {
  return vgl_q8_run_isa(plan, VGL_ISA_AUTO, arena, arena_bytes, pixels, logits_out, observer,
                        observer_context);
}

vgl_status vgl_q8_run_isa(const vgl_q8_plan *plan, vgl_isa isa, void *arena,
                          uint64_t arena_bytes, const uint8_t *pixels, float *logits_out,
                          vgl_q8_observer observer, void *observer_context) {
  vgl_isa path;
  const vgl_status resolved = vgl_isa_resolve(isa, &path, NULL, 0);
  if (resolved != VGL_OK) return resolved;
  vgl_qs8_kernels kernels;
  vgl_qs8_kernels_init(path, &kernels);
  if (plan == NULL || arena == NULL || pixels == NULL || logits_out == NULL ||
      plan->tensors == NULL || plan->ops == NULL || plan->op_count == 0) {
    return VGL_E_INVALID_ARGUMENT;
  }
  if (vgl_q8_arena_check(plan, arena_bytes, NULL, 0) != VGL_OK) return VGL_E_ARENA_SMALL;
  if ((uintptr_t)arena % VGL_Q8_ALIGNMENT != 0) return VGL_E_INVALID_ARGUMENT;
  VGL_DCHECK(plan->input_tensor < plan->tensor_count);
  VGL_DCHECK(plan->ops[plan->op_count - 1].kind == VGL_Q8_HEAD);

  uint8_t *bytes = arena;
  const vgl_q8_tensor *in = &plan->tensors[plan->input_tensor];
  // memmove: nothing forbids the caller from staging its pixels inside the arena.
  memmove(bytes + (size_t)in->offset, pixels,
          (size_t)in->channels * in->height * in->width);

  for (uint32_t index = 0; index < plan->op_count; index++) {
    const vgl_q8_op *op = &plan->ops[index];
    run_op(plan, &kernels, op, bytes, logits_out);
    if (observer != NULL) {
      if (op->kind == VGL_Q8_HEAD) {
        observer(observer_context, index, NULL, NULL);
      } else {
        const vgl_q8_tensor *out = &plan->tensors[op->output];
        observer(observer_context, index, out, tensor_data(bytes, out));
      }
    }
  }
  return VGL_OK;
}
