// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../kernels/qs8-kernels.h"
#include "pool.h"
#include "q8-execute.h"
#include "q8-plan.h"
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

static uint64_t align_up(uint64_t v) {
  return (v + VGL_Q8_ALIGNMENT - 1) / VGL_Q8_ALIGNMENT * VGL_Q8_ALIGNMENT;
}

static int8_t *tensor_data(uint8_t *arena, const vgl_q8_tensor *tensor) {
  return (int8_t *)(arena + (size_t)tensor->offset);
}

// One thread's share of an op: output rows [y0, y1) of the windowed kinds and the graph op,
// pixels in whole 4-pixel tiles of the 1x1 GEMM, all of the (tiny) pool and head on thread 0.
// The shares depend only on the op's shape and the thread count, and every output element is
// computed by the same code whoever computes it, so every thread count gives the same bits.
typedef struct run_context {
  const vgl_q8_plan *plan;
  const vgl_qs8_kernels *kernels;
  vgl_pool *pool;
  uint32_t threads;
  uint8_t *arena;
  float *logits;
  vgl_q8_observer observer;
  void *observer_context;
} run_context;

static void share(size_t n, uint32_t thread, uint32_t threads, size_t *begin, size_t *end) {
  *begin = n * thread / threads;
  *end = n * (thread + 1) / threads;
}

static void run_op(const run_context *r, const vgl_q8_op *op, uint32_t thread) {
  const vgl_q8_plan *plan = r->plan;
  const vgl_qs8_kernels *kernels = r->kernels;
  uint8_t *arena = r->arena;
  const vgl_q8_tensor *in = &plan->tensors[op->input];
  const int8_t *input = tensor_data(arena, in);
  const int32_t zp = in->zero_point;
  if (op->kind == VGL_Q8_HEAD) {
    if (thread == 0) {
      kernels->head(in->channels, op->classes, input, zp, op->weight, op->bias, op->scale,
                    r->logits);
    }
    return;
  }
  const vgl_q8_tensor *out = &plan->tensors[op->output];
  int8_t *output = tensor_data(arena, out);
  const int8_t *residual =
      op->residual == VGL_Q8_NO_TENSOR ? NULL : tensor_data(arena, &plan->tensors[op->residual]);
  size_t y0, y1;
  share(out->height, thread, r->threads, &y0, &y1);

  switch (op->kind) {
    case VGL_Q8_STEM:
      if (y0 == y1) break;
      kernels->stem(in->channels, in->height, in->width, out->channels, out->height,
                    out->width, op->kernel, op->stride, op->pad, (const uint8_t *)input,
                    op->input_zero_points, op->weight, op->bias, op->scale, &op->requant,
                    op->gelu_table, output, y0, y1);
      break;
    case VGL_Q8_CONV:
      if (op->kernel == 1 && op->stride == 1 && op->pad == 0) {
        const size_t pixels = (size_t)in->height * in->width;
        size_t t0, t1;
        share((pixels + 3) / 4, thread, r->threads, &t0, &t1);
        const size_t p0 = t0 * 4, p1 = t1 * 4 < pixels ? t1 * 4 : pixels;
        if (p0 >= p1) break;
        kernels->conv_1x1(in->channels, out->channels, p1 - p0, input + p0 * in->channels, zp,
                          op->weight, op->bias, op->scale, &op->requant, op->gelu_table,
                          residual != NULL ? residual + p0 * out->channels : NULL,
                          output + p0 * out->channels);
      } else if (y0 != y1) {
        kernels->conv_kxk(in->channels, in->height, in->width, out->channels, out->height,
                          out->width, op->kernel, op->stride, op->pad, input, zp, op->weight,
                          op->bias, op->scale, &op->requant, op->gelu_table, residual, output,
                          y0, y1);
      }
      break;
    case VGL_Q8_DWCONV:
      if (y0 == y1) break;
      kernels->dwconv(in->channels, in->height, in->width, out->height, out->width, op->kernel,
                      op->stride, op->pad, input, zp, op->weight, op->bias, op->scale,
                      &op->requant, op->gelu_table, residual, output, y0, y1);
      break;
    case VGL_Q8_MRCONV: {
      if (y0 == y1) break;
      // Thread 0 uses the plan's scratch; thread t > 0 its own copy after the plan's arena
      // (vgl_q8_plan_arena_bytes_threads).
      const uint64_t scratch =
          thread == 0 ? plan->scratch_offset
                      : align_up(plan->arena_bytes) + (thread - 1) * align_up(plan->scratch_bytes);
      kernels->mrconv(in->channels, in->height, in->width, op->hop, input, zp, op->weight,
                      op->bias, op->scale, &op->requant, op->gelu_table, residual,
                      arena + (size_t)scratch, output, y0, y1);
      break;
    }
    case VGL_Q8_GAP:
      if (thread != 0) break;
      vgl_qs8_gap_1x1__scalar(in->channels, (size_t)in->height * in->width, input, zp,
                              op->scale[0], &op->requant, output);
      break;
    default:
      VGL_DCHECK(!"op kind rejected by vgl_q8_plan_validate");
      break;
  }
}

// Every thread runs every op's share, then waits for the others (one job per inference).
static void run_job(void *context, uint32_t thread) {
  const run_context *r = context;
  vgl_fp_env env;
  vgl_fp_env_enter(&env);
  for (uint32_t index = 0; index < r->plan->op_count; index++) {
    const vgl_q8_op *op = &r->plan->ops[index];
    run_op(r, op, thread);
    vgl_pool_barrier(r->pool);
    if (r->observer != NULL) {
      if (thread == 0) {
        if (op->kind == VGL_Q8_HEAD) {
          r->observer(r->observer_context, index, NULL, NULL);
        } else {
          const vgl_q8_tensor *out = &r->plan->tensors[op->output];
          r->observer(r->observer_context, index, out, tensor_data(r->arena, out));
        }
      }
      vgl_pool_barrier(r->pool);
    }
  }
  vgl_fp_env_exit(&env);
}

uint64_t vgl_q8_plan_arena_bytes_threads(const vgl_q8_plan *plan, uint32_t threads) {
  if (plan == NULL || threads == 0) return 0;
  if (threads == 1) return plan->arena_bytes;
  return align_up(plan->arena_bytes) + (uint64_t)(threads - 1) * align_up(plan->scratch_bytes);
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
  return vgl_q8_execute(plan, &kernels, NULL, 1, arena, arena_bytes, pixels, logits_out,
                        observer, observer_context);
}

vgl_status vgl_q8_execute(const vgl_q8_plan *plan, const vgl_qs8_kernels *kernels,
                          vgl_pool *pool, uint32_t threads, void *arena, uint64_t arena_bytes,
                          const uint8_t *pixels, float *logits_out, vgl_q8_observer observer,
                          void *observer_context) {
  if (plan == NULL || arena == NULL || pixels == NULL || logits_out == NULL ||
      plan->tensors == NULL || plan->ops == NULL || plan->op_count == 0 || threads == 0 ||
      (threads > 1 && pool == NULL)) {
    return VGL_E_INVALID_ARGUMENT;
  }
  if (arena_bytes < vgl_q8_plan_arena_bytes_threads(plan, threads)) return VGL_E_ARENA_SMALL;
  if ((uintptr_t)arena % VGL_Q8_ALIGNMENT != 0) return VGL_E_INVALID_ARGUMENT;
  VGL_DCHECK(plan->input_tensor < plan->tensor_count);
  VGL_DCHECK(plan->ops[plan->op_count - 1].kind == VGL_Q8_HEAD);

  uint8_t *bytes = arena;
  const vgl_q8_tensor *in = &plan->tensors[plan->input_tensor];
  // memmove: nothing forbids the caller from staging its pixels inside the arena.
  memmove(bytes + (size_t)in->offset, pixels,
          (size_t)in->channels * in->height * in->width);
  run_context context = {plan, kernels, threads > 1 ? pool : NULL, threads, bytes, logits_out,
                         observer, observer_context};
  if (threads > 1) {
    vgl_pool_run(pool, run_job, &context);
  } else {
    run_job(&context, 0);
  }
  return VGL_OK;
}
