// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// vgl_q8_plan_validate and vgl_q8_run: a small MobileViGv2-shaped int8 network (stem on RGB
// pixels, inverted residual, downsample, CPE, grapher with the graph op, FFN, a second graph
// op with hop >= W but < H, pool, head conv, classifier) run end to end with zero heap calls
// and compared, op by op and bit for bit, with a composition of the direct references; every
// kind of bad plan rejected with a message carrying its numbers; the arena checks.
#include "alloc-counter.h"
#include "../../CKernels/runtime/q8-plan.h"
#include "q8-tester.h"

enum { kTensors = 15, kOps = 15, kClasses = 10, kNone = -1 };

// One row per op. Tensor 0 is the uint8 pixel input (3 x 13 x 11); tensor i + 1 is the output
// of op i (the head's logits go to the caller, so tensor 15 does not exist).
typedef struct net_row {
  uint32_t kind;
  int input, residual;
  uint32_t out_c, out_h, out_w;
  uint32_t kernel, stride, pad, hop;
  bool gelu;
} net_row;

static const net_row kNet[kOps] = {
    // kind         in  res  out_c h  w  k  s  p  hop gelu
    {VGL_Q8_STEM, 0, -1, 8, 7, 6, 3, 2, 1, 0, true},       // 0 stem
    {VGL_Q8_CONV, 1, -1, 32, 7, 6, 1, 1, 0, 0, true},      // 1 pw1
    {VGL_Q8_DWCONV, 2, -1, 32, 7, 6, 3, 1, 1, 0, true},    // 2 dw 3x3
    {VGL_Q8_CONV, 3, 1, 8, 7, 6, 1, 1, 0, 0, false},       // 3 pw2 + x
    {VGL_Q8_CONV, 4, -1, 16, 4, 3, 3, 2, 1, 0, false},     // 4 downsample
    {VGL_Q8_DWCONV, 5, -1, 16, 4, 3, 7, 1, 3, 0, false},   // 5 CPE 7x7
    {VGL_Q8_CONV, 6, -1, 16, 4, 3, 1, 1, 0, 0, false},     // 6 fc1
    {VGL_Q8_MRCONV, 7, -1, 16, 4, 3, 0, 0, 0, 2, true},    // 7 graph op K=2
    {VGL_Q8_CONV, 8, 6, 16, 4, 3, 1, 1, 0, 0, false},      // 8 fc2 + x
    {VGL_Q8_CONV, 9, -1, 64, 4, 3, 1, 1, 0, 0, true},      // 9 ffn up
    {VGL_Q8_CONV, 10, 9, 16, 4, 3, 1, 1, 0, 0, false},     // 10 ffn down + x
    {VGL_Q8_MRCONV, 11, 11, 16, 4, 3, 0, 0, 0, 3, false},  // 11 K=3: >= W, < H
    {VGL_Q8_GAP, 12, -1, 16, 1, 1, 0, 0, 0, 0, false},     // 12 pool
    {VGL_Q8_CONV, 13, -1, 24, 1, 1, 1, 1, 0, 0, true},     // 13 head conv
    {VGL_Q8_HEAD, 14, -1, kClasses, 1, 1, 0, 0, 0, 0, false},  // 14 classifier
};

static const uint8_t kPixelZeroPoints[3] = {124, 116, 104};

typedef struct net {
  vgl_q8_tensor tensors[kTensors];
  vgl_q8_op ops[kOps];
  vgl_q8_plan plan;
  int8_t *weights[kOps];  // the reference layout, for the references
  int32_t *biases[kOps];
  q8t_packed packed[kOps];  // what the ops point at (DWCONV: unused, its layout is plain)
  float *scales[kOps];
  int8_t tables[kOps][256];
} net;

static uint64_t bytes_of(const vgl_q8_tensor *t) {
  return (uint64_t)t->channels * t->height * t->width;
}

static uint64_t align_up(uint64_t v) {
  return (v + VGL_Q8_ALIGNMENT - 1) / VGL_Q8_ALIGNMENT * VGL_Q8_ALIGNMENT;
}

// First-fit placement by lifetime (tensor t written by op t - 1, the input before op 0, live
// until its last reader), offsets aligned, then the scratch after every tensor.
static void place(net *n) {
  int first[kTensors], last[kTensors];
  for (int t = 0; t < kTensors; t++) first[t] = last[t] = t - 1;
  for (int o = 0; o < kOps; o++) {
    if (o > last[n->ops[o].input]) last[n->ops[o].input] = o;
    if (n->ops[o].residual != VGL_Q8_NO_TENSOR && o > last[n->ops[o].residual]) {
      last[n->ops[o].residual] = o;
    }
  }
  uint64_t end = 0;
  for (int t = 0; t < kTensors; t++) {
    uint64_t offset = 0;
    for (bool moved = true; moved;) {
      moved = false;
      for (int u = 0; u < t; u++) {
        const bool live_together = first[u] <= last[t] && first[t] <= last[u];
        const uint64_t u_end = n->tensors[u].offset + bytes_of(&n->tensors[u]);
        if (live_together && offset < u_end &&
            n->tensors[u].offset < offset + bytes_of(&n->tensors[t])) {
          offset = align_up(u_end);
          moved = true;
        }
      }
    }
    n->tensors[t].offset = offset;
    if (offset + bytes_of(&n->tensors[t]) > end) end = offset + bytes_of(&n->tensors[t]);
  }
  n->plan.scratch_offset = align_up(end);
  n->plan.scratch_bytes = 16;  // the graph ops' C
  n->plan.arena_bytes = n->plan.scratch_offset + n->plan.scratch_bytes;
}

static void net_build(net *n) {
  memset(n, 0, sizeof *n);
  n->tensors[0] = (vgl_q8_tensor){.channels = 3, .height = 13, .width = 11, .scale = 1.0f};
  for (int o = 0; o < kOps; o++) {
    const net_row *row = &kNet[o];
    const vgl_q8_tensor *in = &n->tensors[row->input];
    if (row->kind != VGL_Q8_HEAD) {
      n->tensors[o + 1] = (vgl_q8_tensor){.channels = row->out_c, .height = row->out_h,
                                          .width = row->out_w,
                                          .scale = vgl_test_uniform(0.02f, 0.08f),
                                          .zero_point = q8t_int(-40, 40)};
    }
    size_t rows = row->out_c, per_row = 0, taps = 0;  // per_row: reduction terms
    switch (row->kind) {
      case VGL_Q8_STEM:
      case VGL_Q8_CONV:
        per_row = row->kernel * row->kernel * in->channels;
        taps = row->kernel * row->kernel;
        break;
      case VGL_Q8_DWCONV: per_row = row->kernel * row->kernel; break;
      case VGL_Q8_MRCONV: per_row = 2 * (size_t)in->channels; taps = 2; break;
      case VGL_Q8_HEAD: per_row = in->channels; taps = 1; break;
      default: rows = 1; break;  // GAP: one scale, no weight
    }
    const int8_t *op_weight = NULL;
    const int32_t *op_bias = NULL;
    n->scales[o] = q8t_op_arrays(row->kind, rows, taps, per_row, in->channels, kPixelZeroPoints,
                                 o % 3 == 0, &n->weights[o], &n->biases[o], &n->packed[o],
                                 &op_weight, &op_bias);
    if (row->kind == VGL_Q8_GAP) {
      n->scales[o][0] = in->scale / ((float)(in->height * in->width) * n->tensors[o + 1].scale);
    }
    vgl_q8_op op = {
        .kind = row->kind,
        .input = (uint32_t)row->input,
        .output = row->kind == VGL_Q8_HEAD ? VGL_Q8_NO_TENSOR : (uint32_t)(o + 1),
        .residual = row->residual == kNone ? VGL_Q8_NO_TENSOR : (uint32_t)row->residual,
        .kernel = row->kernel,
        .stride = row->stride,
        .pad = row->pad,
        .hop = row->hop,
        .classes = row->kind == VGL_Q8_HEAD ? row->out_c : 0,
        .weight = op_weight,
        .bias = op_bias,
        .scale = n->scales[o],
        .input_zero_points = row->kind == VGL_Q8_STEM ? kPixelZeroPoints : NULL,
    };
    if (row->kind != VGL_Q8_HEAD) {
      q8t_op_tail(&op, &n->tensors[o + 1],
                  op.residual == VGL_Q8_NO_TENSOR ? NULL : &n->tensors[op.residual], row->gelu,
                  n->tables[o]);
    }
    n->ops[o] = op;
  }
  n->plan = (vgl_q8_plan){.tensor_count = kTensors, .tensors = n->tensors, .op_count = kOps,
                          .ops = n->ops, .input_tensor = 0};
  place(n);
}

static void net_free(net *n) {
  for (int o = 0; o < kOps; o++) {
    free(n->weights[o]);
    free(n->biases[o]);
    if (n->packed[o].weight != NULL) q8t_packed_free(&n->packed[o]);
    free(n->scales[o]);
  }
}

// The composition of the references: refs[t] is tensor t, logits the head's output.
typedef struct net_reference {
  int8_t *refs[kTensors];
  float logits[kClasses];
} net_reference;

static void net_reference_run(const net *n, const uint8_t *pixels, net_reference *r) {
  for (int t = 1; t < kTensors; t++) {
    r->refs[t] = malloc(bytes_of(&n->tensors[t]));
    if (r->refs[t] == NULL) abort();
  }
  r->refs[0] = NULL;
  for (int o = 0; o < kOps; o++) {
    const vgl_q8_op *op = &n->ops[o];
    const vgl_q8_tensor *in = &n->tensors[op->input];
    if (op->kind == VGL_Q8_HEAD) {
      ref_q8_head(r->refs[op->input], in->channels, in->zero_point, n->weights[o], n->biases[o],
                  op->scale, op->classes, r->logits);
      continue;
    }
    const vgl_q8_tensor *out = &n->tensors[op->output];
    const ref_q8_stage stage = {
        .scale = op->scale,
        .zero_point = op->requant.zero_point,
        .qmin = op->requant.qmin,
        .qmax = op->requant.qmax,
        .gelu_table = op->gelu_table,
        .residual = op->residual == VGL_Q8_NO_TENSOR ? NULL : r->refs[op->residual],
        .residual_zero_point = op->requant.residual_zero_point,
        .residual_scale = op->requant.residual_scale,
    };
    int8_t *y = r->refs[op->output];
    switch (op->kind) {
      case VGL_Q8_STEM:
        ref_q8_stem(pixels, in->channels, in->height, in->width, op->input_zero_points,
                    n->weights[o], n->biases[o], out->channels, out->height, out->width, op->kernel,
                    op->stride, op->pad, &stage, y);
        break;
      case VGL_Q8_CONV:
      case VGL_Q8_DWCONV:
        ref_q8_conv(r->refs[op->input], in->channels, in->height, in->width, in->zero_point,
                    n->weights[o], n->biases[o], out->channels, out->height, out->width, op->kernel,
                    op->stride, op->pad, op->kind == VGL_Q8_DWCONV, &stage, y, NULL);
        break;
      case VGL_Q8_MRCONV:
        ref_q8_mrconv(r->refs[op->input], in->channels, in->height, in->width, op->hop,
                      in->zero_point, n->weights[o], n->biases[o], &stage, y, NULL);
        break;
      case VGL_Q8_GAP:
        ref_q8_gap(r->refs[op->input], in->channels, (size_t)in->height * in->width,
                   in->zero_point, op->scale[0], op->requant.zero_point, op->requant.qmin,
                   op->requant.qmax, y);
        break;
    }
  }
}

static void net_reference_free(net_reference *r) {
  for (int t = 0; t < kTensors; t++) free(r->refs[t]);
}

// The observer copies each op's output into preallocated buffers (no allocation: the run is
// under the allocation counter) and checks order and shapes.
typedef struct observation {
  const net *n;
  int8_t *copies[kOps];
  uint32_t calls;
  bool in_order, shapes_match;
} observation;

static void observe(void *context, uint32_t op_index, const vgl_q8_tensor *tensor,
                    const int8_t *data) {
  observation *seen = context;
  if (op_index != seen->calls || op_index >= kOps) {
    seen->in_order = false;
    return;
  }
  seen->calls++;
  const vgl_q8_op *op = &seen->n->ops[op_index];
  if (op->kind == VGL_Q8_HEAD) {
    if (tensor != NULL || data != NULL) seen->shapes_match = false;
    return;
  }
  if (tensor != &seen->n->tensors[op->output]) {
    seen->shapes_match = false;
    return;
  }
  memcpy(seen->copies[op_index], data, bytes_of(tensor));
}

// An arena filled with a pattern, 64-byte aligned.
static void *garbage_arena(uint64_t bytes) {
  void *arena = aligned_alloc(VGL_Q8_ALIGNMENT, (size_t)align_up(bytes));
  if (arena == NULL) abort();
  memset(arena, 0xA5, (size_t)align_up(bytes));
  return arena;
}

static void fill_pixels(uint8_t *pixels, size_t n) {
  for (size_t i = 0; i < n; i++) pixels[i] = (uint8_t)q8t_int(0, 255);
}

VGL_TEST(q8_run, network_matches_reference_composition_without_allocating) {
  net n;
  net_build(&n);
  char message[256];
  const vgl_status valid = vgl_q8_plan_validate(&n.plan, message, sizeof message);
  if (valid != VGL_OK) printf("  %s\n", message);
  ASSERT_TRUE(valid == VGL_OK);
  EXPECT_TRUE(message[0] == '\0');

  uint8_t pixels[13 * 11 * 3];
  fill_pixels(pixels, sizeof pixels);
  net_reference reference;
  net_reference_run(&n, pixels, &reference);

  observation seen = {.n = &n, .in_order = true, .shapes_match = true};
  for (int o = 0; o < kOps; o++) {
    seen.copies[o] = malloc(o + 1 < kTensors ? bytes_of(&n.tensors[o + 1]) : 1);
    if (seen.copies[o] == NULL) abort();
  }
  void *arena = garbage_arena(n.plan.arena_bytes);
  float logits[kClasses];

  alloc_counter_start();
  const vgl_status status =
      vgl_q8_run(&n.plan, arena, n.plan.arena_bytes, pixels, logits, observe, &seen);
  const unsigned long heap_calls = alloc_counter_stop();
  EXPECT_EQ_INT(VGL_OK, status);
  EXPECT_EQ_INT(0, heap_calls);
  EXPECT_EQ_INT(kOps, seen.calls);
  EXPECT_TRUE(seen.in_order);
  EXPECT_TRUE(seen.shapes_match);

  for (int o = 0; o + 1 < kOps && seen.calls == kOps; o++) {
    const vgl_q8_tensor *out = &n.tensors[o + 1];
    char context[64];
    snprintf(context, sizeof context, "op %d output", o);
    if (!EXPECT_CODES_EQUAL(context, seen.copies[o], reference.refs[o + 1], NULL, out->channels,
                            out->height, out->width)) {
      break;
    }
  }
  EXPECT_TRUE(memcmp(logits, reference.logits, sizeof logits) == 0);
  // The codes are not degenerate: the pooled vector is not constant.
  const int8_t *pooled = reference.refs[13];
  bool varied = false;
  for (int c = 1; c < 16; c++) varied = varied || pooled[c] != pooled[0];
  EXPECT_TRUE(varied);

  // A second run on fresh garbage, without observer, gives the same bits.
  float again[kClasses];
  free(arena);
  arena = garbage_arena(n.plan.arena_bytes);
  memset(arena, 0x3C, (size_t)n.plan.arena_bytes);
  EXPECT_EQ_INT(VGL_OK, vgl_q8_run(&n.plan, arena, n.plan.arena_bytes, pixels, again, NULL, NULL));
  EXPECT_TRUE(memcmp(logits, again, sizeof logits) == 0);

  free(arena);
  for (int o = 0; o < kOps; o++) free(seen.copies[o]);
  net_reference_free(&reference);
  net_free(&n);
}

VGL_TEST(q8_run, allocation_counter_sees_allocations) {
  alloc_counter_start();
  void *volatile block = malloc(16);
  free(block);
  EXPECT_EQ_INT(2, alloc_counter_stop());
}

VGL_TEST(q8_run, storage_is_shared_in_the_test_plan) {
  net n;
  net_build(&n);
  uint64_t total = 0;
  for (int t = 0; t < kTensors; t++) total += bytes_of(&n.tensors[t]);
  EXPECT_TRUE(n.plan.scratch_offset < total);
  net_free(&n);
}

VGL_TEST(q8_run, arena_one_byte_too_small_is_refused) {
  net n;
  net_build(&n);
  uint8_t pixels[13 * 11 * 3];
  fill_pixels(pixels, sizeof pixels);
  float logits[kClasses];
  for (int i = 0; i < kClasses; i++) logits[i] = 12345.0f;
  void *arena = garbage_arena(n.plan.arena_bytes);
  const uint64_t need = n.plan.arena_bytes;
  EXPECT_EQ_INT(need, vgl_q8_plan_arena_bytes(&n.plan));
  memset(arena, 0x11, (size_t)need);
  EXPECT_EQ_INT(VGL_E_ARENA_SMALL, vgl_q8_run(&n.plan, arena, need - 1, pixels, logits, NULL, NULL));
  EXPECT_EQ_INT(VGL_E_ARENA_SMALL, vgl_q8_run(&n.plan, arena, 0, pixels, logits, NULL, NULL));
  for (int i = 0; i < kClasses; i++) EXPECT_TRUE(logits[i] == 12345.0f);  // untouched
  bool arena_untouched = true;
  for (uint64_t i = 0; i < need; i++) arena_untouched &= ((uint8_t *)arena)[i] == 0x11;
  EXPECT_TRUE(arena_untouched);
  char message[128];
  EXPECT_EQ_INT(VGL_E_ARENA_SMALL, vgl_q8_arena_check(&n.plan, need - 1, message, sizeof message));
  char expected[128];
  snprintf(expected, sizeof expected, "arena: requested %" PRIu64 " B, available %" PRIu64
           " B, missing 1 B", need, need - 1);
  EXPECT_STR_CONTAINS(message, expected);
  EXPECT_EQ_INT(VGL_OK, vgl_q8_arena_check(&n.plan, need, message, sizeof message));
  EXPECT_EQ_INT(VGL_OK, vgl_q8_run(&n.plan, arena, need, pixels, logits, NULL, NULL));
  free(arena);
  net_free(&n);
}

VGL_TEST(q8_run, bad_arguments_are_refused) {
  net n;
  net_build(&n);
  uint8_t pixels[13 * 11 * 3] = {0};
  float logits[kClasses];
  uint8_t *arena = garbage_arena(n.plan.arena_bytes + VGL_Q8_ALIGNMENT);
  const uint64_t size = n.plan.arena_bytes;
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_q8_run(NULL, arena, size, pixels, logits, NULL, NULL));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_q8_run(&n.plan, NULL, size, pixels, logits, NULL, NULL));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_q8_run(&n.plan, arena, size, NULL, logits, NULL, NULL));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_q8_run(&n.plan, arena, size, pixels, NULL, NULL, NULL));
  // A misaligned arena.
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT,
                vgl_q8_run(&n.plan, arena + 1, size, pixels, logits, NULL, NULL));
  free(arena);
  net_free(&n);
}

// ---- validation -------------------------------------------------------------------------

typedef struct plan_copy {
  vgl_q8_tensor tensors[kTensors];
  vgl_q8_op ops[kOps];
  vgl_q8_plan plan;
} plan_copy;

static void copy_plan(const net *n, plan_copy *c) {
  memcpy(c->tensors, n->tensors, sizeof c->tensors);
  memcpy(c->ops, n->ops, sizeof c->ops);
  c->plan = n->plan;
  c->plan.tensors = c->tensors;
  c->plan.ops = c->ops;
}

#define EXPECT_REJECTED(plan_pointer, expected_status, needle)                               \
  do {                                                                                       \
    char message_[280];                                                                      \
    memset(message_, 'x', sizeof message_);                                                  \
    EXPECT_EQ_INT((expected_status), vgl_q8_plan_validate((plan_pointer), message_, sizeof message_)); \
    EXPECT_TRUE(memchr(message_, '\0', sizeof message_) != NULL);                           \
    if (memchr(message_, '\0', sizeof message_) != NULL) EXPECT_STR_CONTAINS(message_, (needle)); \
  } while (0)

VGL_TEST(q8_validate, rejects_bad_tensors_and_regions) {
  net n;
  net_build(&n);
  plan_copy c;

  EXPECT_REJECTED(NULL, VGL_E_INVALID_ARGUMENT, "plan is NULL");
  copy_plan(&n, &c);
  c.plan.ops = NULL;
  EXPECT_REJECTED(&c.plan, VGL_E_INVALID_ARGUMENT, "plan has 15 ops at NULL");

  copy_plan(&n, &c);
  c.tensors[2].width = 0;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "tensor 2 is 32x7x0");

  copy_plan(&n, &c);
  c.tensors[3].offset += 8;
  char needle[200];
  snprintf(needle, sizeof needle, "tensor 3 offset %" PRIu64 " is not a multiple of 64 (remainder 8)",
           c.tensors[3].offset);
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, needle);

  // The arena one byte short of the tensor that ends last (tensor 10, 64x4x3, moved there).
  copy_plan(&n, &c);
  c.tensors[10].offset = c.plan.scratch_offset;
  c.plan.scratch_bytes = 0;
  c.plan.scratch_offset = 0;
  c.plan.arena_bytes = c.tensors[10].offset + 64 * 12 - 1;
  snprintf(needle, sizeof needle, "tensor 10 (64x4x3, 768 B at offset %" PRIu64
           ") ends past the arena of %" PRIu64 " B", c.tensors[10].offset, c.plan.arena_bytes);
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, needle);

  copy_plan(&n, &c);
  c.tensors[4].scale = NAN;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "tensor 4 scale nan is not finite and > 0");
  copy_plan(&n, &c);
  c.tensors[4].scale = 0.0f;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "tensor 4 scale 0 is not finite and > 0");
  copy_plan(&n, &c);
  c.tensors[5].zero_point = 128;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "tensor 5 zero point 128 is outside [-128, 127]");

  copy_plan(&n, &c);
  c.plan.input_tensor = 15;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "plan input tensor id 15 is not below tensor count 15");

  copy_plan(&n, &c);
  c.plan.scratch_offset = c.tensors[14].offset;  // onto a tensor
  snprintf(needle, sizeof needle, "scratch [%" PRIu64 ", %" PRIu64 ") overlaps tensor",
           c.plan.scratch_offset, c.plan.scratch_offset + 16);
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, needle);

  copy_plan(&n, &c);
  c.plan.scratch_offset += 32;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "is not 64-aligned inside the arena");

  copy_plan(&n, &c);
  c.plan.scratch_bytes = 15;  // the graph ops have 16 channels
  c.plan.arena_bytes -= 1;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN,
                  "op 7 (mrconv): needs 16 scratch bytes for xj, the plan has 15");

  // Overlaps: move op 3's output onto its input, then onto its residual.
  copy_plan(&n, &c);
  c.tensors[4].offset = c.tensors[3].offset;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 3 (conv): output tensor 4 [");
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, ") overlaps input tensor 3 [");
  copy_plan(&n, &c);
  c.tensors[4].offset = c.tensors[1].offset;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, ") overlaps residual tensor 1 [");
  net_free(&n);
}

VGL_TEST(q8_validate, rejects_bad_ops) {
  net n;
  net_build(&n);
  plan_copy c;

  copy_plan(&n, &c);
  c.ops[1].kind = 9;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 1: unknown kind 9");
  copy_plan(&n, &c);
  c.ops[2].input = 40;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN,
                  "op 2 (dwconv): input tensor id 40 is not below tensor count 15");
  copy_plan(&n, &c);
  c.ops[3].residual = 99;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 3 (conv): residual tensor id 99");

  // Shapes.
  copy_plan(&n, &c);
  c.tensors[1].height = 8;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN,
                  "op 0 (stem): output tensor 1 is 8x8x6 but input 3x13x11 with kernel 3 stride 2 "
                  "pad 1 gives 8x7x6");
  copy_plan(&n, &c);
  c.ops[2].kernel = 4;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 2 (dwconv): kernel 4 is not an odd size in 1..7");
  copy_plan(&n, &c);
  c.ops[4].stride = 3;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 4 (conv): stride 3 is not in 1..2");
  copy_plan(&n, &c);
  c.ops[5].pad = 7;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 5 (dwconv): pad 7 is not below kernel 7");
  copy_plan(&n, &c);
  c.ops[5].input = 4;  // 8 channels into a 16-channel depthwise output
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 5 (dwconv): input has 8 channels but output 16");
  copy_plan(&n, &c);
  c.ops[7].output = 10;  // 64x4x3, the graph op keeps 16x4x3
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN,
                  "op 7 (mrconv): output tensor 10 is 64x4x3 but must equal input tensor 7, 16x4x3");
  copy_plan(&n, &c);
  c.ops[12].output = 12;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 12 (gap): output tensor 12 is 16x4x3");
  copy_plan(&n, &c);
  c.ops[3].residual = 2;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN,
                  "op 3 (conv): residual tensor 2 is 32x7x6 but output tensor 4 is 8x7x6");
  copy_plan(&n, &c);
  c.ops[14].input = 12;  // 16x4x3: the head takes a pooled vector
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN,
                  "op 14 (head): input tensor 12 is 16x4x3, the head takes C x 1 x 1");

  // The uint8 input and the head's place.
  copy_plan(&n, &c);
  c.ops[1].input = 0;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN,
                  "op 1 (conv): input tensor 0 with the plan's uint8 input tensor 0");
  copy_plan(&n, &c);
  c.ops[0].kind = VGL_Q8_CONV;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "the stem, and only the stem, reads it");
  // Read after write: an op may not read arena bytes that no earlier op wrote.
  copy_plan(&n, &c);
  c.ops[1].input = c.ops[1].output;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 1 (conv): reads input tensor");
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "before any op writes it");
  copy_plan(&n, &c);
  c.ops[13].kind = VGL_Q8_HEAD;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 13 (head): the head must be the last op, of 15");
  copy_plan(&n, &c);
  c.plan.op_count = 14;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 13 (conv): the last op must be the head, of 14 ops");
  copy_plan(&n, &c);
  c.ops[14].output = 3;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 14 (head): output tensor id 3 must be VGL_Q8_NO_TENSOR");
  copy_plan(&n, &c);
  c.ops[14].classes = 0;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 14 (head): classes is 0");

  // Tails.
  copy_plan(&n, &c);
  c.ops[1].residual = 1;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 1 (conv): has both a GELU table and residual tensor 1");
  copy_plan(&n, &c);
  c.ops[12].residual = 13;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN,
                  "op 12 (gap): has residual tensor 13; only conv, dwconv and mrconv fuse one");
  copy_plan(&n, &c);
  c.ops[12].gelu_table = n.tables[1];
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 12 (gap): has a GELU table (kind 5 takes none)");
  net_free(&n);
}

VGL_TEST(q8_validate, rejects_bad_numbers) {
  net n;
  net_build(&n);
  plan_copy c;

  copy_plan(&n, &c);
  c.ops[6].requant.zero_point = c.tensors[7].zero_point + 1;
  c.ops[6].requant.min_less_zero_point -= 1.0f;
  c.ops[6].requant.max_less_zero_point -= 1.0f;
  char needle[200];
  snprintf(needle, sizeof needle,
           "op 6 (conv): requant zero point %d differs from output tensor 7's zero point %d",
           (int)c.ops[6].requant.zero_point, (int)c.tensors[7].zero_point);
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, needle);
  copy_plan(&n, &c);
  c.ops[6].requant.max_less_zero_point += 0.5f;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "fill them with vgl_qs8_requant_params_init");
  copy_plan(&n, &c);
  c.ops[6].requant.qmin = 10;
  c.ops[6].requant.qmax = 9;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 6 (conv): requant params out of range");
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "clamp [10, 9]");
  copy_plan(&n, &c);
  c.ops[3].requant.residual_scale = 5000.0f;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "residual scale 5000");
  copy_plan(&n, &c);
  c.ops[3].requant.residual_zero_point = c.tensors[1].zero_point == 0 ? 1 : 0;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "differs from residual tensor 1's zero point");

  // Arrays: a -128 weight, a non-finite scale, a bias that could overflow, NULL pointers.
  int8_t weight[32 * 8];
  memcpy(weight, n.packed[1].weight, sizeof weight);
  weight[77] = -128;
  copy_plan(&n, &c);
  c.ops[1].weight = weight;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN,
                  "op 1 (conv): weight 77 (row 3, reduction index 5) is -128; weights are "
                  "symmetric in [-127, 127]");
  // Packed layout: a weight sum that disagrees with the weights, a non-zero padding byte.
  int32_t sums[64];
  memcpy(sums, n.packed[1].bias, sizeof sums);
  sums[32 + 4] += 1;
  copy_plan(&n, &c);
  c.ops[1].bias = sums;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 1 (conv): weight sum[4] = ");
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "re-run vigil quantize");
  int8_t stem_weight[32 * 9 * 4];
  memcpy(stem_weight, n.packed[0].weight, (size_t)vgl_q8_packed_weight_bytes(n.tensors[1].channels, 9, 3));
  stem_weight[3] = 1;  // row 0, channel 3 of tap 0: padding of the 3-channel input
  copy_plan(&n, &c);
  c.ops[0].weight = stem_weight;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN,
                  "op 0 (stem): packed weight byte 3 (row 0, reduction index 3) is padding but "
                  "holds 1; padding must be zero");
  float scale[32];
  memcpy(scale, n.scales[1], sizeof scale);
  scale[31] = INFINITY;
  copy_plan(&n, &c);
  c.ops[1].scale = scale;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 1 (conv): scale[31] = inf is not finite and > 0");
  int32_t bias[32];
  memcpy(bias, n.packed[10].bias, sizeof bias);
  bias[5] = INT32_MIN;  // 64 terms can reach 64 * 32385 = 2072640
  copy_plan(&n, &c);
  c.ops[10].bias = bias;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN,
                  "op 10 (conv): bias[5] = -2147483648 plus 64 terms (up to 2072640) can "
                  "overflow int32 (limit 2145411007)");
  bias[5] = 2145411007;  // exactly at the limit: accepted
  EXPECT_EQ_INT(VGL_OK, vgl_q8_plan_validate(&c.plan, NULL, 0));
  copy_plan(&n, &c);
  c.ops[4].bias = NULL;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 4 (conv): bias pointer is NULL");
  copy_plan(&n, &c);
  c.ops[0].input_zero_points = NULL;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 0 (stem): input zero points pointer is NULL (3 channels)");
  float gap_scale = -1.0f;
  copy_plan(&n, &c);
  c.ops[12].scale = &gap_scale;
  EXPECT_REJECTED(&c.plan, VGL_E_BAD_PLAN, "op 12 (gap): scale[0] = -1 is not finite and > 0");

  net_free(&n);
}

// A three-op plan, stem (1x1) -> `middle` -> head, for shapes too large for the test network:
// tensor 0 the pixels (3 x h x w), 1 the stem's output (mid_c x h x w), 2 the middle op's
// output (out_c x out_h x out_w), each at its own 2^k-aligned offset.
typedef struct mini_plan {
  vgl_q8_tensor tensors[3];
  vgl_q8_op ops[3];
  vgl_q8_plan plan;
} mini_plan;

static int8_t g_zero_weights[16 * 49 * 1400];  // the largest packed weight a case reads
static int32_t g_zero_biases[2 * 1400];
static float g_unit_scales[1400];

static void mini_build(mini_plan *m, uint32_t h, uint32_t w, uint32_t mid_c, vgl_q8_op middle,
                       uint32_t out_c, uint32_t out_h, uint32_t out_w) {
  for (int i = 0; i < 1400; i++) g_unit_scales[i] = 1.0f;
  memset(m, 0, sizeof *m);
  const uint64_t pixels = (uint64_t)h * w;
  m->tensors[0] = (vgl_q8_tensor){.channels = 3, .height = h, .width = w, .scale = 1.0f};
  m->tensors[1] = (vgl_q8_tensor){.channels = mid_c, .height = h, .width = w, .scale = 0.1f,
                                  .offset = align_up(3 * pixels)};
  m->tensors[2] = (vgl_q8_tensor){.channels = out_c, .height = out_h, .width = out_w,
                                  .scale = 0.1f,
                                  .offset = align_up(m->tensors[1].offset + mid_c * pixels)};
  m->ops[0] = (vgl_q8_op){.kind = VGL_Q8_STEM, .input = 0, .output = 1,
                          .residual = VGL_Q8_NO_TENSOR, .kernel = 1, .stride = 1,
                          .weight = g_zero_weights, .bias = g_zero_biases,
                          .scale = g_unit_scales, .input_zero_points = kPixelZeroPoints};
  m->ops[1] = middle;
  m->ops[2] = (vgl_q8_op){.kind = VGL_Q8_HEAD, .input = 2, .output = VGL_Q8_NO_TENSOR,
                          .residual = VGL_Q8_NO_TENSOR, .classes = 2, .weight = g_zero_weights,
                          .bias = g_zero_biases, .scale = g_unit_scales};
  for (int o = 0; o < 2; o++) {
    if (vgl_qs8_requant_params_init(0, -128, 127, &m->ops[o].requant) != VGL_OK) abort();
  }
  m->plan = (vgl_q8_plan){.tensor_count = 3, .tensors = m->tensors, .op_count = 3,
                          .ops = m->ops, .input_tensor = 0,
                          .arena_bytes = m->tensors[2].offset + (uint64_t)out_c * out_h * out_w};
}

VGL_TEST(q8_validate, rejects_reductions_beyond_int32) {
  mini_plan m;
  // A dense 7x7 over 1400 channels: 68600 terms can reach 68600 * 32385 > INT32_MAX whatever
  // the bias.
  const vgl_q8_op conv = {.kind = VGL_Q8_CONV, .input = 1, .output = 2,
                          .residual = VGL_Q8_NO_TENSOR, .kernel = 7, .stride = 1,
                          .weight = g_zero_weights, .bias = g_zero_biases,
                          .scale = g_unit_scales};
  mini_build(&m, 7, 7, 1400, conv, 2, 1, 1);
  EXPECT_REJECTED(&m.plan, VGL_E_BAD_PLAN,
                  "op 1 (conv): reduction of 68600 terms can reach 2221611000 (255 * 127 each), "
                  "beyond INT32_MAX 2147483647");
  // 66311 terms is the most a zero bias allows: 7x7 over 1353 channels (66297 terms) passes.
  mini_build(&m, 7, 7, 1353, conv, 2, 1, 1);
  char message[300];
  const vgl_status status = vgl_q8_plan_validate(&m.plan, message, sizeof message);
  if (status != VGL_OK) printf("  %s\n", message);
  EXPECT_EQ_INT(VGL_OK, status);

  // A pool over 4097 x 2048 = 8390656 pixels, more than 2^23.
  const vgl_q8_op gap = {.kind = VGL_Q8_GAP, .input = 1, .output = 2,
                         .residual = VGL_Q8_NO_TENSOR, .scale = g_unit_scales};
  mini_build(&m, 4097, 2048, 2, gap, 2, 1, 1);
  EXPECT_REJECTED(&m.plan, VGL_E_BAD_PLAN,
                  "op 1 (gap): pools 8390656 pixels, more than 8388608");
  mini_build(&m, 4096, 2048, 2, gap, 2, 1, 1);  // exactly 2^23: accepted
  EXPECT_EQ_INT(VGL_OK, vgl_q8_plan_validate(&m.plan, NULL, 0));
}

int main(int argc, char **argv) {
  vgl_test_init(argc, argv);
  VGL_RUN_TEST(q8_run, network_matches_reference_composition_without_allocating);
  VGL_RUN_TEST(q8_run, allocation_counter_sees_allocations);
  VGL_RUN_TEST(q8_run, storage_is_shared_in_the_test_plan);
  VGL_RUN_TEST(q8_run, arena_one_byte_too_small_is_refused);
  VGL_RUN_TEST(q8_run, bad_arguments_are_refused);
  VGL_RUN_TEST(q8_validate, rejects_bad_tensors_and_regions);
  VGL_RUN_TEST(q8_validate, rejects_bad_ops);
  VGL_RUN_TEST(q8_validate, rejects_bad_numbers);
  VGL_RUN_TEST(q8_validate, rejects_reductions_beyond_int32);
  return vgl_test_finish();
}
