// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../f32-kernels.h"

// Depthwise convolution (groups = channels) with a square kernel, any stride and zero padding:
//
//   out[c][oy][ox] = act(bias[c] + sum over (ky, kx) of
//                        w[c][ky][kx] * in[c][oy * stride + ky - pad][ox * stride + kx - pad])
//                    (+ residual[c][oy][ox])
//
// MobileViGv2 uses 3x3 pad 1 (inverted residuals) and 7x7 pad 3 (the CPE, with the identity
// folded into the centre tap), both stride 1. Same scheme as vgl_f32_conv_kxk__scalar: the
// output plane is the accumulator, taps are added in ascending (ky, kx) order over the rows and
// columns whose input lies inside the map, contiguous output columns innermost.
void vgl_f32_dwconv_kxk__scalar(size_t channels, size_t in_height, size_t in_width,
                                size_t out_height, size_t out_width, size_t kernel,
                                size_t stride, size_t pad, const float *input,
                                const float *weight, const float *bias, uint32_t activation,
                                const float *residual, float *output) {
  VGL_DCHECK(channels != 0 && in_height != 0 && in_width != 0);
  VGL_DCHECK(out_height != 0 && out_width != 0);
  VGL_DCHECK(kernel != 0 && stride != 0 && pad < kernel);
  VGL_DCHECK(input != NULL && weight != NULL && bias != NULL && output != NULL);

  const size_t in_plane = in_height * in_width;
  const size_t out_plane = out_height * out_width;
  for (size_t channel = 0; channel < channels; channel++) {
    const float *in = input + channel * in_plane;
    const float *taps = weight + channel * kernel * kernel;
    float *out = output + channel * out_plane;
    for (size_t pixel = 0; pixel < out_plane; pixel++) out[pixel] = bias[channel];

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
          if (stride == 1) {
            // The common case, kept apart so the compiler sees unit-stride loads.
            for (size_t out_x = out_x_begin; out_x < out_x_end; out_x++) {
              out_row[out_x] = out_row[out_x] + w * in_row[out_x + kx - pad];
            }
          } else {
            for (size_t out_x = out_x_begin; out_x < out_x_end; out_x++) {
              out_row[out_x] = out_row[out_x] + w * in_row[out_x * stride + kx - pad];
            }
          }
        }
      }
    }
    vgl_f32_epilogue__scalar(out_plane, out, activation,
                             residual != NULL ? residual + channel * out_plane : NULL, out);
  }
}
