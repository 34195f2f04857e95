// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The int8 graph op (max-relative graph conv fused with its 2C -> C 1x1 conv) against the
// reference's formulation: four rolled copies made by slicing, one difference per neighbour,
// the concat [x - zp ; xj] materialised, int64 accumulation. Equal codes over channels 1..16,
// maps 1x1 .. 18x17 and hops 0, 1, == size, > size, >= H but < W.
#include "q8-tester.h"

static const size_t kChannels[] = {1, 2, 3, 7, 8, 15, 16};
static const size_t kMaps[][2] = {{1, 1}, {2, 2}, {15, 7}, {7, 15}, {18, 17}, {4, 9}};
static const char *const kTailNames[] = {"plain", "gelu", "residual"};

static bool run_mrconv_case(size_t c, size_t h, size_t w, size_t hop, q8t_tail tail,
                            bool ties) {
  const size_t n = c * h * w;
  int8_t *input = q8t_codes(n);
  const int32_t zp = q8t_int(-128, 127);
  int8_t *weight = q8t_weights(c * 2 * c);
  int32_t *bias = q8t_biases(c, 20000);
  q8t_stage stage;
  q8t_stage_init(&stage, tail, c, n, 2 * c, ties);
  int8_t *got = malloc(n), *want = malloc(n);
  uint8_t *scratch = malloc(c);
  int64_t *accs = malloc(n * sizeof(int64_t));
  if (got == NULL || want == NULL || scratch == NULL || accs == NULL) abort();
  q8t_packed packed = q8t_pack(VGL_Q8_MRCONV, c, 2, c, weight, bias, NULL);
  vgl_qs8_mrconv_1x1__scalar(c, h, w, hop, input, zp, packed.weight, packed.bias, stage.scale, &stage.params,
                             q8t_table(&stage), stage.residual, scratch, got, 0, h);
  ref_q8_mrconv(input, c, h, w, hop, zp, weight, bias, &stage.ref, want, accs);
  char context[160];
  snprintf(context, sizeof context, "mrconv %zux%zux%zu hop %zu zp %d tail %s%s", c, h, w, hop,
           (int)zp, kTailNames[tail], ties ? " ties" : "");
  const bool ok = EXPECT_CODES_EQUAL(context, got, want, accs, c, h, w);
  free(input);
  free(weight);
  free(bias);
  q8t_packed_free(&packed);
  free(got);
  free(want);
  free(scratch);
  free(accs);
  q8t_stage_free(&stage);
  return ok;
}

VGL_TEST(qs8_mrconv, channels_maps_hops_and_tails) {
  for (size_t a = 0; a < sizeof kChannels / sizeof kChannels[0]; a++) {
    for (size_t m = 0; m < sizeof kMaps / sizeof kMaps[0]; m++) {
      const size_t h = kMaps[m][0], w = kMaps[m][1];
      const size_t small = h < w ? h : w, large = h < w ? w : h;
      // 0 (no roll), 1, == the smaller size (that axis rolls nothing), between the sizes
      // (>= H but < W or the reverse), == the larger, > both.
      const size_t hops[] = {0, 1, 2, small, (small + large) / 2, large, large + 3};
      for (size_t k = 0; k < sizeof hops / sizeof hops[0]; k++) {
        for (int tail = 0; tail < 3; tail++) {
          if (!run_mrconv_case(kChannels[a], h, w, hops[k], (q8t_tail)tail, (a + k) % 3 == 0)) {
            return;
          }
        }
      }
    }
  }
}

VGL_TEST(qs8_mrconv, xj_is_exact_on_codes) {
  // One channel, 1 x 4 map, hop 1 along W only (H = 1 rolls nothing), zero point 5, identity
  // weights picking the xj half: out = xj exactly (scale 1, zero point 0).
  //   x      = [-128, 127, 0, -1]
  //   left   = x[(i - 1) mod 4] = [-1, -128, 127, 0]
  //   right  = x[(i + 1) mod 4] = [127, 0, -1, -128]
  //   xj     = max(0, max(left, right) - x) = [255, 0, 127, 1]  -> clamps to 127 at 255
  const int8_t input[4] = {-128, 127, 0, -1};  // y = 0, x = 0..3
  const int8_t weight[2] = {0, 1};             // columns: x, xj
  const int32_t bias[1] = {0};
  const float scale[1] = {0.5f};  // halves xj: 127.5 -> 128 clamps, 0, 63.5 -> 64, 0.5 -> 0
  vgl_qs8_requant_params params;
  ASSERT_TRUE(vgl_qs8_requant_params_init(0, -128, 127, &params) == VGL_OK);
  int8_t out[4];
  uint8_t scratch[1];
  q8t_packed packed = q8t_pack(VGL_Q8_MRCONV, 1, 2, 1, weight, bias, NULL);
  vgl_qs8_mrconv_1x1__scalar(1, 1, 4, 1, input, 5, packed.weight, packed.bias, scale, &params,
                             NULL, NULL, scratch, out, 0, 1);
  q8t_packed_free(&packed);
  EXPECT_EQ_INT(127, out[0]);
  EXPECT_EQ_INT(0, out[1]);
  EXPECT_EQ_INT(64, out[2]);
  EXPECT_EQ_INT(0, out[3]);
  // hop >= both sizes: xj == 0 everywhere, only the x half and the bias remain.
  const int8_t weight_x[2] = {2, 127};
  packed = q8t_pack(VGL_Q8_MRCONV, 1, 2, 1, weight_x, bias, NULL);
  vgl_qs8_mrconv_1x1__scalar(1, 1, 4, 4, input, 5, packed.weight, packed.bias, scale, &params,
                             NULL, NULL, scratch, out, 0, 1);
  q8t_packed_free(&packed);
  EXPECT_EQ_INT(-128, out[0]);  // 2 * (-128 - 5) * 0.5 = -133 clamps
  EXPECT_EQ_INT(122, out[1]);   // 2 * 122 * 0.5
  EXPECT_EQ_INT(-5, out[2]);
  EXPECT_EQ_INT(-6, out[3]);
}

int main(int argc, char **argv) {
  vgl_test_init(argc, argv);
  VGL_RUN_TEST(qs8_mrconv, channels_maps_hops_and_tails);
  VGL_RUN_TEST(qs8_mrconv, xj_is_exact_on_codes);
  return vgl_test_finish();
}
