// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include <stdbool.h>

#include "../f32-kernels.h"

enum {
  kOutputChannelBlock = 8,  // MR: output channels accumulated together
  kPixelTile = 64,          // NR: pixels per accumulator row
};

// xj[i] = max(0, max of the rolled neighbours of pixel p0 + i - x) for one channel plane over
// the flat pixel range [p0, p0 + n). A roll along H by +-hop moves the flat index by
// +-hop * width modulo height * width; a roll along W wraps inside the row. An axis whose roll
// is the identity (hop == 0 or hop >= its size, as in the reference's slicing) contributes
// x - x = 0, which the max with 0 already covers, so it is skipped.
// max_k(n_k - x) == max_k(n_k) - x exactly in floating point (the rounded subtraction is
// monotonic in n_k), so one max over the neighbours and one subtraction give the reference's
// value.
static void relative_max_tile(const float *plane, size_t height, size_t width, size_t hop,
                              bool roll_h, bool roll_w, size_t p0, size_t n, float *xj) {
  const size_t pixels = height * width;
  const size_t hop_rows = roll_h ? hop * width : 0;
  size_t x = p0 % width;
  for (size_t i = 0; i < n; i++) {
    const size_t p = p0 + i;
    const float center = plane[p];
    float neighbour_max = center;
    if (roll_h) {
      const size_t above = p >= hop_rows ? p - hop_rows : p + pixels - hop_rows;
      const size_t below = p + hop_rows < pixels ? p + hop_rows : p + hop_rows - pixels;
      if (plane[above] > neighbour_max) neighbour_max = plane[above];
      if (plane[below] > neighbour_max) neighbour_max = plane[below];
    }
    if (roll_w) {
      const size_t left = x >= hop ? p - hop : p + width - hop;
      const size_t right = x + hop < width ? p + hop : p + hop - width;
      if (plane[left] > neighbour_max) neighbour_max = plane[left];
      if (plane[right] > neighbour_max) neighbour_max = plane[right];
    }
    const float relative = neighbour_max - center;
    xj[i] = relative > 0.0f ? relative : 0.0f;
    x = x + 1 == width ? 0 : x + 1;
  }
}

// MobileViGv2's max-relative graph convolution fused with its 2C -> C pointwise conv:
//
//   xj  = max(0, roll_H(x, +hop) - x, roll_H(x, -hop) - x,
//                roll_W(x, +hop) - x, roll_W(x, -hop) - x)
//   out = act(bias + W[:, 0:C] x + W[:, C:2C] xj) (+ residual)
//
// Tiles of 8 output channels x 64 pixels as in vgl_f32_conv_1x1_8x64__scalar; the 2C-channel
// concat is never materialised: the x half reads the input directly, and for the xj half the
// 64 values of xj of one input channel are computed into a 64-float stack buffer right before
// they are consumed. That recomputes xj once per block of 8 output channels (about 6 compares
// and subtracts per 8 MACs of the xj half), the price of needing no scratch tensor.
void vgl_f32_mrconv_8x64__scalar(size_t channels, size_t height, size_t width, size_t hop,
                                 const float *input, const float *weight, const float *bias,
                                 uint32_t activation, const float *residual, float *output) {
  VGL_DCHECK(channels != 0 && height != 0 && width != 0);
  VGL_DCHECK(input != NULL && weight != NULL && bias != NULL && output != NULL);

  const size_t pixels = height * width;
  const bool roll_h = hop != 0 && hop < height;
  const bool roll_w = hop != 0 && hop < width;
  const size_t weight_columns = 2 * channels;

  float acc[kOutputChannelBlock][kPixelTile];
  float xj[kPixelTile];
  for (size_t pixel_begin = 0; pixel_begin < pixels; pixel_begin += kPixelTile) {
    const size_t tile = pixels - pixel_begin < kPixelTile ? pixels - pixel_begin : kPixelTile;

    for (size_t out_begin = 0; out_begin < channels; out_begin += kOutputChannelBlock) {
      const size_t block =
          channels - out_begin < kOutputChannelBlock ? channels - out_begin : kOutputChannelBlock;

      for (size_t row = 0; row < block; row++) {
        for (size_t i = 0; i < tile; i++) acc[row][i] = bias[out_begin + row];
      }
      // Columns 0 .. C-1: x itself.
      for (size_t in_channel = 0; in_channel < channels; in_channel++) {
        const float *in = input + in_channel * pixels + pixel_begin;
        for (size_t row = 0; row < block; row++) {
          const float w = weight[(out_begin + row) * weight_columns + in_channel];
          for (size_t i = 0; i < tile; i++) acc[row][i] = acc[row][i] + w * in[i];
        }
      }
      // Columns C .. 2C-1: xj.
      for (size_t in_channel = 0; in_channel < channels; in_channel++) {
        relative_max_tile(input + in_channel * pixels, height, width, hop, roll_h, roll_w,
                          pixel_begin, tile, xj);
        for (size_t row = 0; row < block; row++) {
          const float w = weight[(out_begin + row) * weight_columns + channels + in_channel];
          for (size_t i = 0; i < tile; i++) acc[row][i] = acc[row][i] + w * xj[i];
        }
      }
      for (size_t row = 0; row < block; row++) {
        const size_t at = (out_begin + row) * pixels + pixel_begin;
        vgl_f32_epilogue__scalar(tile, acc[row], activation,
                                 residual != NULL ? residual + at : NULL, output + at);
      }
    }
  }
}
