// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The requantization rule and the GELU table builder: the inline helpers of qs8-kernels.h and
// the init functions against q8-reference.h's independent evaluation of the same formulas, at
// ties (x.5 cases), extremes (accumulators near INT32_MIN / INT32_MAX, huge and tiny scales),
// the clamps, and on random values.
#include "q8-reference.h"
#include "qs8-kernels.h"
#include "vgl-test.h"

static vgl_qs8_requant_params params_of(int32_t zp, int32_t qmin, int32_t qmax) {
  vgl_qs8_requant_params params;
  if (vgl_qs8_requant_params_init(zp, qmin, qmax, &params) != VGL_OK) abort();
  return params;
}

// Checks the kernel helper against the reference for one (acc, scale) and reports both.
static void expect_rule(int line, int32_t acc, float scale, int32_t zp, int32_t qmin,
                        int32_t qmax, int32_t expected) {
  const vgl_qs8_requant_params params = params_of(zp, qmin, qmax);
  const int32_t got = vgl_qs8_requantize(acc, scale, &params);
  const int32_t want = ref_q8_requantize(acc, scale, zp, qmin, qmax);
  if (got != want || (expected != INT32_MIN && got != expected)) {
    char what[256];
    snprintf(what, sizeof what,
             "acc %" PRId32 " scale %.9g zp %" PRId32 " [%" PRId32 ", %" PRId32
             "]: kernel %" PRId32 ", reference %" PRId32 ", expected %" PRId32,
             acc, (double)scale, zp, qmin, qmax, got, want, expected);
    vgl_test_fail(__FILE__, line, what);
  }
}
#define ANY INT32_MIN  // "whatever the reference says"

VGL_TEST(q8_requant, ties_round_half_to_even) {
  // acc * 0.5 is exactly x.5 for odd acc: ties go to the even integer.
  expect_rule(__LINE__, 1, 0.5f, 0, -128, 127, 0);
  expect_rule(__LINE__, 3, 0.5f, 0, -128, 127, 2);
  expect_rule(__LINE__, 5, 0.5f, 0, -128, 127, 2);
  expect_rule(__LINE__, 7, 0.5f, 0, -128, 127, 4);
  expect_rule(__LINE__, -1, 0.5f, 0, -128, 127, 0);
  expect_rule(__LINE__, -3, 0.5f, 0, -128, 127, -2);
  expect_rule(__LINE__, -5, 0.5f, 0, -128, 127, -2);
  // The zero point is added after rounding: rne(2.5) + 1 = 3, not rne(3.5) = 4.
  expect_rule(__LINE__, 5, 0.5f, 1, -128, 127, 3);
  expect_rule(__LINE__, -5, 0.5f, -3, -128, 127, -5);
  // Quarter steps: 0.25 -> 0, 0.75 -> 1, 1.25 -> 1, 2.5 -> 2 (tie), 3.5 -> 4 (tie).
  expect_rule(__LINE__, 1, 0.25f, 0, -128, 127, 0);
  expect_rule(__LINE__, 3, 0.25f, 0, -128, 127, 1);
  expect_rule(__LINE__, 5, 0.25f, 0, -128, 127, 1);
  expect_rule(__LINE__, 10, 0.25f, 0, -128, 127, 2);
  expect_rule(__LINE__, 14, 0.25f, 0, -128, 127, 4);
  // Every tie k + 0.5 for k in [-140, 140] (inside and beyond the clamp).
  for (int32_t k = -140; k <= 140; k++) {
    const int32_t even = k % 2 == 0 ? k : k + 1;
    expect_rule(__LINE__, 2 * k + 1, 0.5f, 0, -128, 127,
                even < -128 ? -128 : even > 127 ? 127 : even);
  }
}

VGL_TEST(q8_requant, product_is_one_float_multiply) {
  // (float)acc rounds first: 5 * 2^24 + 1 is not a float (the spacing there is 8) and
  // converts to 5 * 2^24, which times 2^-25 is exactly 2.5, a tie -> 2; the exact value
  // 2.50000003 would round to 3. 5 * 2^24 + 5 converts up to 5 * 2^24 + 8: 2.50000024 -> 3.
  expect_rule(__LINE__, 16777217, 0x1p-24f, 0, -128, 127, 1);
  expect_rule(__LINE__, 5 * 16777216 + 1, 0x1p-25f, 0, -128, 127, 2);
  expect_rule(__LINE__, 5 * 16777216 + 5, 0x1p-25f, 0, -128, 127, 3);
  // The product rounds to float before rne: 5 * 0.1f = 0.50000000745 rounds to 0.5f, a tie
  // -> 0 (the exact product would give 1); 25 * 0.1f = 2.5000000373 -> 2.5f -> 2, not 3.
  expect_rule(__LINE__, 5, 0.1f, 0, -128, 127, 0);
  expect_rule(__LINE__, 15, 0.1f, 0, -128, 127, 2);
  expect_rule(__LINE__, 25, 0.1f, 0, -128, 127, 2);
}

VGL_TEST(q8_requant, extremes_and_clamps) {
  const int32_t accs[] = {INT32_MIN, INT32_MIN + 1, -2147483520, -16777217, -1, 0, 1,
                          16777217, 2147483520, INT32_MAX - 1, INT32_MAX};
  const float scales[] = {1e-30f, 1e-9f, 6.1e-5f, 0.5f, 1.0f, 3.0f, 1e9f, 3.4e38f};
  for (size_t a = 0; a < sizeof accs / sizeof accs[0]; a++) {
    for (size_t s = 0; s < sizeof scales / sizeof scales[0]; s++) {
      expect_rule(__LINE__, accs[a], scales[s], 0, -128, 127, ANY);
      expect_rule(__LINE__, accs[a], scales[s], -128, -128, 127, ANY);
      expect_rule(__LINE__, accs[a], scales[s], 127, -128, 127, ANY);
      expect_rule(__LINE__, accs[a], scales[s], 5, -20, 30, ANY);
    }
  }
  expect_rule(__LINE__, INT32_MAX, 1.0f, 0, -128, 127, 127);
  expect_rule(__LINE__, INT32_MIN, 1.0f, 0, -128, 127, -128);
  expect_rule(__LINE__, INT32_MAX, 3.4e38f, -128, -128, 127, 127);  // product is +inf
  expect_rule(__LINE__, INT32_MIN, 3.4e38f, 127, -128, 127, -128);  // -inf
  expect_rule(__LINE__, 254, 1.0f, -128, -128, 127, 126);
  expect_rule(__LINE__, 255, 1.0f, -128, -128, 127, 127);
  expect_rule(__LINE__, 256, 1.0f, -128, -128, 127, 127);
  expect_rule(__LINE__, -255, 1.0f, 127, -128, 127, -128);
  expect_rule(__LINE__, -256, 1.0f, 127, -128, 127, -128);
  // Exactly on the clamp after rounding: 127.5 -> 128 clamps, 126.5 -> 126.
  expect_rule(__LINE__, 255, 0.5f, 0, -128, 127, 127);
  expect_rule(__LINE__, 253, 0.5f, 0, -128, 127, 126);
  expect_rule(__LINE__, -257, 0.5f, 0, -128, 127, -128);
  expect_rule(__LINE__, 0, 1.0f, 0, 3, 9, 3);  // a narrower clamp
}

VGL_TEST(q8_requant, random_values_match_reference) {
  int mismatches = 0;
  for (int i = 0; i < 200000 && mismatches < 5; i++) {
    const int32_t acc = (int32_t)(uint32_t)vgl_test_next() >> (int)(vgl_test_next() % 31);
    const float scale = ldexpf(vgl_test_uniform(1.0f, 2.0f), -(int)(vgl_test_next() % 40));
    const int32_t zp = (int32_t)(vgl_test_next() % 256) - 128;
    const vgl_qs8_requant_params params = params_of(zp, -128, 127);
    const int32_t got = vgl_qs8_requantize(acc, scale, &params);
    const int32_t want = ref_q8_requantize(acc, scale, zp, -128, 127);
    if (got != want) {
      mismatches++;
      expect_rule(__LINE__, acc, scale, zp, -128, 127, want);
    }
  }
  EXPECT_EQ_INT(0, mismatches);
}

VGL_TEST(q8_requant, magic_rounding_is_exact_on_its_range) {
  // Every half-integer and its float neighbours in [-2^22, 2^22], sampled, and the ends.
  const float ends[] = {-4194304.0f, -4194303.5f, -4194302.5f, 4194302.5f, 4194303.5f,
                        4194304.0f, -0.5f, 0.5f, -0.0f, 0.0f, 0x1p-149f, -0x1p-149f};
  for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
    EXPECT_EQ_INT((int64_t)ref_q8_rne((double)ends[i]), vgl_qs8_round_half_even(ends[i]));
  }
  int mismatches = 0;
  for (int i = 0; i < 100000; i++) {
    const float base = (float)((int32_t)(vgl_test_next() % 8388608) - 4194304) + 0.5f;
    const float ys[3] = {base, nextafterf(base, -INFINITY), nextafterf(base, INFINITY)};
    for (int k = 0; k < 3; k++) {
      if (ys[k] < -4194304.0f || ys[k] > 4194304.0f) continue;
      if ((int64_t)ref_q8_rne((double)ys[k]) != vgl_qs8_round_half_even(ys[k])) mismatches++;
    }
  }
  EXPECT_EQ_INT(0, mismatches);
}

static void expect_residual(int line, int32_t acc, float scale, int8_t r, int32_t r_zp,
                            float r_scale, int32_t zp, int32_t expected) {
  vgl_qs8_requant_params params;
  if (vgl_qs8_requant_params_init_residual(zp, -128, 127, r_zp, r_scale, &params) != VGL_OK) {
    abort();
  }
  const int32_t got = vgl_qs8_requantize_residual(acc, scale, r, &params);
  const int32_t want =
      ref_q8_requantize_residual(acc, scale, r, r_zp, r_scale, zp, -128, 127);
  if (got != want || (expected != ANY && got != expected)) {
    char what[256];
    snprintf(what, sizeof what,
             "acc %" PRId32 " scale %.9g r %d r_zp %" PRId32 " r_scale %.9g zp %" PRId32
             ": kernel %" PRId32 ", reference %" PRId32 ", expected %" PRId32,
             acc, (double)scale, r, r_zp, (double)r_scale, zp, got, want, expected);
    vgl_test_fail(__FILE__, line, what);
  }
}

VGL_TEST(q8_requant, residual_rounds_each_term_then_adds) {
  // Both terms are ties: rne(0.5) + rne(0.5) = 0 + 0, while rne(1.0) would be 1.
  expect_residual(__LINE__, 1, 0.5f, 1, 0, 0.5f, 0, 0);
  // rne(1.5) + rne(1.5) = 2 + 2 = 4 (one rounding of the sum would give 3).
  expect_residual(__LINE__, 3, 0.5f, 3, 0, 0.5f, 0, 4);
  // rne(2.5) + rne(-0.5) + zp 10 = 2 + 0 + 10.
  expect_residual(__LINE__, 5, 0.5f, -1, 0, 0.5f, 10, 12);
  // The residual's zero point is subtracted before its scale: (7 - 3) * 0.25 = 1.
  expect_residual(__LINE__, 0, 1.0f, 7, 3, 0.25f, 0, 1);
  // Saturation from a huge conv term is not undone by the opposite residual.
  expect_residual(__LINE__, INT32_MAX, 1.0f, -128, 127, 4096.0f, 0, 127);
  expect_residual(__LINE__, INT32_MIN, 1.0f, 127, -128, 4096.0f, 0, -128);
  // A conv term just inside 2^21 cancelled by the largest residual term: no clamp there.
  expect_residual(__LINE__, 1044480 + 100, 1.0f, -128, 127, 4096.0f, 0, 100);
  expect_residual(__LINE__, -(1044480 + 100), 1.0f, 127, -128, 4096.0f, 0, -100);
  int mismatches = 0;
  for (int i = 0; i < 200000 && mismatches < 5; i++) {
    const int32_t acc = (int32_t)(uint32_t)vgl_test_next() >> (int)(vgl_test_next() % 31);
    const float scale = ldexpf(vgl_test_uniform(1.0f, 2.0f), -(int)(vgl_test_next() % 30));
    const int8_t r = (int8_t)(int32_t)(vgl_test_next() % 256 - 128);
    const int32_t r_zp = (int32_t)(vgl_test_next() % 256) - 128;
    const float r_scale = vgl_test_next() % 4 == 0 ? 0.5f : vgl_test_uniform(0.01f, 3.0f);
    const int32_t zp = (int32_t)(vgl_test_next() % 256) - 128;
    vgl_qs8_requant_params params;
    if (vgl_qs8_requant_params_init_residual(zp, -128, 127, r_zp, r_scale, &params) != VGL_OK) {
      abort();
    }
    if (vgl_qs8_requantize_residual(acc, scale, r, &params) !=
        ref_q8_requantize_residual(acc, scale, r, r_zp, r_scale, zp, -128, 127)) {
      mismatches++;
      expect_residual(__LINE__, acc, scale, r, r_zp, r_scale, zp, ANY);
    }
  }
  EXPECT_EQ_INT(0, mismatches);
}

VGL_TEST(q8_requant, params_init_refuses_bad_ranges) {
  vgl_qs8_requant_params params;
  memset(&params, 0x5A, sizeof params);
  const vgl_qs8_requant_params untouched = params;
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_qs8_requant_params_init(128, -128, 127, &params));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_qs8_requant_params_init(-129, -128, 127, &params));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_qs8_requant_params_init(0, -129, 127, &params));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_qs8_requant_params_init(0, -128, 128, &params));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_qs8_requant_params_init(0, 5, 4, &params));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_qs8_requant_params_init(0, -128, 127, NULL));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT,
                vgl_qs8_requant_params_init_residual(0, -128, 127, 0, 0.0f, &params));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT,
                vgl_qs8_requant_params_init_residual(0, -128, 127, 0, NAN, &params));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT,
                vgl_qs8_requant_params_init_residual(0, -128, 127, 0, 4097.0f, &params));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT,
                vgl_qs8_requant_params_init_residual(0, -128, 127, 200, 1.0f, &params));
  EXPECT_TRUE(memcmp(&params, &untouched, sizeof params) == 0);
  ASSERT_TRUE(vgl_qs8_requant_params_init(-7, -100, 90, &params) == VGL_OK);
  EXPECT_TRUE(params.min_less_zero_point == -93.0f && params.max_less_zero_point == 97.0f);
  EXPECT_TRUE(params.residual_scale == 1.0f && params.residual_zero_point == 0);
}

VGL_TEST(q8_gelu, table_matches_direct_formula) {
  const float in_scales[] = {0.01f, 0.0371f, 0.1f, 0.5f};
  const float out_scales[] = {0.005f, 0.02f, 0.1f, 0.7f};
  const int32_t zps[] = {-128, -37, 0, 64, 127};
  int8_t table[256];
  for (size_t a = 0; a < 4; a++) {
    for (size_t b = 0; b < 4; b++) {
      for (size_t z = 0; z < 5; z++) {
        const int32_t in_zp = zps[z], out_zp = zps[(z + 2) % 5];
        ASSERT_TRUE(vgl_qs8_gelu_table_init(in_scales[a], in_zp, out_scales[b], out_zp,
                                            table) == VGL_OK);
        for (int32_t q = -128; q <= 127; q++) {
          const int8_t want = ref_q8_gelu_code(q, in_scales[a], in_zp, out_scales[b], out_zp);
          if (table[q + 128] != want) {
            char what[200];
            snprintf(what, sizeof what,
                     "in %.4g/%" PRId32 " out %.4g/%" PRId32 " q %" PRId32 ": table %d, want %d",
                     (double)in_scales[a], in_zp, (double)out_scales[b], out_zp, q,
                     table[q + 128], want);
            vgl_test_fail(__FILE__, __LINE__, what);
            return;
          }
        }
      }
    }
  }
  // Known values: in scale 0.1, zp 0, out scale 0.1, zp 0: gelu(0) = 0, gelu(1.0) = 0.8413
  // -> 8.41 -> 8, gelu(-1.0) = -0.1587 -> -1.59 -> -2, gelu(12.7) = 12.7 -> 127.
  ASSERT_TRUE(vgl_qs8_gelu_table_init(0.1f, 0, 0.1f, 0, table) == VGL_OK);
  EXPECT_EQ_INT(0, table[0 + 128]);
  EXPECT_EQ_INT(8, table[10 + 128]);
  EXPECT_EQ_INT(-2, table[-10 + 128]);
  EXPECT_EQ_INT(127, table[127 + 128]);
  EXPECT_EQ_INT(0, table[-128 + 128]);  // gelu(-12.8) is -0.0 in the real numbers' rounding
  // The clamp: a tiny output scale saturates both ends.
  ASSERT_TRUE(vgl_qs8_gelu_table_init(0.1f, 0, 0.001f, 10, table) == VGL_OK);
  EXPECT_EQ_INT(127, table[127 + 128]);
  EXPECT_EQ_INT(-128, table[-5 + 128]);  // gelu(-0.5) = -0.154 -> -154 + 10
}

VGL_TEST(q8_gelu, table_init_refuses_bad_arguments) {
  int8_t table[256];
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_qs8_gelu_table_init(0.0f, 0, 1.0f, 0, table));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_qs8_gelu_table_init(1.0f, 0, -1.0f, 0, table));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_qs8_gelu_table_init(INFINITY, 0, 1.0f, 0, table));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_qs8_gelu_table_init(1.0f, 0, NAN, 0, table));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_qs8_gelu_table_init(1.0f, 128, 1.0f, 0, table));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_qs8_gelu_table_init(1.0f, 0, 1.0f, -129, table));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_qs8_gelu_table_init(1.0f, 0, 1.0f, 0, NULL));
}

int main(int argc, char **argv) {
  vgl_test_init(argc, argv);
  VGL_RUN_TEST(q8_requant, ties_round_half_to_even);
  VGL_RUN_TEST(q8_requant, product_is_one_float_multiply);
  VGL_RUN_TEST(q8_requant, extremes_and_clamps);
  VGL_RUN_TEST(q8_requant, random_values_match_reference);
  VGL_RUN_TEST(q8_requant, magic_rounding_is_exact_on_its_range);
  VGL_RUN_TEST(q8_requant, residual_rounds_each_term_then_adds);
  VGL_RUN_TEST(q8_requant, params_init_refuses_bad_ranges);
  VGL_RUN_TEST(q8_gelu, table_matches_direct_formula);
  VGL_RUN_TEST(q8_gelu, table_init_refuses_bad_arguments);
  return vgl_test_finish();
}
