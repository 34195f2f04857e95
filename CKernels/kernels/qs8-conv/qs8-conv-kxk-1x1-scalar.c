// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include <stdbool.h>

#include "../qs8-kernels.h"

// Dense convolution (groups = 1), square odd kernel, any stride, zero padding:
//
//   acc[out_y][out_x][o] = sum over (ky, kx, in_channel) of
//                            w[o][ky][kx][in_channel] * (x[in_y][in_x][in_channel] - zp)
//                          + bias[o],   in_y = out_y * stride + ky - pad, in_x likewise
//   out = finish(acc, scale[o])
//
// A padded position stands for real 0, the code zp, so its term w * (zp - zp) is 0 and the
// tap is skipped. MobileViGv2 uses it for the second stem conv and the 3x3 stride-2
// downsamples; the weight's innermost axis is the input channel, like the HWC input.
void vgl_qs8_conv_kxk_1x1__scalar(size_t in_channels, size_t in_height, size_t in_width,
                                  size_t out_channels, size_t out_height, size_t out_width,
                                  size_t kernel, size_t stride, size_t pad, const int8_t *input,
                                  int32_t input_zero_point, const int8_t *weight,
                                  const int32_t *bias, const float *scale,
                                  const vgl_qs8_requant_params *params,
                                  const int8_t *gelu_table, const int8_t *residual,
                                  int8_t *output, size_t out_y_begin,
    size_t out_y_end) {
  VGL_DCHECK(out_y_begin <= out_y_end && out_y_end <= out_height);
  VGL_DCHECK(in_channels != 0 && in_height != 0 && in_width != 0);
  VGL_DCHECK(out_channels != 0 && out_height != 0 && out_width != 0);
  VGL_DCHECK(kernel != 0 && stride != 0 && pad < kernel);
  VGL_DCHECK(input != NULL && weight != NULL && bias != NULL && scale != NULL);
  VGL_DCHECK(params != NULL && output != NULL);
  VGL_DCHECK(input_zero_point >= -128 && input_zero_point <= 127);

  const size_t tap_stride = vgl_qs8_packed_channels(in_channels);
  const size_t depth = kernel * kernel * tap_stride;
  for (size_t out_y = out_y_begin; out_y < out_y_end; out_y++) {
    for (size_t out_x = 0; out_x < out_width; out_x++) {
      for (size_t out_channel = 0; out_channel < out_channels; out_channel++) {
        int32_t acc = 0;
        for (size_t ky = 0; ky < kernel; ky++) {
          for (size_t kx = 0; kx < kernel; kx++) {
            const size_t in_y = vgl_qs8_tap_position(out_y, ky, stride, pad);
            const size_t in_x = vgl_qs8_tap_position(out_x, kx, stride, pad);
            const bool is_padding = in_y >= in_height || in_x >= in_width;
            if (is_padding) continue;
            const int8_t *x = input + (in_y * in_width + in_x) * in_channels;
            const size_t tap = ky * kernel + kx;
            for (size_t in_channel = 0; in_channel < in_channels; in_channel++) {
              // Terms are at most 255 * 127 = 32385; the longest reduction in MobileViGv2 is
              // B's last downsample, 3 * 3 * 256 = 2304 terms: 74,615,040 < INT32_MAX (and
              // vgl_q8_plan_validate bounds terms * 32385 + |bias| by INT32_MAX for any plan).
              const int8_t w = weight[vgl_qs8_packed_index(out_channel, tap * tap_stride + in_channel, depth)];
              acc += (int32_t)w * ((int32_t)x[in_channel] - input_zero_point);
            }
          }
        }
        acc += bias[out_channel];
        const size_t at = (out_y * out_width + out_x) * out_channels + out_channel;
        output[at] = vgl_qs8_finish(acc, scale[out_channel], params, gelu_table,
                                    residual != NULL ? &residual[at] : NULL);
      }
    }
  }
}
