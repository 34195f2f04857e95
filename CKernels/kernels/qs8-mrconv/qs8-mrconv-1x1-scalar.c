// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include <stdbool.h>

#include "../qs8-kernels.h"

// MobileViGv2's max-relative graph convolution fused with its 2C -> C pointwise conv:
//
//   xj[p][c]  = max(0, max(x[up][c], x[down][c], x[left][c], x[right][c]) - x[p][c])
//   acc[p][o] = sum over c of w[o][c] * (x[p][c] - zp) + sum over c of w[o][C + c] * xj[p][c]
//             + bias[o]
//   out[p][o] = finish(acc, scale[o])
//
// All of it on the int8 codes: x and its neighbours share one scale and zero point, so
// neighbour - x is the exact real difference divided by the scale, an integer in -255..255,
// and xj (0..255) is a tensor at x's scale with zero point 0. It enters the conv as is: no
// requantization, and the 2C-channel concat is never stored. The toolkit quantizes the whole
// 2C-column weight with one scale per output channel, so both halves share s_in * s_w[o].
//
// Rolls, as the reference's roll by slicing: along an axis of size n the neighbours of index
// i are (i - hop) mod n and (i + hop) mod n, and the roll is the identity when hop == 0 or
// hop >= n; an identity roll gives x - x = 0, which the max with 0 already covers, so that
// axis is skipped. For each pixel the C values of xj go to xj_scratch (plan scratch) and are
// then read by every output channel.
void vgl_qs8_mrconv_1x1__scalar(size_t channels, size_t height, size_t width, size_t hop,
                                const int8_t *input, int32_t input_zero_point,
                                const int8_t *weight, const int32_t *bias, const float *scale,
                                const vgl_qs8_requant_params *params, const int8_t *gelu_table,
                                const int8_t *residual, uint8_t *xj_scratch, int8_t *output, size_t out_y_begin,
    size_t out_y_end) {
  VGL_DCHECK(out_y_begin <= out_y_end && out_y_end <= height);
  VGL_DCHECK(channels != 0 && height != 0 && width != 0);
  VGL_DCHECK(input != NULL && weight != NULL && bias != NULL && scale != NULL);
  VGL_DCHECK(params != NULL && xj_scratch != NULL && output != NULL);
  VGL_DCHECK(input_zero_point >= -128 && input_zero_point <= 127);

  // Packed as 2 taps of `channels` (x, then xj), each padded to a multiple of 4.
  const size_t tap = vgl_qs8_packed_channels(channels);
  const size_t depth = 2 * tap;
  const bool roll_h = hop != 0 && hop < height;
  const bool roll_w = hop != 0 && hop < width;
  for (size_t out_y = out_y_begin; out_y < out_y_end; out_y++) {
    for (size_t out_x = 0; out_x < width; out_x++) {
      const size_t pixel = out_y * width + out_x;
      const int8_t *x = input + pixel * channels;
      for (size_t channel = 0; channel < channels; channel++) {
        int32_t neighbour_max = x[channel];
        if (roll_h) {
          const size_t up_y = (out_y + height - hop) % height;
          const size_t down_y = (out_y + hop) % height;
          const int32_t up = input[(up_y * width + out_x) * channels + channel];
          const int32_t down = input[(down_y * width + out_x) * channels + channel];
          if (up > neighbour_max) neighbour_max = up;
          if (down > neighbour_max) neighbour_max = down;
        }
        if (roll_w) {
          const size_t left_x = (out_x + width - hop) % width;
          const size_t right_x = (out_x + hop) % width;
          const int32_t left = input[(out_y * width + left_x) * channels + channel];
          const int32_t right = input[(out_y * width + right_x) * channels + channel];
          if (left > neighbour_max) neighbour_max = left;
          if (right > neighbour_max) neighbour_max = right;
        }
        // neighbour_max >= x, so this is max(0, neighbour_max - x), in 0..255.
        xj_scratch[channel] = (uint8_t)(neighbour_max - x[channel]);
      }

      for (size_t out_channel = 0; out_channel < channels; out_channel++) {
        int32_t acc = 0;
        for (size_t channel = 0; channel < channels; channel++) {
          // Both halves: |x - zp| <= 255, 0 <= xj <= 255, |w| <= 127, so each term is at most
          // 32385. 2C terms; MobileViGv2-B's largest graph op has C = 512: 1024 * 32385 =
          // 33,162,240 < INT32_MAX (validation bounds 2C * 32385 + |bias| for any plan).
          const int8_t w_x = weight[vgl_qs8_packed_index(out_channel, channel, depth)];
          const int8_t w_xj = weight[vgl_qs8_packed_index(out_channel, tap + channel, depth)];
          acc += (int32_t)w_x * ((int32_t)x[channel] - input_zero_point);
          acc += (int32_t)w_xj * (int32_t)xj_scratch[channel];
        }
        acc += bias[out_channel];
        const size_t at = pixel * channels + out_channel;
        output[at] = vgl_qs8_finish(acc, scale[out_channel], params, gelu_table,
                                    residual != NULL ? &residual[at] : NULL);
      }
    }
  }
}
