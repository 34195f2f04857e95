// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include <inttypes.h>
#include <stdbool.h>

#include "runtime-internal.h"
#include "vigil_f32.h"

// Validation of an fp32 plan: the boundary where untrusted numbers are checked once, so that
// vgl_f32_run and the kernels can rely on them (they only VGL_DCHECK). Checked, in order:
//
//   1. the plan's pointers and counts (VGL_E_INVALID_ARGUMENT when NULL or zero);
//   2. the scratch size is addressable on this platform (scratch_floats * 4 <= SIZE_MAX);
//   3. every tensor: non-zero dimensions, C*H*W without 64-bit overflow, and
//      offset + size <= scratch_floats (compared as size <= scratch_floats - offset);
//   4. the plan's input and output tensor ids;
//   5. every op: kind, activation, tensor ids, the parameters of its kind, the output shape it
//      implies, weight and bias pointers, the residual's shape, and that the output range
//      overlaps neither the input nor the residual range.
//
// Not checked: that an op reads a tensor some earlier op (or the plan input) wrote, and that
// tensors sharing storage have disjoint lifetimes. Those are the planner's promises; breaking
// them gives wrong numbers, never an out-of-bounds access. Weight arrays are caller memory
// whose length cannot be known here.

enum { kMaxKernel = 7, kMaxStride = 2 };

static const char *op_kind_name(uint32_t kind) {
  switch (kind) {
    case VGL_F32_CONV: return "conv";
    case VGL_F32_MRCONV: return "mrconv";
    case VGL_F32_GAP: return "gap";
    case VGL_F32_ACT: return "act";
  }
  return "unknown";
}

static uint64_t tensor_size(const vgl_f32_tensor *tensor) {
  // Only called on tensors already checked not to overflow.
  return (uint64_t)tensor->channels * tensor->height * tensor->width;
}

static bool ranges_overlap(const vgl_f32_tensor *a, const vgl_f32_tensor *b) {
  const uint64_t a_end = a->offset + tensor_size(a);
  const uint64_t b_end = b->offset + tensor_size(b);
  return a->offset < b_end && b->offset < a_end;
}

static vgl_status validate_conv(uint32_t index, const vgl_f32_op *op, const vgl_f32_tensor *in,
                                const vgl_f32_tensor *out, char *message, size_t capacity) {
  if (op->kernel == 0 || op->kernel > kMaxKernel || op->kernel % 2 == 0) {
    return vgl_fail(VGL_E_BAD_PLAN, message, capacity,
                    "op %" PRIu32 " (conv): kernel %" PRIu32 " is not an odd size in 1..%d", index,
                    op->kernel, kMaxKernel);
  }
  if (op->stride == 0 || op->stride > kMaxStride) {
    return vgl_fail(VGL_E_BAD_PLAN, message, capacity,
                    "op %" PRIu32 " (conv): stride %" PRIu32 " is not in 1..%d", index, op->stride,
                    kMaxStride);
  }
  if (op->pad >= op->kernel) {
    return vgl_fail(VGL_E_BAD_PLAN, message, capacity,
                    "op %" PRIu32 " (conv): pad %" PRIu32 " is not below kernel %" PRIu32, index,
                    op->pad, op->kernel);
  }
  const bool dense = op->groups == 1;
  const bool depthwise = op->groups == in->channels && out->channels == in->channels;
  if (!dense && !depthwise) {
    return vgl_fail(VGL_E_BAD_PLAN, message, capacity,
                    "op %" PRIu32 " (conv): groups %" PRIu32 " with %" PRIu32
                    " input and %" PRIu32 " output channels is neither 1 nor depthwise"
                    " (groups = input = output channels)",
                    index, op->groups, in->channels, out->channels);
  }
  const uint64_t want_h = vgl_conv_extent(in->height, op->kernel, op->stride, op->pad);
  const uint64_t want_w = vgl_conv_extent(in->width, op->kernel, op->stride, op->pad);
  if (want_h == 0 || want_w == 0 || want_h != out->height || want_w != out->width) {
    return vgl_fail(VGL_E_BAD_PLAN, message, capacity,
                    "op %" PRIu32 " (conv): output tensor %" PRIu32 " is %" PRIu32 "x%" PRIu32
                    "x%" PRIu32 " but input %" PRIu32 "x%" PRIu32 "x%" PRIu32
                    " with kernel %" PRIu32 " stride %" PRIu32 " pad %" PRIu32 " gives %" PRIu32
                    "x%" PRIu64 "x%" PRIu64,
                    index, op->output, out->channels, out->height, out->width, in->channels,
                    in->height, in->width, op->kernel, op->stride, op->pad, out->channels, want_h,
                    want_w);
  }
  return VGL_OK;
}

static vgl_status validate_op(const vgl_f32_plan *plan, uint32_t index, char *message,
                              size_t capacity) {
  const vgl_f32_op *op = &plan->ops[index];
  const char *name = op_kind_name(op->kind);
  if (op->kind != VGL_F32_CONV && op->kind != VGL_F32_MRCONV && op->kind != VGL_F32_GAP &&
      op->kind != VGL_F32_ACT) {
    return vgl_fail(VGL_E_BAD_PLAN, message, capacity,
                    "op %" PRIu32 ": unknown kind %" PRIu32
                    " (conv = 1, mrconv = 2, gap = 3, act = 4)",
                    index, op->kind);
  }
  if (op->activation != VGL_ACT_NONE && op->activation != VGL_ACT_GELU) {
    return vgl_fail(VGL_E_BAD_PLAN, message, capacity,
                    "op %" PRIu32 " (%s): unknown activation %" PRIu32 " (none = 0, gelu = 1)",
                    index, name, op->activation);
  }
  const uint32_t ids[3] = {op->input, op->output, op->residual};
  const char *roles[3] = {"input", "output", "residual"};
  for (int role = 0; role < 3; role++) {
    if (role == 2 && ids[role] == VGL_NO_TENSOR) continue;
    if (ids[role] >= plan->tensor_count) {
      return vgl_fail(VGL_E_BAD_PLAN, message, capacity,
                      "op %" PRIu32 " (%s): %s tensor id %" PRIu32
                      " is not below tensor count %" PRIu32,
                      index, name, roles[role], ids[role], plan->tensor_count);
    }
  }
  const vgl_f32_tensor *in = &plan->tensors[op->input];
  const vgl_f32_tensor *out = &plan->tensors[op->output];

  vgl_status status = VGL_OK;
  switch (op->kind) {
    case VGL_F32_CONV:
      status = validate_conv(index, op, in, out, message, capacity);
      break;
    case VGL_F32_MRCONV:
    case VGL_F32_ACT:
      if (in->channels != out->channels || in->height != out->height ||
          in->width != out->width) {
        status = vgl_fail(VGL_E_BAD_PLAN, message, capacity,
                          "op %" PRIu32 " (%s): output tensor %" PRIu32 " is %" PRIu32
                          "x%" PRIu32 "x%" PRIu32 " but must equal input tensor %" PRIu32
                          ", %" PRIu32 "x%" PRIu32 "x%" PRIu32,
                          index, name, op->output, out->channels, out->height, out->width,
                          op->input, in->channels, in->height, in->width);
      }
      break;
    case VGL_F32_GAP:
      if (out->channels != in->channels || out->height != 1 || out->width != 1) {
        status = vgl_fail(VGL_E_BAD_PLAN, message, capacity,
                          "op %" PRIu32 " (gap): output tensor %" PRIu32 " is %" PRIu32
                          "x%" PRIu32 "x%" PRIu32 " but input %" PRIu32 "x%" PRIu32 "x%" PRIu32
                          " pools to %" PRIu32 "x1x1",
                          index, op->output, out->channels, out->height, out->width, in->channels,
                          in->height, in->width, in->channels);
      }
      break;
  }
  if (status != VGL_OK) return status;

  const bool has_weight = op->kind != VGL_F32_GAP && op->kind != VGL_F32_ACT;
  if (has_weight && (op->weight == NULL || op->bias == NULL)) {
    return vgl_fail(VGL_E_BAD_PLAN, message, capacity, "op %" PRIu32 " (%s): %s pointer is NULL",
                    index, name, op->weight == NULL ? "weight" : "bias");
  }
  if (has_weight) {
    // The kernels index the weight array with size_t: its length must be addressable (this
    // only bites on 32-bit targets, where no such array can exist anyway).
    const uint64_t rows = out->channels;
    const uint64_t columns = op->kind == VGL_F32_MRCONV ? 2 * (uint64_t)in->channels
                             : op->groups == 1          ? in->channels
                                                        : 1;
    const uint64_t taps = op->kind == VGL_F32_MRCONV ? 1 : (uint64_t)op->kernel * op->kernel;
    const uint64_t limit = SIZE_MAX / sizeof(float);
    if (rows > limit / taps / columns) {  // rows * columns * taps > limit, without overflow
      return vgl_fail(VGL_E_BAD_PLAN, message, capacity,
                      "op %" PRIu32 " (%s): weight of %" PRIu64 "x%" PRIu64 "x%" PRIu64
                      " floats exceeds this platform's %zu addressable floats",
                      index, name, rows, columns, taps, (size_t)limit);
    }
  }
  if (op->residual != VGL_NO_TENSOR) {
    const vgl_f32_tensor *res = &plan->tensors[op->residual];
    if (res->channels != out->channels || res->height != out->height ||
        res->width != out->width) {
      return vgl_fail(VGL_E_BAD_PLAN, message, capacity,
                      "op %" PRIu32 " (%s): residual tensor %" PRIu32 " is %" PRIu32 "x%" PRIu32
                      "x%" PRIu32 " but output tensor %" PRIu32 " is %" PRIu32 "x%" PRIu32
                      "x%" PRIu32,
                      index, name, op->residual, res->channels, res->height, res->width,
                      op->output, out->channels, out->height, out->width);
    }
    if (ranges_overlap(out, res)) {
      return vgl_fail(VGL_E_BAD_PLAN, message, capacity,
                      "op %" PRIu32 " (%s): output tensor %" PRIu32 " [%" PRIu64 ", %" PRIu64
                      ") overlaps residual tensor %" PRIu32 " [%" PRIu64 ", %" PRIu64 ")",
                      index, name, op->output, out->offset, out->offset + tensor_size(out),
                      op->residual, res->offset, res->offset + tensor_size(res));
    }
  }
  if (ranges_overlap(out, in)) {
    return vgl_fail(VGL_E_BAD_PLAN, message, capacity,
                    "op %" PRIu32 " (%s): output tensor %" PRIu32 " [%" PRIu64 ", %" PRIu64
                    ") overlaps input tensor %" PRIu32 " [%" PRIu64 ", %" PRIu64 ")",
                    index, name, op->output, out->offset, out->offset + tensor_size(out), op->input,
                    in->offset, in->offset + tensor_size(in));
  }
  return VGL_OK;
}

vgl_status vgl_f32_plan_validate(const vgl_f32_plan *plan, char *message,
                                 size_t message_capacity) {
  if (message != NULL && message_capacity != 0) message[0] = '\0';
  if (plan == NULL) {
    return vgl_fail(VGL_E_INVALID_ARGUMENT, message, message_capacity, "plan is NULL");
  }
  const vgl_status arrays = vgl_check_plan_arrays(plan->tensor_count, plan->tensors,
                                                  plan->op_count, plan->ops, message,
                                                  message_capacity);
  if (arrays != VGL_OK) return arrays;
  if (plan->scratch_floats > SIZE_MAX / sizeof(float)) {
    return vgl_fail(VGL_E_BAD_PLAN, message, message_capacity,
                    "scratch of %" PRIu64 " floats exceeds this platform's %zu addressable floats",
                    plan->scratch_floats, SIZE_MAX / sizeof(float));
  }

  for (uint32_t id = 0; id < plan->tensor_count; id++) {
    const vgl_f32_tensor *tensor = &plan->tensors[id];
    uint64_t size = 0;
    const vgl_status shape = vgl_check_tensor_shape(id, tensor->channels, tensor->height,
                                                    tensor->width, "element", &size, message,
                                                    message_capacity);
    if (shape != VGL_OK) return shape;
    if (tensor->offset > plan->scratch_floats || size > plan->scratch_floats - tensor->offset) {
      return vgl_fail(VGL_E_BAD_PLAN, message, message_capacity,
                      "tensor %" PRIu32 " (%" PRIu32 "x%" PRIu32 "x%" PRIu32 ", %" PRIu64
                      " floats at offset %" PRIu64 ") ends past the scratch of %" PRIu64 " floats",
                      id, tensor->channels, tensor->height, tensor->width, size, tensor->offset,
                      plan->scratch_floats);
    }
  }
  if (plan->input_tensor >= plan->tensor_count || plan->output_tensor >= plan->tensor_count) {
    const bool input_bad = plan->input_tensor >= plan->tensor_count;
    return vgl_fail(VGL_E_BAD_PLAN, message, message_capacity,
                    "plan %s tensor id %" PRIu32 " is not below tensor count %" PRIu32,
                    input_bad ? "input" : "output",
                    input_bad ? plan->input_tensor : plan->output_tensor, plan->tensor_count);
  }
  for (uint32_t index = 0; index < plan->op_count; index++) {
    const vgl_status status = validate_op(plan, index, message, message_capacity);
    if (status != VGL_OK) return status;
  }
  return VGL_OK;
}
