// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../kernels/qs8-kernels.h"
#include "vigil_q8.h"

// The packing step of weight layout 2 (vigil_q8.h, "packed weights"), run offline by the
// toolkit when it writes a model file and by the tests when they build ops: the runtime reads
// the result in place and never packs.

uint64_t vgl_q8_packed_weight_bytes(uint64_t rows, uint64_t taps, uint64_t channels) {
  const uint64_t limit = UINT64_MAX / 2;
  if (rows > limit - VGL_Q8_PACK_ROWS || channels > limit - VGL_Q8_PACK_DEPTH) return UINT64_MAX;
  const uint64_t padded_rows = (rows + VGL_Q8_PACK_ROWS - 1) / VGL_Q8_PACK_ROWS * VGL_Q8_PACK_ROWS;
  const uint64_t padded_channels =
      (channels + VGL_Q8_PACK_DEPTH - 1) / VGL_Q8_PACK_DEPTH * VGL_Q8_PACK_DEPTH;
  if (taps != 0 && padded_channels > limit / taps) return UINT64_MAX;
  const uint64_t depth = taps * padded_channels;
  if (depth != 0 && padded_rows > limit / depth) return UINT64_MAX;
  return padded_rows * depth;
}

vgl_status vgl_q8_pack(uint32_t kind, size_t rows, size_t taps, size_t channels,
                       const int8_t *weight, const int32_t *bias,
                       const uint8_t *pixel_zero_points, int8_t *packed_weight,
                       int32_t *packed_bias) {
  if (kind != VGL_Q8_STEM && kind != VGL_Q8_CONV && kind != VGL_Q8_MRCONV &&
      kind != VGL_Q8_HEAD) {
    return VGL_E_INVALID_ARGUMENT;
  }
  if (rows == 0 || taps == 0 || channels == 0 || weight == NULL || bias == NULL ||
      packed_weight == NULL || packed_bias == NULL ||
      (kind == VGL_Q8_STEM && pixel_zero_points == NULL)) {
    return VGL_E_INVALID_ARGUMENT;
  }
  const uint64_t bytes = vgl_q8_packed_weight_bytes(rows, taps, channels);
  if (bytes == UINT64_MAX || bytes > SIZE_MAX) return VGL_E_INVALID_ARGUMENT;
  memset(packed_weight, 0, (size_t)bytes);
  const size_t tap_stride = vgl_qs8_packed_channels(channels);
  const size_t depth = taps * tap_stride;
  for (size_t row = 0; row < rows; row++) {
    int64_t sum = 0;
    for (size_t tap = 0; tap < taps; tap++) {
      for (size_t channel = 0; channel < channels; channel++) {
        const int8_t w = weight[(row * taps + tap) * channels + channel];
        packed_weight[vgl_qs8_packed_index(row, tap * tap_stride + channel, depth)] = w;
        if (kind == VGL_Q8_STEM) {
          sum += (int64_t)w * pixel_zero_points[channel];
        } else if (kind != VGL_Q8_MRCONV || tap == 0) {
          sum += w;
        }
      }
    }
    packed_bias[row] = bias[row];
    // |sum| <= taps * channels * 127 * 255, below INT32_MAX for every plan validation accepts
    // (it bounds the same reduction); larger inputs wrap and are then refused by validation.
    packed_bias[rows + row] = (int32_t)(uint32_t)(uint64_t)sum;
  }
  return VGL_OK;
}
