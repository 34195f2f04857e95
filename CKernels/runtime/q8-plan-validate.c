// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "../kernels/qs8-kernels.h"
#include "q8-execute.h"
#include "q8-plan.h"
#include "runtime-internal.h"
#include "vigil_q8.h"

// Validation of an int8 plan: the boundary where untrusted numbers are checked once, so that
// vgl_q8_run and the kernels can rely on them (they only VGL_DCHECK). Checked, in order:
//
//   1. the plan's pointers and counts (VGL_E_INVALID_ARGUMENT when NULL or zero);
//   2. arena_bytes is addressable on this platform;
//   3. every tensor: non-zero dimensions, C*H*W without overflow, offset aligned to
//      VGL_Q8_ALIGNMENT, offset + size <= arena_bytes; for int8 tensors (all but the plan's
//      input) a finite positive scale and a zero point in [-128, 127];
//   4. the input tensor id, and the scratch region (aligned, inside the arena, overlapping no
//      tensor);
//   5. every op: kind, ids, the input-tensor rule (the STEM reads the uint8 input, no other op
//      touches it), the shape its parameters imply, the requant params (as their init makes
//      them, zero point = the output's unless there is a GELU table), residual shape and
//      params, weights in [-127, 127], scales finite and > 0, and the int32 bound of its
//      reduction: terms * 255 * 127 + max |bias| <= INT32_MAX; outputs overlapping neither
//      input nor residual; the HEAD is the last op and the only one.
//
//   6. every tensor an op reads (input, residual) was written by an earlier op (the STEM reads
//      the caller's pixels): no op reads arena bytes that no op of this run wrote, so the
//      result never depends on what the arena held before.
//   7. fused blocks (vigil_q8.h): every band-local tensor (band != 0, offset 0, no region) is
//      an intermediate of one inverted-residual or FFN pattern, written and read inside it
//      only; the block's output disjoint from its input; the band within the map; the band
//      scratch within scratch_bytes. Band-local tensors take no part in the region checks.
//
// Not checked: that tensors sharing storage have disjoint lifetimes: the planner's promise,
// whose breach gives wrong (but deterministic) numbers, never an out-of-bounds access.

enum {
  kMaxKernel = 7,
  kMaxStride = 2,
  kMaxTerm = 255 * 127,  // largest |w * (x - zp)|
};
#define MAX_POOL_PIXELS (UINT64_C(1) << 23)  // 2^23 * 255 < 2^31

static uint64_t tensor_bytes(const vgl_q8_tensor *tensor) {
  return (uint64_t)tensor->channels * tensor->height * tensor->width;
}

static bool regions_overlap(uint64_t a, uint64_t a_bytes, uint64_t b, uint64_t b_bytes) {
  return a < b + b_bytes && b < a + a_bytes;
}

// Band-local tensors have no region, so they overlap nothing.
static bool tensors_overlap(const vgl_q8_tensor *a, const vgl_q8_tensor *b) {
  if (a->band != 0 || b->band != 0) return false;
  return regions_overlap(a->offset, tensor_bytes(a), b->offset, tensor_bytes(b));
}

static bool scale_ok(float scale) { return scale > 0.0f && isfinite(scale); }

// A short-lived context so that each check reads as one line.
typedef struct checker {
  const vgl_q8_plan *plan;
  uint32_t index;
  const char *name;
  char *message;
  size_t capacity;
} checker;

#define OP_FAIL(c, format, ...)                                                         \
  vgl_fail(VGL_E_BAD_PLAN, (c)->message, (c)->capacity, "op %" PRIu32 " (%s): " format, \
           (c)->index, (c)->name, __VA_ARGS__)

static vgl_status check_window(const checker *c, const vgl_q8_op *op, const vgl_q8_tensor *in,
                               const vgl_q8_tensor *out, bool depthwise) {
  if (op->kernel == 0 || op->kernel > kMaxKernel || op->kernel % 2 == 0) {
    return OP_FAIL(c, "kernel %" PRIu32 " is not an odd size in 1..%d", op->kernel, kMaxKernel);
  }
  if (op->stride == 0 || op->stride > kMaxStride) {
    return OP_FAIL(c, "stride %" PRIu32 " is not in 1..%d", op->stride, kMaxStride);
  }
  if (op->pad >= op->kernel) {
    return OP_FAIL(c, "pad %" PRIu32 " is not below kernel %" PRIu32, op->pad, op->kernel);
  }
  if (depthwise && in->channels != out->channels) {
    return OP_FAIL(c, "input has %" PRIu32 " channels but output %" PRIu32
                      " (depthwise keeps the count)",
                   in->channels, out->channels);
  }
  const uint64_t want_h = vgl_conv_extent(in->height, op->kernel, op->stride, op->pad);
  const uint64_t want_w = vgl_conv_extent(in->width, op->kernel, op->stride, op->pad);
  if (want_h == 0 || want_w == 0 || want_h != out->height || want_w != out->width) {
    return OP_FAIL(c, "output tensor %" PRIu32 " is %" PRIu32 "x%" PRIu32 "x%" PRIu32
                      " but input %" PRIu32 "x%" PRIu32 "x%" PRIu32 " with kernel %" PRIu32
                      " stride %" PRIu32 " pad %" PRIu32 " gives %" PRIu32 "x%" PRIu64 "x%" PRIu64,
                   op->output, out->channels, out->height, out->width, in->channels, in->height,
                   in->width, op->kernel, op->stride, op->pad, out->channels, want_h, want_w);
  }
  return VGL_OK;
}

static vgl_status check_requant(const checker *c, const vgl_q8_op *op, const vgl_q8_tensor *out,
                                const vgl_q8_tensor *res) {
  const vgl_qs8_requant_params *p = &op->requant;
  vgl_qs8_requant_params want;
  if (vgl_qs8_requant_params_init_residual(p->zero_point, p->qmin, p->qmax,
                                           p->residual_zero_point, p->residual_scale,
                                           &want) != VGL_OK) {
    return OP_FAIL(c, "requant params out of range: zero point %" PRId32 ", clamp [%" PRId32
                      ", %" PRId32 "], residual zero point %" PRId32 ", residual scale %g"
                      " (need zero points in [-128, 127], -128 <= qmin <= qmax <= 127,"
                      " residual scale in (0, %g])",
                   p->zero_point, p->qmin, p->qmax, p->residual_zero_point,
                   (double)p->residual_scale, (double)VGL_QS8_MAX_RESIDUAL_SCALE);
  }
  if (want.min_less_zero_point != p->min_less_zero_point ||
      want.max_less_zero_point != p->max_less_zero_point) {
    return OP_FAIL(c, "requant params hold [%g, %g] for qmin - zp and qmax - zp, init gives "
                      "[%g, %g]: fill them with vgl_qs8_requant_params_init",
                   (double)p->min_less_zero_point, (double)p->max_less_zero_point,
                   (double)want.min_less_zero_point, (double)want.max_less_zero_point);
  }
  if (op->gelu_table == NULL && out != NULL && p->zero_point != out->zero_point) {
    return OP_FAIL(c, "requant zero point %" PRId32 " differs from output tensor %" PRIu32
                      "'s zero point %" PRId32,
                   p->zero_point, op->output, out->zero_point);
  }
  if (res != NULL && p->residual_zero_point != res->zero_point) {
    return OP_FAIL(c, "requant residual zero point %" PRId32 " differs from residual tensor %"
                      PRIu32 "'s zero point %" PRId32,
                   p->residual_zero_point, op->residual, res->zero_point);
  }
  return VGL_OK;
}

// Weights in [-127, 127], scales finite and > 0, and terms * 32385 + |bias| <= INT32_MAX.
// `taps` x `channels` is the reduction of one row. Packed kinds (STEM, CONV, MRCONV, HEAD;
// vigil_q8.h "packed weights") also need zero padding bytes and the weight sums after the
// biases equal to the ones the weights give; DWCONV's [k][k][C] is plain (rows * taps bytes).
static vgl_status check_arrays(const checker *c, const vgl_q8_op *op, uint64_t rows,
                               uint64_t taps, uint64_t channels) {
  if (op->weight == NULL || op->bias == NULL || op->scale == NULL) {
    return OP_FAIL(c, "%s pointer is NULL",
                   op->weight == NULL ? "weight" : op->bias == NULL ? "bias" : "scale");
  }
  const bool packed = op->kind != VGL_Q8_DWCONV;
  const uint64_t terms = taps * channels;  // taps, channels < 2^32 each
  const uint64_t weight_bytes =
      packed ? vgl_q8_packed_weight_bytes(rows, taps, channels) : rows * terms;
  if (weight_bytes == UINT64_MAX || weight_bytes > SIZE_MAX) {
    return OP_FAIL(c, "weight of %" PRIu64 " rows x %" PRIu64 " terms exceeds this platform's %zu",
                   rows, terms, (size_t)SIZE_MAX);
  }
  const uint64_t reduction_bound = terms * (uint64_t)kMaxTerm;
  if (reduction_bound > (uint64_t)INT32_MAX) {
    return OP_FAIL(c, "reduction of %" PRIu64 " terms can reach %" PRIu64
                      " (255 * 127 each), beyond INT32_MAX %" PRId32,
                   terms, reduction_bound, INT32_MAX);
  }
  if (!packed) {
    for (size_t i = 0; i < (size_t)weight_bytes; i++) {
      if (op->weight[i] == INT8_MIN) {
        return OP_FAIL(c, "weight %zu is -128; weights are symmetric in [-127, 127]", i);
      }
    }
  } else {
    // Every byte, by its (row, k) in the packed order: real weights in [-127, 127], padding 0.
    const size_t tap_stride = (size_t)(channels + 3) / 4 * 4;
    const size_t depth = (size_t)taps * tap_stride;
    for (size_t i = 0; i < (size_t)weight_bytes; i++) {
      const size_t row = i / (depth * 16) * 16 + i % 64 / 4;
      const size_t k = i / 64 % (depth / 4) * 4 + i % 4;
      const bool padding = row >= rows || k % tap_stride >= channels;
      if (padding && op->weight[i] != 0) {
        return OP_FAIL(c, "packed weight byte %zu (row %zu, reduction index %zu) is padding "
                          "but holds %d; padding must be zero",
                       i, row, k, op->weight[i]);
      }
      if (!padding && op->weight[i] == INT8_MIN) {
        return OP_FAIL(c, "weight %zu (row %zu, reduction index %zu) is -128; weights are "
                          "symmetric in [-127, 127]",
                       i, row, k);
      }
    }
  }
  for (size_t row = 0; row < (size_t)rows; row++) {
    const int64_t bias = op->bias[row];
    const uint64_t magnitude = (uint64_t)(bias < 0 ? -bias : bias);
    if (magnitude > (uint64_t)INT32_MAX - reduction_bound) {
      return OP_FAIL(c, "bias[%zu] = %" PRId64 " plus %" PRIu64 " terms (up to %" PRIu64
                        ") can overflow int32 (limit %" PRIu64 ")",
                     row, bias, terms, reduction_bound, (uint64_t)INT32_MAX - reduction_bound);
    }
    if (!scale_ok(op->scale[row])) {
      return OP_FAIL(c, "scale[%zu] = %g is not finite and > 0", row, (double)op->scale[row]);
    }
    if (!packed) continue;
    const size_t tap_stride = (size_t)(channels + 3) / 4 * 4;
    const size_t depth = (size_t)taps * tap_stride;
    int64_t sum = 0;
    for (size_t tap = 0; tap < (size_t)taps; tap++) {
      if (op->kind == VGL_Q8_MRCONV && tap != 0) break;  // the x half only
      for (size_t channel = 0; channel < (size_t)channels; channel++) {
        const int8_t w = op->weight[vgl_qs8_packed_index(row, tap * tap_stride + channel, depth)];
        sum += op->kind == VGL_Q8_STEM ? (int64_t)w * op->input_zero_points[channel] : w;
      }
    }
    if (op->bias[rows + row] != sum) {
      return OP_FAIL(c, "weight sum[%zu] = %" PRId32 " but the weights sum to %" PRId64
                        " (re-run vigil quantize)",
                     row, op->bias[rows + row], sum);
    }
  }
  return VGL_OK;
}

static vgl_status check_id(const checker *c, const char *role, uint32_t id) {
  if (id >= c->plan->tensor_count) {
    return OP_FAIL(c, "%s tensor id %" PRIu32 " is not below tensor count %" PRIu32, role, id,
                   c->plan->tensor_count);
  }
  return VGL_OK;
}

static vgl_status validate_op(const vgl_q8_plan *plan, uint32_t index, char *message,
                              size_t capacity) {
  const vgl_q8_op *op = &plan->ops[index];
  const checker context = {plan, index, vgl_q8_kind_name(op->kind), message, capacity};
  const checker *c = &context;
  if (op->kind < VGL_Q8_STEM || op->kind > VGL_Q8_HEAD) {
    return vgl_fail(VGL_E_BAD_PLAN, message, capacity,
                    "op %" PRIu32 ": unknown kind %" PRIu32
                    " (stem 1, conv 2, dwconv 3, mrconv 4, gap 5, head 6)",
                    index, op->kind);
  }
  const bool head = op->kind == VGL_Q8_HEAD;
  if (head != (index + 1 == plan->op_count)) {
    return head ? OP_FAIL(c, "the head must be the last op, of %" PRIu32, plan->op_count)
                : OP_FAIL(c, "the last op must be the head, of %" PRIu32 " ops", plan->op_count);
  }
  vgl_status status = check_id(c, "input", op->input);
  if (status != VGL_OK) return status;
  if (head) {
    if (op->output != VGL_Q8_NO_TENSOR) {
      return OP_FAIL(c, "output tensor id %" PRIu32 " must be VGL_Q8_NO_TENSOR (%" PRIu32
                        "): logits go to the caller",
                     op->output, VGL_Q8_NO_TENSOR);
    }
  } else if ((status = check_id(c, "output", op->output)) != VGL_OK) {
    return status;
  }
  if (op->residual != VGL_Q8_NO_TENSOR) {
    if ((status = check_id(c, "residual", op->residual)) != VGL_OK) return status;
    if (op->kind != VGL_Q8_CONV && op->kind != VGL_Q8_DWCONV && op->kind != VGL_Q8_MRCONV) {
      return OP_FAIL(c, "has residual tensor %" PRIu32 "; only conv, dwconv and mrconv fuse one",
                     op->residual);
    }
    if (op->gelu_table != NULL) {
      return OP_FAIL(c, "has both a GELU table and residual tensor %" PRIu32, op->residual);
    }
  }
  if (op->gelu_table != NULL && (op->kind == VGL_Q8_GAP || head)) {
    return OP_FAIL(c, "has a GELU table (kind %" PRIu32 " takes none)", op->kind);
  }
  // The uint8 input: read by the STEM, by nothing else, written by nobody.
  const uint32_t pixels_id = plan->input_tensor;
  if ((op->kind == VGL_Q8_STEM) != (op->input == pixels_id)) {
    return OP_FAIL(c, "input tensor %" PRIu32 " with the plan's uint8 input tensor %" PRIu32
                      ": the stem, and only the stem, reads it",
                   op->input, pixels_id);
  }
  if (op->output == pixels_id || op->residual == pixels_id) {
    return OP_FAIL(c, "writes or adds the plan's uint8 input tensor %" PRIu32, pixels_id);
  }
  // Read after write: what an op reads was produced earlier in this run.
  const uint32_t reads[2] = {op->input, op->residual};
  const char *read_roles[2] = {"input", "residual"};
  for (int role = 0; role < 2; role++) {
    if (reads[role] == VGL_Q8_NO_TENSOR) continue;
    if (role == 0 && op->kind == VGL_Q8_STEM) continue;  // the caller's pixels
    bool written = false;
    for (uint32_t earlier = 0; earlier < index && !written; earlier++) {
      written = plan->ops[earlier].output == reads[role];
    }
    if (!written) {
      return OP_FAIL(c, "reads %s tensor %" PRIu32 " before any op writes it", read_roles[role],
                     reads[role]);
    }
  }


  const vgl_q8_tensor *in = &plan->tensors[op->input];
  const vgl_q8_tensor *out = head ? NULL : &plan->tensors[op->output];
  const vgl_q8_tensor *res =
      op->residual == VGL_Q8_NO_TENSOR ? NULL : &plan->tensors[op->residual];

  switch (op->kind) {
    case VGL_Q8_STEM:
    case VGL_Q8_CONV: {
      if ((status = check_window(c, op, in, out, false)) != VGL_OK) return status;
      if (op->kind == VGL_Q8_STEM && op->input_zero_points == NULL) {
        return OP_FAIL(c, "input zero points pointer is NULL (%" PRIu32 " channels)",
                       in->channels);
      }
      status = check_arrays(c, op, out->channels, (uint64_t)op->kernel * op->kernel,
                            in->channels);
      break;
    }
    case VGL_Q8_DWCONV:
      if ((status = check_window(c, op, in, out, true)) != VGL_OK) return status;
      // weight [k][k][C]: checked as C rows of k*k (same bytes), k*k terms each.
      status = check_arrays(c, op, out->channels, (uint64_t)op->kernel * op->kernel, 1);
      break;
    case VGL_Q8_MRCONV:
      if (in->channels != out->channels || in->height != out->height ||
          in->width != out->width) {
        return OP_FAIL(c, "output tensor %" PRIu32 " is %" PRIu32 "x%" PRIu32 "x%" PRIu32
                          " but must equal input tensor %" PRIu32 ", %" PRIu32 "x%" PRIu32
                          "x%" PRIu32,
                       op->output, out->channels, out->height, out->width, op->input,
                       in->channels, in->height, in->width);
      }
      if (in->channels > plan->scratch_bytes) {
        return OP_FAIL(c, "needs %" PRIu32 " scratch bytes for xj, the plan has %" PRIu64,
                       in->channels, plan->scratch_bytes);
      }
      status = check_arrays(c, op, out->channels, 2, in->channels);
      break;
    case VGL_Q8_GAP: {
      const uint64_t pixels = (uint64_t)in->height * in->width;
      if (out->channels != in->channels || out->height != 1 || out->width != 1) {
        return OP_FAIL(c, "output tensor %" PRIu32 " is %" PRIu32 "x%" PRIu32 "x%" PRIu32
                          " but input %" PRIu32 "x%" PRIu32 "x%" PRIu32 " pools to %" PRIu32
                          "x1x1",
                       op->output, out->channels, out->height, out->width, in->channels,
                       in->height, in->width, in->channels);
      }
      if (pixels > MAX_POOL_PIXELS) {
        return OP_FAIL(c, "pools %" PRIu64 " pixels, more than %" PRIu64
                          " (255 per pixel must stay below 2^31)",
                       pixels, MAX_POOL_PIXELS);
      }
      if (op->scale == NULL) return OP_FAIL(c, "scale pointer is NULL (%d value)", 1);
      if (!scale_ok(op->scale[0])) {
        return OP_FAIL(c, "scale[0] = %g is not finite and > 0", (double)op->scale[0]);
      }
      break;
    }
    case VGL_Q8_HEAD:
      if (in->height != 1 || in->width != 1) {
        return OP_FAIL(c, "input tensor %" PRIu32 " is %" PRIu32 "x%" PRIu32 "x%" PRIu32
                          ", the head takes C x 1 x 1",
                       op->input, in->channels, in->height, in->width);
      }
      if (op->classes == 0) return OP_FAIL(c, "classes is %" PRIu32, op->classes);
      status = check_arrays(c, op, op->classes, 1, in->channels);
      break;
  }
  if (status != VGL_OK) return status;
  if (head) return VGL_OK;

  if (res != NULL && (res->channels != out->channels || res->height != out->height ||
                      res->width != out->width)) {
    return OP_FAIL(c, "residual tensor %" PRIu32 " is %" PRIu32 "x%" PRIu32 "x%" PRIu32
                      " but output tensor %" PRIu32 " is %" PRIu32 "x%" PRIu32 "x%" PRIu32,
                   op->residual, res->channels, res->height, res->width, op->output,
                   out->channels, out->height, out->width);
  }
  if ((status = check_requant(c, op, out, res)) != VGL_OK) return status;
  if (res != NULL) {
    if (tensors_overlap(out, res)) {
      return OP_FAIL(c, "output tensor %" PRIu32 " [%" PRIu64 ", %" PRIu64
                        ") overlaps residual tensor %" PRIu32 " [%" PRIu64 ", %" PRIu64 ")",
                     op->output, out->offset, out->offset + tensor_bytes(out), op->residual,
                     res->offset, res->offset + tensor_bytes(res));
    }
  }
  if (tensors_overlap(out, in)) {
    return OP_FAIL(c, "output tensor %" PRIu32 " [%" PRIu64 ", %" PRIu64
                      ") overlaps input tensor %" PRIu32 " [%" PRIu64 ", %" PRIu64 ")",
                   op->output, out->offset, out->offset + tensor_bytes(out), op->input,
                   in->offset, in->offset + tensor_bytes(in));
  }
  return VGL_OK;
}

static vgl_status validate_tensor(const vgl_q8_plan *plan, uint32_t id, char *message,
                                  size_t capacity) {
  const vgl_q8_tensor *t = &plan->tensors[id];
  uint64_t bytes = 0;
  const vgl_status shape = vgl_check_tensor_shape(id, t->channels, t->height, t->width, "byte",
                                                  &bytes, message, capacity);
  if (shape != VGL_OK) return shape;
  if (t->band != 0) {
    if (id == plan->input_tensor || t->offset != 0) {
      return vgl_fail(VGL_E_BAD_PLAN, message, capacity,
                      "tensor %" PRIu32 " is band-local (band %" PRIu32 ") but %s", id, t->band,
                      id == plan->input_tensor ? "is the plan's input"
                                               : "has a nonzero offset (it has no region)");
    }
  } else if (t->offset % VGL_Q8_ALIGNMENT != 0) {
    return vgl_fail(VGL_E_BAD_PLAN, message, capacity,
                    "tensor %" PRIu32 " offset %" PRIu64 " is not a multiple of %u (remainder %"
                    PRIu64 ")",
                    id, t->offset, VGL_Q8_ALIGNMENT, t->offset % VGL_Q8_ALIGNMENT);
  }
  if (t->band == 0 && (t->offset > plan->arena_bytes || bytes > plan->arena_bytes - t->offset)) {
    return vgl_fail(VGL_E_BAD_PLAN, message, capacity,
                    "tensor %" PRIu32 " (%" PRIu32 "x%" PRIu32 "x%" PRIu32 ", %" PRIu64
                    " B at offset %" PRIu64 ") ends past the arena of %" PRIu64 " B",
                    id, t->channels, t->height, t->width, bytes, t->offset, plan->arena_bytes);
  }
  if (id == plan->input_tensor) return VGL_OK;  // uint8 pixels: no scale, no zero point
  if (!scale_ok(t->scale)) {
    return vgl_fail(VGL_E_BAD_PLAN, message, capacity,
                    "tensor %" PRIu32 " scale %g is not finite and > 0", id, (double)t->scale);
  }
  if (t->zero_point < -128 || t->zero_point > 127) {
    return vgl_fail(VGL_E_BAD_PLAN, message, capacity,
                    "tensor %" PRIu32 " zero point %" PRId32 " is outside [-128, 127]", id,
                    t->zero_point);
  }
  return VGL_OK;
}

static bool band_local(const vgl_q8_plan *plan, uint32_t id) {
  return id != VGL_Q8_NO_TENSOR && plan->tensors[id].band != 0;
}

static bool is_gemm(const vgl_q8_op *op) {
  return op->kind == VGL_Q8_CONV && op->kernel == 1 && op->stride == 1 && op->pad == 0;
}

#define BLOCK_FAIL(index, format, ...)                                                        \
  vgl_fail(VGL_E_BAD_PLAN, message, capacity, "fused block at op %" PRIu32 ": " format, index, \
           __VA_ARGS__)

// The fused block whose first op is `index` (its output is band-local), vgl_q8_block_length
// ops long; after validate_op has passed every op.
static vgl_status check_block(const vgl_q8_plan *plan, uint32_t index, uint32_t length,
                              char *message, size_t capacity) {
  const vgl_q8_op *expand = &plan->ops[index];
  const vgl_q8_op *last = &plan->ops[index + length - 1];
  const vgl_q8_tensor *x = &plan->tensors[expand->input];
  const vgl_q8_tensor *t1 = &plan->tensors[expand->output];
  if (length == 1 || !is_gemm(expand) || expand->residual != VGL_Q8_NO_TENSOR ||
      band_local(plan, expand->input)) {
    return BLOCK_FAIL(index, "band-local tensor %" PRIu32 " must be the output of a 1x1 conv "
                      "(stride 1, no padding, no residual) on a whole tensor that starts an "
                      "inverted-residual or FFN block",
                      expand->output);
  }
  const vgl_q8_op *middle = &plan->ops[index + 1];
  if (middle->input != expand->output) {
    return BLOCK_FAIL(index, "op %" PRIu32 " must read band-local tensor %" PRIu32,
                      index + 1, expand->output);
  }
  if (length == 3) {
    if (middle->stride != 1 || middle->pad * 2 + 1 != middle->kernel ||
        middle->residual != VGL_Q8_NO_TENSOR || !band_local(plan, middle->output) ||
        middle->output == middle->input ||
        plan->tensors[middle->output].band != t1->band) {
      return BLOCK_FAIL(index, "the depthwise op %" PRIu32 " needs stride 1, pad (kernel - 1) "
                        "/ 2, no residual and a band-local output of its own with band %" PRIu32,
                        index + 1, t1->band);
    }
    if (!is_gemm(last) || last->input != middle->output) {
      return BLOCK_FAIL(index, "op %" PRIu32 " must be a 1x1 conv reading tensor %" PRIu32,
                        index + 2, middle->output);
    }
    if (t1->band > x->height) {
      return BLOCK_FAIL(index, "band of %" PRIu32 " rows is outside 1..%" PRIu32 " (the map's "
                        "height)", t1->band, x->height);
    }
  } else {
    if (!is_gemm(last)) {
      return BLOCK_FAIL(index, "op %" PRIu32 " must be a 1x1 conv (stride 1, no padding)",
                        index + 1);
    }
    if ((uint64_t)t1->band > (uint64_t)x->height * x->width) {
      return BLOCK_FAIL(index, "tile of %" PRIu32 " pixels is outside 1..%" PRIu64 " (the map's "
                        "pixels)", t1->band, (uint64_t)x->height * x->width);
    }
  }
  if (band_local(plan, last->output) || band_local(plan, last->residual)) {
    return BLOCK_FAIL(index, "its last op %" PRIu32 " writes or adds a band-local tensor",
                      index + length - 1);
  }
  const vgl_q8_tensor *y = &plan->tensors[last->output];
  if (tensors_overlap(y, x)) {
    return BLOCK_FAIL(index, "output tensor %" PRIu32 " [%" PRIu64 ", %" PRIu64 ") overlaps "
                      "the block's input tensor %" PRIu32 " [%" PRIu64 ", %" PRIu64 ")",
                      last->output, y->offset, y->offset + tensor_bytes(y), expand->input,
                      x->offset, x->offset + tensor_bytes(x));
  }
  const uint64_t scratch = vgl_q8_block_scratch_bytes(plan, index, length);
  if (scratch > plan->scratch_bytes) {
    return BLOCK_FAIL(index, "needs %" PRIu64 " band scratch bytes (band %" PRIu32 "), the plan "
                      "has %" PRIu64, scratch, t1->band, plan->scratch_bytes);
  }
  return VGL_OK;
}

// Check 7: blocks where band-local tensors start one; no other op touches them.
static vgl_status check_blocks(const vgl_q8_plan *plan, char *message, size_t capacity) {
  for (uint32_t index = 0; index < plan->op_count;) {
    const vgl_q8_op *op = &plan->ops[index];
    if (op->kind != VGL_Q8_HEAD && band_local(plan, op->output) &&
        !band_local(plan, op->input)) {
      const uint32_t length = vgl_q8_block_length(plan, index);
      const vgl_status status = check_block(plan, index, length, message, capacity);
      if (status != VGL_OK) return status;
      index += length;
      continue;
    }
    const uint32_t ids[3] = {op->input, op->kind == VGL_Q8_HEAD ? VGL_Q8_NO_TENSOR : op->output,
                             op->residual};
    for (int k = 0; k < 3; k++) {
      if (band_local(plan, ids[k])) {
        return vgl_fail(VGL_E_BAD_PLAN, message, capacity,
                        "op %" PRIu32 " (%s) uses band-local tensor %" PRIu32 " outside a fused "
                        "block",
                        index, vgl_q8_kind_name(op->kind), ids[k]);
      }
    }
    index++;
  }
  return VGL_OK;
}

vgl_status vgl_q8_plan_validate(const vgl_q8_plan *plan, char *message,
                                size_t message_capacity) {
  if (message != NULL && message_capacity != 0) message[0] = '\0';
  if (plan == NULL) {
    return vgl_fail(VGL_E_INVALID_ARGUMENT, message, message_capacity, "plan is NULL");
  }
  const vgl_status arrays = vgl_check_plan_arrays(plan->tensor_count, plan->tensors,
                                                  plan->op_count, plan->ops, message,
                                                  message_capacity);
  if (arrays != VGL_OK) return arrays;
  if (plan->arena_bytes > SIZE_MAX) {
    return vgl_fail(VGL_E_BAD_PLAN, message, message_capacity,
                    "arena of %" PRIu64 " B exceeds this platform's %zu addressable bytes",
                    plan->arena_bytes, (size_t)SIZE_MAX);
  }
  if (plan->input_tensor >= plan->tensor_count) {
    return vgl_fail(VGL_E_BAD_PLAN, message, message_capacity,
                    "plan input tensor id %" PRIu32 " is not below tensor count %" PRIu32,
                    plan->input_tensor, plan->tensor_count);
  }
  for (uint32_t id = 0; id < plan->tensor_count; id++) {
    const vgl_status status = validate_tensor(plan, id, message, message_capacity);
    if (status != VGL_OK) return status;
  }
  if (plan->scratch_offset % VGL_Q8_ALIGNMENT != 0 || plan->scratch_offset > plan->arena_bytes ||
      plan->scratch_bytes > plan->arena_bytes - plan->scratch_offset) {
    return vgl_fail(VGL_E_BAD_PLAN, message, message_capacity,
                    "scratch of %" PRIu64 " B at offset %" PRIu64
                    " is not %u-aligned inside the arena of %" PRIu64 " B",
                    plan->scratch_bytes, plan->scratch_offset, VGL_Q8_ALIGNMENT, plan->arena_bytes);
  }
  for (uint32_t id = 0; id < plan->tensor_count && plan->scratch_bytes != 0; id++) {
    const vgl_q8_tensor *t = &plan->tensors[id];
    if (t->band == 0 &&
        regions_overlap(plan->scratch_offset, plan->scratch_bytes, t->offset, tensor_bytes(t))) {
      return vgl_fail(VGL_E_BAD_PLAN, message, message_capacity,
                      "scratch [%" PRIu64 ", %" PRIu64 ") overlaps tensor %" PRIu32 " [%" PRIu64
                      ", %" PRIu64 ")",
                      plan->scratch_offset, plan->scratch_offset + plan->scratch_bytes, id,
                      t->offset, t->offset + tensor_bytes(t));
    }
  }
  for (uint32_t index = 0; index < plan->op_count; index++) {
    const vgl_status status = validate_op(plan, index, message, message_capacity);
    if (status != VGL_OK) return status;
  }
  return check_blocks(plan, message, message_capacity);
}
