// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Every row of the depthwise registry (CKernels/kernels/qs8-dwconv/qs8-dwconv.inc) against its
// scalar twin, for equality: channels around the 16-channel vector (1, 3, 15, 16, 17, 33, 65),
// maps 1x1 (a 7x7 window on one pixel), 2x2 and odd maps, 3x3 stride 1 and 2 and the CPE's
// 7x7, every epilogue, weights at +-127 with codes at the extremes. Rows the CPU lacks are
// reported as skipped.
#include "q8-tester.h"

typedef struct row {
  vgl_isa isa;
  vgl_qs8_dwconv_fn function;
  const char *name;
} row;

static const row kRows[] = {
#define VGL_QS8_KERNEL(isa, function, mr, nr) {isa, function, #function},
#include "qs8-dwconv/qs8-dwconv.inc"
};

VGL_TEST(qs8_dwconv, every_row_equals_the_scalar_twin) {
  static const size_t channel_counts[] = {1, 3, 15, 16, 17, 33, 65};
  static const size_t maps[][2] = {{1, 1}, {2, 2}, {7, 7}, {15, 7}, {4, 9}};
  static const size_t windows[][3] = {{3, 1, 1}, {3, 2, 1}, {7, 1, 3}};
  for (size_t i = 0; i < sizeof kRows / sizeof kRows[0]; i++) {
    const row *r = &kRows[i];
    if (!vgl_isa_supported(r->isa)) {
      printf("  skipped %s: this CPU lacks %s\n", r->name, vgl_isa_name(r->isa));
      continue;
    }
    size_t cases = 0;
    for (int sensitive = 0; sensitive < 2; sensitive++) {
      for (size_t a = 0; a < 7; a++) {
        for (size_t m = 0; m < 5; m++) {
          for (size_t k = 0; k < 3; k++) {
            for (int tail = 0; tail < 3; tail++) {
              const size_t c = channel_counts[a], h = maps[m][0], w = maps[m][1];
              const size_t kernel = windows[k][0], stride = windows[k][1], pad = windows[k][2];
              const size_t out_h = (h + 2 * pad - kernel) / stride + 1;
              const size_t out_w = (w + 2 * pad - kernel) / stride + 1;
              const size_t out_n = out_h * out_w * c;
              const bool extreme = !sensitive && (a + m + k + (size_t)tail) % 5 == 0;
              int8_t *input = q8t_codes(h * w * c), *weight = q8t_weights(kernel * kernel * c);
              int32_t *bias = q8t_biases(c, 20000);
              int32_t zp = q8t_int(-128, 127);
              if (extreme) {
                memset(input, -128, h * w * c);
                memset(weight, 127, kernel * kernel * c);
                zp = 127;
              }
              q8t_stage stage;
              if (sensitive) {
                q8t_sensitive_near(input, h * w * c, zp, -128, 127);
                q8t_sensitive_weights(weight, kernel * kernel * c);
                q8t_sensitive_biases(bias, c);
                q8t_stage_init_sensitive(&stage, (q8t_tail)tail, c, out_n);
              } else {
                q8t_stage_init(&stage, (q8t_tail)tail, c, out_n, kernel * kernel, m % 2 == 0);
              }
              int8_t *got = malloc(out_n), *want = malloc(out_n);
              if (got == NULL || want == NULL) abort();
              vgl_qs8_dwconv_kxk_1x1__scalar(c, h, w, out_h, out_w, kernel, stride, pad, input, zp,
                                             weight, bias, stage.scale, &stage.params,
                                             q8t_table(&stage), stage.residual, want, 0, out_h);
              r->function(c, h, w, out_h, out_w, kernel, stride, pad, input, zp, weight, bias,
                          stage.scale, &stage.params, q8t_table(&stage), stage.residual, got, 0, out_h);
              char context[200];
              snprintf(context, sizeof context, "%s: %zux%zux%zu zp %d kernel %zu stride %zu tail %d%s",
                       r->name, c, h, w, (int)zp, kernel, stride, tail, sensitive ? " sensitive" : "");
              const bool ok = EXPECT_CODES_EQUAL(context, got, want, NULL, c, out_h, out_w);
              free(input);
              free(weight);
              free(bias);
              free(got);
              free(want);
              q8t_stage_free(&stage);
              if (!ok) return;
              cases++;
            }
          }
        }
      }
    }
    printf("  %s: %zu cases equal\n", r->name, cases);
  }
}

int main(int argc, char **argv) {
  vgl_test_init(argc, argv);
  VGL_RUN_TEST(qs8_dwconv, every_row_equals_the_scalar_twin);
  return vgl_test_finish();
}
