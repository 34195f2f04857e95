// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Fused blocks (vigil_q8.h): a small MobileViGv2-shaped network with two inverted-residual
// blocks (one with, one without residual) and two FFN blocks, on square maps of every awkward
// size (1x1, 2x2, odd, a height no band divides), run with its intermediates band-local for
// band heights 1, 2, 3 and the map, tiles of 1, 3, 16 pixels and the whole map, depthwise 3x3
// and 5x5 (halo 1 and 2), on every ISA path this CPU runs and 1..4 threads: the logits equal
// the unfused plan's on the scalar path bit for bit, with zero heap calls in a run. Observed
// runs of a fused plan report every op's whole output, equal to the unfused run's. Every bad
// fusion field is refused with its message.
#include <stdalign.h>

#include "../runtime/q8-execute.h"
#include "alloc-counter.h"
#include "model-builder.h"
#include "q8-tester.h"
#include "vigil_model.h"

enum { kTensors = 14, kOps = 14, kClasses = 6, kC = 8, kNone = -1 };

// Tensor 0 is the pixels; tensor i + 1 the output of op i. `wide`: channels in units of kC;
// `half`: on the downsampled map.
typedef struct fusion_row {
  uint32_t kind;
  int input, residual;
  uint32_t wide;
  bool half, gelu, dw;
} fusion_row;

static const fusion_row kRows[kOps] = {
    {VGL_Q8_STEM, 0, kNone, 1, false, true, false},     // 0 stem 3x3 -> t1
    {VGL_Q8_CONV, 1, kNone, 4, false, true, false},     // 1 IR expand (t2 band-local)
    {VGL_Q8_DWCONV, 2, kNone, 4, false, true, true},    // 2 IR depthwise (t3 band-local)
    {VGL_Q8_CONV, 3, 1, 1, false, false, false},        // 3 IR project + t1
    {VGL_Q8_CONV, 4, kNone, 4, false, true, false},     // 4 FFN expand (t5 band-local)
    {VGL_Q8_CONV, 5, 4, 1, false, false, false},        // 5 FFN project + t4
    {VGL_Q8_CONV, 6, kNone, 4, false, true, false},     // 6 IR expand (t7 band-local)
    {VGL_Q8_DWCONV, 7, kNone, 4, false, true, true},    // 7 IR depthwise (t8 band-local)
    {VGL_Q8_CONV, 8, kNone, 1, false, false, false},    // 8 IR project, no residual
    {VGL_Q8_CONV, 9, kNone, 2, true, false, false},     // 9 downsample 3x3 stride 2
    {VGL_Q8_CONV, 10, kNone, 8, true, true, false},     // 10 FFN expand (t11 band-local)
    {VGL_Q8_CONV, 11, 10, 2, true, false, false},       // 11 FFN project + t10
    {VGL_Q8_GAP, 12, kNone, 2, true, false, false},     // 12 pool
    {VGL_Q8_HEAD, 13, kNone, 0, true, false, false},    // 13 classifier
};

static const uint8_t kPixelZeroPoints[3] = {124, 116, 104};

typedef struct fusion_net {
  vgl_q8_tensor tensors[kTensors];
  vgl_q8_op ops[kOps];
  vgl_q8_plan plan;
  int8_t *weights[kOps];
  int32_t *biases[kOps];
  q8t_packed packed[kOps];
  float *scales[kOps];
  int8_t tables[kOps][256];
} fusion_net;

static uint64_t bytes_of(const vgl_q8_tensor *t) {
  return (uint64_t)t->channels * t->height * t->width;
}

static uint64_t align_up(uint64_t v) {
  return (v + VGL_Q8_ALIGNMENT - 1) / VGL_Q8_ALIGNMENT * VGL_Q8_ALIGNMENT;
}

// The unfused plan on side x side pixels with a dw_kernel depthwise: every tensor its own
// region, no scratch.
static void net_build(fusion_net *n, uint32_t side, uint32_t dw_kernel) {
  memset(n, 0, sizeof *n);
  const uint32_t half = (side + 1) / 2;
  n->tensors[0] = (vgl_q8_tensor){.channels = 3, .height = side, .width = side, .scale = 1.0f};
  uint64_t end = align_up(bytes_of(&n->tensors[0]));
  for (int o = 0; o < kOps; o++) {
    const fusion_row *row = &kRows[o];
    const vgl_q8_tensor *in = &n->tensors[row->input];
    const uint32_t map = row->half ? half : side;
    uint32_t out_c = row->wide * kC, kernel = 1, stride = 1;
    if (row->kind == VGL_Q8_STEM || o == 9) kernel = 3;
    if (o == 9) stride = 2;
    if (row->dw) kernel = dw_kernel;
    if (row->kind != VGL_Q8_HEAD) {
      const uint32_t h = row->kind == VGL_Q8_GAP ? 1 : map;
      n->tensors[o + 1] = (vgl_q8_tensor){.channels = out_c, .height = h, .width = h,
                                          .offset = end,
                                          .scale = vgl_test_uniform(0.02f, 0.08f),
                                          .zero_point = q8t_int(-40, 40)};
      end = align_up(end + bytes_of(&n->tensors[o + 1]));
    } else {
      out_c = kClasses;
    }
    size_t rows = out_c, terms = 1, taps = 0;
    switch (row->kind) {
      case VGL_Q8_STEM:
      case VGL_Q8_CONV: taps = (size_t)kernel * kernel; terms = taps * in->channels; break;
      case VGL_Q8_DWCONV: terms = (size_t)kernel * kernel; break;
      case VGL_Q8_HEAD: taps = 1; terms = in->channels; break;
      default: rows = 1; terms = 0; break;  // GAP
    }
    const int8_t *weight = NULL;
    const int32_t *bias = NULL;
    n->scales[o] = q8t_op_arrays(row->kind, rows, taps, terms, in->channels, kPixelZeroPoints,
                                 o % 3 == 0, &n->weights[o], &n->biases[o], &n->packed[o],
                                 &weight, &bias);
    if (row->kind == VGL_Q8_GAP) {
      n->scales[o][0] = in->scale / ((float)(in->height * in->width) * n->tensors[o + 1].scale);
    }
    vgl_q8_op op = {
        .kind = row->kind,
        .input = (uint32_t)row->input,
        .output = row->kind == VGL_Q8_HEAD ? VGL_Q8_NO_TENSOR : (uint32_t)(o + 1),
        .residual = row->residual == kNone ? VGL_Q8_NO_TENSOR : (uint32_t)row->residual,
        .kernel = row->kind == VGL_Q8_GAP || row->kind == VGL_Q8_HEAD ? 0 : kernel,
        .stride = row->kind == VGL_Q8_GAP || row->kind == VGL_Q8_HEAD ? 0 : stride,
        .pad = kernel / 2,
        .classes = row->kind == VGL_Q8_HEAD ? kClasses : 0,
        .weight = weight,
        .bias = bias,
        .scale = n->scales[o],
        .input_zero_points = row->kind == VGL_Q8_STEM ? kPixelZeroPoints : NULL,
    };
    if (row->kind == VGL_Q8_GAP || row->kind == VGL_Q8_HEAD) op.pad = 0;
    if (row->kind != VGL_Q8_HEAD) {
      q8t_op_tail(&op, &n->tensors[o + 1],
                  op.residual == VGL_Q8_NO_TENSOR ? NULL : &n->tensors[op.residual], row->gelu,
                  n->tables[o]);
    }
    n->ops[o] = op;
  }
  n->plan = (vgl_q8_plan){.tensor_count = kTensors, .tensors = n->tensors, .op_count = kOps,
                          .ops = n->ops, .input_tensor = 0, .scratch_offset = end,
                          .scratch_bytes = 0, .arena_bytes = end};
}

static void net_free(fusion_net *n) {
  for (int o = 0; o < kOps; o++) {
    free(n->weights[o]);
    free(n->biases[o]);
    if (n->packed[o].weight != NULL) q8t_packed_free(&n->packed[o]);
    free(n->scales[o]);
  }
}

// The band scratch of a block as docs/int8.md states it (written out here, not taken from the
// runtime): inverted residual align((R + 2p) W C4) + R W C4, FFN P C4.
static uint64_t block_scratch(const vgl_q8_tensor *t1, uint32_t pad, bool ffn) {
  const uint64_t row = (uint64_t)t1->width * t1->channels;
  if (ffn) return (uint64_t)t1->band * t1->channels;
  return align_up((t1->band + 2 * (uint64_t)pad) * row) + t1->band * row;
}

// A fused copy of an unfused plan: `fused` gets the tensors with bands set (clipped to each
// map), band-local offsets 0 and the scratch the blocks need after the regions.
static void make_fused(const fusion_net *n, vgl_q8_tensor *tensors, vgl_q8_plan *fused,
                       uint32_t band, uint32_t tile) {
  memcpy(tensors, n->tensors, sizeof n->tensors);
  static const int kIr[2] = {2, 7}, kFfn[2] = {5, 11};
  uint64_t scratch = 0;
  for (int b = 0; b < 2; b++) {
    vgl_q8_tensor *t1 = &tensors[kIr[b]], *t2 = &tensors[kIr[b] + 1];
    t1->band = t2->band = band < t1->height ? band : t1->height;
    t1->offset = t2->offset = 0;
    const uint64_t s = block_scratch(t1, n->ops[kIr[b]].pad, false);
    if (s > scratch) scratch = s;
    vgl_q8_tensor *f = &tensors[kFfn[b]];
    const uint32_t pixels = f->height * f->width;
    f->band = tile < pixels ? tile : pixels;
    f->offset = 0;
    const uint64_t sf = block_scratch(f, 0, true);
    if (sf > scratch) scratch = sf;
  }
  *fused = n->plan;
  fused->tensors = tensors;
  fused->scratch_offset = n->plan.arena_bytes;
  fused->scratch_bytes = scratch;
  fused->arena_bytes = fused->scratch_offset + scratch;
}

static void fill_pixels(uint8_t *pixels, size_t n) {
  for (size_t i = 0; i < n; i++) pixels[i] = (uint8_t)q8t_int(0, 255);
}

static alignas(64) uint8_t g_arena[1 << 20];

static vgl_status run(const vgl_q8_plan *plan, vgl_isa isa, vgl_pool *pool, uint32_t threads,
                      const uint8_t *pixels, float *logits, vgl_q8_observer observer,
                      void *context) {
  vgl_qs8_kernels kernels;
  vgl_qs8_kernels_init(isa, &kernels);
  const uint64_t bytes = observer != NULL ? vgl_q8_plan_arena_bytes_observed(plan, threads)
                                          : vgl_q8_plan_arena_bytes_threads(plan, threads);
  if (bytes > sizeof g_arena) abort();
  memset(g_arena, 0xA5, (size_t)bytes);  // stale bytes must not matter
  return vgl_q8_execute(plan, &kernels, pool, threads, g_arena, bytes, pixels, logits, observer,
                        context);
}

VGL_TEST(q8_fusion, fused_blocks_give_the_unfused_logits_on_every_path_and_thread_count) {
  static const uint32_t kSides[] = {1, 2, 5, 7, 13};
  static const uint32_t kBands[][2] = {{1, 1}, {2, 3}, {3, 16}, {64, 4096}};
  vgl_pool *pools[5] = {NULL};
  for (uint32_t t = 2; t <= 4; t++) {
    ASSERT_TRUE(vgl_pool_create(t, &pools[t], NULL, 0) == VGL_OK);
  }
  int compared = 0;
  for (size_t s = 0; s < sizeof kSides / sizeof kSides[0]; s++) {
    for (uint32_t dw_kernel = 3; dw_kernel <= 5; dw_kernel += 2) {
      fusion_net n;
      net_build(&n, kSides[s], dw_kernel);
      char message[256];
      ASSERT_TRUE(vgl_q8_plan_validate(&n.plan, message, sizeof message) == VGL_OK);
      uint8_t pixels[3 * 13 * 13];
      fill_pixels(pixels, 3 * (size_t)kSides[s] * kSides[s]);
      float want[kClasses], got[kClasses];
      ASSERT_TRUE(run(&n.plan, VGL_ISA_SCALAR, NULL, 1, pixels, want, NULL, NULL) == VGL_OK);
      for (size_t b = 0; b < sizeof kBands / sizeof kBands[0]; b++) {
        vgl_q8_tensor tensors[kTensors];
        vgl_q8_plan fused;
        make_fused(&n, tensors, &fused, kBands[b][0], kBands[b][1]);
        const vgl_status valid = vgl_q8_plan_validate(&fused, message, sizeof message);
        if (valid != VGL_OK) printf("  side %u band %u: %s\n", kSides[s], kBands[b][0], message);
        ASSERT_TRUE(valid == VGL_OK);
        for (int isa = VGL_ISA_SCALAR; isa <= VGL_ISA_NEONDOT; isa++) {
          if (!vgl_isa_supported((vgl_isa)isa)) continue;
          for (uint32_t threads = 1; threads <= 4; threads++) {
            memset(got, 0, sizeof got);
            alloc_counter_start();
            const vgl_status status =
                run(&fused, (vgl_isa)isa, pools[threads], threads, pixels, got, NULL, NULL);
            EXPECT_EQ_INT(0, alloc_counter_stop());
            EXPECT_EQ_INT(VGL_OK, status);
            if (memcmp(got, want, sizeof want) != 0) {
              char what[160];
              snprintf(what, sizeof what,
                       "side %u dw %u band %u tile %u isa %s threads %u: logits differ from "
                       "the unfused plan's",
                       kSides[s], dw_kernel, kBands[b][0], kBands[b][1],
                       vgl_isa_name((vgl_isa)isa), threads);
              vgl_test_fail(__FILE__, __LINE__, what);
            }
            compared++;
          }
        }
      }
      net_free(&n);
    }
  }
  printf("  %d fused runs equal to the unfused plan\n", compared);
  for (uint32_t t = 2; t <= 4; t++) vgl_pool_destroy(pools[t]);
}

// Records every observed op's whole output (a copy) for comparison.
typedef struct observed {
  uint32_t calls;
  uint64_t hash[kOps];
} observed;

static void observe(void *context, uint32_t op, const vgl_q8_tensor *tensor, const int8_t *data) {
  observed *o = context;
  o->calls++;
  uint64_t h = UINT64_C(1469598103934665603);
  if (tensor != NULL) {
    for (uint64_t i = 0; i < bytes_of(tensor); i++) {
      h = (h ^ (uint8_t)data[i]) * UINT64_C(1099511628211);
    }
  }
  if (op < kOps) o->hash[op] = h;
}

// The same through the model API's observer (the output's bytes instead of its tensor).
static void observe_model(void *context, uint32_t op, const int8_t *data, uint64_t bytes) {
  observed *o = context;
  o->calls++;
  uint64_t h = UINT64_C(1469598103934665603);
  for (uint64_t i = 0; data != NULL && i < bytes; i++) {
    h = (h ^ (uint8_t)data[i]) * UINT64_C(1099511628211);
  }
  if (op < kOps) o->hash[op] = h;
}

VGL_TEST(q8_fusion, observed_runs_report_every_op_whole) {
  fusion_net n;
  net_build(&n, 7, 3);
  vgl_q8_tensor tensors[kTensors];
  vgl_q8_plan fused;
  make_fused(&n, tensors, &fused, 2, 5);
  ASSERT_TRUE(vgl_q8_plan_validate(&fused, NULL, 0) == VGL_OK);
  uint8_t pixels[3 * 7 * 7];
  fill_pixels(pixels, sizeof pixels);
  observed want = {0}, got = {0};
  float want_logits[kClasses], got_logits[kClasses];
  ASSERT_TRUE(run(&n.plan, VGL_ISA_SCALAR, NULL, 1, pixels, want_logits, observe, &want) ==
              VGL_OK);
  vgl_pool *pool = NULL;
  ASSERT_TRUE(vgl_pool_create(2, &pool, NULL, 0) == VGL_OK);
  ASSERT_TRUE(run(&fused, VGL_ISA_SCALAR, pool, 2, pixels, got_logits, observe, &got) == VGL_OK);
  vgl_pool_destroy(pool);
  EXPECT_EQ_INT(kOps, got.calls);
  EXPECT_TRUE(memcmp(want.hash, got.hash, sizeof want.hash) == 0);
  EXPECT_TRUE(memcmp(want_logits, got_logits, sizeof want_logits) == 0);

  // Arena sizes: one scratch copy per extra thread; observed runs add the largest block's
  // band-local tensors whole (the 7x7 inverted residual: 2 x 32 x 49 B, aligned).
  const uint64_t base = fused.arena_bytes;
  EXPECT_EQ_INT(base, vgl_q8_plan_arena_bytes_threads(&fused, 1));
  EXPECT_EQ_INT(align_up(base) + 2 * align_up(fused.scratch_bytes),
                vgl_q8_plan_arena_bytes_threads(&fused, 3));
  EXPECT_EQ_INT(align_up(base) + 2 * align_up(32 * 49),
                vgl_q8_plan_arena_bytes_observed(&fused, 1));
  EXPECT_EQ_INT(n.plan.arena_bytes, vgl_q8_plan_arena_bytes_observed(&n.plan, 1));
  // An observed run in the fused arena only is refused.
  EXPECT_EQ_INT(VGL_E_ARENA_SMALL,
                vgl_q8_run(&fused, g_arena, vgl_q8_plan_arena_bytes_threads(&fused, 1), pixels,
                           got_logits, observe, &got));
  net_free(&n);
}

static void expect_refused(const vgl_q8_plan *plan, const char *needle, int line) {
  char message[384] = "";
  const vgl_status status = vgl_q8_plan_validate(plan, message, sizeof message);
  if (status != VGL_E_BAD_PLAN || strstr(message, needle) == NULL) {
    char what[600];
    snprintf(what, sizeof what, "expected VGL_E_BAD_PLAN with \"%s\", got %d \"%s\"", needle,
             (int)status, message);
    vgl_test_fail(__FILE__, line, what);
  }
}

VGL_TEST(q8_fusion, bad_fusion_fields_are_refused) {
  fusion_net n;
  net_build(&n, 7, 3);
  vgl_q8_tensor tensors[kTensors];
  vgl_q8_plan plan;
#define REFUSED(mutation, needle)                    \
  do {                                               \
    make_fused(&n, tensors, &plan, 3, 16);           \
    mutation;                                        \
    expect_refused(&plan, needle, __LINE__);         \
  } while (0)
  make_fused(&n, tensors, &plan, 3, 16);
  ASSERT_TRUE(vgl_q8_plan_validate(&plan, NULL, 0) == VGL_OK);
  REFUSED(tensors[2].offset = 64, "tensor 2 is band-local (band 3) but has a nonzero offset");
  REFUSED(tensors[0].band = 1, "tensor 0 is band-local (band 1) but is the plan's input");
  REFUSED(plan.scratch_bytes -= 1, "fused block at op 1: needs 1824 band scratch bytes (band 3)");
  REFUSED(tensors[2].band = tensors[3].band = 8, "band of 8 rows is outside 1..7");
  REFUSED(tensors[5].band = 50, "fused block at op 4: tile of 50 pixels is outside 1..49");
  REFUSED(tensors[3].band = 2, "the depthwise op 2 needs stride 1, pad (kernel - 1) / 2");
  REFUSED(n.ops[7].input = 5, "fused block at op 6: op 7 must read band-local tensor 7");
  n.ops[7].input = 7;
  REFUSED(tensors[1].band = 1; tensors[1].offset = 0,
          "band-local tensor 1 must be the output of a 1x1 conv");
  REFUSED(tensors[4].band = 1; tensors[4].offset = 0,
          "fused block at op 1: its last op 3 writes or adds a band-local tensor");
  REFUSED(tensors[9].offset = tensors[6].offset,
          "fused block at op 6: output tensor 9 [");
#undef REFUSED
  net_free(&n);
}

// The fused plan as a .vigil file: the loader accepts it, instances on every ISA path and
// 1..4 threads (sized by vgl_model_arena_size_threads) give the unfused plan's logits with no
// heap call, an observed instance (vgl_model_arena_size_observed) too. VIGIL_FUZZ_SEED=FILE
// writes the file (the fuzz corpus's tiny-fused.vigil).
VGL_TEST(q8_fusion, a_fused_file_runs_through_the_instance_api) {
  fusion_net n;
  net_build(&n, 13, 3);
  vgl_q8_tensor tensors[kTensors];
  vgl_q8_plan fused;
  make_fused(&n, tensors, &fused, 3, 16);
  uint8_t pixels[3 * 13 * 13];
  fill_pixels(pixels, sizeof pixels);
  float want[kClasses], got[kClasses];
  ASSERT_TRUE(run(&n.plan, VGL_ISA_SCALAR, NULL, 1, pixels, want, NULL, NULL) == VGL_OK);
  vgl_model_network network = {.name = "fused", .stage_count = 2, .channels = {kC, 2 * kC},
                               .local_blocks = {2, 0}, .global_blocks = {0, 1},
                               .embedding = 2 * kC, .classes = kClasses, .input_size = 13};
  const vgl_model_preprocessing preprocessing = {13, 0.875f, {0.485f, 0.456f, 0.406f},
                                                 {0.229f, 0.224f, 0.225f}};
  const char *names[kOps];
  for (int o = 0; o < kOps; o++) names[o] = "op";
  const mb_input input = {&fused, names, &network, &preprocessing, NULL, NULL, NULL, 0};
  static alignas(64) uint8_t file[1 << 16];
  const size_t size = mb_write(&input, file, sizeof file, NULL);
  ASSERT_TRUE(size != 0);
  const char *seed = getenv("VIGIL_FUZZ_SEED");
  if (seed != NULL) {
    FILE *f = fopen(seed, "wb");
    if (f == NULL || fwrite(file, 1, size, f) != size || fclose(f) != 0) abort();
  }
  char message[256] = "";
  vgl_model *model = NULL;
  const vgl_status opened = vgl_model_open(file, size, &model, message, sizeof message);
  if (opened != VGL_OK) printf("  %s\n", message);
  ASSERT_TRUE(opened == VGL_OK);
  for (int isa = VGL_ISA_SCALAR; isa <= VGL_ISA_NEONDOT; isa++) {
    if (!vgl_isa_supported((vgl_isa)isa)) continue;
    for (uint32_t threads = 1; threads <= 4; threads++) {
      const uint64_t bytes = vgl_model_arena_size_threads(model, threads);
      EXPECT_EQ_INT(align_up(fused.arena_bytes) * (threads > 1) + (threads == 1) * fused.arena_bytes +
                        (threads - 1) * align_up(fused.scratch_bytes),
                    bytes);
      const vgl_instance_options options = {sizeof options, (uint32_t)isa, threads};
      vgl_instance instance;
      ASSERT_TRUE(vgl_instance_init_options(model, g_arena, bytes, &options, &instance, message,
                                            sizeof message) == VGL_OK);
      alloc_counter_start();
      const vgl_status status = vgl_instance_run(&instance, pixels, got);
      EXPECT_EQ_INT(0, alloc_counter_stop());
      EXPECT_EQ_INT(VGL_OK, status);
      EXPECT_TRUE(memcmp(got, want, sizeof want) == 0);
      // An observed run needs the observed arena; this one is refused.
      observed seen = {0};
      EXPECT_EQ_INT(VGL_E_ARENA_SMALL,
                    vgl_instance_run_observed(&instance, pixels, got, observe_model, &seen));
      vgl_instance_release(&instance);
      const uint64_t observed_bytes = vgl_model_arena_size_observed(model, threads);
      EXPECT_TRUE(observed_bytes > bytes);
      ASSERT_TRUE(vgl_instance_init_options(model, g_arena, observed_bytes, &options, &instance,
                                            message, sizeof message) == VGL_OK);
      memset(got, 0, sizeof got);
      EXPECT_EQ_INT(VGL_OK, vgl_instance_run_observed(&instance, pixels, got, observe_model, &seen));
      EXPECT_EQ_INT(kOps, seen.calls);
      EXPECT_TRUE(memcmp(got, want, sizeof want) == 0);
      vgl_instance_release(&instance);
    }
  }
  vgl_model_close(model);
  net_free(&n);
}

int main(int argc, char **argv) {
  vgl_test_init(argc, argv);
  VGL_RUN_TEST(q8_fusion, fused_blocks_give_the_unfused_logits_on_every_path_and_thread_count);
  VGL_RUN_TEST(q8_fusion, observed_runs_report_every_op_whole);
  VGL_RUN_TEST(q8_fusion, bad_fusion_fields_are_refused);
  VGL_RUN_TEST(q8_fusion, a_fused_file_runs_through_the_instance_api);
  return vgl_test_finish();
}
