// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../f32-kernels.h"

// The tail every fp32 op shares: activation first, then the residual add,
// y[i] = act(acc[i]) + residual[i]. Called on small tiles (a row block of a pointwise conv) or
// on whole planes, in place (y == acc) or not.
void vgl_f32_epilogue__scalar(size_t n, const float *acc, uint32_t activation,
                              const float *residual, float *y) {
  VGL_DCHECK(n == 0 || (acc != NULL && y != NULL));
  VGL_DCHECK(activation == VGL_ACT_NONE || activation == VGL_ACT_GELU);

  if (activation == VGL_ACT_GELU) {
    vgl_f32_vgelu__scalar(n, acc, y);
  } else if (y != acc) {
    for (size_t i = 0; i < n; i++) y[i] = acc[i];
  }
  if (residual != NULL) {
    for (size_t i = 0; i < n; i++) y[i] = y[i] + residual[i];
  }
}
