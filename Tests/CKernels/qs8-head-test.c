// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Every row of the classifier registry (CKernels/kernels/qs8-head/qs8-head.inc) against its
// scalar twin, bit for bit on the float logits: inputs of 1, 3, 4, 15, 16, 17, 65, 512 and 768
// channels (B's embedding), classes around the 16-class block (1, 15, 16, 17, 33, 1000), codes
// and weights at the extremes. Rows the CPU lacks are reported as skipped.
#include "q8-tester.h"

typedef struct row {
  vgl_isa isa;
  vgl_qs8_head_fn function;
  const char *name;
} row;

static const row kRows[] = {
#define VGL_QS8_KERNEL(isa, function, mr, nr) {isa, function, #function},
#include "qs8-head/qs8-head.inc"
};

VGL_TEST(qs8_head, every_row_equals_the_scalar_twin) {
  static const size_t channel_counts[] = {1, 3, 4, 15, 16, 17, 65, 512, 768};
  static const size_t class_counts[] = {1, 15, 16, 17, 33, 1000};
  for (size_t i = 0; i < sizeof kRows / sizeof kRows[0]; i++) {
    const row *r = &kRows[i];
    if (!vgl_isa_supported(r->isa)) {
      printf("  skipped %s: this CPU lacks %s\n", r->name, vgl_isa_name(r->isa));
      continue;
    }
    size_t cases = 0;
    for (size_t a = 0; a < 9; a++) {
      for (size_t b = 0; b < 6; b++) {
        const size_t c = channel_counts[a], classes = class_counts[b];
        const bool extreme = (a + b) % 4 == 0;
        int8_t *input = q8t_codes(c), *weight = q8t_weights(classes * c);
        int32_t *bias = q8t_biases(classes, 100000);
        float *scale = q8t_scales(classes, c, false);
        int32_t zp = q8t_int(-128, 127);
        if (extreme) {
          memset(input, 127, c);
          memset(weight, -127, classes * c);
          zp = -128;
        }
        q8t_packed packed = q8t_pack(VGL_Q8_HEAD, classes, 1, c, weight, bias, NULL);
        float *got = malloc(classes * sizeof(float)), *want = malloc(classes * sizeof(float));
        if (got == NULL || want == NULL) abort();
        vgl_qs8_head_1x1__scalar(c, classes, input, zp, packed.weight, packed.bias, scale, want);
        r->function(c, classes, input, zp, packed.weight, packed.bias, scale, got);
        bool ok = true;
        for (size_t o = 0; o < classes && ok; o++) {
          if (memcmp(&got[o], &want[o], sizeof(float)) != 0) {
            char what[160];
            snprintf(what, sizeof what, "%s: %zu -> %zu classes zp %d: logit %zu got %.9g want %.9g",
                     r->name, c, classes, (int)zp, o, (double)got[o], (double)want[o]);
            vgl_test_fail(__FILE__, __LINE__, what);
            ok = false;
          }
        }
        free(input);
        free(weight);
        free(bias);
        free(scale);
        free(got);
        free(want);
        q8t_packed_free(&packed);
        if (!ok) return;
        cases++;
      }
    }
    printf("  %s: %zu cases equal\n", r->name, cases);
  }
}

int main(int argc, char **argv) {
  vgl_test_init(argc, argv);
  VGL_RUN_TEST(qs8_head, every_row_equals_the_scalar_twin);
  return vgl_test_finish();
}
