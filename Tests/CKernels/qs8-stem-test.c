// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Every row of the stem registry (CKernels/kernels/qs8-stem/qs8-stem.inc) against its scalar
// twin, for equality: RGB with ImageNet's pixel zero points and 1, 4, 5 channels with random
// ones (a padded tap feeds each channel's own zero point), maps 1x1 (kernel >= map), 2x2 and
// odd maps, 3x3 stride 2 and 7x7 stride 2 windows, black and white pixels, with and without
// GELU. Rows the CPU lacks are reported as skipped.
#include "q8-tester.h"

typedef struct row {
  vgl_isa isa;
  vgl_qs8_stem_fn function;
  const char *name;
} row;

static const row kRows[] = {
#define VGL_QS8_KERNEL(isa, function, mr, nr) {isa, function, #function},
#include "qs8-stem/qs8-stem.inc"
};

VGL_TEST(qs8_stem, every_row_equals_the_scalar_twin) {
  static const uint8_t imagenet[3] = {124, 116, 104};
  static const size_t channel_counts[] = {3, 1, 4, 5};
  static const size_t maps[][2] = {{1, 1}, {2, 2}, {15, 7}, {18, 17}, {33, 25}};
  static const size_t windows[][3] = {{3, 2, 1}, {7, 2, 3}, {3, 1, 1}};
  static const size_t out_channels[] = {8, 16, 17, 33};
  for (size_t i = 0; i < sizeof kRows / sizeof kRows[0]; i++) {
    const row *r = &kRows[i];
    if (!vgl_isa_supported(r->isa)) {
      printf("  skipped %s: this CPU lacks %s\n", r->name, vgl_isa_name(r->isa));
      continue;
    }
    size_t cases = 0;
    for (int sensitive = 0; sensitive < 2; sensitive++) {
      for (size_t cc = 0; cc < 4; cc++) {
        for (size_t m = 0; m < 5; m++) {
          for (size_t k = 0; k < 3; k++) {
            const size_t in_c = channel_counts[cc], h = maps[m][0], w = maps[m][1];
            const size_t kernel = windows[k][0], stride = windows[k][1], pad = windows[k][2];
            const size_t out_c = out_channels[(cc + m + k) % 4];
            const size_t out_h = (h + 2 * pad - kernel) / stride + 1;
            const size_t out_w = (w + 2 * pad - kernel) / stride + 1;
            if (h + 2 * pad < kernel || w + 2 * pad < kernel) continue;
            const size_t out_n = out_h * out_w * out_c;
            uint8_t *pixels = malloc(h * w * in_c), pz[8];
            if (pixels == NULL) abort();
            for (size_t p = 0; p < h * w * in_c; p++) pixels[p] = (uint8_t)q8t_int(0, 255);
            pixels[0] = 0;
            pixels[h * w * in_c - 1] = 255;
            for (size_t c = 0; c < in_c; c++) pz[c] = in_c == 3 ? imagenet[c] : (uint8_t)q8t_int(0, 255);
            int8_t *weight = q8t_weights(out_c * kernel * kernel * in_c);
            int32_t *bias = q8t_biases(out_c, 5000);
            if (sensitive) {  // pixels within 2 of their channel's zero point
              for (size_t p = 0; p < h * w * in_c; p++) {
                const int32_t v = (int32_t)pz[p % in_c] + q8t_int(-2, 2);
                pixels[p] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
              }
              q8t_sensitive_weights(weight, out_c * kernel * kernel * in_c);
              q8t_sensitive_biases(bias, out_c);
            }
            q8t_packed packed = q8t_pack(VGL_Q8_STEM, out_c, kernel * kernel, in_c, weight, bias, pz);
            const q8t_tail tail = (q8t_tail)((cc + m + k) % 2);
            q8t_stage stage;
            if (sensitive) {
              q8t_stage_init_sensitive(&stage, tail, out_c, out_n);
            } else {
              q8t_stage_init(&stage, tail, out_c, out_n, kernel * kernel * in_c, m % 2 == 0);
            }
            int8_t *got = malloc(out_n), *want = malloc(out_n);
            if (got == NULL || want == NULL) abort();
            vgl_qs8_stem_kxk_1x1__scalar(in_c, h, w, out_c, out_h, out_w, kernel, stride, pad,
                                         pixels, pz, packed.weight, packed.bias, stage.scale,
                                         &stage.params, q8t_table(&stage), want, 0, out_h);
            r->function(in_c, h, w, out_c, out_h, out_w, kernel, stride, pad, pixels, pz,
                        packed.weight, packed.bias, stage.scale, &stage.params, q8t_table(&stage),
                        got, 0, out_h);
            char context[200];
            snprintf(context, sizeof context, "%s: in %zux%zux%zu out_c %zu kernel %zu stride %zu tail %d%s",
                     r->name, in_c, h, w, out_c, kernel, stride, (int)tail,
                     sensitive ? " sensitive" : "");
            const bool ok = EXPECT_CODES_EQUAL(context, got, want, NULL, out_c, out_h, out_w);
            free(pixels);
            free(weight);
            free(bias);
            free(got);
            free(want);
            q8t_packed_free(&packed);
            q8t_stage_free(&stage);
            if (!ok) return;
            cases++;
          }
        }
      }
    }
    printf("  %s: %zu cases equal\n", r->name, cases);
  }
}

int main(int argc, char **argv) {
  vgl_test_init(argc, argv);
  VGL_RUN_TEST(qs8_stem, every_row_equals_the_scalar_twin);
  return vgl_test_finish();
}
