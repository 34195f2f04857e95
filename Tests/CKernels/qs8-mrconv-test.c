// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Every row of the graph-op registry (CKernels/kernels/qs8-mrconv/qs8-mrconv.inc) against its
// scalar twin, for equality: channels around the 4-channel group, the 16-channel block and the
// 64-channel tile (1, 3, 15, 16, 17, 33, 65), maps 1x1, 2x2, 4x3 and odd ones, hops 0, 1, 2,
// equal to a side, between the sides and beyond both (K >= map size: xj is 0), every epilogue.
// Rows the CPU lacks are reported as skipped.
#include "q8-tester.h"

typedef struct row {
  vgl_isa isa;
  vgl_qs8_mrconv_fn function;
  const char *name;
} row;

static const row kRows[] = {
#define VGL_QS8_KERNEL(isa, function, mr, nr) {isa, function, #function},
#include "qs8-mrconv/qs8-mrconv.inc"
};

VGL_TEST(qs8_mrconv, every_row_equals_the_scalar_twin) {
  static const size_t channel_counts[] = {1, 3, 15, 16, 17, 33, 65};
  static const size_t maps[][2] = {{1, 1}, {2, 2}, {4, 3}, {7, 7}, {5, 9}};
  static const size_t hops[] = {0, 1, 2, 3, 4, 8};
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
          for (size_t hp = 0; hp < 6; hp++) {
            const size_t c = channel_counts[a], h = maps[m][0], w = maps[m][1], hop = hops[hp];
            const size_t n = h * w * c;
            const q8t_tail tail = (q8t_tail)((a + m + hp) % 3);
            int8_t *input = q8t_codes(n), *weight = q8t_weights(c * 2 * c);
            int32_t *bias = q8t_biases(c, 20000);
            const int32_t zp = q8t_int(-128, 127);
            if (sensitive) {
              q8t_sensitive_near(input, n, zp, -128, 127);
              q8t_sensitive_weights(weight, c * 2 * c);
              q8t_sensitive_biases(bias, c);
            }
            q8t_packed packed = q8t_pack(VGL_Q8_MRCONV, c, 2, c, weight, bias, NULL);
            q8t_stage stage;
            if (sensitive) {
              q8t_stage_init_sensitive(&stage, tail, c, n);
            } else {
              q8t_stage_init(&stage, tail, c, n, 2 * c, hp % 2 == 0);
            }
            int8_t *got = malloc(n), *want = malloc(n);
            uint8_t *scratch = malloc(c);
            if (got == NULL || want == NULL || scratch == NULL) abort();
            vgl_qs8_mrconv_1x1__scalar(c, h, w, hop, input, zp, packed.weight, packed.bias,
                                       stage.scale, &stage.params, q8t_table(&stage),
                                       stage.residual, scratch, want, 0, h);
            r->function(c, h, w, hop, input, zp, packed.weight, packed.bias, stage.scale,
                        &stage.params, q8t_table(&stage), stage.residual, scratch, got, 0, h);
            char context[200];
            snprintf(context, sizeof context, "%s: %zux%zux%zu hop %zu zp %d tail %d%s", r->name,
                     c, h, w, hop, (int)zp, (int)tail, sensitive ? " sensitive" : "");
            const bool ok = EXPECT_CODES_EQUAL(context, got, want, NULL, c, h, w);
            free(input);
            free(weight);
            free(bias);
            free(got);
            free(want);
            free(scratch);
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
  VGL_RUN_TEST(qs8_mrconv, every_row_equals_the_scalar_twin);
  return vgl_test_finish();
}
