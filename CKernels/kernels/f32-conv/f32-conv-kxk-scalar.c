// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../f32-kernels.h"

// Dense convolution (groups = 1) with a square kernel, any stride and zero padding:
//
//   out[co][oy][ox] = act(bias[co] + sum over (ci, ky, kx) of w[co][ci][ky][kx] * in[ci][iy][ix])
//                     (+ residual[co][oy][ox]),  iy = oy * stride + ky - pad, ix likewise
//
// MobileViGv2 uses it for the 3x3 stride-2 stem and downsample convs (3..512 input channels);
// pointwise convs go to vgl_f32_conv_1x1_8x64__scalar instead. The output plane of one output
// channel is the accumulator: it starts at the bias, then each tap (ci, ky, kx), in ascending
// order, adds w * input over the output rows and columns whose input lies inside the map (see
// vgl_f32_valid_outputs), so the innermost loop runs over contiguous output columns. The
// activation and residual are applied to the finished plane.
void vgl_f32_conv_kxk__scalar(size_t in_channels, size_t in_height, size_t in_width,
                              size_t out_channels, size_t out_height, size_t out_width,
                              size_t kernel, size_t stride, size_t pad, const float *input,
                              const float *weight, const float *bias, uint32_t activation,
                              const float *residual, float *output) {
  VGL_DCHECK(in_channels != 0 && in_height != 0 && in_width != 0);
  VGL_DCHECK(out_channels != 0 && out_height != 0 && out_width != 0);
  VGL_DCHECK(kernel != 0 && stride != 0 && pad < kernel);
  VGL_DCHECK(input != NULL && weight != NULL && bias != NULL && output != NULL);

  const size_t in_plane = in_height * in_width;
  const size_t out_plane = out_height * out_width;
  for (size_t out_channel = 0; out_channel < out_channels; out_channel++) {
    float *out = output + out_channel * out_plane;
    for (size_t pixel = 0; pixel < out_plane; pixel++) out[pixel] = bias[out_channel];

    for (size_t in_channel = 0; in_channel < in_channels; in_channel++) {
      const float *in = input + in_channel * in_plane;
      const float *taps = weight + (out_channel * in_channels + in_channel) * kernel * kernel;
      for (size_t ky = 0; ky < kernel; ky++) {
        size_t out_y_begin, out_y_end;
        vgl_f32_valid_outputs(out_height, in_height, ky, stride, pad, &out_y_begin, &out_y_end);
        for (size_t kx = 0; kx < kernel; kx++) {
          size_t out_x_begin, out_x_end;
          vgl_f32_valid_outputs(out_width, in_width, kx, stride, pad, &out_x_begin, &out_x_end);
          const float w = taps[ky * kernel + kx];
          for (size_t out_y = out_y_begin; out_y < out_y_end; out_y++) {
            const float *in_row = in + (out_y * stride + ky - pad) * in_width;
            float *out_row = out + out_y * out_width;
            // in_x = out_x * stride + kx - pad stays inside [0, in_width) on this range.
            for (size_t out_x = out_x_begin; out_x < out_x_end; out_x++) {
              out_row[out_x] = out_row[out_x] + w * in_row[out_x * stride + kx - pad];
            }
          }
        }
      }
    }
    vgl_f32_epilogue__scalar(out_plane, out, activation,
                             residual != NULL ? residual + out_channel * out_plane : NULL, out);
  }
}
