// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// A tiny .vigil writer in C for the loader's tests and the fuzzer's seed corpus: packs a
// vgl_q8_plan (arrays anywhere in memory) plus config, preprocessing, labels, metadata and op
// names into a file per docs/model-format.md, and builds one small synthetic plan
// (STEM 3x3 s2 + GELU -> CONV 1x1 + GELU -> MRCONV + residual -> GAP -> HEAD). The toolkit's
// writer is Sources/VigilKit/Quantize/ModelFile.swift; the two agree through the fixture
// Tests/Fixtures/model/tiny.vigil, which both sides load.
#ifndef VGL_MODEL_BUILDER_H
#define VGL_MODEL_BUILDER_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../CKernels/runtime/q8-plan.h"
#include "vigil_model.h"

// ---- little-endian stores ------------------------------------------------------------------

static inline void mb_u32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void mb_u64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void mb_f32(uint8_t *p, float v) {
  uint32_t bits;
  memcpy(&bits, &v, 4);
  mb_u32(p, bits);
}
static inline uint32_t mb_load_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t mb_load_u64(const uint8_t *p) {
  return (uint64_t)mb_load_u32(p) | (uint64_t)mb_load_u32(p + 4) << 32;
}

/// Recomputes and stores the CRC-32C of a whole file (header bytes 24..27).
static inline void mb_fix_checksum(uint8_t *file, size_t size) {
  uint32_t crc = 0;
  if (vgl_model_checksum(file, size, &crc) == VGL_OK) mb_u32(file + 24, crc);
}

// ---- the writer ----------------------------------------------------------------------------

enum { MB_SECTIONS = 9 };  // kinds 1..9, written in kind order

typedef struct mb_input {
  const vgl_q8_plan *plan;
  const char *const *op_names;  // [op_count]
  const vgl_model_network *network;
  const vgl_model_preprocessing *preprocessing;
  const char *const *labels;  // NULL or [network->classes]
  const char *const *metadata_keys;  // ascending
  const char *const *metadata_values;
  uint32_t metadata_count;
} mb_input;

/// Where the writer put things (file offsets), for the corruption tests.
typedef struct mb_layout {
  size_t size;
  uint64_t section_offset[MB_SECTIONS + 1];  // by kind; 0 when absent
  uint64_t section_size[MB_SECTIONS + 1];
  uint32_t section_index[MB_SECTIONS + 1];  // position in the table
  uint32_t section_count;
} mb_layout;

typedef struct mb_writer {
  uint8_t *out;
  size_t capacity;
  size_t at;
  int overflow;
} mb_writer;

static inline size_t mb_align(size_t n) { return (n + 63u) & ~(size_t)63u; }

static inline size_t mb_append(mb_writer *w, const void *bytes, size_t n) {
  const size_t at = w->at;
  if (at + n > w->capacity) {
    w->overflow = 1;
    return at;
  }
  if (n != 0) memcpy(w->out + at, bytes, n);
  w->at += n;
  return at;
}

static inline void mb_pad(mb_writer *w) {
  while (w->at % 64 != 0 && !w->overflow) {
    const uint8_t zero = 0;
    mb_append(w, &zero, 1);
  }
}

// The strings section is built in a side buffer: each string once per reference, NUL after.
typedef struct mb_strings {
  uint8_t bytes[8192];
  uint32_t size;
} mb_strings;

static inline void mb_string(mb_strings *s, const char *text, uint8_t *ref) {
  const uint32_t length = (uint32_t)strlen(text);
  mb_u32(ref, s->size);
  mb_u32(ref + 4, length);
  if (s->size + length + 1 <= sizeof s->bytes) {
    memcpy(s->bytes + s->size, text, length + 1);
    s->size += length + 1;
  }
}

static inline void mb_array_lengths(const vgl_q8_plan *plan, const vgl_q8_op *op,
                                    uint64_t out[5]) {
  const uint64_t in_c = plan->tensors[op->input].channels;
  const uint64_t kk = (uint64_t)op->kernel * op->kernel;
  uint64_t rows = 0, taps = 0;
  memset(out, 0, 5 * sizeof out[0]);
  switch (op->kind) {
    case VGL_Q8_STEM:
    case VGL_Q8_CONV: rows = plan->tensors[op->output].channels; taps = kk; break;
    case VGL_Q8_DWCONV: rows = plan->tensors[op->output].channels; break;
    case VGL_Q8_MRCONV: rows = plan->tensors[op->output].channels; taps = 2; break;
    case VGL_Q8_GAP: out[2] = 4; return;
    case VGL_Q8_HEAD: rows = op->classes; taps = 1; break;
  }
  // Packed kinds: the packed weight, and biases followed by the weight sums.
  out[0] = op->kind == VGL_Q8_DWCONV ? rows * kk : vgl_q8_packed_weight_bytes(rows, taps, in_c);
  out[1] = op->kind == VGL_Q8_DWCONV ? rows * 4 : rows * 8;
  out[2] = rows * 4;
  out[3] = op->gelu_table != NULL ? 256 : 0;
  out[4] = op->kind == VGL_Q8_STEM ? in_c : 0;
}

/// Writes the file into out[capacity]; returns its size (0 when it does not fit).
static inline size_t mb_write(const mb_input *in, uint8_t *out, size_t capacity,
                              mb_layout *layout) {
  static mb_strings strings;  // 8 KiB: keep it off the stack
  memset(&strings, 0, sizeof strings);
  memset(out, 0, capacity);
  mb_layout local;
  if (layout == NULL) layout = &local;
  memset(layout, 0, sizeof *layout);
  const vgl_q8_plan *plan = in->plan;
  const vgl_model_network *net = in->network;

  uint8_t network[160] = {0};
  mb_u32(network, net->stage_count);
  mb_u32(network + 4, net->embedding);
  mb_u32(network + 8, net->classes);
  mb_u32(network + 12, net->input_size);
  mb_u32(network + 16, net->distillation);
  mb_string(&strings, net->name, network + 20);
  for (int i = 0; i < 8; i++) {
    mb_u32(network + 32 + 4 * i, net->channels[i]);
    mb_u32(network + 64 + 4 * i, net->local_blocks[i]);
    mb_u32(network + 96 + 4 * i, net->global_blocks[i]);
    mb_u32(network + 128 + 4 * i, net->k[i]);
  }
  uint8_t pre[32] = {0};
  mb_u32(pre, in->preprocessing->input_size);
  mb_f32(pre + 4, in->preprocessing->crop_pct);
  for (int c = 0; c < 3; c++) {
    mb_f32(pre + 8 + 4 * c, in->preprocessing->mean[c]);
    mb_f32(pre + 20 + 4 * c, in->preprocessing->std[c]);
  }
  static uint8_t labels[8 * 256], metadata[16 * 64], tensors[32 * 64], ops[160 * 64];
  static uint8_t weights[65536];
  memset(labels, 0, sizeof labels);
  memset(metadata, 0, sizeof metadata);
  memset(tensors, 0, sizeof tensors);
  memset(ops, 0, sizeof ops);
  memset(weights, 0, sizeof weights);
  const uint32_t label_count = in->labels != NULL ? net->classes : 0;
  if (label_count > 256 || in->metadata_count > 64 || plan->tensor_count > 64 ||
      plan->op_count > 64) {
    return 0;
  }
  for (uint32_t i = 0; i < label_count; i++) mb_string(&strings, in->labels[i], labels + 8 * i);
  for (uint32_t i = 0; i < in->metadata_count; i++) {
    mb_string(&strings, in->metadata_keys[i], metadata + 16 * i);
    mb_string(&strings, in->metadata_values[i], metadata + 16 * i + 8);
  }
  for (uint32_t id = 0; id < plan->tensor_count; id++) {
    const vgl_q8_tensor *t = &plan->tensors[id];
    uint8_t *r = tensors + 32 * id;
    mb_u32(r, t->channels);
    mb_u32(r + 4, t->height);
    mb_u32(r + 8, t->width);
    mb_u32(r + 12, t->band);
    mb_u64(r + 16, t->offset);
    mb_f32(r + 24, t->scale);
    mb_u32(r + 28, (uint32_t)t->zero_point);
  }
  size_t blob = 0;
  for (uint32_t index = 0; index < plan->op_count; index++) {
    const vgl_q8_op *op = &plan->ops[index];
    uint8_t *r = ops + 160 * index;
    const uint32_t fields[10] = {op->kind, op->input, op->output, op->residual, op->kernel,
                                 op->stride, op->pad, op->hop, op->classes, 0};
    for (int f = 0; f < 10; f++) mb_u32(r + 4 * f, fields[f]);
    mb_u32(r + 40, (uint32_t)op->requant.zero_point);
    mb_u32(r + 44, (uint32_t)op->requant.qmin);
    mb_u32(r + 48, (uint32_t)op->requant.qmax);
    mb_u32(r + 52, (uint32_t)op->requant.residual_zero_point);
    mb_f32(r + 56, op->requant.residual_scale);
    mb_string(&strings, in->op_names[index], r + 60);
    uint64_t lengths[5];
    mb_array_lengths(plan, op, lengths);
    const void *arrays[5] = {op->weight, op->bias, op->scale, op->gelu_table,
                             op->input_zero_points};
    for (int a = 0; a < 5; a++) {
      if (lengths[a] == 0 || arrays[a] == NULL) continue;
      if (blob + lengths[a] > sizeof weights) return 0;
      // Arrays are stored as little-endian bytes; this test writer runs on little-endian hosts
      // only (the loader refuses big-endian ones anyway).
      memcpy(weights + blob, arrays[a], (size_t)lengths[a]);
      mb_u64(r + 72 + 16 * a, blob);
      mb_u64(r + 80 + 16 * a, lengths[a]);
      blob = mb_align(blob + (size_t)lengths[a]);
    }
  }
  uint8_t arena[32] = {0};
  mb_u32(arena, plan->input_tensor);
  mb_u64(arena + 8, plan->scratch_offset);
  mb_u64(arena + 16, plan->scratch_bytes);
  mb_u64(arena + 24, plan->arena_bytes);

  const struct { uint32_t kind, count; const void *bytes; size_t size; } sections[MB_SECTIONS] = {
      {1, 0, network, sizeof network},
      {2, 0, pre, sizeof pre},
      {3, label_count, labels, 8 * (size_t)label_count},
      {4, in->metadata_count, metadata, 16 * (size_t)in->metadata_count},
      {5, 0, strings.bytes, strings.size},
      {6, plan->tensor_count, tensors, 32 * (size_t)plan->tensor_count},
      {7, plan->op_count, ops, 160 * (size_t)plan->op_count},
      {8, 0, arena, sizeof arena},
      {9, 0, weights, blob},
  };
  uint32_t count = 0;
  for (int s = 0; s < MB_SECTIONS; s++) count += sections[s].size != 0 || sections[s].kind > 4;
  mb_writer w = {out, capacity, 0, 0};
  uint8_t header[64] = {'V', 'I', 'G', 'I', 'L', 0, 0, 0};
  mb_u32(header + 8, VGL_MODEL_FORMAT_VERSION);
  mb_u32(header + 12, 64);
  mb_u32(header + 28, VGL_MODEL_LAYOUT_PACKED);
  mb_u32(header + 32, count);
  mb_u32(header + 36, 32);
  mb_u64(header + 40, 64);
  mb_append(&w, header, sizeof header);
  uint8_t table[32 * MB_SECTIONS] = {0};
  const size_t table_at = mb_append(&w, table, 32 * (size_t)count);
  mb_pad(&w);
  uint32_t entry = 0;
  for (int s = 0; s < MB_SECTIONS; s++) {
    if (sections[s].size == 0 && sections[s].kind <= 4) continue;  // optional and empty
    const size_t at = mb_append(&w, sections[s].bytes, sections[s].size);
    mb_pad(&w);
    if (w.overflow) return 0;
    uint8_t *e = out + table_at + 32 * entry;
    mb_u32(e, sections[s].kind);
    mb_u32(e + 4, sections[s].count);
    mb_u64(e + 8, at);
    mb_u64(e + 16, sections[s].size);
    layout->section_offset[sections[s].kind] = at;
    layout->section_size[sections[s].kind] = sections[s].size;
    layout->section_index[sections[s].kind] = entry;
    entry++;
  }
  if (w.overflow) return 0;
  mb_u64(out + 16, w.at);
  layout->size = w.at;
  layout->section_count = count;
  mb_fix_checksum(out, w.at);
  return w.at;
}

// ---- the synthetic network -----------------------------------------------------------------

// Input 3x16x16 -> stem 3x3 s2 p1 (+GELU) 8x8x8 -> conv 1x1 (+GELU) 8x8x8 -> mrconv hop 2
// (+residual: the conv's output) 8x8x8 -> gap 8x1x1 -> head 5 classes.
enum { MB_SIDE = 16, MB_C = 8, MB_CLASSES = 5, MB_TENSORS = 5, MB_OPS = 5 };

typedef struct mb_tiny {
  vgl_q8_tensor tensors[MB_TENSORS];
  vgl_q8_op ops[MB_OPS];
  vgl_q8_plan plan;
  int8_t stem_w[MB_C * 9 * 3], conv_w[MB_C * MB_C], mr_w[MB_C * 2 * MB_C],
      head_w[MB_CLASSES * MB_C];
  int32_t stem_b[MB_C], conv_b[MB_C], mr_b[MB_C], head_b[MB_CLASSES];
  // The packed weights and biases with weight sums the ops point at (vigil_q8.h).
  int8_t stem_pw[16 * 9 * 4], conv_pw[16 * MB_C], mr_pw[16 * 2 * MB_C], head_pw[16 * MB_C];
  int32_t stem_pb[2 * MB_C], conv_pb[2 * MB_C], mr_pb[2 * MB_C], head_pb[2 * MB_CLASSES];
  float stem_s[MB_C], conv_s[MB_C], mr_s[MB_C], gap_s[1], head_s[MB_CLASSES];
  int8_t stem_gelu[256], conv_gelu[256];
  uint8_t pixel_zero_points[3];
  vgl_model_network network;
  vgl_model_preprocessing preprocessing;
  const char *op_names[MB_OPS];
  const char *labels[MB_CLASSES];
  const char *metadata_keys[2], *metadata_values[2];
  mb_input input;
} mb_tiny;

static inline uint64_t mb_random(uint64_t *state) {
  uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static inline int32_t mb_range(uint64_t *state, int32_t lo, int32_t hi) {
  return lo + (int32_t)(mb_random(state) % (uint64_t)(hi - lo + 1));
}

static inline void mb_fill(uint64_t *state, int8_t *w, size_t n, int32_t *b, float *s,
                           size_t rows, float scale) {
  for (size_t i = 0; i < n; i++) w[i] = (int8_t)mb_range(state, -127, 127);
  for (size_t i = 0; i < rows; i++) {
    b[i] = mb_range(state, -2000, 2000);
    s[i] = scale * (0.5f + (float)mb_range(state, 0, 100) / 100.0f);
  }
}

/// Fills *t with the synthetic network (random weights from `seed`) and its writer input.
static inline void mb_tiny_init(mb_tiny *t, uint64_t seed) {
  memset(t, 0, sizeof *t);
  uint64_t state = seed;
  static const uint32_t shapes[MB_TENSORS][3] = {
      {3, MB_SIDE, MB_SIDE}, {MB_C, 8, 8}, {MB_C, 8, 8}, {MB_C, 8, 8}, {MB_C, 1, 1}};
  static const uint64_t offsets[MB_TENSORS] = {0, 768, 1280, 1792, 2304};
  static const float scales[MB_TENSORS] = {1.0f, 0.05f, 0.04f, 0.06f, 0.03f};
  static const int32_t zero_points[MB_TENSORS] = {0, -20, -40, 5, -3};
  for (int i = 0; i < MB_TENSORS; i++) {
    t->tensors[i] = (vgl_q8_tensor){shapes[i][0], shapes[i][1], shapes[i][2], 0, offsets[i],
                                    scales[i], zero_points[i]};
  }
  mb_fill(&state, t->stem_w, sizeof t->stem_w, t->stem_b, t->stem_s, MB_C, 0.002f);
  mb_fill(&state, t->conv_w, sizeof t->conv_w, t->conv_b, t->conv_s, MB_C, 0.004f);
  mb_fill(&state, t->mr_w, sizeof t->mr_w, t->mr_b, t->mr_s, MB_C, 0.003f);
  mb_fill(&state, t->head_w, sizeof t->head_w, t->head_b, t->head_s, MB_CLASSES, 0.0005f);
  t->gap_s[0] = 0.04f / (64.0f * 0.03f);
  t->pixel_zero_points[0] = 124;
  t->pixel_zero_points[1] = 116;
  t->pixel_zero_points[2] = 104;
  // Pre-activations at scale 0.08 (zp 0) into the GELU outputs' scales.
  (void)vgl_qs8_gelu_table_init(0.08f, 0, 0.05f, -20, t->stem_gelu);
  (void)vgl_qs8_gelu_table_init(0.08f, 0, 0.04f, -40, t->conv_gelu);

  (void)vgl_q8_pack(VGL_Q8_STEM, MB_C, 9, 3, t->stem_w, t->stem_b, t->pixel_zero_points,
                    t->stem_pw, t->stem_pb);
  (void)vgl_q8_pack(VGL_Q8_CONV, MB_C, 1, MB_C, t->conv_w, t->conv_b, NULL, t->conv_pw,
                    t->conv_pb);
  (void)vgl_q8_pack(VGL_Q8_MRCONV, MB_C, 2, MB_C, t->mr_w, t->mr_b, NULL, t->mr_pw, t->mr_pb);
  (void)vgl_q8_pack(VGL_Q8_HEAD, MB_CLASSES, 1, MB_C, t->head_w, t->head_b, NULL, t->head_pw,
                    t->head_pb);

  vgl_q8_op *op = t->ops;
  for (int i = 0; i < MB_OPS; i++) op[i].residual = VGL_Q8_NO_TENSOR;
  op[0].kind = VGL_Q8_STEM; op[0].input = 0; op[0].output = 1;
  op[0].kernel = 3; op[0].stride = 2; op[0].pad = 1;
  op[0].weight = t->stem_pw; op[0].bias = t->stem_pb; op[0].scale = t->stem_s;
  op[0].gelu_table = t->stem_gelu; op[0].input_zero_points = t->pixel_zero_points;
  (void)vgl_qs8_requant_params_init(0, -128, 127, &op[0].requant);
  op[1].kind = VGL_Q8_CONV; op[1].input = 1; op[1].output = 2;
  op[1].kernel = 1; op[1].stride = 1; op[1].pad = 0;
  op[1].weight = t->conv_pw; op[1].bias = t->conv_pb; op[1].scale = t->conv_s;
  op[1].gelu_table = t->conv_gelu;
  (void)vgl_qs8_requant_params_init(0, -128, 127, &op[1].requant);
  op[2].kind = VGL_Q8_MRCONV; op[2].input = 2; op[2].output = 3; op[2].residual = 2;
  op[2].hop = 2;
  op[2].weight = t->mr_pw; op[2].bias = t->mr_pb; op[2].scale = t->mr_s;
  (void)vgl_qs8_requant_params_init_residual(5, -128, 127, -40, 0.04f / 0.06f, &op[2].requant);
  op[3].kind = VGL_Q8_GAP; op[3].input = 3; op[3].output = 4; op[3].scale = t->gap_s;
  (void)vgl_qs8_requant_params_init(-3, -128, 127, &op[3].requant);
  op[4].kind = VGL_Q8_HEAD; op[4].input = 4; op[4].output = VGL_Q8_NO_TENSOR;
  op[4].classes = MB_CLASSES;
  op[4].weight = t->head_pw; op[4].bias = t->head_pb; op[4].scale = t->head_s;
  (void)vgl_qs8_requant_params_init(0, -128, 127, &op[4].requant);

  t->plan = (vgl_q8_plan){MB_TENSORS, t->tensors, MB_OPS, t->ops, 0, 0, 2368, 64, 2432};

  t->network.name = "tiny";
  t->network.stage_count = 1;
  t->network.channels[0] = MB_C;
  t->network.global_blocks[0] = 1;
  t->network.k[0] = 2;
  t->network.embedding = MB_C;
  t->network.classes = MB_CLASSES;
  t->network.input_size = MB_SIDE;
  t->network.distillation = 1;
  t->preprocessing = (vgl_model_preprocessing){MB_SIDE, 0.875f, {0.485f, 0.456f, 0.406f},
                                               {0.229f, 0.224f, 0.225f}};
  static const char *const names[MB_OPS] = {"stem", "backbone.0.0.ffn", "backbone.0.0.graph",
                                            "pool", "head"};
  static const char *const labels[MB_CLASSES] = {"cat", "dog", "caf\xc3\xa9", "", "zebra"};
  for (int i = 0; i < MB_OPS; i++) t->op_names[i] = names[i];
  for (int i = 0; i < MB_CLASSES; i++) t->labels[i] = labels[i];
  t->metadata_keys[0] = "calibration";
  t->metadata_values[0] = "minmax";
  t->metadata_keys[1] = "images";
  t->metadata_values[1] = "4";
  t->input = (mb_input){&t->plan, t->op_names, &t->network, &t->preprocessing, t->labels,
                        t->metadata_keys, t->metadata_values, 2};
}

#endif  // VGL_MODEL_BUILDER_H
