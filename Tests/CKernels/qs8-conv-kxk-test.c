// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Every row of the dense kxk conv registry (CKernels/kernels/qs8-conv/qs8-conv-kxk.inc)
// against its scalar twin, for equality: input channels below, at and above the 4-channel
// group (1, 3, 4, 15, 16, 17, 33), output channels around the 16-channel block and 64-channel
// tile, maps 1x1 (every tap but the centre padded), 2x2, odd maps, kernels 1/3/5 with strides
// 1 and 2 and paddings, every epilogue, and B's longest reduction (3x3 over 256) at the code
// extremes. Rows the CPU lacks are reported as skipped.
#include "q8-tester.h"

typedef struct row {
  vgl_isa isa;
  vgl_qs8_conv_kxk_fn function;
  const char *name;
} row;

static const row kRows[] = {
#define VGL_QS8_KERNEL(isa, function, mr, nr) {isa, function, #function},
#include "qs8-conv/qs8-conv-kxk.inc"
};

static size_t extent(size_t in, size_t kernel, size_t stride, size_t pad) {
  return in + 2 * pad < kernel ? 0 : (in + 2 * pad - kernel) / stride + 1;
}

static bool kxk_case(const row *r, size_t in_c, size_t out_c, size_t h, size_t w, size_t k,
                     size_t stride, size_t pad, q8t_tail tail, bool extreme, bool sensitive) {
  const size_t out_h = extent(h, k, stride, pad), out_w = extent(w, k, stride, pad);
  if (out_h == 0 || out_w == 0) return true;
  const size_t out_n = out_h * out_w * out_c;
  int8_t *input = q8t_codes(h * w * in_c), *weight = q8t_weights(out_c * k * k * in_c);
  int32_t *bias = q8t_biases(out_c, 20000);
  int32_t zp = q8t_int(-128, 127);
  if (extreme) {
    memset(input, 127, h * w * in_c);
    memset(weight, 127, out_c * k * k * in_c);
    zp = -128;
    for (size_t o = 0; o < out_c; o++) bias[o] = 0;
  }
  if (sensitive) {
    q8t_sensitive_near(input, h * w * in_c, zp, -128, 127);
    q8t_sensitive_weights(weight, out_c * k * k * in_c);
    q8t_sensitive_biases(bias, out_c);
  }
  q8t_packed packed = q8t_pack(VGL_Q8_CONV, out_c, k * k, in_c, weight, bias, NULL);
  q8t_stage stage;
  if (sensitive) {
    q8t_stage_init_sensitive(&stage, tail, out_c, out_n);
  } else {
    q8t_stage_init(&stage, tail, out_c, out_n, k * k * in_c, (h + w) % 2 == 0);
  }
  int8_t *got = malloc(out_n), *want = malloc(out_n);
  if (got == NULL || want == NULL) abort();
  vgl_qs8_conv_kxk_1x1__scalar(in_c, h, w, out_c, out_h, out_w, k, stride, pad, input, zp,
                               packed.weight, packed.bias, stage.scale, &stage.params,
                               q8t_table(&stage), stage.residual, want, 0, out_h);
  r->function(in_c, h, w, out_c, out_h, out_w, k, stride, pad, input, zp, packed.weight,
              packed.bias, stage.scale, &stage.params, q8t_table(&stage), stage.residual, got, 0, out_h);
  char context[256];
  snprintf(context, sizeof context,
           "%s: in %zux%zux%zu zp %d out_c %zu kernel %zu stride %zu pad %zu tail %d%s%s",
           r->name, in_c, h, w, (int)zp, out_c, k, stride, pad, (int)tail,
           extreme ? " extreme" : "", sensitive ? " sensitive" : "");
  const bool ok = EXPECT_CODES_EQUAL(context, got, want, NULL, out_c, out_h, out_w);
  free(input);
  free(weight);
  free(bias);
  free(got);
  free(want);
  q8t_packed_free(&packed);
  q8t_stage_free(&stage);
  return ok;
}

VGL_TEST(qs8_conv_kxk, every_row_equals_the_scalar_twin) {
  static const size_t in_channels[] = {1, 3, 4, 15, 16, 17, 33};
  static const size_t out_channels[] = {1, 15, 16, 17, 33, 65};
  static const size_t maps[][2] = {{1, 1}, {2, 2}, {7, 5}, {15, 7}};
  static const size_t windows[][3] = {{3, 2, 1}, {3, 1, 1}, {5, 1, 2}, {1, 2, 0}, {3, 1, 0}};
  for (size_t i = 0; i < sizeof kRows / sizeof kRows[0]; i++) {
    const row *r = &kRows[i];
    if (!vgl_isa_supported(r->isa)) {
      printf("  skipped %s: this CPU lacks %s\n", r->name, vgl_isa_name(r->isa));
      continue;
    }
    size_t cases = 0;
    for (int sensitive = 0; sensitive < 2; sensitive++) {
      for (size_t a = 0; a < 7; a++) {
        for (size_t b = 0; b < 6; b++) {
          for (size_t m = 0; m < 4; m++) {
            for (size_t k = 0; k < 5; k++) {
              const q8t_tail tail = (q8t_tail)((a + b + m + k) % 3);
              if (!kxk_case(r, in_channels[a], out_channels[b], maps[m][0], maps[m][1],
                            windows[k][0], windows[k][1], windows[k][2], tail, false,
                            sensitive)) {
                return;
              }
              cases++;
            }
          }
        }
      }
    }
    for (int tail = 0; tail < 3; tail++) {
      if (!kxk_case(r, 256, 17, 3, 3, 3, 1, 0, (q8t_tail)tail, true, false)) return;
      if (!kxk_case(r, 256, 20, 5, 4, 3, 2, 1, (q8t_tail)tail, false, false)) return;
      if (!kxk_case(r, 256, 20, 5, 4, 3, 2, 1, (q8t_tail)tail, false, true)) return;
      cases += 3;
    }
    printf("  %s: %zu cases equal\n", r->name, cases);
  }
}

int main(int argc, char **argv) {
  vgl_test_init(argc, argv);
  VGL_RUN_TEST(qs8_conv_kxk, every_row_equals_the_scalar_twin);
  return vgl_test_finish();
}
