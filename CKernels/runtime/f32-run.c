// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include <string.h>

#include "../kernels/f32-kernels.h"
#include "vigil_f32.h"

// The fp32 executor: copies the caller's input into the plan's input tensor, runs the ops in
// order (each reads its input and residual tensors and writes its output tensor, all inside
// the caller's scratch), reports every op's output to the observer, then copies the output
// tensor out. It allocates nothing and keeps no state between calls.
//
// The plan must have passed vgl_f32_plan_validate: here only the caller's pointers and the
// scratch size are checked; every shape, id and offset is trusted (VGL_DCHECK in debug builds).

static float *tensor_data(float *scratch, const vgl_f32_tensor *tensor) {
  return scratch + (size_t)tensor->offset;
}

static size_t tensor_floats(const vgl_f32_tensor *tensor) {
  return (size_t)tensor->channels * tensor->height * tensor->width;
}

static void run_op(const vgl_f32_op *op, const vgl_f32_tensor *tensors, float *scratch) {
  const vgl_f32_tensor *in = &tensors[op->input];
  const vgl_f32_tensor *out = &tensors[op->output];
  const float *input = tensor_data(scratch, in);
  float *output = tensor_data(scratch, out);
  const float *residual =
      op->residual == VGL_NO_TENSOR ? NULL : tensor_data(scratch, &tensors[op->residual]);

  switch (op->kind) {
    case VGL_F32_CONV:
      if (op->groups == 1 && op->kernel == 1 && op->stride == 1 && op->pad == 0) {
        vgl_f32_conv_1x1_8x64__scalar(in->channels, out->channels,
                                      (size_t)in->height * in->width, input, op->weight,
                                      op->bias, op->activation, residual, output);
      } else if (op->groups == 1) {
        vgl_f32_conv_kxk__scalar(in->channels, in->height, in->width, out->channels,
                                 out->height, out->width, op->kernel, op->stride, op->pad, input,
                                 op->weight, op->bias, op->activation, residual, output);
      } else {
        VGL_DCHECK(op->groups == in->channels && in->channels == out->channels);
        vgl_f32_dwconv_kxk__scalar(in->channels, in->height, in->width, out->height,
                                   out->width, op->kernel, op->stride, op->pad, input,
                                   op->weight, op->bias, op->activation, residual, output);
      }
      break;
    case VGL_F32_MRCONV:
      vgl_f32_mrconv_8x64__scalar(in->channels, in->height, in->width, op->hop, input,
                                  op->weight, op->bias, op->activation, residual, output);
      break;
    case VGL_F32_GAP:
      vgl_f32_gap__scalar(in->channels, (size_t)in->height * in->width, input, op->activation,
                          residual, output);
      break;
    case VGL_F32_ACT:
      vgl_f32_epilogue__scalar(tensor_floats(in), input, op->activation, residual, output);
      break;
    default:
      VGL_DCHECK(!"op kind rejected by vgl_f32_plan_validate");
      break;
  }
}

vgl_status vgl_f32_run(const vgl_f32_plan *plan, float *scratch, uint64_t scratch_floats_available,
                       const float *input, float *output_out, vgl_f32_observer observer,
                       void *observer_context) {
  if (plan == NULL || scratch == NULL || input == NULL || output_out == NULL ||
      plan->tensors == NULL || (plan->op_count != 0 && plan->ops == NULL)) {
    return VGL_E_INVALID_ARGUMENT;
  }
  if (scratch_floats_available < plan->scratch_floats) return VGL_E_ARENA_SMALL;
  VGL_DCHECK(plan->input_tensor < plan->tensor_count);
  VGL_DCHECK(plan->output_tensor < plan->tensor_count);

  const vgl_f32_tensor *in = &plan->tensors[plan->input_tensor];
  // memmove, not memcpy: nothing forbids the caller from staging its input inside the scratch.
  memmove(tensor_data(scratch, in), input, tensor_floats(in) * sizeof(float));

  for (uint32_t index = 0; index < plan->op_count; index++) {
    const vgl_f32_op *op = &plan->ops[index];
    run_op(op, plan->tensors, scratch);
    if (observer != NULL) {
      const vgl_f32_tensor *out = &plan->tensors[op->output];
      observer(observer_context, index, tensor_data(scratch, out), out->channels, out->height,
               out->width);
    }
  }

  const vgl_f32_tensor *out = &plan->tensors[plan->output_tensor];
  memmove(output_out, tensor_data(scratch, out), tensor_floats(out) * sizeof(float));
  return VGL_OK;
}
