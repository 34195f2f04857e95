// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The shipped model (weights/fashion-mnist, a whole MobileViGv2: stem, dense kxk downsamples,
// depthwise 3x3 and 7x7, 1x1 GEMMs, graph ops, pool, head) gives the scalar path's logits bit
// for bit on every ISA path this CPU runs and 1-4 threads: every kernel family in a real
// network, natively and under qemu (Tools/cross-test.sh). Paths the CPU lacks are reported as
// skipped. The inputs are deterministic pixel patterns (a gradient, noise, and the extremes).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgl-test.h"
#include "vigil_model.h"

#ifndef VGL_FIXTURE_DIR
#define VGL_FIXTURE_DIR "../Tests/Fixtures"
#endif

enum { kInputs = 3, kMaxClasses = 1000 };

static void make_pixels(int pattern, size_t n, uint8_t *pixels) {
  uint32_t state = 2463534242u;
  for (size_t i = 0; i < n; i++) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    switch (pattern) {
      case 0: pixels[i] = (uint8_t)(i * 7 / 3); break;
      case 1: pixels[i] = (uint8_t)state; break;
      default: pixels[i] = (state & 1) ? 255 : 0; break;
    }
  }
}

VGL_TEST(qs8_network, shipped_model_every_isa_and_thread_count) {
  char path[1024];
  snprintf(path, sizeof path, "%s/../../weights/fashion-mnist/mobilevigv2-fmnist.vigil",
           VGL_FIXTURE_DIR);
  char message[300];
  vgl_model *model = NULL;
  if (vgl_model_open_file(path, &model, message, sizeof message) != VGL_OK) {
    vgl_test_fail(__FILE__, __LINE__, message);
    return;
  }
  const vgl_model_network *network = vgl_model_network_config(model);
  const size_t classes = network->classes, side = network->input_size;
  ASSERT_TRUE(classes != 0 && classes <= kMaxClasses);
  uint8_t *pixels = malloc(kInputs * side * side * 3);
  float *want = malloc(kInputs * classes * sizeof(float)), got[kMaxClasses];
  ASSERT_TRUE(pixels != NULL && want != NULL);
  for (int input = 0; input < kInputs; input++) {
    make_pixels(input, side * side * 3, pixels + (size_t)input * side * side * 3);
  }
  void *arena = NULL;
  ASSERT_TRUE(vgl_arena_alloc(vgl_model_arena_size_threads(model, 4), &arena, message,
                              sizeof message) == VGL_OK);
  size_t compared = 0;
  for (int isa = VGL_ISA_SCALAR; isa <= VGL_ISA_NEONDOT; isa++) {
    if (!vgl_isa_supported((vgl_isa)isa)) {
      printf("  skipped %s: this CPU lacks it\n", vgl_isa_name((vgl_isa)isa));
      continue;
    }
    for (uint32_t threads = 1; threads <= 4; threads++) {
      if (isa == VGL_ISA_SCALAR && threads > 1) break;  // the reference: one thread
      const vgl_instance_options options = {sizeof options, (uint32_t)isa, threads};
      vgl_instance instance;
      if (vgl_instance_init_options(model, arena, vgl_model_arena_size_threads(model, threads),
                                    &options, &instance, message, sizeof message) != VGL_OK) {
        vgl_test_fail(__FILE__, __LINE__, message);
        continue;
      }
      for (int input = 0; input < kInputs; input++) {
        float *reference = want + (size_t)input * classes;
        float *out = isa == VGL_ISA_SCALAR ? reference : got;
        EXPECT_EQ_INT(VGL_OK,
                      vgl_instance_run(&instance, pixels + (size_t)input * side * side * 3, out));
        if (isa != VGL_ISA_SCALAR && memcmp(out, reference, classes * sizeof(float)) != 0) {
          char what[160];
          snprintf(what, sizeof what, "isa %s threads %u input %d: logits differ from scalar",
                   vgl_isa_name((vgl_isa)isa), threads, input);
          vgl_test_fail(__FILE__, __LINE__, what);
        }
        compared++;
      }
      vgl_instance_release(&instance);
    }
  }
  printf("  %zu runs of a %zux%zu model, %zu classes: logits equal\n", compared, side, side,
         classes);
  vgl_arena_free(arena);
  free(pixels);
  free(want);
  vgl_model_close(model);
}

int main(int argc, char **argv) {
  vgl_test_init(argc, argv);
  VGL_RUN_TEST(qs8_network, shipped_model_every_isa_and_thread_count);
  return vgl_test_finish();
}
