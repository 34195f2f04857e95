// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include <stdbool.h>

#include "../qs8-kernels.h"

// The first conv, straight on the decoder's uint8 pixels (HWC, interleaved RGB):
//
//   acc[out_y][out_x][o] = sum over (ky, kx, c) of w[o][ky][kx][c] * (p[in_y][in_x][c] - pz[c])
//                          + bias[o]
//   out = finish(acc, scale[o])
//
// The toolkit folds ImageNet's normalization (p / 255 - mean_c) / std_c into the weights and
// bias, with the pixel zero point pz[c] = round(255 * mean_c) (124, 116, 104), so that the
// input scale is 1 / 255 per channel (divided by std_c inside the weights). The reference pads
// with 0 after normalization, i.e. with the pixel value 255 * mean_c: here padded pixels are
// pz[c], which contributes exactly 0, matching the reference up to the rounding of the mean.
void vgl_qs8_stem_kxk_1x1__scalar(size_t in_channels, size_t in_height, size_t in_width,
                                  size_t out_channels, size_t out_height, size_t out_width,
                                  size_t kernel, size_t stride, size_t pad,
                                  const uint8_t *pixels, const uint8_t *pixel_zero_points,
                                  const int8_t *weight, const int32_t *bias, const float *scale,
                                  const vgl_qs8_requant_params *params,
                                  const int8_t *gelu_table, int8_t *output, size_t out_y_begin,
    size_t out_y_end) {
  VGL_DCHECK(out_y_begin <= out_y_end && out_y_end <= out_height);
  VGL_DCHECK(in_channels != 0 && in_height != 0 && in_width != 0);
  VGL_DCHECK(out_channels != 0 && out_height != 0 && out_width != 0);
  VGL_DCHECK(kernel != 0 && stride != 0 && pad < kernel);
  VGL_DCHECK(pixels != NULL && pixel_zero_points != NULL && weight != NULL && bias != NULL);
  VGL_DCHECK(scale != NULL && params != NULL && output != NULL);

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
            const uint8_t *p = pixels + (in_y * in_width + in_x) * in_channels;
            const size_t tap = ky * kernel + kx;
            for (size_t channel = 0; channel < in_channels; channel++) {
              // |p - pz| <= 255, |w| <= 127; MobileViGv2's stem has 3 * 3 * 3 = 27 terms:
              // at most 874,395.
              const int8_t w = weight[vgl_qs8_packed_index(out_channel, tap * tap_stride + channel, depth)];
              acc += (int32_t)w * ((int32_t)p[channel] - (int32_t)pixel_zero_points[channel]);
            }
          }
        }
        acc += bias[out_channel];
        const size_t at = (out_y * out_width + out_x) * out_channels + out_channel;
        output[at] = vgl_qs8_finish(acc, scale[out_channel], params, gelu_table, NULL);
      }
    }
  }
}
