// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Shared pieces of the int8 kernel tests: seeded random codes, weights, biases and scales,
// an output stage (requant params, optional GELU table or residual) built for both the kernel
// and the reference, and an equality check that prints the first mismatch's coordinates and
// accumulator.
#ifndef VGL_Q8_TESTER_H
#define VGL_Q8_TESTER_H

#include "../../CKernels/runtime/q8-plan.h"
#include "q8-reference.h"
#include "qs8-kernels.h"
#include "vgl-test.h"

static inline int32_t q8t_int(int32_t lo, int32_t hi) {  // uniform in [lo, hi]
  return lo + (int32_t)(vgl_test_next() % (uint64_t)(hi - lo + 1));
}

static inline int8_t *q8t_codes(size_t n) {
  int8_t *codes = malloc(n == 0 ? 1 : n);
  if (codes == NULL) abort();
  for (size_t i = 0; i < n; i++) codes[i] = (int8_t)q8t_int(-128, 127);
  return codes;
}

/// Weights in [-127, 127], about one in eight at an extreme (+-127).
static inline int8_t *q8t_weights(size_t n) {
  int8_t *w = malloc(n == 0 ? 1 : n);
  if (w == NULL) abort();
  for (size_t i = 0; i < n; i++) {
    const int32_t pick = q8t_int(0, 15);
    w[i] = (int8_t)(pick == 0 ? 127 : pick == 1 ? -127 : q8t_int(-127, 127));
  }
  return w;
}

static inline int32_t *q8t_biases(size_t n, int32_t magnitude) {
  int32_t *b = malloc((n == 0 ? 1 : n) * sizeof(int32_t));
  if (b == NULL) abort();
  for (size_t i = 0; i < n; i++) b[i] = q8t_int(-magnitude, magnitude);
  return b;
}

/// Per-channel scales giving outputs of a few dozen codes for `terms`-long reductions; with
/// `ties`, powers of two (0.5, 0.25, ...) so that x.5 products are common.
static inline float *q8t_scales(size_t n, size_t terms, bool ties) {
  float *s = malloc((n == 0 ? 1 : n) * sizeof(float));
  if (s == NULL) abort();
  const float base = 40.0f / (5400.0f * sqrtf((float)terms));
  for (size_t i = 0; i < n; i++) {
    s[i] = ties ? ldexpf(1.0f, (int)floorf(log2f(base)) - (int)q8t_int(0, 1))
                : base * vgl_test_uniform(0.5f, 2.0f);
  }
  return s;
}

/// The packed weight and bias-with-sums of a reference-layout weight w[rows][taps][channels]
/// (vigil_q8.h "packed weights"), what kernels and plans take; free with q8t_packed_free.
typedef struct q8t_packed {
  int8_t *weight;
  int32_t *bias;
} q8t_packed;

static inline q8t_packed q8t_pack(uint32_t kind, size_t rows, size_t taps, size_t channels,
                                  const int8_t *weight, const int32_t *bias,
                                  const uint8_t *pixel_zero_points) {
  const size_t bytes = (size_t)vgl_q8_packed_weight_bytes(rows, taps, channels);
  q8t_packed p = {malloc(bytes == 0 ? 1 : bytes), malloc(2 * rows * sizeof(int32_t) + 4)};
  if (p.weight == NULL || p.bias == NULL) abort();
  if (vgl_q8_pack(kind, rows, taps, channels, weight, bias, pixel_zero_points, p.weight,
                  p.bias) != VGL_OK) {
    abort();
  }
  return p;
}

static inline void q8t_packed_free(q8t_packed *p) {
  free(p->weight);
  free(p->bias);
}

/// A test network's op arrays: reference weights [rows][terms] and biases (none when terms is
/// 0: the pool), packed into *packed when taps != 0 (the stem with its pixel zero points), and
/// rows scales for terms-long reductions (see q8t_scales), returned. *weight_out / *bias_out get
/// what the op points at: the packed arrays when there are, else the reference ones.
static inline float *q8t_op_arrays(uint32_t kind, size_t rows, size_t taps, size_t terms,
                                   size_t in_channels, const uint8_t *pixel_zero_points,
                                   bool ties, int8_t **weights, int32_t **biases,
                                   q8t_packed *packed, const int8_t **weight_out,
                                   const int32_t **bias_out) {
  if (terms != 0) {
    *weights = q8t_weights(rows * terms);
    *biases = q8t_biases(rows, 3000);
  }
  *weight_out = *weights;
  *bias_out = *biases;
  if (taps != 0) {
    *packed = q8t_pack(kind, rows, taps, in_channels, *weights, *biases, pixel_zero_points);
    *weight_out = packed->weight;
    *bias_out = packed->bias;
  }
  // Scales that keep codes mid-range: about 40 / (5400 sqrt(terms)).
  return q8t_scales(rows, terms == 0 ? 1 : terms, ties);
}

/// The tail of a test network's op writing `out`: with `gelu`, a pre-activation of its own
/// (random scale and zero point) and the table into `table`, which the op then points at; with a
/// residual `res`, the residual rule at res->scale / out->scale; else the plain rule. Aborts
/// when a parameter is refused (a bug in the test).
static inline void q8t_op_tail(vgl_q8_op *op, const vgl_q8_tensor *out, const vgl_q8_tensor *res,
                               bool gelu, int8_t table[256]) {
  vgl_status status;
  if (gelu) {
    const int32_t pre_zp = q8t_int(-20, 20);
    status = vgl_qs8_gelu_table_init(vgl_test_uniform(0.03f, 0.06f), pre_zp, out->scale,
                                     out->zero_point, table);
    if (status == VGL_OK) status = vgl_qs8_requant_params_init(pre_zp, -128, 127, &op->requant);
    op->gelu_table = table;
  } else if (res != NULL) {
    status = vgl_qs8_requant_params_init_residual(out->zero_point, -128, 127, res->zero_point,
                                                  res->scale / out->scale, &op->requant);
  } else {
    status = vgl_qs8_requant_params_init(out->zero_point, -128, 127, &op->requant);
  }
  if (status != VGL_OK) abort();
}

typedef enum q8t_tail { Q8T_PLAIN, Q8T_GELU, Q8T_RESIDUAL } q8t_tail;

/// Everything after the accumulator, for the kernel (params, table, residual) and the
/// reference (ref_q8_stage), over `n` outputs with `channels` scales.
typedef struct q8t_stage {
  vgl_qs8_requant_params params;
  int8_t gelu_table[256];
  int8_t *residual;
  float *scale;
  ref_q8_stage ref;
} q8t_stage;

static inline void q8t_stage_init(q8t_stage *s, q8t_tail tail, size_t channels, size_t n,
                                  size_t terms, bool ties) {
  memset(s, 0, sizeof *s);
  s->scale = q8t_scales(channels, terms, ties);
  const int32_t zp = q8t_int(-128, 127);
  int32_t qmin = -128, qmax = 127;
  if (tail == Q8T_PLAIN && q8t_int(0, 3) == 0) {  // sometimes a narrower clamp
    qmin = q8t_int(-128, 0);
    qmax = q8t_int(1, 127);
  }
  s->ref = (ref_q8_stage){.scale = s->scale, .zero_point = zp, .qmin = qmin, .qmax = qmax};
  if (tail == Q8T_RESIDUAL) {
    s->residual = q8t_codes(n);
    const int32_t r_zp = q8t_int(-128, 127);
    const float r_scale = ties ? 0.5f : vgl_test_uniform(0.2f, 2.5f);
    if (vgl_qs8_requant_params_init_residual(zp, qmin, qmax, r_zp, r_scale, &s->params) !=
        VGL_OK) {
      abort();
    }
    s->ref.residual = s->residual;
    s->ref.residual_zero_point = r_zp;
    s->ref.residual_scale = r_scale;
  } else if (vgl_qs8_requant_params_init(zp, qmin, qmax, &s->params) != VGL_OK) {
    abort();
  }
  if (tail == Q8T_GELU) {
    if (vgl_qs8_gelu_table_init(vgl_test_uniform(0.01f, 0.1f), zp, vgl_test_uniform(0.01f, 0.1f),
                                q8t_int(-128, -60), s->gelu_table) != VGL_OK) {
      abort();
    }
    s->ref.gelu_table = s->gelu_table;
  }
}

// ---- sensitive cases --------------------------------------------------------------------------
//
// Every kernel tester runs its sweep a second time with inputs within 2 of their zero point,
// weights in {-1, 0, 1}, biases in [-8, 8], unit scales and an output zero point near 0: the
// accumulators stay far inside the clamp and each output is rne(acc) + zp, so an accumulator off
// by one in any output changes that output (random data at realistic scales would hide most such
// errors in the rounding; a GELU table may map neighbouring codes alike, the plain and residual
// tails still see them).

/// codes[i] = zero_point + a value in [-2, 2], kept in [lo, hi].
static inline void q8t_sensitive_near(int8_t *codes, size_t n, int32_t zero_point, int32_t lo,
                                      int32_t hi) {
  for (size_t i = 0; i < n; i++) {
    int32_t v = zero_point + q8t_int(-2, 2);
    v = v < lo ? lo : v > hi ? hi : v;
    codes[i] = (int8_t)v;
  }
}

static inline void q8t_sensitive_weights(int8_t *weights, size_t n) {
  for (size_t i = 0; i < n; i++) weights[i] = (int8_t)q8t_int(-1, 1);
}

static inline void q8t_sensitive_biases(int32_t *biases, size_t n) {
  for (size_t i = 0; i < n; i++) biases[i] = q8t_int(-8, 8);
}

/// q8t_stage_init for a sensitive case: scales 1, output zero point in [-8, 8], the full clamp;
/// a residual within 4 of its zero point at scale 1.
static inline void q8t_stage_init_sensitive(q8t_stage *s, q8t_tail tail, size_t channels,
                                            size_t n) {
  q8t_stage_init(s, tail, channels, n, 1, false);
  for (size_t i = 0; i < channels; i++) s->scale[i] = 1.0f;
  const int32_t zp = q8t_int(-8, 8);
  s->ref.zero_point = zp;
  s->ref.qmin = -128;
  s->ref.qmax = 127;
  if (tail == Q8T_RESIDUAL) {
    const int32_t r_zp = q8t_int(-100, 100);
    q8t_sensitive_near(s->residual, n, r_zp, -128, 127);
    if (vgl_qs8_requant_params_init_residual(zp, -128, 127, r_zp, 1.0f, &s->params) != VGL_OK) {
      abort();
    }
    s->ref.residual_zero_point = r_zp;
    s->ref.residual_scale = 1.0f;
  } else if (vgl_qs8_requant_params_init(zp, -128, 127, &s->params) != VGL_OK) {
    abort();
  }
}

static inline const int8_t *q8t_table(const q8t_stage *s) {
  return s->ref.gelu_table;
}

static inline void q8t_stage_free(q8t_stage *s) {
  free(s->residual);
  free(s->scale);
}

/// Equality of two HWC int8 tensors; on the first mismatch prints (y, x, c), both codes, the
/// reference accumulator (when accs is not NULL) and `context`. Returns whether all matched.
static inline bool q8t_expect_equal(const char *file, int line, const char *context,
                                    const int8_t *got, const int8_t *want, const int64_t *accs,
                                    size_t channels, size_t height, size_t width) {
  for (size_t i = 0; i < channels * height * width; i++) {
    if (got[i] != want[i]) {
      char what[512];
      snprintf(what, sizeof what, "%s: at y=%zu x=%zu c=%zu got %d want %d (acc %" PRId64 ")",
               context, i / channels / width, i / channels % width, i % channels, got[i],
               want[i], accs != NULL ? accs[i] : INT64_C(0));
      vgl_test_fail(file, line, what);
      return false;
    }
  }
  return true;
}

#define EXPECT_CODES_EQUAL(context, got, want, accs, c, h, w) \
  q8t_expect_equal(__FILE__, __LINE__, (context), (got), (want), (accs), (c), (h), (w))

#endif  // VGL_Q8_TESTER_H
