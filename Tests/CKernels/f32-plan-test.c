// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// vgl_f32_plan_validate and vgl_f32_run: a small MobileViGv2-shaped network (stem conv,
// inverted residual, downsample, CPE, grapher with MRCONV, FFN, pool, head) run end to end
// against a composition of the naive references, every kind of bad plan rejected with a
// message carrying its numbers, and the arena checks.
#include <math.h>

#include "alloc-counter.h"
#include "f32-reference.h"
#include "vgl-test.h"
#include "vigil_f32.h"

enum { kTensors = 16, kOps = 15, kNoResidual = -1 };

// One row per op of the test network. Tensor 0 is the plan input (3 x 13 x 11), tensor 15 the
// output (10 logits); tensor i + 1 is the output of op i.
typedef struct net_row {
  uint32_t kind;
  int input, residual;
  uint32_t out_c, out_h, out_w;
  uint32_t kernel, stride, pad;
  bool depthwise;
  uint32_t hop, activation;
} net_row;

static const net_row kNet[kOps] = {
    // kind          in  res  out_c h  w  k  s  p  dw     hop act
    {VGL_F32_CONV, 0, -1, 8, 7, 6, 3, 2, 1, false, 0, VGL_ACT_GELU},     // 0 stem
    {VGL_F32_CONV, 1, -1, 32, 7, 6, 1, 1, 0, false, 0, VGL_ACT_GELU},    // 1 pw1
    {VGL_F32_CONV, 2, -1, 32, 7, 6, 3, 1, 1, true, 0, VGL_ACT_GELU},     // 2 dw 3x3
    {VGL_F32_CONV, 3, 1, 8, 7, 6, 1, 1, 0, false, 0, VGL_ACT_NONE},      // 3 pw2 + x
    {VGL_F32_CONV, 4, -1, 16, 4, 3, 3, 2, 1, false, 0, VGL_ACT_NONE},    // 4 downsample
    {VGL_F32_CONV, 5, -1, 16, 4, 3, 7, 1, 3, true, 0, VGL_ACT_NONE},     // 5 CPE 7x7
    {VGL_F32_CONV, 6, -1, 16, 4, 3, 1, 1, 0, false, 0, VGL_ACT_NONE},    // 6 fc1
    {VGL_F32_MRCONV, 7, -1, 16, 4, 3, 0, 0, 0, false, 2, VGL_ACT_GELU},  // 7 mrconv K=2
    {VGL_F32_CONV, 8, 5, 16, 4, 3, 1, 1, 0, false, 0, VGL_ACT_NONE},     // 8 fc2 + x
    {VGL_F32_CONV, 9, -1, 64, 4, 3, 1, 1, 0, false, 0, VGL_ACT_GELU},    // 9 ffn up
    {VGL_F32_CONV, 10, 9, 16, 4, 3, 1, 1, 0, false, 0, VGL_ACT_NONE},    // 10 ffn down + x
    {VGL_F32_MRCONV, 11, 11, 16, 4, 3, 0, 0, 0, false, 3, VGL_ACT_NONE}, // 11 K=3 >= W only
    {VGL_F32_GAP, 12, -1, 16, 1, 1, 0, 0, 0, false, 0, VGL_ACT_NONE},    // 12 pool
    {VGL_F32_CONV, 13, -1, 24, 1, 1, 1, 1, 0, false, 0, VGL_ACT_GELU},   // 13 head conv
    {VGL_F32_CONV, 14, -1, 10, 1, 1, 1, 1, 0, false, 0, VGL_ACT_NONE},   // 14 classifier
};

typedef struct net {
  vgl_f32_tensor tensors[kTensors];
  vgl_f32_op ops[kOps];
  vgl_f32_plan plan;
  float *weights[kOps];
  float *biases[kOps];
} net;

static uint64_t floats_of(const vgl_f32_tensor *t) {
  return (uint64_t)t->channels * t->height * t->width;
}

// Places the tensors first-fit by offset: each goes at the lowest offset where it overlaps no
// already placed tensor whose lifetime (from the op writing it to the last op reading it)
// intersects its own, so storage is shared as a real planner would share it.
static void place_tensors(net *n) {
  int first[kTensors], last[kTensors];
  for (int t = 0; t < kTensors; t++) first[t] = last[t] = t - 1;  // tensor t written by op t-1
  for (int o = 0; o < kOps; o++) {
    if ((int)n->ops[o].input > last[n->ops[o].input]) last[n->ops[o].input] = o;
    if (n->ops[o].residual != VGL_NO_TENSOR && o > last[n->ops[o].residual]) {
      last[n->ops[o].residual] = o;
    }
  }
  last[kTensors - 1] = kOps;  // the output is read after the last op
  uint64_t scratch = 0;
  for (int t = 0; t < kTensors; t++) {
    uint64_t offset = 0;
    for (bool moved = true; moved;) {
      moved = false;
      for (int u = 0; u < t; u++) {
        const bool live_together = first[u] <= last[t] && first[t] <= last[u];
        const uint64_t u_end = n->tensors[u].offset + floats_of(&n->tensors[u]);
        const bool overlaps = offset < u_end && n->tensors[u].offset < offset + floats_of(&n->tensors[t]);
        if (live_together && overlaps) {
          offset = u_end;
          moved = true;
        }
      }
    }
    n->tensors[t].offset = offset;
    if (offset + floats_of(&n->tensors[t]) > scratch) scratch = offset + floats_of(&n->tensors[t]);
  }
  n->plan.scratch_floats = scratch;
}

static void net_build(net *n) {
  memset(n, 0, sizeof *n);
  n->tensors[0] = (vgl_f32_tensor){3, 13, 11, 0};
  for (int o = 0; o < kOps; o++) {
    const net_row *row = &kNet[o];
    const vgl_f32_tensor *in = &n->tensors[row->input];
    n->tensors[o + 1] = (vgl_f32_tensor){row->out_c, row->out_h, row->out_w, 0};
    size_t weight_n = 0, fan_in = 1;
    if (row->kind == VGL_F32_CONV) {
      fan_in = (row->depthwise ? 1 : in->channels) * row->kernel * row->kernel;
      weight_n = row->out_c * fan_in;
    } else if (row->kind == VGL_F32_MRCONV) {
      fan_in = 2 * (size_t)in->channels;
      weight_n = row->out_c * fan_in;
    }
    if (weight_n != 0) {
      n->weights[o] = malloc(weight_n * sizeof(float));
      n->biases[o] = malloc(row->out_c * sizeof(float));
      if (n->weights[o] == NULL || n->biases[o] == NULL) abort();
      const float scale = 1.7f / sqrtf((float)fan_in);
      vgl_test_fill(n->weights[o], weight_n, -scale, scale);
      vgl_test_fill(n->biases[o], row->out_c, -0.1f, 0.1f);
    }
    n->ops[o] = (vgl_f32_op){
        .kind = row->kind,
        .input = (uint32_t)row->input,
        .output = (uint32_t)(o + 1),
        .residual = row->residual == kNoResidual ? VGL_NO_TENSOR : (uint32_t)row->residual,
        .kernel = row->kernel,
        .stride = row->stride,
        .pad = row->pad,
        .groups = row->kind == VGL_F32_CONV ? (row->depthwise ? row->out_c : 1) : 0,
        .hop = row->hop,
        .activation = row->activation,
        .weight = n->weights[o],
        .bias = n->biases[o],
    };
  }
  n->plan = (vgl_f32_plan){kTensors, n->tensors, kOps, n->ops, 0, kTensors - 1, 0};
  place_tensors(n);
}

static void net_free(net *n) {
  for (int o = 0; o < kOps; o++) {
    free(n->weights[o]);
    free(n->biases[o]);
  }
}

// The network composed from the references: refs[t] is tensor t (float between ops, as in the
// runtime), want[o] / magnitude[o] the double result of op o from the reference's own inputs.
typedef struct net_reference {
  float *refs[kTensors];
  double *want[kOps], *magnitude[kOps];
} net_reference;

static void net_reference_run(const net *n, const float *input, net_reference *r) {
  for (int t = 0; t < kTensors; t++) {
    r->refs[t] = malloc(floats_of(&n->tensors[t]) * sizeof(float));
    if (r->refs[t] == NULL) abort();
  }
  memcpy(r->refs[0], input, floats_of(&n->tensors[0]) * sizeof(float));
  for (int o = 0; o < kOps; o++) {
    const vgl_f32_op *op = &n->ops[o];
    const vgl_f32_tensor *in = &n->tensors[op->input], *out = &n->tensors[op->output];
    const size_t count = floats_of(out);
    r->want[o] = malloc(count * sizeof(double));
    r->magnitude[o] = malloc(count * sizeof(double));
    if (r->want[o] == NULL || r->magnitude[o] == NULL) abort();
    const float *res = op->residual == VGL_NO_TENSOR ? NULL : r->refs[op->residual];
    switch (op->kind) {
      case VGL_F32_CONV:
        ref_conv(r->refs[op->input], in->channels, in->height, in->width, op->weight, op->bias,
                 out->channels, out->height, out->width, op->kernel, op->stride, op->pad,
                 op->groups, op->activation, res, r->want[o], r->magnitude[o]);
        break;
      case VGL_F32_MRCONV:
        ref_mrconv(r->refs[op->input], in->channels, in->height, in->width, op->hop, op->weight,
                   op->bias, op->activation, res, r->want[o], r->magnitude[o]);
        break;
      case VGL_F32_GAP:
        ref_gap(r->refs[op->input], in->channels, in->height, in->width, op->activation, res,
                r->want[o], r->magnitude[o]);
        break;
    }
    for (size_t i = 0; i < count; i++) r->refs[op->output][i] = (float)r->want[o][i];
  }
}

static void net_reference_free(net_reference *r) {
  for (int t = 0; t < kTensors; t++) free(r->refs[t]);
  for (int o = 0; o < kOps; o++) {
    free(r->want[o]);
    free(r->magnitude[o]);
  }
}

// The observer copies each op's output into preallocated buffers (it must not allocate: the
// run is under the allocation counter) and checks the order and shapes.
typedef struct observation {
  const net *n;
  float *copies[kOps];
  uint32_t calls;
  bool in_order;
  bool shapes_match;
} observation;

static void observe(void *context, uint32_t op_index, const float *data, uint32_t channels,
                    uint32_t height, uint32_t width) {
  observation *seen = context;
  if (op_index != seen->calls || op_index >= kOps) {
    seen->in_order = false;
    return;
  }
  const vgl_f32_tensor *out = &seen->n->tensors[seen->n->ops[op_index].output];
  if (channels != out->channels || height != out->height || width != out->width) {
    seen->shapes_match = false;
  }
  memcpy(seen->copies[op_index], data, floats_of(out) * sizeof(float));
  seen->calls++;
}

static float *nan_scratch(uint64_t floats) {
  float *scratch = malloc((size_t)floats * sizeof(float));
  if (scratch == NULL) abort();
  for (uint64_t i = 0; i < floats; i++) scratch[i] = NAN;  // reading unwritten storage shows
  return scratch;
}

VGL_TEST(f32_run, network_matches_reference_composition) {
  net n;
  net_build(&n);
  char message[256];
  ASSERT_TRUE(vgl_f32_plan_validate(&n.plan, message, sizeof message) == VGL_OK);
  EXPECT_TRUE(message[0] == '\0');

  float input[3 * 13 * 11], output[10];
  vgl_test_fill(input, 3 * 13 * 11, -2.0f, 2.0f);
  net_reference reference;
  net_reference_run(&n, input, &reference);

  observation seen = {.n = &n, .in_order = true, .shapes_match = true};
  for (int o = 0; o < kOps; o++) {
    seen.copies[o] = malloc(floats_of(&n.tensors[n.ops[o].output]) * sizeof(float));
    if (seen.copies[o] == NULL) abort();
  }
  float *scratch = nan_scratch(n.plan.scratch_floats);

  alloc_counter_start();
  const vgl_status status =
      vgl_f32_run(&n.plan, scratch, n.plan.scratch_floats, input, output, observe, &seen);
  const unsigned long heap_calls = alloc_counter_stop();
  EXPECT_EQ_INT(VGL_OK, status);
  EXPECT_EQ_INT(0, heap_calls);
  EXPECT_EQ_INT(kOps, seen.calls);
  EXPECT_TRUE(seen.in_order);
  EXPECT_TRUE(seen.shapes_match);

  // Every op against the reference op on the reference's inputs: errors compound a little
  // across ops, hence 1e-4 rather than the kernel tests' 1e-5.
  for (int o = 0; o < kOps && seen.calls == kOps; o++) {
    const vgl_f32_tensor *out = &n.tensors[n.ops[o].output];
    char context[64];
    snprintf(context, sizeof context, "op %d output", o);
    if (!EXPECT_TENSOR_CLOSE(context, seen.copies[o], reference.want[o], reference.magnitude[o],
                             out->channels, out->height, out->width, 1e-4, 1e-5)) {
      break;
    }
  }
  EXPECT_TRUE(memcmp(output, seen.copies[kOps - 1], sizeof output) == 0);

  // A second run on a fresh NaN-filled scratch, no observer, gives the same bits.
  float again[10];
  free(scratch);
  scratch = nan_scratch(n.plan.scratch_floats);
  EXPECT_EQ_INT(VGL_OK, vgl_f32_run(&n.plan, scratch, n.plan.scratch_floats, input, again, NULL, NULL));
  EXPECT_TRUE(memcmp(output, again, sizeof output) == 0);

  free(scratch);
  for (int o = 0; o < kOps; o++) free(seen.copies[o]);
  net_reference_free(&reference);
  net_free(&n);
}

VGL_TEST(f32_run, allocation_counter_sees_allocations) {
  // Guards the zero-allocation proof above: the wrapped allocator does count.
  alloc_counter_start();
  void *volatile block = malloc(16);  // volatile: the compiler may not elide the pair
  free(block);
  EXPECT_EQ_INT(2, alloc_counter_stop());
}

VGL_TEST(f32_run, storage_is_shared_in_the_test_plan) {
  // Guards the test above: the planner must actually reuse storage, or overlap bugs hide.
  net n;
  net_build(&n);
  uint64_t total = 0;
  for (int t = 0; t < kTensors; t++) total += floats_of(&n.tensors[t]);
  EXPECT_TRUE(n.plan.scratch_floats < total);
  net_free(&n);
}

VGL_TEST(f32_run, scratch_one_float_too_small_is_refused) {
  net n;
  net_build(&n);
  float input[3 * 13 * 11], output[10];
  vgl_test_fill(input, 3 * 13 * 11, -1.0f, 1.0f);
  for (int i = 0; i < 10; i++) output[i] = 12345.0f;
  float *scratch = nan_scratch(n.plan.scratch_floats);
  EXPECT_EQ_INT(VGL_E_ARENA_SMALL,
                vgl_f32_run(&n.plan, scratch, n.plan.scratch_floats - 1, input, output, NULL, NULL));
  EXPECT_EQ_INT(VGL_E_ARENA_SMALL, vgl_f32_run(&n.plan, scratch, 0, input, output, NULL, NULL));
  for (int i = 0; i < 10; i++) EXPECT_TRUE(output[i] == 12345.0f);  // untouched
  EXPECT_EQ_INT(VGL_OK, vgl_f32_run(&n.plan, scratch, n.plan.scratch_floats, input, output, NULL, NULL));
  EXPECT_TRUE(strcmp(vgl_status_string(VGL_E_ARENA_SMALL), "arena too small") == 0);
  free(scratch);
  net_free(&n);
}

VGL_TEST(f32_run, null_arguments_are_refused) {
  net n;
  net_build(&n);
  float input[3 * 13 * 11] = {0}, output[10];
  float *scratch = nan_scratch(n.plan.scratch_floats);
  const uint64_t size = n.plan.scratch_floats;
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_f32_run(NULL, scratch, size, input, output, NULL, NULL));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_f32_run(&n.plan, NULL, size, input, output, NULL, NULL));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_f32_run(&n.plan, scratch, size, NULL, output, NULL, NULL));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_f32_run(&n.plan, scratch, size, input, NULL, NULL, NULL));
  free(scratch);
  net_free(&n);
}

// ---- validation -------------------------------------------------------------------------

// A mutable copy of the network's plan for one bad-plan case, with spare scratch so that a
// changed shape fails on the check under test rather than on the scratch bound.
typedef struct plan_copy {
  vgl_f32_tensor tensors[kTensors];
  vgl_f32_op ops[kOps];
  vgl_f32_plan plan;
} plan_copy;

static void copy_plan(const net *n, plan_copy *c) {
  memcpy(c->tensors, n->tensors, sizeof c->tensors);
  memcpy(c->ops, n->ops, sizeof c->ops);
  c->plan = n->plan;
  c->plan.tensors = c->tensors;
  c->plan.ops = c->ops;
  c->plan.scratch_floats += 4096;
}

// Validates and checks the status and that the message contains `needle` (the numbers).
#define EXPECT_REJECTED(plan_pointer, expected_status, needle)                                 \
  do {                                                                                         \
    char message_[256];                                                                        \
    memset(message_, 'x', sizeof message_);                                                    \
    EXPECT_EQ_INT((expected_status), vgl_f32_plan_validate((plan_pointer), message_, sizeof message_)); \
    EXPECT_TRUE(memchr(message_, '\0', sizeof message_) != NULL);                             \
    if (memchr(message_, '\0', sizeof message_) != NULL) EXPECT_STR_CONTAINS(message_, (needle)); \
  } while (0)

VGL_TEST(f32_validate, rejects_bad_shapes) {
  net n;
  net_build(&n);
  plan_copy c;

  copy_plan(&n, &c);
  c.tensors[1].height = 8;  // the stem conv gives 7 rows
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN,
                  "op 0 (conv): output tensor 1 is 8x8x6 but input 3x13x11 with kernel 3 stride 2 "
                  "pad 1 gives 8x7x6");

  copy_plan(&n, &c);
  c.tensors[0].width = 1;  // 1 + 2 - 3 = 0: one output column, not 6
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "gives 8x7x1");

  copy_plan(&n, &c);
  c.tensors[2].channels = 0;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "tensor 2 is 0x7x6");

  copy_plan(&n, &c);
  c.tensors[8].channels = 15;  // the K=2 mrconv output must equal its 16x4x3 input
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN,
                  "op 7 (mrconv): output tensor 8 is 15x4x3 but must equal input tensor 7, 16x4x3");

  copy_plan(&n, &c);
  c.tensors[13].height = 2;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 12 (gap): output tensor 13 is 16x2x1");

  copy_plan(&n, &c);
  c.ops[3].residual = 0;  // 3x13x11 residual for an 8x7x6 output
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN,
                  "op 3 (conv): residual tensor 0 is 3x13x11 but output tensor 4 is 8x7x6");

  copy_plan(&n, &c);
  c.ops[2].groups = 2;  // the depthwise 3x3 has 32 channels
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 2 (conv): groups 2 with 32 input and 32 output");

  copy_plan(&n, &c);
  c.ops[1].groups = 8;  // groups = input channels but 8 -> 32 is not depthwise
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "groups 8 with 8 input and 32 output");
  net_free(&n);
}

VGL_TEST(f32_validate, rejects_bad_offsets_and_sizes) {
  net n;
  net_build(&n);
  plan_copy c;

  copy_plan(&n, &c);
  c.tensors[3].offset = UINT64_MAX - 10;  // offset + size wraps around in 64 bits
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "at offset 18446744073709551605");

  copy_plan(&n, &c);
  c.tensors[2] = (vgl_f32_tensor){UINT32_MAX, UINT32_MAX, UINT32_MAX, 0};
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "tensor 2 is 4294967295x4294967295x4294967295");

  copy_plan(&n, &c);
  c.tensors[2] = (vgl_f32_tensor){65536, 65536, 65536, 0};  // 2^48 floats: no overflow, too big
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "281474976710656 floats at offset 0");

  // The exact scratch passes; one float less names the tensor that no longer fits.
  copy_plan(&n, &c);
  c.plan.scratch_floats = n.plan.scratch_floats;
  char message[256];
  EXPECT_EQ_INT(VGL_OK, vgl_f32_plan_validate(&c.plan, message, sizeof message));
  c.plan.scratch_floats = n.plan.scratch_floats - 1;
  char expected[64];
  snprintf(expected, sizeof expected, "ends past the scratch of %" PRIu64 " floats",
           n.plan.scratch_floats - 1);
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, expected);

  copy_plan(&n, &c);
  c.plan.scratch_floats = UINT64_MAX;  // more floats than any platform can address
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "scratch of 18446744073709551615 floats");

  copy_plan(&n, &c);
  c.tensors[2].offset = c.tensors[1].offset + 5;  // op 1 would overwrite its own input
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 1 (conv): output tensor 2 [");
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "overlaps input tensor 1 [");

  copy_plan(&n, &c);
  c.tensors[4].offset = c.tensors[1].offset;  // op 3's output on top of its residual
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 3 (conv): output tensor 4");
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "overlaps residual tensor 1");
  net_free(&n);
}

VGL_TEST(f32_validate, rejects_bad_ids_and_parameters) {
  net n;
  net_build(&n);
  plan_copy c;

  copy_plan(&n, &c);
  c.ops[2].input = kTensors;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 2 (conv): input tensor id 16 is not below tensor count 16");
  copy_plan(&n, &c);
  c.ops[5].output = 99;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 5 (conv): output tensor id 99");
  copy_plan(&n, &c);
  c.ops[3].residual = 17;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 3 (conv): residual tensor id 17");
  copy_plan(&n, &c);
  c.plan.input_tensor = 16;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "plan input tensor id 16 is not below tensor count 16");
  copy_plan(&n, &c);
  c.plan.output_tensor = 40;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "plan output tensor id 40");

  static const struct { uint32_t kernel, stride, pad; const char *needle; } windows[] = {
      {2, 2, 1, "op 0 (conv): kernel 2 is not an odd size in 1..7"},
      {0, 2, 0, "kernel 0 is not"},
      {9, 2, 1, "kernel 9 is not"},
      {3, 3, 1, "op 0 (conv): stride 3 is not in 1..2"},
      {3, 0, 1, "stride 0 is not"},
      {3, 2, 3, "op 0 (conv): pad 3 is not below kernel 3"},
  };
  for (size_t i = 0; i < sizeof windows / sizeof windows[0]; i++) {
    copy_plan(&n, &c);
    c.ops[0].kernel = windows[i].kernel;
    c.ops[0].stride = windows[i].stride;
    c.ops[0].pad = windows[i].pad;
    EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, windows[i].needle);
  }

  copy_plan(&n, &c);
  c.ops[6].kind = 7;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 6: unknown kind 7");
  copy_plan(&n, &c);
  c.ops[6].activation = 2;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 6 (conv): unknown activation 2");
  copy_plan(&n, &c);
  c.ops[7].weight = NULL;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 7 (mrconv): weight pointer is NULL");
  copy_plan(&n, &c);
  c.ops[9].bias = NULL;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 9 (conv): bias pointer is NULL");
  net_free(&n);
}

VGL_TEST(f32_validate, rejects_unaddressable_weights) {
  // An MRCONV whose C x 2C weight has more floats than size_t can index: C = 2^31 on 64-bit
  // targets, 2^15 on 32-bit ones. The tensors themselves fit the (never allocated) scratch.
  const uint32_t c = SIZE_MAX > UINT32_MAX ? UINT32_C(1) << 31 : UINT32_C(1) << 15;
  const float weight = 0.0f, bias = 0.0f;
  const vgl_f32_tensor tensors[2] = {{c, 1, 1, 0}, {c, 1, 1, c}};
  const vgl_f32_op op = {.kind = VGL_F32_MRCONV, .input = 0, .output = 1,
                         .residual = VGL_NO_TENSOR, .hop = 1, .weight = &weight, .bias = &bias};
  const vgl_f32_plan plan = {2, tensors, 1, &op, 0, 1, 2 * (uint64_t)c};
  char expected[64];
  snprintf(expected, sizeof expected, "op 0 (mrconv): weight of %" PRIu32 "x%" PRIu64 "x1", c,
           2 * (uint64_t)c);
  EXPECT_REJECTED(&plan, VGL_E_BAD_PLAN, expected);
}

VGL_TEST(f32_validate, rejects_null_and_empty_plans) {
  net n;
  net_build(&n);
  plan_copy c;
  EXPECT_REJECTED(NULL, VGL_E_INVALID_ARGUMENT, "plan is NULL");
  copy_plan(&n, &c);
  c.plan.tensors = NULL;
  EXPECT_REJECTED(&c.plan, VGL_E_INVALID_ARGUMENT, "plan has 16 tensors at NULL");
  copy_plan(&n, &c);
  c.plan.op_count = 0;
  EXPECT_REJECTED(&c.plan, VGL_E_INVALID_ARGUMENT, "plan has 0 ops");
  copy_plan(&n, &c);
  c.plan.ops = NULL;
  EXPECT_REJECTED(&c.plan, VGL_E_INVALID_ARGUMENT, "plan has 15 ops at NULL");
  net_free(&n);
}

VGL_TEST(f32_validate, message_buffer_is_respected) {
  net n;
  net_build(&n);
  plan_copy c;
  copy_plan(&n, &c);
  c.ops[0].kernel = 4;
  char small[10];
  memset(small, 'x', sizeof small);
  EXPECT_EQ_INT(VGL_E_BAD_PLAN, vgl_f32_plan_validate(&c.plan, small, sizeof small));
  EXPECT_EQ_INT(9, strlen(small));  // truncated, NUL-terminated
  // No buffer at all: the status alone.
  EXPECT_EQ_INT(VGL_E_BAD_PLAN, vgl_f32_plan_validate(&c.plan, NULL, 0));
  char untouched[4] = {'a', 'b', 'c', 'd'};
  EXPECT_EQ_INT(VGL_E_BAD_PLAN, vgl_f32_plan_validate(&c.plan, untouched, 0));
  EXPECT_TRUE(untouched[0] == 'a' && untouched[3] == 'd');
  net_free(&n);
}

int main(int argc, char **argv) {
  vgl_test_init(argc, argv);
  VGL_RUN_TEST(f32_run, network_matches_reference_composition);
  VGL_RUN_TEST(f32_run, allocation_counter_sees_allocations);
  VGL_RUN_TEST(f32_run, storage_is_shared_in_the_test_plan);
  VGL_RUN_TEST(f32_run, scratch_one_float_too_small_is_refused);
  VGL_RUN_TEST(f32_run, null_arguments_are_refused);
  VGL_RUN_TEST(f32_validate, rejects_bad_shapes);
  VGL_RUN_TEST(f32_validate, rejects_bad_offsets_and_sizes);
  VGL_RUN_TEST(f32_validate, rejects_bad_ids_and_parameters);
  VGL_RUN_TEST(f32_validate, rejects_unaddressable_weights);
  VGL_RUN_TEST(f32_validate, rejects_null_and_empty_plans);
  VGL_RUN_TEST(f32_validate, message_buffer_is_respected);
  return vgl_test_finish();
}
