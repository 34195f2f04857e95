// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Internal declarations of the fp32 kernels (not a public header; the executor in
// CKernels/runtime/ and the C tests include it). Every tensor is NCHW, batch 1, contiguous.
//
// One accumulation order, shared by every fp32 kernel, so that a kernel and any faster twin
// written later agree bit for bit on the same machine:
//
//   acc = bias[out_channel]
//   for each term in ascending order of its weight index (input channel, then ky, then kx;
//   for MRCONV weight column 0..2C-1, that is the x half then the xj half):
//       acc = acc + w * x          (a rounded float product, then a rounded float sum; the
//                                   target is built with -ffp-contract=off, so no FMA)
//   y = act(acc)                   (vgl_f32_vgelu__scalar, float, see its file)
//   y = y + residual               (when there is a residual tensor)
//
// Terms that would read zero padding are skipped: adding w * 0 could only change the sign of
// a zero result. Blocking over output channels or pixels never changes this per-element order.
// The global average pool is the one exception: it sums in double (see its file).
#ifndef VIGIL_F32_KERNELS_H
#define VIGIL_F32_KERNELS_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil_f32.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Debug-only check for arguments the executor guarantees (validated plans). Compiles out
/// with NDEBUG (release builds): the condition is then not evaluated, only type-checked, so a
/// parameter that only a check reads still counts as used.
#ifndef VGL_DCHECK
#ifdef NDEBUG
#define VGL_DCHECK(condition) ((void)sizeof(condition))
#else
#define VGL_DCHECK(condition) assert(condition)
#endif
#endif

/// Dense convolution (groups = 1), any kernel size, stride and zero padding.
/// input [in_channels][in_height][in_width], weight [out_channels][in_channels][kernel][kernel],
/// bias [out_channels], residual NULL or [out_channels][out_height][out_width] like output.
void vgl_f32_conv_kxk__scalar(size_t in_channels, size_t in_height, size_t in_width,
                              size_t out_channels, size_t out_height, size_t out_width,
                              size_t kernel, size_t stride, size_t pad, const float *input,
                              const float *weight, const float *bias, uint32_t activation,
                              const float *residual, float *output);

/// Pointwise convolution (1x1, stride 1, no padding, groups = 1): out[co][p] = sum over ci of
/// weight[co][ci] * input[ci][p]. Blocks of 8 output channels x 64 pixels.
/// input [in_channels][pixels], weight [out_channels][in_channels], output [out_channels][pixels].
void vgl_f32_conv_1x1_8x64__scalar(size_t in_channels, size_t out_channels, size_t pixels,
                                   const float *input, const float *weight, const float *bias,
                                   uint32_t activation, const float *residual, float *output);

/// Depthwise convolution (groups = channels), any kernel size, stride and zero padding.
/// weight [channels][kernel][kernel].
void vgl_f32_dwconv_kxk__scalar(size_t channels, size_t in_height, size_t in_width,
                                size_t out_height, size_t out_width, size_t kernel,
                                size_t stride, size_t pad, const float *input,
                                const float *weight, const float *bias, uint32_t activation,
                                const float *residual, float *output);

/// MobileViGv2's max-relative graph conv fused with its 2C -> C pointwise conv (see
/// VGL_F32_MRCONV in vigil_f32.h). input/output [channels][height][width], weight
/// [channels][2 * channels]. Blocks of 8 output channels x 64 pixels.
void vgl_f32_mrconv_8x64__scalar(size_t channels, size_t height, size_t width, size_t hop,
                                 const float *input, const float *weight, const float *bias,
                                 uint32_t activation, const float *residual, float *output);

/// Global average pool: output[c] = mean of input[c][0..pixels-1], then act and residual.
void vgl_f32_gap__scalar(size_t channels, size_t pixels, const float *input,
                         uint32_t activation, const float *residual, float *output);

/// GELU, exact erf form, in float: y[i] = 0.5f * x[i] * (1 + erff(x[i] * 0.70710678f)).
/// `y` may equal `x`.
void vgl_f32_vgelu__scalar(size_t n, const float *x, float *y);

/// The common tail of every op: y[i] = act(acc[i]) (+ residual[i] when residual != NULL).
/// `y` may equal `acc`; `residual` must not overlap `y` unless equal to it element for element.
void vgl_f32_epilogue__scalar(size_t n, const float *acc, uint32_t activation,
                              const float *residual, float *y);

/// The range [*lo, *hi) of output positions whose input position o * stride + tap - pad lies
/// inside [0, in_size). Shared by the convolutions so that padding is decided in one place.
static inline void vgl_f32_valid_outputs(size_t out_size, size_t in_size, size_t tap,
                                         size_t stride, size_t pad, size_t *lo, size_t *hi) {
  // Smallest o with o * stride + tap >= pad.
  size_t first = 0;
  if (pad > tap) first = (pad - tap + stride - 1) / stride;
  // Largest o with o * stride + tap - pad <= in_size - 1, plus one.
  size_t end = 0;
  if (in_size + pad > tap) end = (in_size + pad - tap - 1) / stride + 1;
  if (end > out_size) end = out_size;
  if (first > end) first = end;
  *lo = first;
  *hi = end;
}

#ifdef __cplusplus
}
#endif

#endif  // VIGIL_F32_KERNELS_H
