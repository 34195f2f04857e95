// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include <math.h>

#include "vigil_q8.h"

// The offline halves of the int8 contract: the requantization params every kernel reads, and
// the GELU table builder the toolkit and the tests share. See docs/int8.md.

static int zero_point_ok(int32_t zero_point) { return zero_point >= -128 && zero_point <= 127; }

vgl_status vgl_qs8_requant_params_init(int32_t zero_point, int32_t qmin, int32_t qmax,
                                       vgl_qs8_requant_params *params_out) {
  return vgl_qs8_requant_params_init_residual(zero_point, qmin, qmax, 0, 1.0f, params_out);
}

vgl_status vgl_qs8_requant_params_init_residual(int32_t zero_point, int32_t qmin, int32_t qmax,
                                                int32_t residual_zero_point,
                                                float residual_scale,
                                                vgl_qs8_requant_params *params_out) {
  if (params_out == NULL || !zero_point_ok(zero_point) || !zero_point_ok(residual_zero_point) ||
      qmin < -128 || qmin > qmax || qmax > 127) {
    return VGL_E_INVALID_ARGUMENT;
  }
  // Written as a range test so that NaN fails it.
  if (!(residual_scale > 0.0f && residual_scale <= VGL_QS8_MAX_RESIDUAL_SCALE)) {
    return VGL_E_INVALID_ARGUMENT;
  }
  vgl_qs8_requant_params params = {
      .zero_point = zero_point,
      .qmin = qmin,
      .qmax = qmax,
      // Integers of magnitude <= 255: exact in float.
      .min_less_zero_point = (float)(qmin - zero_point),
      .max_less_zero_point = (float)(qmax - zero_point),
      .residual_zero_point = residual_zero_point,
      .residual_scale = residual_scale,
  };
  *params_out = params;
  return VGL_OK;
}

static int scale_ok(float scale) { return scale > 0.0f && isfinite(scale); }

// Steps fixed by the contract (docs/int8.md), all in double: the real input, the erf form of
// GELU, the division by the output scale, the clamp to the codes' range less the zero point,
// and round half to even (nearbyint under the default rounding mode). erf comes from the C
// library: two libraries may differ in its last bit, which could move an entry only when v
// falls within about 1e-16 of a half-integer; tables are built once, offline, and shipped as
// data, so every runtime reads the same bytes.
vgl_status vgl_qs8_gelu_table_init(float in_scale, int32_t in_zero_point, float out_scale,
                                   int32_t out_zero_point, int8_t table_out[256]) {
  if (table_out == NULL || !scale_ok(in_scale) || !scale_ok(out_scale) ||
      !zero_point_ok(in_zero_point) || !zero_point_ok(out_zero_point)) {
    return VGL_E_INVALID_ARGUMENT;
  }
  const double lo = (double)(-128 - out_zero_point);
  const double hi = (double)(127 - out_zero_point);
  for (int index = 0; index < 256; index++) {
    const int32_t code = index - 128;
    const double x = (double)in_scale * (double)(code - in_zero_point);
    const double g = 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
    double v = g / (double)out_scale;
    if (v < lo) v = lo;
    if (v > hi) v = hi;
    table_out[index] = (int8_t)((int32_t)nearbyint(v) + out_zero_point);
  }
  return VGL_OK;
}
