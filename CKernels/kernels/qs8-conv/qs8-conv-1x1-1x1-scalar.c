// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../qs8-kernels.h"

// Pointwise convolution, the reference for every int8 1x1 GEMM (86-92 % of MobileViGv2's
// MACs):
//
//   acc[p][o] = sum over in_channel of w[o][in_channel] * (x[p][in_channel] - zp)  (int32)
//             + bias[o]
//   out[p][o] = finish(acc, scale[o])   (requantize, zero point, clamp [, GELU | residual])
//
// HWC makes the reduction contiguous: x[p][0 .. in_channels-1] is a run of bytes; the packed
// weight (vigil_q8.h) holds 4 of them for 16 output channels per 64-byte line.
void vgl_qs8_conv_1x1_1x1__scalar(size_t in_channels, size_t out_channels, size_t pixels,
                                  const int8_t *input, int32_t input_zero_point,
                                  const int8_t *weight, const int32_t *bias, const float *scale,
                                  const vgl_qs8_requant_params *params,
                                  const int8_t *gelu_table, const int8_t *residual,
                                  int8_t *output) {
  VGL_DCHECK(in_channels != 0 && out_channels != 0 && pixels != 0);
  VGL_DCHECK(input != NULL && weight != NULL && bias != NULL && scale != NULL);
  VGL_DCHECK(params != NULL && output != NULL);
  VGL_DCHECK(input_zero_point >= -128 && input_zero_point <= 127);

  const size_t depth = vgl_qs8_packed_channels(in_channels);
  for (size_t pixel = 0; pixel < pixels; pixel++) {
    const int8_t *x = input + pixel * in_channels;
    for (size_t out_channel = 0; out_channel < out_channels; out_channel++) {
      int32_t acc = 0;
      for (size_t in_channel = 0; in_channel < in_channels; in_channel++) {
        // |x - zp| <= 255 and |w| <= 127: each term is at most 32385 in magnitude. The longest
        // 1x1 reduction in MobileViGv2 is the FFN's second conv of variant B (4C = 2048
        // inputs): 2048 * 32385 = 66,324,480, and the longest of any op is B's last
        // downsample (3x3 over 256 channels, 2304 terms): 74,615,040, far below
        // INT32_MAX = 2,147,483,647. vgl_q8_plan_validate refuses any op whose
        // terms * 32385 + |bias| could exceed INT32_MAX.
        const int8_t w = weight[vgl_qs8_packed_index(out_channel, in_channel, depth)];
        acc += (int32_t)w * ((int32_t)x[in_channel] - input_zero_point);
      }
      acc += bias[out_channel];
      const size_t at = pixel * out_channels + out_channel;
      output[at] = vgl_qs8_finish(acc, scale[out_channel], params, gelu_table,
                                  residual != NULL ? &residual[at] : NULL);
    }
  }
}
