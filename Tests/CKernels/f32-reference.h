// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Naive fp32-op references for the C tests, written from the definitions (PyTorch's Conv2d,
// GELU, the reference MRConv4d with its roll-by-slicing and concat, adaptive average pool),
// not from the kernels: direct loops, double accumulation, nothing shared with CKernels.
//
// Each reference also returns a per-element magnitude, the sum of the absolute values of the
// terms (times the activation's largest slope, 1.13 for GELU, plus |residual|): a float
// evaluation of the same sum differs from the double one by at most about n * 2^-24 of it, so
// tests bound the error by rel * magnitude instead of rel * |result|, which fails on
// cancellation.
#ifndef VGL_F32_REFERENCE_H
#define VGL_F32_REFERENCE_H

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "vigil_f32.h"

static inline double ref_gelu(double x) { return 0.5 * x * (1.0 + erf(x / sqrt(2.0))); }

/// The tail of every op: act(acc) then + residual. Returns the finished value and updates
/// *magnitude.
static inline double ref_finish(double acc, double *magnitude, uint32_t activation,
                                const float *residual, size_t index) {
  double y = acc;
  if (activation == VGL_ACT_GELU) {
    y = ref_gelu(acc);
    *magnitude *= 1.13;
  }
  if (residual != NULL) {
    y += residual[index];
    *magnitude += fabs(residual[index]);
  }
  return y;
}

/// torch.nn.functional.conv2d with zero padding, square kernel, `groups` groups, plus bias,
/// then act and residual. weight [out_c][in_c / groups][k][k].
static inline void ref_conv(const float *input, size_t in_c, size_t in_h, size_t in_w,
                            const float *weight, const float *bias, size_t out_c, size_t out_h,
                            size_t out_w, size_t kernel, size_t stride, size_t pad,
                            size_t groups, uint32_t activation, const float *residual,
                            double *out, double *magnitude) {
  const size_t in_per_group = in_c / groups, out_per_group = out_c / groups;
  for (size_t co = 0; co < out_c; co++) {
    const size_t group = co / out_per_group;
    for (size_t oy = 0; oy < out_h; oy++) {
      for (size_t ox = 0; ox < out_w; ox++) {
        double acc = bias[co], mag = fabs(bias[co]);
        for (size_t g = 0; g < in_per_group; g++) {
          const size_t ci = group * in_per_group + g;
          for (size_t ky = 0; ky < kernel; ky++) {
            for (size_t kx = 0; kx < kernel; kx++) {
              const long iy = (long)(oy * stride + ky) - (long)pad;
              const long ix = (long)(ox * stride + kx) - (long)pad;
              const bool is_padding = iy < 0 || ix < 0 || iy >= (long)in_h || ix >= (long)in_w;
              if (is_padding) continue;
              const double term =
                  (double)weight[((co * in_per_group + g) * kernel + ky) * kernel + kx] *
                  (double)input[(ci * in_h + (size_t)iy) * in_w + (size_t)ix];
              acc += term;
              mag += fabs(term);
            }
          }
        }
        const size_t at = (co * out_h + oy) * out_w + ox;
        out[at] = ref_finish(acc, &mag, activation, residual, at);
        magnitude[at] = mag;
      }
    }
  }
}

/// Python's x[start:stop] on a sequence of length n: negative bounds count from the end, then
/// both are clamped to [0, n] (a stop below the start gives an empty slice).
static inline void ref_py_slice(long n, long start, long stop, long *begin, long *end) {
  if (start < 0) start += n;
  if (stop < 0) stop += n;
  if (start < 0) start = 0;
  if (start > n) start = n;
  if (stop < 0) stop = 0;
  if (stop > n) stop = n;
  if (stop < start) stop = start;
  *begin = start;
  *end = stop;
}

/// The source index of element i of torch.cat([x[a_start:a_stop], x[b_start:b_stop]]) along an
/// axis of length n ("None" bounds passed as 0 or n).
static inline long ref_cat_source(long n, long a_start, long a_stop, long b_start, long b_stop,
                                  long i) {
  long a0, a1, b0, b1;
  ref_py_slice(n, a_start, a_stop, &a0, &a1);
  ref_py_slice(n, b_start, b_stop, &b0, &b1);
  assert(a1 - a0 + b1 - b0 == n);
  return i < a1 - a0 ? a0 + i : b0 + (i - (a1 - a0));
}

/// MRConv4d of the reference, materialised: the four rolls built by slicing and concatenation
/// exactly as the PyTorch code writes them (x[-K:] ++ x[:-K] and x[K:] ++ x[:K] along H, then
/// along W), x_j = max(x - x, x_c - x, ...) in float, the 2C-channel concat [x; x_j], then a
/// 1x1 conv (2C -> C) with bias, act and residual through ref_conv.
static inline void ref_mrconv(const float *input, size_t channels, size_t height, size_t width,
                              size_t hop, const float *weight, const float *bias,
                              uint32_t activation, const float *residual, double *out,
                              double *magnitude) {
  const size_t plane = height * width;
  float *concat = malloc(2 * channels * plane * sizeof(float));
  assert(concat != NULL);
  const long k = (long)hop, h = (long)height, w = (long)width;
  for (size_t c = 0; c < channels; c++) {
    const float *x = input + c * plane;
    float *xj = concat + (channels + c) * plane;
    for (long y = 0; y < h; y++) {
      for (long xx = 0; xx < w; xx++) {
        const float center = x[y * w + xx];
        // The four rolled tensors at (y, xx), in the reference's order.
        const float rolled[4] = {
            x[ref_cat_source(h, -k, h, 0, -k, y) * w + xx],  // cat(x[-K:], x[:-K]) along H
            x[ref_cat_source(h, k, h, 0, k, y) * w + xx],    // cat(x[K:], x[:K]) along H
            x[y * w + ref_cat_source(w, -k, w, 0, -k, xx)],  // the same along W
            x[y * w + ref_cat_source(w, k, w, 0, k, xx)],
        };
        float best = center - center;
        for (int r = 0; r < 4; r++) {
          const float relative = rolled[r] - center;
          if (relative > best) best = relative;
        }
        xj[y * w + xx] = best;
        concat[c * plane + (size_t)(y * w + xx)] = center;
      }
    }
  }
  ref_conv(concat, 2 * channels, height, width, weight, bias, channels, height, width, 1, 1, 0,
           1, activation, residual, out, magnitude);
  free(concat);
}

/// adaptive_avg_pool2d to 1x1, then act and residual.
static inline void ref_gap(const float *input, size_t channels, size_t height, size_t width,
                           uint32_t activation, const float *residual, double *out,
                           double *magnitude) {
  const size_t plane = height * width;
  for (size_t c = 0; c < channels; c++) {
    double sum = 0.0, mag = 0.0;
    for (size_t p = 0; p < plane; p++) {
      sum += input[c * plane + p];
      mag += fabs(input[c * plane + p]);
    }
    mag /= (double)plane;
    out[c] = ref_finish(sum / (double)plane, &mag, activation, residual, c);
    magnitude[c] = mag;
  }
}

#endif  // VGL_F32_REFERENCE_H
