// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Every row of the 1x1 GEMM registry (CKernels/kernels/qs8-conv/qs8-conv-1x1.inc) against its
// scalar twin, for equality, over shapes derived from the tiles: input and output channels
// below, at and above each tile (1, 3, 4, 15, 16, 17, 33, 63, 64, 65, 128), pixel counts around
// the 4-pixel tile (1..9, 49: a 7x7 map), the GELU and residual epilogues, narrow clamps, ties,
// and MobileViGv2-B's longest 1x1 reduction (2048) at the code extremes. A row whose ISA this
// CPU lacks is reported as skipped (VIGIL_ISA-forced and qemu runs cover the others).
#include "q8-tester.h"

typedef struct gemm_row {
  vgl_isa isa;
  vgl_qs8_conv_1x1_fn function;
  const char *name;
  size_t mr, nr;
} gemm_row;

static const gemm_row kRows[] = {
#define VGL_QS8_KERNEL(isa, function, mr, nr) {isa, function, #function, mr, nr},
#include "qs8-conv/qs8-conv-1x1.inc"
};
static const size_t kRowCount = sizeof kRows / sizeof kRows[0];

static const char *const kTails[] = {"plain", "gelu", "residual"};

static int32_t i32_pick_extreme(void) { return q8t_int(0, 1) == 0 ? -128 : 127; }

// One case: random codes and weights (extremes when `extreme`), kernel vs scalar twin.
static bool gemm_case(const gemm_row *row, size_t in_c, size_t out_c, size_t pixels,
                      q8t_tail tail, bool ties, bool extreme,
                      bool sensitive) {
  int8_t *input = q8t_codes(pixels * in_c);
  int8_t *weight = q8t_weights(out_c * in_c);
  int32_t *bias = q8t_biases(out_c, 20000);
  int32_t zp = q8t_int(-128, 127);
  if (extreme) {
    for (size_t i = 0; i < pixels * in_c; i++) input[i] = (int8_t)(i % 3 == 0 ? -128 : 127);
    for (size_t i = 0; i < out_c * in_c; i++) weight[i] = (int8_t)(i % 5 == 0 ? -127 : 127);
    zp = i32_pick_extreme();
  }
  if (sensitive) {
    q8t_sensitive_near(input, pixels * in_c, zp, -128, 127);
    q8t_sensitive_weights(weight, out_c * in_c);
    q8t_sensitive_biases(bias, out_c);
  }
  q8t_packed packed = q8t_pack(VGL_Q8_CONV, out_c, 1, in_c, weight, bias, NULL);
  q8t_stage stage;
  if (sensitive) {
    q8t_stage_init_sensitive(&stage, tail, out_c, pixels * out_c);
  } else {
    q8t_stage_init(&stage, tail, out_c, pixels * out_c, in_c, ties);
  }
  int8_t *got = malloc(pixels * out_c), *want = malloc(pixels * out_c);
  if (got == NULL || want == NULL) abort();
  memset(got, 0x55, pixels * out_c);
  vgl_qs8_conv_1x1_1x1__scalar(in_c, out_c, pixels, input, zp, packed.weight, packed.bias,
                               stage.scale, &stage.params, q8t_table(&stage), stage.residual,
                               want);
  row->function(in_c, out_c, pixels, input, zp, packed.weight, packed.bias, stage.scale,
                &stage.params, q8t_table(&stage), stage.residual, got);
  char context[256];
  snprintf(context, sizeof context, "%s: in_c %zu out_c %zu pixels %zu zp %d tail %s%s%s%s",
           row->name, in_c, out_c, pixels, (int)zp, kTails[tail], ties ? " ties" : "",
           extreme ? " extreme" : "", sensitive ? " sensitive" : "");
  // (y, x, c) printed as pixel = y * 1 + x: the GEMM's map is pixels x 1.
  const bool ok = EXPECT_CODES_EQUAL(context, got, want, NULL, out_c, pixels, 1);
  free(input);
  free(weight);
  free(bias);
  free(got);
  free(want);
  q8t_packed_free(&packed);
  q8t_stage_free(&stage);
  return ok;
}

VGL_TEST(qs8_conv_1x1, every_row_equals_the_scalar_twin) {
  static const size_t channels[] = {1, 3, 4, 15, 16, 17, 33, 63, 64, 65, 128};
  static const size_t pixel_counts[] = {1, 2, 3, 4, 5, 7, 8, 9, 49};
  const size_t nc = sizeof channels / sizeof channels[0];
  const size_t np = sizeof pixel_counts / sizeof pixel_counts[0];
  for (size_t r = 0; r < kRowCount; r++) {
    const gemm_row *row = &kRows[r];
    if (!vgl_isa_supported(row->isa)) {
      printf("  skipped %s: this CPU lacks %s\n", row->name, vgl_isa_name(row->isa));
      continue;
    }
    size_t cases = 0;
    for (int sensitive = 0; sensitive < 2; sensitive++) {
      for (size_t a = 0; a < nc; a++) {
        for (size_t b = 0; b < nc; b++) {
          for (size_t p = 0; p < np; p++) {
            const q8t_tail tail = (q8t_tail)((a + b + p) % 3);
            if (!gemm_case(row, channels[a], channels[b], pixel_counts[p], tail, (a + p) % 2 == 0,
                           false, sensitive)) {
              return;
            }
            cases++;
          }
        }
      }
    }
    // Every tail at every output tile edge, and the longest reduction at the extremes and
    // sensitive.
    for (int tail = 0; tail < 3; tail++) {
      for (size_t b = 0; b < nc; b++) {
        if (!gemm_case(row, 65, channels[b], 6, (q8t_tail)tail, true, false, false)) return;
        cases++;
      }
      if (!gemm_case(row, 2048, 17, 5, (q8t_tail)tail, false, true, false)) return;
      if (!gemm_case(row, 2047, 33, 3, (q8t_tail)tail, false, true, false)) return;
      if (!gemm_case(row, 2047, 33, 3, (q8t_tail)tail, false, false, true)) return;
      cases += 3;
    }
    printf("  %s: %zu cases equal\n", row->name, cases);
  }
}

int main(int argc, char **argv) {
  vgl_test_init(argc, argv);
  VGL_RUN_TEST(qs8_conv_1x1, every_row_equals_the_scalar_twin);
  return vgl_test_finish();
}
