// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The int8 convolution-family kernels (1x1 GEMM, dense kxk, depthwise, stem, pool, head)
// against the direct references of q8-reference.h, asserting equal codes, over MobileViG's
// awkward shapes: channels 1, 2, 3, 7, 8, 15, 16; maps 1x1, 2x2, 15x7, 18x17; odd maps at
// stride 2; each with the plain, GELU and residual tails. Also: the largest MobileViGv2
// reduction at its extreme values, and an fp32-vs-int8 sanity check of the quantization error.
#include "q8-tester.h"

static const size_t kChannels[] = {1, 2, 3, 7, 8, 15, 16};
enum { kChannelCount = sizeof kChannels / sizeof kChannels[0] };
static const size_t kMaps[][2] = {{1, 1}, {2, 2}, {15, 7}, {18, 17}};
enum { kMapCount = sizeof kMaps / sizeof kMaps[0] };
static const char *const kTailNames[] = {"plain", "gelu", "residual"};

typedef struct conv_case {
  size_t in_c, out_c, in_h, in_w, kernel, stride, pad;
  bool depthwise;
  q8t_tail tail;
  bool ties;
} conv_case;

static size_t extent(size_t in, size_t kernel, size_t stride, size_t pad) {
  return (in + 2 * pad - kernel) / stride + 1;
}

// Runs one case through the kernel the executor would pick and through the reference.
// Returns false (after reporting every parameter) on a mismatch.
static bool run_conv_case(const conv_case *k) {
  const size_t out_h = extent(k->in_h, k->kernel, k->stride, k->pad);
  const size_t out_w = extent(k->in_w, k->kernel, k->stride, k->pad);
  const size_t out_n = out_h * out_w * k->out_c;
  const size_t terms = k->depthwise ? k->kernel * k->kernel : k->kernel * k->kernel * k->in_c;
  int8_t *input = q8t_codes(k->in_h * k->in_w * k->in_c);
  const int32_t in_zp = q8t_int(-128, 127);
  int8_t *weight = q8t_weights(terms * k->out_c);
  int32_t *bias = q8t_biases(k->out_c, 20000);
  q8t_stage stage;
  q8t_stage_init(&stage, k->tail, k->out_c, out_n, terms, k->ties);
  int8_t *got = malloc(out_n), *want = malloc(out_n);
  int64_t *accs = malloc(out_n * sizeof(int64_t));
  if (got == NULL || want == NULL || accs == NULL) abort();

  q8t_packed packed = {NULL, NULL};
  if (!k->depthwise) {
    packed = q8t_pack(VGL_Q8_CONV, k->out_c, k->kernel * k->kernel, k->in_c, weight, bias, NULL);
  }
  if (k->depthwise) {
    vgl_qs8_dwconv_kxk_1x1__scalar(k->in_c, k->in_h, k->in_w, out_h, out_w, k->kernel,
                                   k->stride, k->pad, input, in_zp, weight, bias, stage.scale,
                                   &stage.params, q8t_table(&stage), stage.residual, got, 0, out_h);
  } else if (k->kernel == 1 && k->stride == 1 && k->pad == 0) {
    vgl_qs8_conv_1x1_1x1__scalar(k->in_c, k->out_c, k->in_h * k->in_w, input, in_zp,
                                 packed.weight, packed.bias, stage.scale, &stage.params, q8t_table(&stage),
                                 stage.residual, got);
  } else {
    vgl_qs8_conv_kxk_1x1__scalar(k->in_c, k->in_h, k->in_w, k->out_c, out_h, out_w, k->kernel,
                                 k->stride, k->pad, input, in_zp, packed.weight, packed.bias,
                                 stage.scale, &stage.params, q8t_table(&stage), stage.residual,
                                 got, 0, out_h);
  }
  if (!k->depthwise) q8t_packed_free(&packed);
  ref_q8_conv(input, k->in_c, k->in_h, k->in_w, in_zp, weight, bias, k->out_c, out_h, out_w,
              k->kernel, k->stride, k->pad, k->depthwise, &stage.ref, want, accs);

  char context[256];
  snprintf(context, sizeof context,
           "%s in %zux%zux%zu (zp %d) out_c %zu kernel %zu stride %zu pad %zu tail %s%s",
           k->depthwise ? "dwconv" : "conv", k->in_c, k->in_h, k->in_w, (int)in_zp, k->out_c,
           k->kernel, k->stride, k->pad, kTailNames[k->tail], k->ties ? " ties" : "");
  const bool ok = EXPECT_CODES_EQUAL(context, got, want, accs, k->out_c, out_h, out_w);
  free(input);
  free(weight);
  free(bias);
  free(got);
  free(want);
  free(accs);
  q8t_stage_free(&stage);
  return ok;
}

VGL_TEST(qs8_conv_1x1, channels_maps_and_tails) {
  for (size_t a = 0; a < kChannelCount; a++) {
    for (size_t b = 0; b < kChannelCount; b++) {
      for (size_t m = 0; m < kMapCount; m++) {
        for (int tail = 0; tail < 3; tail++) {
          const conv_case k = {kChannels[a], kChannels[b], kMaps[m][0], kMaps[m][1], 1, 1, 0,
                               false, (q8t_tail)tail, (a + b + m) % 2 == 0};
          if (!run_conv_case(&k)) return;
        }
      }
    }
  }
}

VGL_TEST(qs8_conv_kxk, windows_strides_and_padding) {
  // kernel, stride, pad: the stem/downsample 3x3 s2 p1, a 3x3 s1, 1x1 s2 (kxk path), 5x5 and
  // 7x7 with partial padding.
  const size_t windows[][3] = {{3, 2, 1}, {3, 1, 1}, {1, 2, 0}, {5, 1, 2}, {7, 2, 3}, {3, 2, 0}};
  for (size_t win = 0; win < 6; win++) {
    for (size_t a = 0; a < kChannelCount; a += 2) {
      for (size_t m = 0; m < kMapCount; m++) {
        const size_t kernel = windows[win][0], pad = windows[win][2];
        if (kMaps[m][0] + 2 * pad < kernel || kMaps[m][1] + 2 * pad < kernel) continue;
        for (int tail = 0; tail < 3; tail++) {
          const conv_case k = {kChannels[a], kChannels[(a + 3) % kChannelCount], kMaps[m][0],
                               kMaps[m][1], kernel, windows[win][1], pad, false,
                               (q8t_tail)tail, (win + m) % 2 == 1};
          if (!run_conv_case(&k)) return;
        }
      }
    }
  }
}

VGL_TEST(qs8_dwconv, kernels_3_and_7_strides_1_and_2) {
  const size_t windows[][3] = {{3, 1, 1}, {7, 1, 3}, {3, 2, 1}, {7, 2, 3}, {5, 1, 0}};
  for (size_t win = 0; win < 5; win++) {
    for (size_t a = 0; a < kChannelCount; a++) {
      for (size_t m = 0; m < kMapCount; m++) {
        const size_t kernel = windows[win][0], pad = windows[win][2];
        if (kMaps[m][0] + 2 * pad < kernel || kMaps[m][1] + 2 * pad < kernel) continue;
        for (int tail = 0; tail < 3; tail++) {
          const conv_case k = {kChannels[a], kChannels[a], kMaps[m][0], kMaps[m][1], kernel,
                               windows[win][1], pad, true, (q8t_tail)tail, a % 2 == 0};
          if (!run_conv_case(&k)) return;
        }
      }
    }
  }
}

VGL_TEST(qs8_conv_kxk, largest_reduction_at_extremes_does_not_overflow) {
  // MobileViGv2-B's longest reduction: the last downsample, 3x3 over 256 channels (2304 terms),
  // with every term at its maximum 127 * (127 - (-128)) = 32385, plus the largest bias
  // validation allows. The accumulator reaches INT32_MAX exactly and stays exact.
  const size_t in_c = 256, terms = 9 * 256;
  int8_t *input = malloc(3 * 3 * in_c), *weight = malloc(terms * 2);
  ASSERT_TRUE(input != NULL && weight != NULL);
  memset(input, 127, 3 * 3 * in_c);
  for (size_t i = 0; i < terms * 2; i++) weight[i] = (int8_t)(i < terms ? 127 : -127);
  const int32_t bias[2] = {INT32_MAX - (int32_t)(terms * 32385),
                           -(INT32_MAX - (int32_t)(terms * 32385))};
  const float scale[2] = {1.0f / 16777216.0f, 1.0f / 16777216.0f};
  vgl_qs8_requant_params params;
  ASSERT_TRUE(vgl_qs8_requant_params_init(0, -128, 127, &params) == VGL_OK);
  int8_t got[2], want[2];
  int64_t accs[2];
  q8t_packed packed = q8t_pack(VGL_Q8_CONV, 2, 9, in_c, weight, bias, NULL);
  vgl_qs8_conv_kxk_1x1__scalar(in_c, 3, 3, 2, 1, 1, 3, 1, 0, input, -128, packed.weight,
                               packed.bias, scale, &params, NULL, NULL, got, 0, 1);
  q8t_packed_free(&packed);
  const ref_q8_stage stage = {.scale = scale, .zero_point = 0, .qmin = -128, .qmax = 127};
  ref_q8_conv(input, in_c, 3, 3, -128, weight, bias, 2, 1, 1, 3, 1, 0, false, &stage, want,
              accs);
  EXPECT_EQ_INT(INT32_MAX, accs[0]);
  EXPECT_EQ_INT(-INT32_MAX, accs[1]);
  EXPECT_EQ_INT(127, got[0]);   // 2^31 / 2^24 = 128 -> clamps
  EXPECT_EQ_INT(-128, got[1]);
  EXPECT_CODES_EQUAL("extreme downsample", got, want, accs, 2, 1, 1);
  free(input);
  free(weight);
}

VGL_TEST(qs8_stem, rgb_pixels_with_pixel_zero_points) {
  const uint8_t imagenet_pz[3] = {124, 116, 104};  // round(255 * (0.485, 0.456, 0.406))
  const size_t maps[][2] = {{1, 1}, {2, 2}, {15, 7}, {18, 17}, {33, 25}};
  const size_t channel_counts[] = {3, 1, 4};
  for (size_t cc = 0; cc < 3; cc++) {
    for (size_t m = 0; m < 5; m++) {
      for (int tail = 0; tail < 2; tail++) {  // the stem takes no residual
        const size_t in_c = channel_counts[cc], in_h = maps[m][0], in_w = maps[m][1];
        const size_t out_c = 8, out_h = extent(in_h, 3, 2, 1), out_w = extent(in_w, 3, 2, 1);
        const size_t out_n = out_h * out_w * out_c;
        uint8_t *pixels = malloc(in_h * in_w * in_c);
        uint8_t pz[4];
        ASSERT_TRUE(pixels != NULL);
        for (size_t i = 0; i < in_h * in_w * in_c; i++) pixels[i] = (uint8_t)q8t_int(0, 255);
        // Extremes at the corners: black and white pixels.
        pixels[0] = 0;
        pixels[in_h * in_w * in_c - 1] = 255;
        for (size_t c = 0; c < in_c; c++) pz[c] = in_c == 3 ? imagenet_pz[c] : (uint8_t)q8t_int(0, 255);
        int8_t *weight = q8t_weights(out_c * 9 * in_c);
        int32_t *bias = q8t_biases(out_c, 5000);
        q8t_stage stage;
        q8t_stage_init(&stage, (q8t_tail)tail, out_c, out_n, 9 * in_c, m % 2 == 0);
        int8_t *got = malloc(out_n), *want = malloc(out_n);
        ASSERT_TRUE(got != NULL && want != NULL);
        q8t_packed packed = q8t_pack(VGL_Q8_STEM, out_c, 9, in_c, weight, bias, pz);
        vgl_qs8_stem_kxk_1x1__scalar(in_c, in_h, in_w, out_c, out_h, out_w, 3, 2, 1, pixels, pz,
                                     packed.weight, packed.bias, stage.scale, &stage.params,
                                     q8t_table(&stage), got, 0, out_h);
        q8t_packed_free(&packed);
        ref_q8_stem(pixels, in_c, in_h, in_w, pz, weight, bias, out_c, out_h, out_w, 3, 2, 1,
                    &stage.ref, want);
        char context[128];
        snprintf(context, sizeof context, "stem %zux%zux%zu tail %s", in_c, in_h, in_w,
                 kTailNames[tail]);
        const bool ok = EXPECT_CODES_EQUAL(context, got, want, NULL, out_c, out_h, out_w);
        free(pixels);
        free(weight);
        free(bias);
        free(got);
        free(want);
        q8t_stage_free(&stage);
        if (!ok) return;
      }
    }
  }
}

VGL_TEST(qs8_stem, padding_pixels_contribute_nothing) {
  // A 1x1 image whose only pixel equals the zero points: every window sees pz or padding, so
  // the accumulator is the bias alone.
  const uint8_t pixel[3] = {124, 116, 104};
  int8_t *weight = q8t_weights(4 * 9 * 3);
  const int32_t bias[4] = {-300, 0, 7, 1000};
  const float scale[4] = {0.25f, 0.25f, 0.25f, 0.25f};
  vgl_qs8_requant_params params;
  ASSERT_TRUE(vgl_qs8_requant_params_init(3, -128, 127, &params) == VGL_OK);
  int8_t out[4];
  q8t_packed packed = q8t_pack(VGL_Q8_STEM, 4, 9, 3, weight, bias, pixel);
  vgl_qs8_stem_kxk_1x1__scalar(3, 1, 1, 4, 1, 1, 3, 2, 1, pixel, pixel, packed.weight,
                               packed.bias, scale, &params, NULL, out, 0, 1);
  q8t_packed_free(&packed);
  EXPECT_EQ_INT(-75 + 3, out[0]);
  EXPECT_EQ_INT(0 + 3, out[1]);
  EXPECT_EQ_INT(2 + 3, out[2]);  // 1.75 -> 2
  EXPECT_EQ_INT(127, out[3]);    // 250 + 3 clamps
  free(weight);
}

VGL_TEST(qs8_gap, channels_and_maps) {
  const size_t maps[][2] = {{1, 1}, {2, 2}, {15, 7}, {18, 17}, {7, 7}, {56, 56}};
  for (size_t a = 0; a < kChannelCount; a++) {
    for (size_t m = 0; m < 6; m++) {
      const size_t c = kChannels[a], pixels = maps[m][0] * maps[m][1];
      int8_t *input = q8t_codes(pixels * c);
      const int32_t in_zp = q8t_int(-128, 127), out_zp = q8t_int(-128, 127);
      // s_in / (H * W * s_out) with s_out / s_in random in [0.5, 2]; some exact ties via 1/2^k.
      const float scale = (m % 2 == 0) ? ldexpf(1.0f, -(int)ceilf(log2f((float)pixels)))
                                       : 1.0f / ((float)pixels * vgl_test_uniform(0.5f, 2.0f));
      vgl_qs8_requant_params params;
      ASSERT_TRUE(vgl_qs8_requant_params_init(out_zp, -128, 127, &params) == VGL_OK);
      int8_t got[16], want[16];
      vgl_qs8_gap_1x1__scalar(c, pixels, input, in_zp, scale, &params, got);
      ref_q8_gap(input, c, pixels, in_zp, scale, out_zp, -128, 127, want);
      char context[96];
      snprintf(context, sizeof context, "gap %zu channels %zux%zu", c, maps[m][0], maps[m][1]);
      const bool ok = EXPECT_CODES_EQUAL(context, got, want, NULL, c, 1, 1);
      free(input);
      if (!ok) return;
    }
  }
}

VGL_TEST(qs8_head, logits_are_one_float_multiply) {
  for (size_t a = 0; a < kChannelCount; a++) {
    for (size_t classes = 1; classes <= 17; classes += 4) {
      const size_t c = kChannels[a];
      int8_t *input = q8t_codes(c), *weight = q8t_weights(classes * c);
      int32_t *bias = q8t_biases(classes, 100000);
      float *scale = q8t_scales(classes, c, false);
      const int32_t zp = q8t_int(-128, 127);
      float got[17], want[17];
      q8t_packed packed = q8t_pack(VGL_Q8_HEAD, classes, 1, c, weight, bias, NULL);
      vgl_qs8_head_1x1__scalar(c, classes, input, zp, packed.weight, packed.bias, scale, got);
      q8t_packed_free(&packed);
      ref_q8_head(input, c, zp, weight, bias, scale, classes, want);
      for (size_t o = 0; o < classes; o++) {
        if (memcmp(&got[o], &want[o], sizeof(float)) != 0) {
          char what[128];
          snprintf(what, sizeof what, "head %zu -> %zu: logit %zu got %.9g want %.9g", c,
                   classes, o, (double)got[o], (double)want[o]);
          vgl_test_fail(__FILE__, __LINE__, what);
          break;
        }
      }
      free(input);
      free(weight);
      free(bias);
      free(scale);
    }
  }
}

// Quantizes a float tensor per tensor (asymmetric) from its min and max.
static void quantize_tensor(const float *x, size_t n, float *scale_out, int32_t *zp_out,
                            int8_t *q) {
  float lo = 0.0f, hi = 0.0f;
  for (size_t i = 0; i < n; i++) {
    if (x[i] < lo) lo = x[i];
    if (x[i] > hi) hi = x[i];
  }
  const float scale = (hi - lo) / 255.0f;
  const int32_t zp = (int32_t)lrintf(-128.0f - lo / scale);
  for (size_t i = 0; i < n; i++) {
    const long v = lrintf(x[i] / scale) + zp;
    q[i] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
  }
  *scale_out = scale;
  *zp_out = zp;
}

VGL_TEST(qs8_conv_kxk, int8_tracks_fp32_within_quantization_error) {
  // A random 3x3 conv (16 -> 8 channels, 9x11 map, pad 1) in double and in int8: quantize the
  // input per tensor and the weights per output channel, requantize to an output scale from
  // the double result's range, dequantize, and bound each element's error by the propagated
  // rounding errors: sum |w| * s_x / 2 + sum |x| * s_w / 2 + n * s_x * s_w / 4 (products of
  // the two), the bias's s_x * s_w / 2, and the output's s_out / 2 (plus 1e-6 relative).
  enum { C = 16, O = 8, H = 9, W = 11, K = 3, N = H * W * C, TERMS = K * K * C };
  float x[N], w[O * TERMS], b[O];
  vgl_test_fill(x, N, -1.0f, 3.0f);
  vgl_test_fill(w, O * TERMS, -0.3f, 0.3f);
  vgl_test_fill(b, O, -0.5f, 0.5f);
  double y[H * W * O], magnitude[H * W * O];
  double y_lo = 0.0, y_hi = 0.0;
  for (size_t oy = 0; oy < H; oy++) {
    for (size_t ox = 0; ox < W; ox++) {
      for (size_t o = 0; o < O; o++) {
        double acc = b[o], mag = 0.0;
        for (size_t ky = 0; ky < K; ky++) {
          for (size_t kx = 0; kx < K; kx++) {
            const long iy = (long)(oy + ky) - 1, ix = (long)(ox + kx) - 1;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            for (size_t c = 0; c < C; c++) {
              const double xv = x[((size_t)iy * W + (size_t)ix) * C + c];
              const double wv = w[((o * K + ky) * K + kx) * C + c];
              acc += wv * xv;
              mag += fabs(wv) + fabs(xv);  // weights of the two error terms, see below
            }
          }
        }
        y[(oy * W + ox) * O + o] = acc;
        magnitude[(oy * W + ox) * O + o] = mag;
        if (acc < y_lo) y_lo = acc;
        if (acc > y_hi) y_hi = acc;
      }
    }
  }
  float s_x;
  int32_t zp_x;
  int8_t xq[N];
  quantize_tensor(x, N, &s_x, &zp_x, xq);
  int8_t wq[O * TERMS];
  int32_t bq[O];
  float s_w[O], scale[O];
  const float s_y = (float)((y_hi - y_lo) / 255.0);
  const int32_t zp_y = (int32_t)lrint(-128.0 - y_lo / s_y);
  for (size_t o = 0; o < O; o++) {
    float m = 0.0f;
    for (size_t i = 0; i < TERMS; i++) m = fmaxf(m, fabsf(w[o * TERMS + i]));
    s_w[o] = m / 127.0f;
    for (size_t i = 0; i < TERMS; i++) wq[o * TERMS + i] = (int8_t)lrintf(w[o * TERMS + i] / s_w[o]);
    bq[o] = (int32_t)lrint((double)b[o] / ((double)s_x * s_w[o]));
    scale[o] = (float)((double)s_x * s_w[o] / s_y);
  }
  vgl_qs8_requant_params params;
  ASSERT_TRUE(vgl_qs8_requant_params_init(zp_y, -128, 127, &params) == VGL_OK);
  int8_t out[H * W * O];
  q8t_packed packed = q8t_pack(VGL_Q8_CONV, O, K * K, C, wq, bq, NULL);
  vgl_qs8_conv_kxk_1x1__scalar(C, H, W, O, H, W, K, 1, 1, xq, zp_x, packed.weight, packed.bias,
                               scale, &params, NULL, NULL, out, 0, H);
  q8t_packed_free(&packed);
  double worst = 0.0, total = 0.0;
  for (size_t i = 0; i < H * W * O; i++) {
    const size_t o = i % O;
    const double got = (double)s_y * (out[i] - zp_y);
    const double error = fabs(got - y[i]);
    // |w| <= 0.3 and |x| <= 3 bound the cross terms: use the larger half-steps on both.
    const double bound = 0.5 * (double)s_y + 0.5 * (double)s_x * s_w[o] +
                         0.5 * fmax((double)s_x, (double)s_w[o]) * magnitude[i] +
                         TERMS * 0.25 * (double)s_x * s_w[o] + 1e-6 * fabs(y[i]);
    if (!(error <= bound)) {
      char what[160];
      snprintf(what, sizeof what, "element %zu: int8 %.6g fp %.6g error %.3g > bound %.3g", i,
               got, y[i], error, bound);
      vgl_test_fail(__FILE__, __LINE__, what);
      return;
    }
    worst = fmax(worst, error);
    total += error;
  }
  // Typically the errors are far below the worst-case bound: the mean is a few output steps.
  EXPECT_TRUE(total / (H * W * O) < 2.0 * s_y);
  printf("  int8 vs fp32: worst error %.4g, mean %.4g, output step %.4g\n", worst,
         total / (H * W * O), (double)s_y);
}

int main(int argc, char **argv) {
  vgl_test_init(argc, argv);
  VGL_RUN_TEST(qs8_conv_1x1, channels_maps_and_tails);
  VGL_RUN_TEST(qs8_conv_kxk, windows_strides_and_padding);
  VGL_RUN_TEST(qs8_dwconv, kernels_3_and_7_strides_1_and_2);
  VGL_RUN_TEST(qs8_conv_kxk, largest_reduction_at_extremes_does_not_overflow);
  VGL_RUN_TEST(qs8_stem, rgb_pixels_with_pixel_zero_points);
  VGL_RUN_TEST(qs8_stem, padding_pixels_contribute_nothing);
  VGL_RUN_TEST(qs8_gap, channels_and_maps);
  VGL_RUN_TEST(qs8_head, logits_are_one_float_multiply);
  VGL_RUN_TEST(qs8_conv_kxk, int8_tracks_fp32_within_quantization_error);
  return vgl_test_finish();
}
