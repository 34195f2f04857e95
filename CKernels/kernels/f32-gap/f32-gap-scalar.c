// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../f32-kernels.h"

// Global average pool: output[c] = act(mean(input[c][*])) (+ residual[c]).
//
// The one op that accumulates in double: the sum runs over up to H x W = 3136 pixels
// (56 x 56) in ascending pixel order, which in float would lose about 3136 x 2^-24 relative.
// The double sum is divided by the pixel count in double and rounded to float once. It costs
// C x H x W adds, nothing next to the convolutions.
void vgl_f32_gap__scalar(size_t channels, size_t pixels, const float *input,
                         uint32_t activation, const float *residual, float *output) {
  VGL_DCHECK(channels != 0);
  VGL_DCHECK(pixels != 0);
  VGL_DCHECK(input != NULL && output != NULL);

  for (size_t channel = 0; channel < channels; channel++) {
    const float *plane = input + channel * pixels;
    double sum = 0.0;
    for (size_t pixel = 0; pixel < pixels; pixel++) sum += (double)plane[pixel];
    output[channel] = (float)(sum / (double)pixels);
  }
  vgl_f32_epilogue__scalar(channels, output, activation, residual, output);
}
