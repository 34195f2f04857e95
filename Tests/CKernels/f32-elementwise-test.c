// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// GELU, the shared epilogue (activation then residual) and the global average pool.
#include "f32-kernels.h"
#include "f32-reference.h"
#include "vgl-test.h"

VGL_TEST(vgelu, matches_double_erf) {
  // A dense sweep over [-12, 12] plus the special points.
  enum { kSweep = 24001 };
  static float x[kSweep + 8], y[kSweep + 8];
  size_t n = 0;
  for (int i = 0; i < kSweep; i++) x[n++] = -12.0f + (float)i * 0.001f;
  const float specials[] = {0.0f, -0.0f, 1e-30f, -1e-30f, 3.0e38f, -3.0e38f, 1.0f, -1.0f};
  for (size_t i = 0; i < 8; i++) x[n++] = specials[i];
  vgl_f32_vgelu__scalar(n, x, y);
  for (size_t i = 0; i < n; i++) {
    const double want = ref_gelu((double)x[i]);
    // A few float ulps relative, plus 1e-6 absolute for the cancellation in 1 + erff(x) for
    // x < -4, which the reference's float erf has too.
    const double bound = 4e-7 * fabs(want) + 1e-6;
    if (!(fabs((double)y[i] - want) <= bound)) {
      char what[160];
      snprintf(what, sizeof what, "gelu(%.9g) = %.9g, want %.9g", (double)x[i], (double)y[i],
               want);
      vgl_test_fail(__FILE__, __LINE__, what);
      return;
    }
  }
  EXPECT_TRUE(y[kSweep] == 0.0f);           // gelu(0)
  EXPECT_TRUE(y[kSweep + 4] == 3.0e38f);    // gelu(large) = large
  EXPECT_TRUE(y[kSweep + 5] == -0.0f);      // gelu(-large) = -0
  // In place gives the same values.
  float same[3] = {-2.5f, 0.25f, 4.0f}, separate[3];
  vgl_f32_vgelu__scalar(3, same, separate);
  vgl_f32_vgelu__scalar(3, same, same);
  EXPECT_TRUE(memcmp(same, separate, sizeof same) == 0);
}

VGL_TEST(epilogue, activation_then_residual) {
  const float acc[4] = {-1.0f, 0.0f, 0.5f, 2.0f};
  const float residual[4] = {10.0f, -1.0f, 0.25f, -2.0f};
  float gelu[4], y[4];
  vgl_f32_vgelu__scalar(4, acc, gelu);

  vgl_f32_epilogue__scalar(4, acc, VGL_ACT_GELU, residual, y);
  for (int i = 0; i < 4; i++) EXPECT_TRUE(y[i] == gelu[i] + residual[i]);
  vgl_f32_epilogue__scalar(4, acc, VGL_ACT_NONE, residual, y);
  for (int i = 0; i < 4; i++) EXPECT_TRUE(y[i] == acc[i] + residual[i]);
  vgl_f32_epilogue__scalar(4, acc, VGL_ACT_NONE, NULL, y);
  EXPECT_TRUE(memcmp(y, acc, sizeof y) == 0);
  // In place.
  memcpy(y, acc, sizeof y);
  vgl_f32_epilogue__scalar(4, y, VGL_ACT_GELU, NULL, y);
  EXPECT_TRUE(memcmp(y, gelu, sizeof y) == 0);
}

VGL_TEST(gap, awkward_shapes) {
  static const size_t channels[] = {1, 2, 3, 7, 8, 15, 16};
  static const size_t maps[][2] = {{1, 1}, {2, 2}, {3, 5}, {15, 7}, {18, 17}, {56, 56}};
  int cases = 0;
  for (size_t m = 0; m < 6; m++) {
    for (size_t ch = 0; ch < 7; ch++) {
      const size_t c = channels[ch], h = maps[m][0], w = maps[m][1], n = c * h * w;
      const uint32_t act = (uint32_t)(cases % 2);
      const bool with_residual = cases % 3 == 0;
      cases++;
      float *input = malloc(n * sizeof(float)), residual[16], got[16];
      double want[16], magnitude[16];
      if (input == NULL) abort();
      vgl_test_fill(input, n, -1.0f, 3.0f);
      vgl_test_fill(residual, c, -1.0f, 1.0f);
      const float *res = with_residual ? residual : NULL;
      vgl_f32_gap__scalar(c, h * w, input, act, res, got);
      ref_gap(input, c, h, w, act, res, want, magnitude);
      char context[128];
      snprintf(context, sizeof context, "gap %zux%zux%zu act %u residual %d", c, h, w,
               (unsigned)act, (int)with_residual);
      // The kernel sums in double too: only the final rounding and GELU differ.
      const bool ok = EXPECT_TENSOR_CLOSE(context, got, want, NULL, c, 1, 1, 1e-6, 1e-6);
      free(input);
      if (!ok) return;
    }
  }
}

int main(int argc, char **argv) {
  vgl_test_init(argc, argv);
  VGL_RUN_TEST(vgelu, matches_double_erf);
  VGL_RUN_TEST(epilogue, activation_then_residual);
  VGL_RUN_TEST(gap, awkward_shapes);
  return vgl_test_finish();
}
