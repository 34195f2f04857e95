// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Helpers shared by the runtime's files (plan validation, the loader); not a public header.
#ifndef VIGIL_RUNTIME_INTERNAL_H
#define VIGIL_RUNTIME_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "vigil.h"

#if defined(__GNUC__)
#define VGL_PRINTF_FORMAT(format_index, first_arg) \
  __attribute__((format(printf, format_index, first_arg)))
#else
#define VGL_PRINTF_FORMAT(format_index, first_arg)
#endif

/// Writes the formatted message into `message` (truncated to `capacity`, always NUL-terminated
/// when capacity != 0; nothing is written when message is NULL or capacity is 0) and returns
/// `status`, so that each error path is one statement.
vgl_status vgl_fail(vgl_status status, char *message, size_t capacity, const char *format, ...)
    VGL_PRINTF_FORMAT(4, 5);

/// Check 1 of both plan validators, after the plan pointer: its tensor and op arrays are not
/// NULL and not empty. VGL_E_INVALID_ARGUMENT with the message otherwise.
vgl_status vgl_check_plan_arrays(uint32_t tensor_count, const void *tensors, uint32_t op_count,
                                 const void *ops, char *message, size_t capacity);

/// The shape check both plan validators start each tensor with: every dimension at least 1,
/// and channels * height * width (`unit`s: "element" or "byte") within 64 bits, stored in
/// *count_out. VGL_E_BAD_PLAN with the tensor's id and shape otherwise.
vgl_status vgl_check_tensor_shape(uint32_t id, uint32_t channels, uint32_t height, uint32_t width,
                                  const char *unit, uint64_t *count_out, char *message,
                                  size_t capacity);

/// The name of an int8 op kind ("stem", "conv", ...), "unknown" for any other number.
const char *vgl_q8_kind_name(uint32_t kind);

/// A convolution's output extent along one axis, or 0 when the kernel does not fit in the
/// padded input. stride != 0.
static inline uint64_t vgl_conv_extent(uint32_t in, uint32_t kernel, uint32_t stride,
                                       uint32_t pad) {
  const uint64_t padded = (uint64_t)in + 2u * (uint64_t)pad;
  if (padded < kernel) return 0;
  return (padded - kernel) / stride + 1;
}

#endif  // VIGIL_RUNTIME_INTERNAL_H
