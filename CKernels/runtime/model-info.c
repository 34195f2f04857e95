// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The model described for its callers (vigil_model.h): layout, tensors and ops as copies, so
// the plan structs stay inside the runtime.
#include "model-internal.h"

vgl_status vgl_model_bytes(const vgl_model *model, const void **data_out, size_t *size_out) {
  if (model == NULL || data_out == NULL || size_out == NULL) return VGL_E_INVALID_ARGUMENT;
  *data_out = model->data;
  *size_out = model->size;
  return VGL_OK;
}

vgl_status vgl_model_get_layout(const vgl_model *model, vgl_model_layout *layout_out) {
  if (model == NULL || layout_out == NULL) return VGL_E_INVALID_ARGUMENT;
  const vgl_q8_plan *plan = &model->plan;
  *layout_out = (vgl_model_layout){
      .arena_bytes = plan->arena_bytes,
      .scratch_offset = plan->scratch_offset,
      .scratch_bytes = plan->scratch_bytes,
      .tensor_count = plan->tensor_count,
      .op_count = plan->op_count,
      .input_tensor = plan->input_tensor,
  };
  return VGL_OK;
}

vgl_status vgl_model_get_tensor(const vgl_model *model, uint32_t index,
                                vgl_model_tensor_info *tensor_out) {
  if (model == NULL || tensor_out == NULL || index >= model->plan.tensor_count) {
    return VGL_E_INVALID_ARGUMENT;
  }
  const vgl_q8_tensor *t = &model->plan.tensors[index];
  *tensor_out = (vgl_model_tensor_info){
      .channels = t->channels,
      .height = t->height,
      .width = t->width,
      .band = t->band,
      .offset = t->offset,
      .scale = t->scale,
      .zero_point = t->zero_point,
  };
  return VGL_OK;
}

vgl_status vgl_model_get_op(const vgl_model *model, uint32_t index, vgl_model_op_info *op_out) {
  if (model == NULL || op_out == NULL || index >= model->plan.op_count) {
    return VGL_E_INVALID_ARGUMENT;
  }
  const vgl_q8_op *op = &model->plan.ops[index];
  *op_out = (vgl_model_op_info){
      .kind = op->kind,
      .input = op->input,
      .output = op->output,
      .residual = op->residual,
      .kernel = op->kernel,
      .stride = op->stride,
      .pad = op->pad,
      .hop = op->hop,
      .classes = op->classes,
      .arrays = (op->bias != NULL ? VGL_MODEL_OP_HAS_BIAS : 0u) |
                (op->scale != NULL ? VGL_MODEL_OP_HAS_SCALE : 0u) |
                (op->gelu_table != NULL ? VGL_MODEL_OP_HAS_GELU : 0u),
  };
  return VGL_OK;
}
