// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../qs8-kernels.h"

// The classifier, the one op that leaves int8: a 1x1 conv from the pooled E-vector to float
// logits.
//
//   acc[o]   = sum over c of w[o][c] * (x[c] - zp) + bias[o]     (int32, exact)
//   logit[o] = (float)acc * scale[o],   scale[o] = s_in * s_w[o]
//
// (float)acc rounds to nearest even (exact below 2^24), then one float multiply. The two
// reference heads are folded into one offline (their mean).
void vgl_qs8_head_1x1__scalar(size_t in_channels, size_t classes, const int8_t *input,
                              int32_t input_zero_point, const int8_t *weight,
                              const int32_t *bias, const float *scale, float *logits) {
  VGL_DCHECK(in_channels != 0 && classes != 0);
  VGL_DCHECK(input != NULL && weight != NULL && bias != NULL && scale != NULL);
  VGL_DCHECK(logits != NULL);
  VGL_DCHECK(input_zero_point >= -128 && input_zero_point <= 127);

  const size_t depth = vgl_qs8_packed_channels(in_channels);
  for (size_t out_channel = 0; out_channel < classes; out_channel++) {
    int32_t acc = 0;
    for (size_t channel = 0; channel < in_channels; channel++) {
      // E = 768 inputs for MobileViGv2-B: 768 * 32385 = 24,871,680 < INT32_MAX.
      const int8_t w = weight[vgl_qs8_packed_index(out_channel, channel, depth)];
      acc += (int32_t)w * ((int32_t)input[channel] - input_zero_point);
    }
    acc += bias[out_channel];
    const float logit = (float)acc * scale[out_channel];
    logits[out_channel] = logit;
  }
}
