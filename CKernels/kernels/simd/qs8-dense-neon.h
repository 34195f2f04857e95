// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The dense kxk convolution on Advanced SIMD, shared by the CONV kxk and STEM kernels of the
// neon and neondot paths: an implicit GEMM over the taps and, within a tap, groups of 4 input
// channels, the packed weight's order (vigil_q8.h), VGL_NEON_DENSE_PIXELS output pixels x 16
// output channels per tile. The including kernel file defines VGL_NEON_DENSE_DOT first:
//   1  sdot (vdotq_s32, VGL_TARGET_NEONDOT, aarch64 only), 4 pixels x 16 channels: one
//      accumulator per 4 channels, 4 products per lane and step;
//   0  baseline (VGL_TARGET_NEON), 2 pixels x 16 channels: vmull_s8 on the low and the high
//      halves of a weight vector (2 channels x 4 bytes each; |w * x| <= 128 * 128, exact int16)
//      and vpadalq_s16 pair sums into int32, folded by one pairwise add after the reduction,
//      as in the neon 1x1 GEMM.
// Every operand is a signed byte: CONV codes as they are, STEM pixels as p - 128 (p xor 0x80).
// A padded tap feeds the zero point (CONV: zp in every byte; STEM: pz[c] - 128 per channel), so
// with the accumulators started at
//   CONV: bias - zp * weight_sum                    (the sums stored beside the biases)
//   STEM: bias + 128 * sum(w) - sum(w * pz)         (sum(w * pz) stored; sum(w) summed here)
// every tap contributes the reference's w * (x - zp): a STEM tap adds w * (p - 128) and
// sum over all taps of w * (128 - pz) is added back once. Validation bounds the reduction, so
// every int32 is exact. Include only from files guarded by VGL_ARCH_AARCH64 ||
// VGL_ARCH_ARMV7_NEON_KERNELS (and VGL_ARCH_AARCH64 for neondot).
#ifndef VIGIL_QS8_DENSE_NEON_H
#define VIGIL_QS8_DENSE_NEON_H

#include "qs8-neon.h"

#if VGL_NEON_DENSE_DOT
#define VGL_NEON_DENSE_TARGET VGL_TARGET_NEONDOT
#define VGL_NEON_DENSE_PIXELS 4
/// One pixel x 16 channels: channel c in v[c / 4] lane c % 4.
typedef struct vgl_neon_dense_acc {
  int32x4_t v[4];
} vgl_neon_dense_acc;

static inline VGL_NEON_DENSE_TARGET void dense_acc_zero(vgl_neon_dense_acc *acc) {
  for (int q = 0; q < 4; q++) acc->v[q] = vdupq_n_s32(0);
}

static inline VGL_NEON_DENSE_TARGET void dense_acc_add(vgl_neon_dense_acc *acc,
                                                       int8x16x4_t line, int8x16_t a) {
  for (int q = 0; q < 4; q++) acc->v[q] = vdotq_s32(acc->v[q], line.val[q], a);
}

static inline VGL_NEON_DENSE_TARGET void dense_acc_sums(const vgl_neon_dense_acc *acc,
                                                        int32x4_t out[4]) {
  for (int q = 0; q < 4; q++) out[q] = acc->v[q];
}
#else
#define VGL_NEON_DENSE_TARGET VGL_TARGET_NEON
#define VGL_NEON_DENSE_PIXELS 2
/// One pixel x 16 channels: low[q] holds [c k0+k1, c k2+k3, c+1 k0+k1, c+1 k2+k3] of channels
/// c = 4 q, c + 1, high[q] the same of c + 2, c + 3.
typedef struct vgl_neon_dense_acc {
  int32x4_t low[4], high[4];
} vgl_neon_dense_acc;

static inline VGL_NEON_DENSE_TARGET void dense_acc_zero(vgl_neon_dense_acc *acc) {
  for (int q = 0; q < 4; q++) acc->low[q] = acc->high[q] = vdupq_n_s32(0);
}

static inline VGL_NEON_DENSE_TARGET void dense_acc_add(vgl_neon_dense_acc *acc,
                                                       int8x16x4_t line, int8x16_t a) {
  for (int q = 0; q < 4; q++) {
    acc->low[q] = vpadalq_s16(acc->low[q], vmull_s8(vget_low_s8(line.val[q]), vget_low_s8(a)));
    acc->high[q] = vpadalq_s16(acc->high[q], vmull_s8(vget_high_s8(line.val[q]), vget_high_s8(a)));
  }
}

static inline VGL_NEON_DENSE_TARGET void dense_acc_sums(const vgl_neon_dense_acc *acc,
                                                        int32x4_t out[4]) {
  for (int q = 0; q < 4; q++) out[q] = vgl_neon_pairwise(acc->low[q], acc->high[q]);
}
#endif

typedef vgl_qs8_dense_args vgl_neon_dense;

/// The first n (1..4) bytes at p xor `flip`, the rest `flip` xor 0 (their weights are 0), in
/// every 32-bit lane.
static inline VGL_NEON_DENSE_TARGET int8x16_t vgl_neon_dense_group(const int8_t *p, size_t n,
                                                                   uint32_t flip) {
  uint32_t bits;
  if (n >= 4) {
    memcpy(&bits, p, 4);
  } else {
    bits = vgl_neon_load_group(p, n);
  }
  return vreinterpretq_s8_u32(vdupq_n_u32(bits ^ flip));
}

/// The tile's start values: bias - zp * sums (CONV) or bias + 128 * sum(w) - sums (STEM) for
/// the block's first n channels (0 past them), and its scales (1 past them).
static inline VGL_NEON_DENSE_TARGET void vgl_neon_dense_start(const vgl_neon_dense *d,
                                                              size_t channel, size_t n,
                                                              int32x4_t start[4],
                                                              float scale_out[16]) {
  if (d->pixel_zero_points == NULL) {
    vgl_neon_block_start(d->bias + channel, d->bias + d->out_channels + channel,
                         d->scale + channel, n, d->zero_point, start, scale_out);
    return;
  }
  // bias - 1 * sum(w * pz), then + 128 * sum(w) over the block's packed lines (row r of a line
  // is bytes 4 r .. 4 r + 3; padding bytes are 0).
  vgl_neon_block_start(d->bias + channel, d->bias + d->out_channels + channel, d->scale + channel,
                       n, 1, start, scale_out);
  const int8_t *block = d->weight + channel / 16 * d->depth * 16;
  int32x4_t sums[4] = {vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0)};
  for (size_t group = 0; group < d->depth / 4; group++) {
    const int8x16x4_t line = vgl_neon_load64(block + group * 64);
    for (int q = 0; q < 4; q++) sums[q] = vaddq_s32(sums[q], vpaddlq_s16(vpaddlq_s8(line.val[q])));
  }
  for (int q = 0; q < 4; q++) start[q] = vaddq_s32(start[q], vshlq_n_s32(sums[q], 7));
}

static inline __attribute__((always_inline)) VGL_NEON_DENSE_TARGET void vgl_neon_dense_tile(
    const vgl_neon_dense *d, const vgl_neon_stage *stage, const size_t *pixel_index,
    size_t pixels_used, size_t channel) {
  const size_t n = d->out_channels - channel < 16 ? d->out_channels - channel : 16;
  int32x4_t start[4];
  float block_scale[16];
  vgl_neon_dense_start(d, channel, n, start, block_scale);
  vgl_neon_dense_acc acc[VGL_NEON_DENSE_PIXELS];
  for (size_t i = 0; i < VGL_NEON_DENSE_PIXELS; i++) dense_acc_zero(&acc[i]);
  const int is_stem = d->pixel_zero_points != NULL;
  const uint32_t flip = is_stem ? UINT32_C(0x80808080) : 0;
  const uint8_t zp_byte = (uint8_t)(int8_t)d->zero_point;
  const int8x16_t padding = vreinterpretq_s8_u32(vdupq_n_u32(zp_byte * UINT32_C(0x01010101)));
  const size_t groups = d->tap_stride / 4;
  ptrdiff_t origin_y[VGL_NEON_DENSE_PIXELS], origin_x[VGL_NEON_DENSE_PIXELS];
  for (size_t i = 0; i < VGL_NEON_DENSE_PIXELS; i++) {
    origin_y[i] = (ptrdiff_t)(pixel_index[i] / d->out_width * d->stride) - (ptrdiff_t)d->pad;
    origin_x[i] = (ptrdiff_t)(pixel_index[i] % d->out_width * d->stride) - (ptrdiff_t)d->pad;
  }
  const int8_t *block = d->weight + channel / 16 * d->depth * 16;
  for (size_t ky = 0; ky < d->kernel; ky++) {
    for (size_t kx = 0; kx < d->kernel; kx++) {
      const int8_t *rows[VGL_NEON_DENSE_PIXELS];
      for (size_t i = 0; i < VGL_NEON_DENSE_PIXELS; i++) {
        // The same padding test as vgl_qs8_tap_position, on the origins computed once per tile.
        const ptrdiff_t in_y = origin_y[i] + (ptrdiff_t)ky, in_x = origin_x[i] + (ptrdiff_t)kx;
        const int is_padding = in_y < 0 || in_x < 0 || in_y >= (ptrdiff_t)d->in_height ||
                               in_x >= (ptrdiff_t)d->in_width;
        rows[i] = is_padding ? NULL
                             : d->input + ((size_t)in_y * d->in_width + (size_t)in_x) * d->in_channels;
      }
      const int8_t *w = block + (ky * d->kernel + kx) * d->tap_stride * 16;
      for (size_t group = 0; group < groups; group++) {
        const int8x16x4_t line = vgl_neon_load64(w + group * 64);
        const size_t first = group * 4, count = d->in_channels - first;
        int8x16_t group_padding = padding;
        if (is_stem) {
          group_padding = vgl_neon_dense_group((const int8_t *)d->pixel_zero_points + first, count, flip);
        }
        for (size_t i = 0; i < VGL_NEON_DENSE_PIXELS; i++) {
          const int8x16_t a =
              rows[i] != NULL ? vgl_neon_dense_group(rows[i] + first, count, flip) : group_padding;
          dense_acc_add(&acc[i], line, a);
        }
      }
    }
  }
  for (size_t i = 0; i < pixels_used; i++) {
    int32x4_t sums[4];
    dense_acc_sums(&acc[i], sums);
    for (int q = 0; q < 4; q++) sums[q] = vaddq_s32(sums[q], start[q]);
    const size_t at = pixel_index[i] * d->out_channels + channel;
    vgl_neon_finish16(stage, sums, block_scale, d->residual != NULL ? d->residual + at : NULL, n,
                      d->output + at);
  }
}

static inline VGL_NEON_DENSE_TARGET void vgl_neon_dense_run(const vgl_neon_dense *d,
                                                            const vgl_neon_stage *stage) {
  const size_t pixels = d->out_y_end * d->out_width;
  for (size_t channel = 0; channel < d->out_channels; channel += 16) {
    for (size_t pixel = d->out_y_begin * d->out_width; pixel < pixels; pixel += VGL_NEON_DENSE_PIXELS) {
      const size_t used = pixels - pixel < VGL_NEON_DENSE_PIXELS ? pixels - pixel : VGL_NEON_DENSE_PIXELS;
      size_t index[VGL_NEON_DENSE_PIXELS];
      for (size_t i = 0; i < VGL_NEON_DENSE_PIXELS; i++) index[i] = pixel + (i < used ? i : used - 1);
      vgl_neon_dense_tile(d, stage, index, used, channel);
    }
  }
}

#endif  // VIGIL_QS8_DENSE_NEON_H
