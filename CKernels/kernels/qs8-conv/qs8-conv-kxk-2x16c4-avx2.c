// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "../isa.h"

#if VGL_ARCH_X86_64
#include "../simd/qs8-dense-avx2.h"

// Dense conv (groups = 1), any odd kernel, stride and zero padding, on AVX2: the implicit GEMM
// of simd/qs8-dense-avx2.h on sign-extended int8 codes (padded taps feed zp, the accumulators
// start at bias - zp * weight_sum). MobileViGv2's second stem conv and its 3x3 stride-2
// downsamples.
VGL_TARGET_AVX2 void vgl_qs8_conv_kxk_2x16c4__avx2(
    size_t in_channels, size_t in_height, size_t in_width, size_t out_channels,
    size_t out_height, size_t out_width, size_t kernel, size_t stride, size_t pad,
    const int8_t *input, int32_t input_zero_point, const int8_t *weight, const int32_t *bias,
    const float *scale, const vgl_qs8_requant_params *params, const int8_t *gelu_table,
    const int8_t *residual, int8_t *output, size_t out_y_begin, size_t out_y_end) {
  VGL_DCHECK(out_y_begin <= out_y_end && out_y_end <= out_height);
  VGL_DCHECK(in_channels != 0 && in_height != 0 && in_width != 0);
  VGL_DCHECK(out_channels != 0 && out_height != 0 && out_width != 0);
  VGL_DCHECK(kernel != 0 && stride != 0 && pad < kernel);
  VGL_DCHECK(input != NULL && weight != NULL && bias != NULL && scale != NULL);
  VGL_DCHECK(params != NULL && output != NULL);
  VGL_DCHECK(input_zero_point >= -128 && input_zero_point <= 127);

  vgl_avx2_stage stage;
  vgl_avx2_stage_init(&stage, params, gelu_table, residual);
  const vgl_avx2_dense d = vgl_qs8_dense_args_make(
      in_channels, in_height, in_width, out_channels, out_height, out_width, kernel, stride, pad,
      input, NULL, input_zero_point, weight, bias, scale, residual, output, out_y_begin,
      out_y_end);
  vgl_avx2_dense_run(&d, &stage);
}

#endif  // VGL_ARCH_X86_64
