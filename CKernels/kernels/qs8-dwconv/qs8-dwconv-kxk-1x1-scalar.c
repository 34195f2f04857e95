// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include <stdbool.h>

#include "../qs8-kernels.h"

// Depthwise convolution (groups = channels), square odd kernel, any stride, zero padding:
//
//   acc[out_y][out_x][c] = sum over (ky, kx) of w[ky][kx][c] * (x[in_y][in_x][c] - zp) + bias[c]
//   out = finish(acc, scale[c])
//
// MobileViGv2: 3x3 pad 1 with GELU in the inverted residuals, 7x7 pad 3 for the CPE (the
// identity folded into the centre tap). Padded positions are the code zp (real 0) and add
// nothing. The weight is [ky][kx][channel] so that a SIMD kernel loads consecutive channels.
void vgl_qs8_dwconv_kxk_1x1__scalar(size_t channels, size_t in_height, size_t in_width,
                                    size_t out_height, size_t out_width, size_t kernel,
                                    size_t stride, size_t pad, const int8_t *input,
                                    int32_t input_zero_point, const int8_t *weight,
                                    const int32_t *bias, const float *scale,
                                    const vgl_qs8_requant_params *params,
                                    const int8_t *gelu_table, const int8_t *residual,
                                    int8_t *output, size_t out_y_begin,
    size_t out_y_end) {
  VGL_DCHECK(out_y_begin <= out_y_end && out_y_end <= out_height);
  VGL_DCHECK(channels != 0 && in_height != 0 && in_width != 0);
  VGL_DCHECK(out_height != 0 && out_width != 0);
  VGL_DCHECK(kernel != 0 && stride != 0 && pad < kernel);
  VGL_DCHECK(input != NULL && weight != NULL && bias != NULL && scale != NULL);
  VGL_DCHECK(params != NULL && output != NULL);
  VGL_DCHECK(input_zero_point >= -128 && input_zero_point <= 127);

  for (size_t out_y = out_y_begin; out_y < out_y_end; out_y++) {
    for (size_t out_x = 0; out_x < out_width; out_x++) {
      for (size_t channel = 0; channel < channels; channel++) {
        int32_t acc = 0;
        for (size_t ky = 0; ky < kernel; ky++) {
          for (size_t kx = 0; kx < kernel; kx++) {
            const size_t in_y = vgl_qs8_tap_position(out_y, ky, stride, pad);
            const size_t in_x = vgl_qs8_tap_position(out_x, kx, stride, pad);
            const bool is_padding = in_y >= in_height || in_x >= in_width;
            if (is_padding) continue;
            const int32_t x = input[(in_y * in_width + in_x) * channels + channel];
            const int32_t w = weight[(ky * kernel + kx) * channels + channel];
            // At most 7 * 7 = 49 terms of magnitude <= 255 * 127 = 32385: 1,586,865.
            acc += w * (x - input_zero_point);
          }
        }
        acc += bias[channel];
        const size_t at = (out_y * out_width + out_x) * channels + channel;
        output[at] = vgl_qs8_finish(acc, scale[channel], params, gelu_table,
                                    residual != NULL ? &residual[at] : NULL);
      }
    }
  }
}
