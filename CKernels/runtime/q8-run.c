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
// Fused blocks (vigil_q8.h) run band by band in each thread's scratch region; with an
// observer, every op runs whole instead, the band-local tensors placed after the threads'
// regions (vgl_q8_plan_arena_bytes_observed), so an observer sees every op's whole output.
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

static uint64_t align_up(uint64_t v) { return vgl_q8_align_up(v); }

static uint64_t tensor_bytes(const vgl_q8_tensor *tensor) {
  return (uint64_t)tensor->channels * tensor->height * tensor->width;
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
  uint64_t band_base;  // observed runs: where band-local tensors start (0 otherwise)
} run_context;

// Where op `index`'s tensor `id` lives: its region, or for a band-local tensor of an observed
// run, the unfused place after the threads' regions: a block's first intermediate at
// band_base, the inverted residual's second (the depthwise's output) after it.
static int8_t *tensor_at(const run_context *r, uint32_t index, uint32_t id) {
  const vgl_q8_plan *plan = r->plan;
  const vgl_q8_tensor *t = &plan->tensors[id];
  if (t->band == 0) return (int8_t *)(r->arena + (size_t)t->offset);
  VGL_DCHECK(r->band_base != 0);
  const vgl_q8_op *writer = plan->ops[index].output == id ? &plan->ops[index]
                                                           : &plan->ops[index - 1];
  uint64_t at = r->band_base;
  if (writer->kind == VGL_Q8_DWCONV) at += align_up(tensor_bytes(&plan->tensors[writer->input]));
  return (int8_t *)(r->arena + (size_t)at);
}

// Thread `thread`'s scratch: the plan's region for thread 0, for thread t > 0 its own copy
// after the plan's arena (vgl_q8_plan_arena_bytes_threads).
static uint8_t *thread_scratch(const run_context *r, uint32_t thread) {
  const vgl_q8_plan *plan = r->plan;
  const uint64_t at = thread == 0 ? plan->scratch_offset
                                  : align_up(plan->arena_bytes) +
                                        (thread - 1) * align_up(plan->scratch_bytes);
  return r->arena + (size_t)at;
}

static void share(size_t n, uint32_t thread, uint32_t threads, size_t *begin, size_t *end) {
  *begin = n * thread / threads;
  *end = n * (thread + 1) / threads;
}

static void run_op(const run_context *r, uint32_t index, uint32_t thread) {
  const vgl_q8_plan *plan = r->plan;
  const vgl_q8_op *op = &plan->ops[index];
  const vgl_qs8_kernels *kernels = r->kernels;
  const vgl_q8_tensor *in = &plan->tensors[op->input];
  const int8_t *input = tensor_at(r, index, op->input);
  const int32_t zp = in->zero_point;
  if (op->kind == VGL_Q8_HEAD) {
    if (thread == 0) {
      kernels->head(in->channels, op->classes, input, zp, op->weight, op->bias, op->scale,
                    r->logits);
    }
    return;
  }
  const vgl_q8_tensor *out = &plan->tensors[op->output];
  int8_t *output = tensor_at(r, index, op->output);
  const int8_t *residual =
      op->residual == VGL_Q8_NO_TENSOR ? NULL : tensor_at(r, index, op->residual);
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
      kernels->mrconv(in->channels, in->height, in->width, op->hop, input, zp, op->weight,
                      op->bias, op->scale, &op->requant, op->gelu_table, residual,
                      thread_scratch(r, thread), output, y0, y1);
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

// One 1x1 GEMM of an op on `pixels` pixels starting at pixel `first` of its input, output and
// residual, the input read from `input` (a band buffer or the input tensor's row `first`).
static void gemm(const run_context *r, const vgl_q8_op *op, const int8_t *input,
                 int8_t *output, const int8_t *residual, size_t first, size_t pixels) {
  const vgl_q8_tensor *in = &r->plan->tensors[op->input];
  const vgl_q8_tensor *out = &r->plan->tensors[op->output];
  r->kernels->conv_1x1(in->channels, out->channels, pixels, input, in->zero_point, op->weight,
                       op->bias, op->scale, &op->requant, op->gelu_table,
                       residual != NULL ? residual + first * out->channels : NULL,
                       output + first * out->channels);
}

// The FFN block at op `index` (expand, project): this thread's share of the band-pixel tiles,
// each expanded into the thread's scratch and projected at once.
static void run_ffn(const run_context *r, uint32_t index, uint32_t thread) {
  const vgl_q8_plan *plan = r->plan;
  const vgl_q8_op *expand = &plan->ops[index], *project = &plan->ops[index + 1];
  const vgl_q8_tensor *x = &plan->tensors[expand->input];
  const vgl_q8_tensor *t1 = &plan->tensors[expand->output];
  const int8_t *input = tensor_at(r, index, expand->input);
  const int8_t *residual =
      project->residual == VGL_Q8_NO_TENSOR ? NULL : tensor_at(r, index + 1, project->residual);
  int8_t *output = tensor_at(r, index + 1, project->output);
  int8_t *buffer = (int8_t *)thread_scratch(r, thread);
  const size_t pixels = (size_t)x->height * x->width, tile = t1->band;
  size_t t0, t1_end;
  share((pixels + tile - 1) / tile, thread, r->threads, &t0, &t1_end);
  for (size_t t = t0; t < t1_end; t++) {
    const size_t p0 = t * tile, n = pixels - p0 < tile ? pixels - p0 : tile;
    r->kernels->conv_1x1(x->channels, t1->channels, n, input + p0 * x->channels, x->zero_point,
                         expand->weight, expand->bias, expand->scale, &expand->requant,
                         expand->gelu_table, NULL, buffer);
    gemm(r, project, buffer, output, residual, p0, n);
  }
}

// The inverted-residual block at op `index` (expand, depthwise, project): this thread's share
// of the bands of `band` output rows, in order. Band [r0, r1) needs the expanded rows
// [r0 - pad, r1 + pad) (clipped to the map); the 2 * pad rows it shares with the previous band
// of the same thread are kept (moved to the buffer's start) rather than recomputed, so only a
// thread's first band expands halo rows twice. The depthwise runs on the held rows as a map of
// their own (rows past the map's edges are its zero padding, as in the whole map) and writes
// their local rows [r0 - first, r1 - first): its output pointer is set r0 - first (<= pad) rows
// before the band's buffer, inside the expanded rows that precede it, so the band's rows land
// at the buffer's start and the buffer needs only `band` rows. The projection reads those.
static void run_inverted_residual(const run_context *r, uint32_t index, uint32_t thread) {
  const vgl_q8_plan *plan = r->plan;
  const vgl_q8_op *expand = &plan->ops[index], *dw = &plan->ops[index + 1],
                  *project = &plan->ops[index + 2];
  const vgl_q8_tensor *x = &plan->tensors[expand->input];
  const vgl_q8_tensor *t1 = &plan->tensors[expand->output];
  const int8_t *input = tensor_at(r, index, expand->input);
  const int8_t *residual =
      project->residual == VGL_Q8_NO_TENSOR ? NULL : tensor_at(r, index + 2, project->residual);
  int8_t *output = tensor_at(r, index + 2, project->output);
  const size_t height = x->height, width = x->width, band = t1->band, pad = dw->pad;
  const size_t row = width * t1->channels;
  int8_t *expanded = (int8_t *)thread_scratch(r, thread);
  int8_t *dw_out = expanded + (size_t)align_up((uint64_t)(band + 2 * pad) * row);
  size_t b0, b1;
  share((height + band - 1) / band, thread, r->threads, &b0, &b1);
  size_t held_first = 0, held_end = 0;  // map rows in `expanded`, from its start
  for (size_t b = b0; b < b1; b++) {
    const size_t r0 = b * band, r1 = r0 + band < height ? r0 + band : height;
    const size_t first = r0 > pad ? r0 - pad : 0;
    const size_t end = r1 + pad < height ? r1 + pad : height;
    size_t fresh = first;
    if (held_end > first && held_first <= first) {
      memmove(expanded, expanded + (first - held_first) * row, (held_end - first) * row);
      fresh = held_end;
    }
    if (end > fresh) {
      r->kernels->conv_1x1(x->channels, t1->channels, (end - fresh) * width,
                           input + fresh * width * x->channels, x->zero_point, expand->weight,
                           expand->bias, expand->scale, &expand->requant, expand->gelu_table,
                           NULL, expanded + (fresh - first) * row);
    }
    held_first = first;
    held_end = end;
    r->kernels->dwconv(t1->channels, end - first, width, end - first, width, dw->kernel, 1, pad,
                       expanded, t1->zero_point, dw->weight, dw->bias, dw->scale, &dw->requant,
                       dw->gelu_table, NULL, dw_out - (r0 - first) * row, r0 - first, r1 - first);
    gemm(r, project, dw_out, output, residual, r0 * width, (r1 - r0) * width);
  }
}

static void report(const run_context *r, uint32_t index) {
  const vgl_q8_op *op = &r->plan->ops[index];
  if (op->kind == VGL_Q8_HEAD) {
    r->observer(r->observer_context, index, NULL, NULL);
  } else {
    r->observer(r->observer_context, index, &r->plan->tensors[op->output],
                tensor_at(r, index, op->output));
  }
}

// Every thread runs every op's (or fused block's) share, then waits for the others (one job
// per inference).
static void run_job(void *context, uint32_t thread) {
  const run_context *r = context;
  vgl_fp_env env;
  vgl_fp_env_enter(&env);
  for (uint32_t index = 0; index < r->plan->op_count;) {
    const uint32_t length = r->observer != NULL ? 1 : vgl_q8_block_length(r->plan, index);
    if (length == 3) {
      run_inverted_residual(r, index, thread);
    } else if (length == 2) {
      run_ffn(r, index, thread);
    } else {
      run_op(r, index, thread);
    }
    vgl_pool_barrier(r->pool);
    if (r->observer != NULL) {
      if (thread == 0) report(r, index);
      vgl_pool_barrier(r->pool);
    }
    index += length;
  }
  vgl_fp_env_exit(&env);
}

uint64_t vgl_q8_plan_arena_bytes_threads(const vgl_q8_plan *plan, uint32_t threads) {
  if (plan == NULL || threads == 0) return 0;
  if (threads == 1) return plan->arena_bytes;
  return align_up(plan->arena_bytes) + (uint64_t)(threads - 1) * align_up(plan->scratch_bytes);
}

// The largest fused block's band-local tensors, whole and aligned (0 without blocks).
static uint64_t band_tensor_bytes(const vgl_q8_plan *plan) {
  uint64_t largest = 0;
  for (uint32_t index = 0; index < plan->op_count; index++) {
    const uint32_t length = vgl_q8_block_length(plan, index);
    if (length == 1) continue;
    uint64_t bytes = align_up(tensor_bytes(&plan->tensors[plan->ops[index].output]));
    if (length == 3) {
      bytes = vgl_q8_add_sat(bytes, align_up(tensor_bytes(&plan->tensors[plan->ops[index + 1].output])));
    }
    if (bytes > largest) largest = bytes;
    index += length - 1;
  }
  return largest;
}

uint64_t vgl_q8_plan_arena_bytes_observed(const vgl_q8_plan *plan, uint32_t threads) {
  const uint64_t base = vgl_q8_plan_arena_bytes_threads(plan, threads);
  if (base == 0) return 0;
  const uint64_t bands = band_tensor_bytes(plan);
  return bands == 0 ? base : vgl_q8_add_sat(align_up(base), bands);
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
  const uint64_t needed = observer != NULL ? vgl_q8_plan_arena_bytes_observed(plan, threads)
                                           : vgl_q8_plan_arena_bytes_threads(plan, threads);
  if (arena_bytes < needed) return VGL_E_ARENA_SMALL;
  if ((uintptr_t)arena % VGL_Q8_ALIGNMENT != 0) return VGL_E_INVALID_ARGUMENT;
  VGL_DCHECK(plan->input_tensor < plan->tensor_count);
  VGL_DCHECK(plan->ops[plan->op_count - 1].kind == VGL_Q8_HEAD);

  uint8_t *bytes = arena;
  const vgl_q8_tensor *in = &plan->tensors[plan->input_tensor];
  // memmove: nothing forbids the caller from staging its pixels inside the arena.
  memmove(bytes + (size_t)in->offset, pixels,
          (size_t)in->channels * in->height * in->width);
  run_context context = {plan, kernels, threads > 1 ? pool : NULL, threads, bytes, logits_out,
                         observer, observer_context, 0};
  if (observer != NULL && band_tensor_bytes(plan) != 0) {
    context.band_base = align_up(vgl_q8_plan_arena_bytes_threads(plan, threads));
  }
  if (threads > 1) {
    vgl_pool_run(pool, run_job, &context);
  } else {
    run_job(&context, 0);
  }
  return VGL_OK;
}
