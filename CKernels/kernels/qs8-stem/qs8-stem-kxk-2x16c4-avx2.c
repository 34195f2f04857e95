// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../isa.h"

#if VGL_ARCH_X86_64
#include "../simd/qs8-dense-avx2.h"

// The first conv on uint8 pixels on AVX2: the implicit GEMM of simd/qs8-dense-avx2.h with the
// pixels zero-extended to int16; padded taps feed the pixel zero points, and the accumulators
// start at bias - sum(w * pz), the sums the packed layout stores beside the biases.
VGL_TARGET_AVX2 void vgl_qs8_stem_kxk_2x16c4__avx2(
    size_t in_channels, size_t in_height, size_t in_width, size_t out_channels,
    size_t out_height, size_t out_width, size_t kernel, size_t stride, size_t pad,
    const uint8_t *pixels, const uint8_t *pixel_zero_points, const int8_t *weight,
    const int32_t *bias, const float *scale, const vgl_qs8_requant_params *params,
    const int8_t *gelu_table, int8_t *output, size_t out_y_begin, size_t out_y_end) {
  VGL_DCHECK(out_y_begin <= out_y_end && out_y_end <= out_height);
  VGL_DCHECK(in_channels != 0 && in_height != 0 && in_width != 0);
  VGL_DCHECK(out_channels != 0 && out_height != 0 && out_width != 0);
  VGL_DCHECK(kernel != 0 && stride != 0 && pad < kernel);
  VGL_DCHECK(pixels != NULL && pixel_zero_points != NULL && weight != NULL && bias != NULL);
  VGL_DCHECK(scale != NULL && params != NULL && output != NULL);

  vgl_avx2_stage stage;
  vgl_avx2_stage_init(&stage, params, gelu_table, NULL);
  const vgl_avx2_dense d = vgl_qs8_dense_args_make(
      in_channels, in_height, in_width, out_channels, out_height, out_width, kernel, stride, pad,
      (const int8_t *)pixels, pixel_zero_points, 0, weight, bias, scale, NULL, output,
      out_y_begin, out_y_end);
  vgl_avx2_dense_run(&d, &stage);
}

#endif  // VGL_ARCH_X86_64
