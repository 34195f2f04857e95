// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The fused max-relative graph conv against ref_mrconv, which materialises the reference's
// four rolls (by slicing and concatenation), x_j and the 2C-channel concat.
#include "f32-kernels.h"
#include "f32-reference.h"
#include "vgl-test.h"

static const size_t kChannels[] = {1, 2, 3, 7, 8, 15, 16};
enum { kChannelCount = sizeof kChannels / sizeof kChannels[0] };
// Square, non-square both ways, and maps larger than one 64-pixel tile.
static const size_t kMaps[][2] = {{1, 1}, {2, 2}, {3, 5}, {5, 3}, {15, 7}, {18, 17}, {4, 9}};
enum { kMapCount = sizeof kMaps / sizeof kMaps[0] };

static bool check_mrconv(size_t channels, size_t height, size_t width, size_t hop,
                         uint32_t activation, bool with_residual) {
  const size_t n = channels * height * width;
  float *input = malloc(n * sizeof(float));
  float *weight = malloc(channels * 2 * channels * sizeof(float));
  float *bias = malloc(channels * sizeof(float));
  float *residual = malloc(n * sizeof(float));
  float *output = malloc(n * sizeof(float));
  double *want = malloc(n * sizeof(double));
  double *magnitude = malloc(n * sizeof(double));
  if (!input || !weight || !bias || !residual || !output || !want || !magnitude) abort();
  vgl_test_fill(input, n, -1.0f, 1.0f);
  vgl_test_fill(weight, channels * 2 * channels, -1.0f, 1.0f);
  vgl_test_fill(bias, channels, -1.0f, 1.0f);
  vgl_test_fill(residual, n, -1.0f, 1.0f);
  const float *res = with_residual ? residual : NULL;

  vgl_f32_mrconv_8x64__scalar(channels, height, width, hop, input, weight, bias, activation,
                              res, output);
  ref_mrconv(input, channels, height, width, hop, weight, bias, activation, res, want,
             magnitude);

  char context[160];
  snprintf(context, sizeof context, "mrconv %zux%zux%zu hop %zu act %u residual %d", channels,
           height, width, hop, (unsigned)activation, (int)with_residual);
  const bool ok =
      EXPECT_TENSOR_CLOSE(context, output, want, magnitude, channels, height, width, 1e-5, 1e-6);
  free(input);
  free(weight);
  free(bias);
  free(residual);
  free(output);
  free(want);
  free(magnitude);
  return ok;
}

VGL_TEST(mrconv, hops_and_shapes) {
  int cases = 0;
  for (size_t m = 0; m < kMapCount; m++) {
    const size_t h = kMaps[m][0], w = kMaps[m][1];
    const size_t small = h < w ? h : w, large = h < w ? w : h;
    // 0 (identity), 1, 2, the smaller size (identity on that axis only), the larger size and
    // beyond (identity on both), and one below the smaller size.
    const size_t hops[] = {0, 1, 2, small - 1, small, large, large + 1, 8};
    for (size_t k = 0; k < sizeof hops / sizeof hops[0]; k++) {
      for (size_t ch = 0; ch < kChannelCount; ch++) {
        cases++;
        if (!check_mrconv(kChannels[ch], h, w, hops[k], (uint32_t)(cases % 2), cases % 3 == 0)) {
          return;
        }
      }
    }
  }
  EXPECT_TRUE(cases == kMapCount * 8 * kChannelCount);
}

VGL_TEST(mrconv, hop_at_least_height_but_below_width) {
  // Only the W rolls are live: 5x12 with hop 5..11, and 3x20 with hop 3 and 10 (2 * hop == W).
  for (size_t hop = 5; hop < 12; hop++) EXPECT_TRUE(check_mrconv(7, 5, 12, hop, VGL_ACT_GELU, true));
  EXPECT_TRUE(check_mrconv(9, 3, 20, 3, VGL_ACT_NONE, false));
  EXPECT_TRUE(check_mrconv(9, 3, 20, 10, VGL_ACT_NONE, false));
  // And the transpose: only the H rolls are live.
  EXPECT_TRUE(check_mrconv(9, 20, 3, 4, VGL_ACT_GELU, false));
}

VGL_TEST(mrconv, mobilevig_sizes) {
  // Stage 1..3 at 224 input: 64 ch 28x28 K 8, 128 ch 14x14 K 4, 256 ch 7x7 K 2; and K 8 at 7x7.
  EXPECT_TRUE(check_mrconv(64, 28, 28, 8, VGL_ACT_GELU, false));
  EXPECT_TRUE(check_mrconv(128, 14, 14, 4, VGL_ACT_GELU, false));
  EXPECT_TRUE(check_mrconv(256, 7, 7, 2, VGL_ACT_GELU, false));
  EXPECT_TRUE(check_mrconv(24, 7, 7, 8, VGL_ACT_GELU, false));
}

VGL_TEST(mrconv, identity_rolls_leave_only_the_x_half) {
  // With hop 0 or hop >= both sizes x_j is 0, so the op is the 1x1 conv of the x half alone.
  const size_t c = 5, h = 4, w = 6, n = c * h * w;
  float input[5 * 4 * 6], weight[5 * 10], x_half[5 * 5], bias[5], got[5 * 4 * 6], want[5 * 4 * 6];
  vgl_test_fill(input, n, -1.0f, 1.0f);
  vgl_test_fill(weight, c * 2 * c, -1.0f, 1.0f);
  vgl_test_fill(bias, c, -1.0f, 1.0f);
  for (size_t o = 0; o < c; o++) {
    for (size_t i = 0; i < c; i++) x_half[o * c + i] = weight[o * 2 * c + i];
  }
  vgl_f32_conv_1x1_8x64__scalar(c, c, h * w, input, x_half, bias, VGL_ACT_NONE, NULL, want);
  const size_t hops[] = {0, 6, 7, 1000};
  for (size_t k = 0; k < 4; k++) {
    vgl_f32_mrconv_8x64__scalar(c, h, w, hops[k], input, weight, bias, VGL_ACT_NONE, NULL, got);
    // Equal up to the sign of zero: the fused kernel adds w * 0 for every x_j column.
    for (size_t i = 0; i < n; i++) EXPECT_TRUE(got[i] == want[i]);
  }
}

int main(int argc, char **argv) {
  vgl_test_init(argc, argv);
  VGL_RUN_TEST(mrconv, hops_and_shapes);
  VGL_RUN_TEST(mrconv, hop_at_least_height_but_below_width);
  VGL_RUN_TEST(mrconv, mobilevig_sizes);
  VGL_RUN_TEST(mrconv, identity_rolls_leave_only_the_x_half);
  return vgl_test_finish();
}
