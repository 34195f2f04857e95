// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include <math.h>

#include "../f32-kernels.h"

// GELU in its exact erf form, 0.5 x (1 + erf(x / sqrt 2)), as PyTorch's nn.GELU() default.
//
// Computed in float throughout: x * 0.70710678f (1/sqrt 2 rounded to float), erff from libm,
// then 0.5f * x * (1 + e) evaluated left to right. Against a double-precision reference the
// error stays below about 1e-6 absolute plus a few ulp relative (glibc's erff is within 1 ulp);
// for x below about -4 the result is dominated by the cancellation in 1 + erff(...), which is
// what the reference model computes too. The result depends on the C library's erff, so the
// fp32 path is reproducible per libm, not across libms (only the int8 path promises that).
void vgl_f32_vgelu__scalar(size_t n, const float *x, float *y) {
  VGL_DCHECK(n == 0 || x != NULL);
  VGL_DCHECK(n == 0 || y != NULL);

  for (size_t i = 0; i < n; i++) {
    const float value = x[i];
    y[i] = 0.5f * value * (1.0f + erff(value * 0.70710678f));
  }
}
