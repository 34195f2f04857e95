// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Direct int8 references for the C tests, written from the formulas of docs/int8.md, not from
// the kernels: int64 accumulation over explicitly padded or rolled inputs, the concat of the
// graph op materialised, and the rounding rule evaluated another way (the float product is
// formed exactly in double and rounded to float once; half-to-even decided with floor and an
// explicit tie test; the clamp applied last, on the integer). Nothing is shared with
// CKernels but the public header's structs.
#ifndef VGL_Q8_REFERENCE_H
#define VGL_Q8_REFERENCE_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigil_q8.h"

/// (float)acc * scale as the contract defines it: int32 -> float with round-to-nearest-even
/// (through double, exact for int32, then one rounding), product of two floats exact in double
/// (24 + 24 bits < 53), rounded to float once.
static inline float ref_q8_product(int64_t acc, float scale) {
  const float converted = (float)(double)acc;
  return (float)((double)converted * (double)scale);
}

/// Round half to even to an integer, in double (|v| < 2^52, or clamped by the caller).
static inline double ref_q8_rne(double v) {
  const double floor_v = floor(v);
  const double fraction = v - floor_v;  // exact
  if (fraction > 0.5) return floor_v + 1.0;
  if (fraction < 0.5) return floor_v;
  return fmod(floor_v, 2.0) == 0.0 ? floor_v : floor_v + 1.0;  // a tie: to the even one
}

/// rne of a float that may be huge or infinite, saturated to +-2^40 (beyond any int8 clamp).
static inline int64_t ref_q8_rne_saturated(float v) {
  if (v >= 1099511627776.0f) return INT64_C(1099511627776);
  if (v <= -1099511627776.0f) return -INT64_C(1099511627776);
  return (int64_t)ref_q8_rne((double)v);
}

static inline int64_t ref_q8_clamp(int64_t v, int64_t lo, int64_t hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

/// clamp(rne((float)acc * scale) + zp, qmin, qmax), in the order written.
static inline int32_t ref_q8_requantize(int64_t acc, float scale, int32_t zero_point,
                                        int32_t qmin, int32_t qmax) {
  return (int32_t)ref_q8_clamp(ref_q8_rne_saturated(ref_q8_product(acc, scale)) + zero_point,
                               qmin, qmax);
}

/// clamp(rne((float)acc * scale) + rne((float)(r - r_zp) * r_scale) + zp, qmin, qmax).
static inline int32_t ref_q8_requantize_residual(int64_t acc, float scale, int32_t r,
                                                 int32_t r_zero_point, float r_scale,
                                                 int32_t zero_point, int32_t qmin,
                                                 int32_t qmax) {
  const int64_t conv = ref_q8_rne_saturated(ref_q8_product(acc, scale));
  const int64_t res = ref_q8_rne_saturated(ref_q8_product(r - r_zero_point, r_scale));
  return (int32_t)ref_q8_clamp(conv + res + zero_point, qmin, qmax);
}

static inline double ref_q8_gelu(double x) { return 0.5 * x * (1.0 + erf(x / sqrt(2.0))); }

/// The GELU of one pre-activation code, straight from the formula of the table builder.
static inline int8_t ref_q8_gelu_code(int32_t q, float in_scale, int32_t in_zp, float out_scale,
                                      int32_t out_zp) {
  const double real = (double)in_scale * (double)(q - in_zp);
  const double v = ref_q8_gelu(real) / (double)out_scale;
  const double rounded = v > 1000.0 ? 1000.0 : v < -1000.0 ? -1000.0 : ref_q8_rne(v);
  return (int8_t)ref_q8_clamp((int64_t)rounded + out_zp, -128, 127);
}

/// The output stage of one element: the rule, then GELU table or residual, as the contract
/// says. `residual` NULL when none.
typedef struct ref_q8_stage {
  const float *scale;  // per channel
  int32_t zero_point, qmin, qmax;
  const int8_t *gelu_table;  // NULL or [256]
  const int8_t *residual;    // NULL or shaped like the output
  int32_t residual_zero_point;
  float residual_scale;
} ref_q8_stage;

static inline int8_t ref_q8_stage_apply(const ref_q8_stage *stage, int64_t acc, size_t channel,
                                        size_t index) {
  if (stage->residual != NULL) {
    return (int8_t)ref_q8_requantize_residual(acc, stage->scale[channel], stage->residual[index],
                                              stage->residual_zero_point, stage->residual_scale,
                                              stage->zero_point, stage->qmin, stage->qmax);
  }
  const int32_t q =
      ref_q8_requantize(acc, stage->scale[channel], stage->zero_point, stage->qmin, stage->qmax);
  return stage->gelu_table != NULL ? stage->gelu_table[q + 128] : (int8_t)q;
}

/// Code of HWC element (y, x, c), or `pad_code` outside the map (zero padding = real 0).
static inline int32_t ref_q8_at(const int8_t *t, long h, long w, long c, long y, long x, long ch,
                                int32_t pad_code) {
  if (y < 0 || y >= h || x < 0 || x >= w) return pad_code;
  return t[(y * w + x) * c + ch];
}

/// Dense (groups = 1) or depthwise conv over HWC int8 codes, int64 accumulation; accs_out (may
/// be NULL) receives every accumulator (bias included), HWC like the output.
/// Dense weight [out_c][k][k][in_c]; depthwise weight [k][k][C].
static inline void ref_q8_conv(const int8_t *input, size_t in_c, size_t in_h, size_t in_w,
                               int32_t in_zp, const int8_t *weight, const int32_t *bias,
                               size_t out_c, size_t out_h, size_t out_w, size_t kernel,
                               size_t stride, size_t pad, bool depthwise,
                               const ref_q8_stage *stage, int8_t *output, int64_t *accs_out) {
  for (size_t oy = 0; oy < out_h; oy++) {
    for (size_t ox = 0; ox < out_w; ox++) {
      for (size_t co = 0; co < out_c; co++) {
        int64_t acc = bias[co];
        for (size_t ky = 0; ky < kernel; ky++) {
          for (size_t kx = 0; kx < kernel; kx++) {
            const long iy = (long)(oy * stride + ky) - (long)pad;
            const long ix = (long)(ox * stride + kx) - (long)pad;
            if (depthwise) {
              const int32_t q = ref_q8_at(input, (long)in_h, (long)in_w, (long)in_c, iy, ix,
                                          (long)co, in_zp);
              acc += (int64_t)weight[(ky * kernel + kx) * out_c + co] * (q - in_zp);
            } else {
              for (size_t ci = 0; ci < in_c; ci++) {
                const int32_t q = ref_q8_at(input, (long)in_h, (long)in_w, (long)in_c, iy, ix,
                                            (long)ci, in_zp);
                acc += (int64_t)weight[((co * kernel + ky) * kernel + kx) * in_c + ci] *
                       (q - in_zp);
              }
            }
          }
        }
        const size_t index = (oy * out_w + ox) * out_c + co;
        if (accs_out != NULL) accs_out[index] = acc;
        output[index] = ref_q8_stage_apply(stage, acc, co, index);
      }
    }
  }
}

/// The stem on uint8 HWC pixels with per-channel zero points; padded pixels are pz[c].
static inline void ref_q8_stem(const uint8_t *pixels, size_t in_c, size_t in_h, size_t in_w,
                               const uint8_t *pz, const int8_t *weight, const int32_t *bias,
                               size_t out_c, size_t out_h, size_t out_w, size_t kernel,
                               size_t stride, size_t pad, const ref_q8_stage *stage,
                               int8_t *output) {
  for (size_t oy = 0; oy < out_h; oy++) {
    for (size_t ox = 0; ox < out_w; ox++) {
      for (size_t co = 0; co < out_c; co++) {
        int64_t acc = bias[co];
        for (size_t ky = 0; ky < kernel; ky++) {
          for (size_t kx = 0; kx < kernel; kx++) {
            const long iy = (long)(oy * stride + ky) - (long)pad;
            const long ix = (long)(ox * stride + kx) - (long)pad;
            for (size_t ci = 0; ci < in_c; ci++) {
              const bool inside = iy >= 0 && iy < (long)in_h && ix >= 0 && ix < (long)in_w;
              const int32_t p = inside ? pixels[((size_t)iy * in_w + (size_t)ix) * in_c + ci]
                                       : pz[ci];
              acc += (int64_t)weight[((co * kernel + ky) * kernel + kx) * in_c + ci] *
                     (p - pz[ci]);
            }
          }
        }
        const size_t index = (oy * out_w + ox) * out_c + co;
        output[index] = ref_q8_stage_apply(stage, acc, co, index);
      }
    }
  }
}

/// The reference's roll along one axis of an HWC plane, as torch.roll by slicing: shift s
/// along an axis of size n is the identity when s == 0 or s >= n, else out[i] = x[(i - s) mod n].
/// `negative` rolls by -s instead (out[i] = x[(i + s) mod n]).
static inline void ref_q8_roll(const int8_t *x, size_t c, size_t h, size_t w, size_t shift,
                               bool along_h, bool negative, int8_t *out) {
  const size_t n = along_h ? h : w;
  for (size_t y = 0; y < h; y++) {
    for (size_t xx = 0; xx < w; xx++) {
      size_t sy = y, sx = xx;
      if (shift != 0 && shift < n) {
        const size_t i = along_h ? y : xx;
        const size_t source = negative ? (i + shift) % n : (i + n - shift) % n;
        if (along_h) sy = source; else sx = source;
      }
      memcpy(out + (y * w + xx) * c, x + (sy * w + sx) * c, c);
    }
  }
}

/// The graph op as the reference writes it: 4 rolled copies, xj = max(0, max_k(n_k - x))
/// (one difference per neighbour), the concat [x - zp ; xj] materialised, then the 2C -> C
/// conv in int64. Weight [C][2C].
static inline void ref_q8_mrconv(const int8_t *input, size_t c, size_t h, size_t w, size_t hop,
                                 int32_t zp, const int8_t *weight, const int32_t *bias,
                                 const ref_q8_stage *stage, int8_t *output, int64_t *accs_out) {
  const size_t n = c * h * w;
  int8_t *rolled[4];
  int32_t *concat = malloc(2 * n * sizeof(int32_t));  // [pixel][2C]
  if (concat == NULL) abort();
  for (int k = 0; k < 4; k++) {
    rolled[k] = malloc(n);
    if (rolled[k] == NULL) abort();
    ref_q8_roll(input, c, h, w, hop, k < 2, k % 2 == 1, rolled[k]);
  }
  for (size_t p = 0; p < h * w; p++) {
    for (size_t ch = 0; ch < c; ch++) {
      const size_t i = p * c + ch;
      int32_t xj = 0;
      for (int k = 0; k < 4; k++) {
        const int32_t d = (int32_t)rolled[k][i] - (int32_t)input[i];
        if (d > xj) xj = d;
      }
      concat[p * 2 * c + ch] = (int32_t)input[i] - zp;
      concat[p * 2 * c + c + ch] = xj;
    }
  }
  for (size_t p = 0; p < h * w; p++) {
    for (size_t o = 0; o < c; o++) {
      int64_t acc = bias[o];
      for (size_t k = 0; k < 2 * c; k++) acc += (int64_t)weight[o * 2 * c + k] * concat[p * 2 * c + k];
      if (accs_out != NULL) accs_out[p * c + o] = acc;
      output[p * c + o] = ref_q8_stage_apply(stage, acc, o, p * c + o);
    }
  }
  for (int k = 0; k < 4; k++) free(rolled[k]);
  free(concat);
}

/// Global average pool: int64 sum of (q - zp), then the rule with one scale.
static inline void ref_q8_gap(const int8_t *input, size_t c, size_t pixels, int32_t zp,
                              float scale, int32_t out_zp, int32_t qmin, int32_t qmax,
                              int8_t *output) {
  for (size_t ch = 0; ch < c; ch++) {
    int64_t acc = 0;
    for (size_t p = 0; p < pixels; p++) acc += input[p * c + ch] - zp;
    output[ch] = (int8_t)ref_q8_requantize(acc, scale, out_zp, qmin, qmax);
  }
}

/// The head: logits[o] = (float)acc * scale[o].
static inline void ref_q8_head(const int8_t *input, size_t c, int32_t zp, const int8_t *weight,
                               const int32_t *bias, const float *scale, size_t classes,
                               float *logits) {
  for (size_t o = 0; o < classes; o++) {
    int64_t acc = bias[o];
    for (size_t ch = 0; ch < c; ch++) acc += (int64_t)weight[o * c + ch] * (input[ch] - zp);
    logits[o] = ref_q8_product(acc, scale[o]);
  }
}

#endif  // VGL_Q8_REFERENCE_H
