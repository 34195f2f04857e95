// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../f32-kernels.h"

enum {
  kOutputChannelBlock = 8,  // MR: output channels accumulated together
  kPixelTile = 64,          // NR: pixels per accumulator row (8 x 64 floats = 2 KiB of stack)
};

// Pointwise convolution, the bulk of MobileViGv2's work (86-92 % of the MACs):
//
//   out[co][p] = act(bias[co] + sum over ci of w[co][ci] * in[ci][p]) (+ residual[co][p])
//
// The output is computed in tiles of 8 output channels x 64 pixels held in a stack
// accumulator. For each input channel in ascending order, each of the 8 rows adds
// w[co][ci] * in[ci][p0 .. p0 + 63]: the innermost loop runs over contiguous pixels, which the
// compiler vectorizes, and the 64 input values just loaded are reused by 8 rows. Pixel tiles
// are the outer loop so that one tile of the input (in_channels x 64 floats) stays in cache
// while every block of output channels reads it. The tile is finished by the activation and
// residual add and stored. Partial tiles (out_channels % 8, pixels % 64) run the same loops
// with shorter bounds.
void vgl_f32_conv_1x1_8x64__scalar(size_t in_channels, size_t out_channels, size_t pixels,
                                   const float *input, const float *weight, const float *bias,
                                   uint32_t activation, const float *residual, float *output) {
  VGL_DCHECK(in_channels != 0 && out_channels != 0 && pixels != 0);
  VGL_DCHECK(input != NULL && weight != NULL && bias != NULL && output != NULL);

  float acc[kOutputChannelBlock][kPixelTile];
  for (size_t pixel_begin = 0; pixel_begin < pixels; pixel_begin += kPixelTile) {
    const size_t tile = pixels - pixel_begin < kPixelTile ? pixels - pixel_begin : kPixelTile;

    for (size_t out_begin = 0; out_begin < out_channels; out_begin += kOutputChannelBlock) {
      const size_t block = out_channels - out_begin < kOutputChannelBlock
                               ? out_channels - out_begin
                               : kOutputChannelBlock;

      for (size_t row = 0; row < block; row++) {
        for (size_t i = 0; i < tile; i++) acc[row][i] = bias[out_begin + row];
      }
      for (size_t in_channel = 0; in_channel < in_channels; in_channel++) {
        const float *in = input + in_channel * pixels + pixel_begin;
        for (size_t row = 0; row < block; row++) {
          const float w = weight[(out_begin + row) * in_channels + in_channel];
          for (size_t i = 0; i < tile; i++) acc[row][i] = acc[row][i] + w * in[i];
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
