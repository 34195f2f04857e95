// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../qs8-kernels.h"

// Global average pool, C x H x W -> C x 1 x 1:
//
//   acc[c] = sum over pixel of (x[pixel][c] - zp)          (int32, exact)
//   out[c] = clamp(rne((float)acc * scale) + zp_out, qmin, qmax),  scale = s_in / (H*W*s_out)
//
// The division by H * W is folded into the one scale, so the mean is rounded once, by the
// common rule. MobileViGv2 pools 7 x 7 at 224 input; validation accepts up to 2^23 pixels.
void vgl_qs8_gap_1x1__scalar(size_t channels, size_t pixels, const int8_t *input,
                             int32_t input_zero_point, float scale,
                             const vgl_qs8_requant_params *params, int8_t *output) {
  VGL_DCHECK(channels != 0 && pixels != 0);
  VGL_DCHECK(input != NULL && params != NULL && output != NULL);
  VGL_DCHECK(input_zero_point >= -128 && input_zero_point <= 127);

  for (size_t channel = 0; channel < channels; channel++) {
    int32_t acc = 0;
    for (size_t pixel = 0; pixel < pixels; pixel++) {
      // |x - zp| <= 255 per pixel, at most 2^23 pixels (validation): < 2^31.
      acc += (int32_t)input[pixel * channels + channel] - input_zero_point;
    }
    output[channel] = vgl_qs8_finish(acc, scale, params, NULL, NULL);
  }
}
