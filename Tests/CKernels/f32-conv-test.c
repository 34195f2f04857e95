// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Dense and depthwise convolution kernels against ref_conv over awkward shapes.
#include "f32-kernels.h"
#include "f32-reference.h"
#include "vgl-test.h"

static const size_t kChannels[] = {1, 2, 3, 7, 8, 15, 16};
enum { kChannelCount = sizeof kChannels / sizeof kChannels[0] };
static const size_t kMaps[][2] = {{1, 1}, {2, 2}, {3, 5}, {15, 7}, {18, 17}};
enum { kMapCount = sizeof kMaps / sizeof kMaps[0] };

typedef enum conv_path { kDense, kPointwise, kDepthwise } conv_path;

typedef struct conv_case {
  conv_path path;
  size_t in_c, out_c, in_h, in_w, kernel, stride, pad;
  uint32_t activation;
  bool residual;
} conv_case;

static size_t out_extent(size_t in, size_t kernel, size_t stride, size_t pad) {
  return (in + 2 * pad - kernel) / stride + 1;
}

// Runs one case through its kernel and ref_conv; returns false on a mismatch (already reported).
static bool check_conv(conv_case c) {
  const size_t out_h = out_extent(c.in_h, c.kernel, c.stride, c.pad);
  const size_t out_w = out_extent(c.in_w, c.kernel, c.stride, c.pad);
  const size_t groups = c.path == kDepthwise ? c.in_c : 1;
  const size_t in_n = c.in_c * c.in_h * c.in_w, out_n = c.out_c * out_h * out_w;
  const size_t weight_n = c.out_c * (c.in_c / groups) * c.kernel * c.kernel;

  float *input = malloc(in_n * sizeof(float));
  float *weight = malloc(weight_n * sizeof(float));
  float *bias = malloc(c.out_c * sizeof(float));
  float *residual = malloc(out_n * sizeof(float));
  float *output = malloc(out_n * sizeof(float));
  double *want = malloc(out_n * sizeof(double));
  double *magnitude = malloc(out_n * sizeof(double));
  if (!input || !weight || !bias || !residual || !output || !want || !magnitude) abort();
  vgl_test_fill(input, in_n, -1.0f, 1.0f);
  vgl_test_fill(weight, weight_n, -1.0f, 1.0f);
  vgl_test_fill(bias, c.out_c, -1.0f, 1.0f);
  vgl_test_fill(residual, out_n, -1.0f, 1.0f);
  const float *res = c.residual ? residual : NULL;

  switch (c.path) {
    case kDense:
      vgl_f32_conv_kxk__scalar(c.in_c, c.in_h, c.in_w, c.out_c, out_h, out_w, c.kernel,
                               c.stride, c.pad, input, weight, bias, c.activation, res, output);
      break;
    case kPointwise:
      vgl_f32_conv_1x1_8x64__scalar(c.in_c, c.out_c, c.in_h * c.in_w, input, weight, bias,
                                    c.activation, res, output);
      break;
    case kDepthwise:
      vgl_f32_dwconv_kxk__scalar(c.in_c, c.in_h, c.in_w, out_h, out_w, c.kernel, c.stride,
                                 c.pad, input, weight, bias, c.activation, res, output);
      break;
  }
  ref_conv(input, c.in_c, c.in_h, c.in_w, weight, bias, c.out_c, out_h, out_w, c.kernel,
           c.stride, c.pad, groups, c.activation, res, want, magnitude);

  char context[256];
  snprintf(context, sizeof context,
           "%s in %zux%zux%zu out %zux%zux%zu kernel %zu stride %zu pad %zu act %u residual %d",
           c.path == kDense ? "conv_kxk" : c.path == kPointwise ? "conv_1x1" : "dwconv_kxk",
           c.in_c, c.in_h, c.in_w, c.out_c, out_h, out_w, c.kernel, c.stride, c.pad,
           (unsigned)c.activation, (int)c.residual);
  const bool ok = EXPECT_TENSOR_CLOSE(context, output, want, magnitude, c.out_c, out_h, out_w,
                                      1e-5, 1e-6);
  free(input);
  free(weight);
  free(bias);
  free(residual);
  free(output);
  free(want);
  free(magnitude);
  return ok;
}

// (kernel, stride, pad) triples: MobileViGv2's 3x3 s2 p1, odd paddings, 1x1 stride 2, 7x7.
static const size_t kWindows[][3] = {{1, 1, 0}, {1, 2, 0}, {3, 1, 1}, {3, 2, 1}, {3, 2, 0},
                                     {3, 1, 2}, {5, 2, 2}, {7, 1, 3}, {7, 2, 3}};
enum { kWindowCount = sizeof kWindows / sizeof kWindows[0] };

VGL_TEST(conv_kxk, awkward_shapes) {
  int cases = 0;
  for (size_t w = 0; w < kWindowCount; w++) {
    for (size_t m = 0; m < kMapCount; m++) {
      for (size_t ch = 0; ch < kChannelCount; ch++) {
        conv_case c = {kDense, kChannels[ch], kChannels[kChannelCount - 1 - ch], kMaps[m][0],
                       kMaps[m][1], kWindows[w][0], kWindows[w][1], kWindows[w][2],
                       (uint32_t)(cases % 2), cases % 3 == 0};
        if (c.in_h + 2 * c.pad < c.kernel || c.in_w + 2 * c.pad < c.kernel) continue;
        cases++;
        if (!check_conv(c)) return;
      }
    }
  }
  EXPECT_TRUE(cases > 250);
}

VGL_TEST(conv_kxk, stem_like_three_channels_odd_map_stride_2) {
  // The stem's 3 -> 16 conv on a 25x33 map: odd sizes, stride 2, pad 1, GELU.
  EXPECT_TRUE(check_conv((conv_case){kDense, 3, 16, 25, 33, 3, 2, 1, VGL_ACT_GELU, false}));
  // A downsample with more input channels than one block of anything.
  EXPECT_TRUE(check_conv((conv_case){kDense, 40, 24, 9, 7, 3, 2, 1, VGL_ACT_NONE, true}));
}

VGL_TEST(conv_1x1, awkward_shapes) {
  static const size_t extra_maps[][2] = {{8, 8}, {9, 15}, {33, 70}};  // 64, 135, 2310 pixels
  int cases = 0;
  for (size_t m = 0; m < kMapCount + 3; m++) {
    const size_t *map = m < kMapCount ? kMaps[m] : extra_maps[m - kMapCount];
    for (size_t i = 0; i < kChannelCount; i++) {
      for (size_t o = 0; o < kChannelCount; o++) {
        conv_case c = {kPointwise, kChannels[i], kChannels[o], map[0], map[1], 1, 1, 0,
                       (uint32_t)(cases % 2), cases % 3 != 1};
        cases++;
        if (!check_conv(c)) return;
      }
    }
  }
  // Channel counts past the 8-row block with a remainder, and MobileViG-sized reductions.
  EXPECT_TRUE(check_conv((conv_case){kPointwise, 17, 33, 5, 13, 1, 1, 0, VGL_ACT_GELU, true}));
  EXPECT_TRUE(check_conv((conv_case){kPointwise, 256, 64, 7, 7, 1, 1, 0, VGL_ACT_NONE, true}));
  EXPECT_TRUE(check_conv((conv_case){kPointwise, 64, 256, 14, 14, 1, 1, 0, VGL_ACT_GELU, false}));
}

VGL_TEST(conv_1x1, agrees_with_kxk_kernel_exactly) {
  // Same accumulation order by contract: bias, then input channels ascending, no FMA.
  const size_t in_c = 15, out_c = 17, h = 11, w = 13, n_in = in_c * h * w, n_out = out_c * h * w;
  float *input = malloc(n_in * sizeof(float)), *weight = malloc(in_c * out_c * sizeof(float));
  float *bias = malloc(out_c * sizeof(float));
  float *a = malloc(n_out * sizeof(float)), *b = malloc(n_out * sizeof(float));
  if (!input || !weight || !bias || !a || !b) abort();
  vgl_test_fill(input, n_in, -1.0f, 1.0f);
  vgl_test_fill(weight, in_c * out_c, -1.0f, 1.0f);
  vgl_test_fill(bias, out_c, -1.0f, 1.0f);
  vgl_f32_conv_1x1_8x64__scalar(in_c, out_c, h * w, input, weight, bias, VGL_ACT_GELU, NULL, a);
  vgl_f32_conv_kxk__scalar(in_c, h, w, out_c, h, w, 1, 1, 0, input, weight, bias, VGL_ACT_GELU,
                           NULL, b);
  EXPECT_TRUE(memcmp(a, b, n_out * sizeof(float)) == 0);
  free(input);
  free(weight);
  free(bias);
  free(a);
  free(b);
}

VGL_TEST(dwconv_kxk, awkward_shapes) {
  static const size_t windows[][3] = {{3, 1, 1}, {7, 1, 3}, {3, 2, 1}, {5, 1, 2},
                                      {1, 1, 0}, {7, 2, 3}, {3, 1, 0}};
  int cases = 0;
  for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
    for (size_t m = 0; m < kMapCount; m++) {
      for (size_t ch = 0; ch < kChannelCount; ch++) {
        conv_case c = {kDepthwise, kChannels[ch], kChannels[ch], kMaps[m][0], kMaps[m][1],
                       windows[w][0], windows[w][1], windows[w][2], (uint32_t)(cases % 2),
                       cases % 3 == 2};
        if (c.in_h + 2 * c.pad < c.kernel || c.in_w + 2 * c.pad < c.kernel) continue;
        cases++;
        if (!check_conv(c)) return;
      }
    }
  }
  EXPECT_TRUE(cases > 200);
  // MobileViGv2's own: 3x3 on 4C = 128 channels at 14x14, 7x7 CPE on 64 channels at 7x7.
  EXPECT_TRUE(check_conv((conv_case){kDepthwise, 128, 128, 14, 14, 3, 1, 1, VGL_ACT_GELU, false}));
  EXPECT_TRUE(check_conv((conv_case){kDepthwise, 64, 64, 7, 7, 7, 1, 3, VGL_ACT_NONE, false}));
}

int main(int argc, char **argv) {
  vgl_test_init(argc, argv);
  VGL_RUN_TEST(conv_kxk, awkward_shapes);
  VGL_RUN_TEST(conv_kxk, stem_like_three_channels_odd_map_stride_2);
  VGL_RUN_TEST(conv_1x1, awkward_shapes);
  VGL_RUN_TEST(conv_1x1, agrees_with_kxk_kernel_exactly);
  VGL_RUN_TEST(dwconv_kxk, awkward_shapes);
  return vgl_test_finish();
}
