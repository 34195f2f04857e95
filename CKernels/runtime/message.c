// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// What the runtime's validators share: the one formatter for every (message, capacity)
// out-parameter, the plans' first argument check, and the int8 op kind names.
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "runtime-internal.h"
#include "vigil_q8.h"

vgl_status vgl_fail(vgl_status status, char *message, size_t capacity, const char *format, ...) {
  if (message != NULL && capacity != 0) {
    va_list args;
    va_start(args, format);
    const int written = vsnprintf(message, capacity, format, args);
    va_end(args);
    if (written < 0) message[0] = '\0';
  }
  return status;
}

vgl_status vgl_check_plan_arrays(uint32_t tensor_count, const void *tensors, uint32_t op_count,
                                 const void *ops, char *message, size_t capacity) {
  if (tensor_count == 0 || tensors == NULL) {
    return vgl_fail(VGL_E_INVALID_ARGUMENT, message, capacity, "plan has %" PRIu32 " tensors at %s",
                    tensor_count, tensors == NULL ? "NULL" : "a non-NULL pointer");
  }
  if (op_count == 0 || ops == NULL) {
    return vgl_fail(VGL_E_INVALID_ARGUMENT, message, capacity, "plan has %" PRIu32 " ops at %s",
                    op_count, ops == NULL ? "NULL" : "a non-NULL pointer");
  }
  return VGL_OK;
}

const char *vgl_q8_kind_name(uint32_t kind) {
  switch (kind) {
    case VGL_Q8_STEM: return "stem";
    case VGL_Q8_CONV: return "conv";
    case VGL_Q8_DWCONV: return "dwconv";
    case VGL_Q8_MRCONV: return "mrconv";
    case VGL_Q8_GAP: return "gap";
    case VGL_Q8_HEAD: return "head";
  }
  return "unknown";
}

vgl_status vgl_check_tensor_shape(uint32_t id, uint32_t channels, uint32_t height, uint32_t width,
                                  const char *unit, uint64_t *count_out, char *message,
                                  size_t capacity) {
  if (channels == 0 || height == 0 || width == 0) {
    return vgl_fail(VGL_E_BAD_PLAN, message, capacity,
                    "tensor %" PRIu32 " is %" PRIu32 "x%" PRIu32 "x%" PRIu32
                    ": every dimension must be at least 1",
                    id, channels, height, width);
  }
  // channels * height < 2^64 always; the second product is checked before it is formed.
  const uint64_t plane = (uint64_t)channels * height;
  if (plane > UINT64_MAX / width) {
    return vgl_fail(VGL_E_BAD_PLAN, message, capacity,
                    "tensor %" PRIu32 " is %" PRIu32 "x%" PRIu32 "x%" PRIu32
                    ": its %s count overflows 64 bits",
                    id, channels, height, width, unit);
  }
  *count_out = plane * width;
  return VGL_OK;
}
