// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The .vigil loader: a file written by the test's own writer (model-builder.h) opens, keeps
// its arrays in place and runs bit for bit like vgl_q8_run on the plan it was written from;
// the toolkit's fixture (Tests/Fixtures/model/tiny.vigil) opens and reproduces the logits the
// Swift side recorded; and every corruption we can think of is refused with a status and a
// message, never a crash (run it under ASan + UBSan: see CKernels/README.md).
#include <inttypes.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-counter.h"
#include "../../CKernels/runtime/model-internal.h"
#include "model-builder.h"
#include "vgl-test.h"
#include "vigil_model.h"

#ifndef VGL_FIXTURE_DIR
#define VGL_FIXTURE_DIR "../Tests/Fixtures"
#endif

enum { kFileCapacity = 65536 };

static alignas(64) uint8_t g_file[kFileCapacity];
static alignas(64) uint8_t g_copy[kFileCapacity + 64];
static alignas(64) uint8_t g_arena[4096];
static mb_tiny g_tiny;
static mb_layout g_layout;
static size_t g_size;

static void build_tiny(void) {
  mb_tiny_init(&g_tiny, 42);
  g_size = mb_write(&g_tiny.input, g_file, sizeof g_file, &g_layout);
}

static void fill_pixels(uint8_t *pixels, size_t n) {
  for (size_t i = 0; i < n; i++) pixels[i] = (uint8_t)(i * 37u + 11u);
}

// Opens `size` bytes of g_copy (the caller prepared them); returns the status, closes on
// success after one run (so a file that opens must also run without crashing).
static vgl_status open_copy(size_t size, char *message, size_t capacity) {
  vgl_model *model = NULL;
  const vgl_status status = vgl_model_open(g_copy, size, &model, message, capacity);
  if (status == VGL_OK) {
    static alignas(64) uint8_t arena[1 << 16];
    static uint8_t pixels[3 * 2048 * 2048];
    float logits[16];
    vgl_instance instance;
    const vgl_model_network *net = vgl_model_network_config(model);
    if (vgl_model_arena_size(model) <= sizeof arena && net->classes <= 16 &&
        vgl_instance_init(model, arena, sizeof arena, &instance, NULL, 0) == VGL_OK) {
      (void)vgl_instance_run(&instance, pixels, logits);
    }
    vgl_model_close(model);
  } else if (model != NULL) {
    vgl_test_fail(__FILE__, __LINE__, "model_out not NULL after a failure");
  }
  return status;
}

// Copies g_file to g_copy, lets `mutate` change it, optionally fixes the checksum, opens.
static vgl_status open_mutated(size_t offset, const uint8_t *bytes, size_t n, int fix_checksum,
                               char *message, size_t capacity) {
  memcpy(g_copy, g_file, g_size);
  memcpy(g_copy + offset, bytes, n);
  if (fix_checksum) mb_fix_checksum(g_copy, g_size);
  return open_copy(g_size, message, capacity);
}

static vgl_status open_with_u32(size_t offset, uint32_t value, char *message, size_t capacity) {
  uint8_t bytes[4];
  mb_u32(bytes, value);
  return open_mutated(offset, bytes, 4, 1, message, capacity);
}

static vgl_status open_with_u64(size_t offset, uint64_t value, char *message, size_t capacity) {
  uint8_t bytes[8];
  mb_u64(bytes, value);
  return open_mutated(offset, bytes, 8, 1, message, capacity);
}

#define EXPECT_REFUSED(expected_status, call, needle)                                     \
  do {                                                                                    \
    char message_[512] = "";                                                              \
    const vgl_status status_ = (call);                                                    \
    EXPECT_EQ_INT((expected_status), status_);                                            \
    EXPECT_STR_CONTAINS(message_, (needle));                                              \
    if (status_ != (expected_status)) printf("  message: %s\n", message_);                \
  } while (0)

VGL_TEST(model, opens_and_runs_like_the_plan) {
  build_tiny();
  ASSERT_TRUE(g_size > 0 && g_size % 64 == 0);
  char message[256] = "";
  ASSERT_TRUE(vgl_q8_plan_validate(&g_tiny.plan, message, sizeof message) == VGL_OK);
  vgl_model *model = NULL;
  const vgl_status status = vgl_model_open(g_file, g_size, &model, message, sizeof message);
  if (status != VGL_OK) printf("  message: %s\n", message);
  ASSERT_TRUE(status == VGL_OK && model != NULL);

  // In place: every array points into the file.
  const vgl_q8_plan *plan = vgl_model_plan(model);
  EXPECT_EQ_INT(MB_OPS, plan->op_count);
  EXPECT_EQ_INT(MB_TENSORS, plan->tensor_count);
  EXPECT_EQ_INT(2432, vgl_model_arena_size(model));
  for (uint32_t i = 0; i < plan->op_count; i++) {
    const vgl_q8_op *op = &plan->ops[i];
    const uint8_t *w = (const uint8_t *)op->scale;
    EXPECT_TRUE(w >= g_file && w < g_file + g_size);
    EXPECT_TRUE((uintptr_t)w % 64 == 0);
    EXPECT_EQ_INT(g_tiny.ops[i].kind, op->kind);
    EXPECT_TRUE(memcmp(&g_tiny.ops[i].requant, &op->requant, sizeof op->requant) == 0);
    EXPECT_TRUE((op->gelu_table != NULL) == (g_tiny.ops[i].gelu_table != NULL));
  }
  EXPECT_TRUE(memcmp(plan->tensors, g_tiny.tensors, sizeof g_tiny.tensors) == 0);
  EXPECT_EQ_INT(VGL_MODEL_LAYOUT_PACKED, vgl_model_weight_layout(model));

  // Config, preprocessing, labels, metadata, op names.
  const vgl_model_network *net = vgl_model_network_config(model);
  EXPECT_TRUE(strcmp(net->name, "tiny") == 0);
  EXPECT_EQ_INT(1, net->stage_count);
  EXPECT_EQ_INT(MB_C, net->channels[0]);
  EXPECT_EQ_INT(2, net->k[0]);
  EXPECT_EQ_INT(MB_CLASSES, net->classes);
  EXPECT_EQ_INT(MB_SIDE, net->input_size);
  const vgl_model_preprocessing *pre = vgl_model_preprocess(model);
  EXPECT_TRUE(pre->crop_pct == 0.875f && pre->mean[1] == 0.456f && pre->std[2] == 0.225f);
  EXPECT_EQ_INT(MB_CLASSES, vgl_model_label_count(model));
  EXPECT_TRUE(strcmp(vgl_model_label(model, 2), "caf\xc3\xa9") == 0);
  EXPECT_TRUE(strcmp(vgl_model_label(model, 3), "") == 0);
  EXPECT_TRUE(vgl_model_label(model, MB_CLASSES) == NULL);
  EXPECT_EQ_INT(2, vgl_model_metadata_count(model));
  EXPECT_TRUE(strcmp(vgl_model_metadata(model, "calibration"), "minmax") == 0);
  EXPECT_TRUE(strcmp(vgl_model_metadata(model, "images"), "4") == 0);
  EXPECT_TRUE(vgl_model_metadata(model, "image") == NULL);
  EXPECT_TRUE(vgl_model_metadata(model, "zzz") == NULL);
  const char *key = NULL, *value = NULL;
  EXPECT_EQ_INT(VGL_OK, vgl_model_metadata_at(model, 1, &key, &value));
  EXPECT_TRUE(key != NULL && strcmp(key, "images") == 0);
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_model_metadata_at(model, 2, &key, &value));
  EXPECT_TRUE(strcmp(vgl_model_op_name(model, 2), "backbone.0.0.graph") == 0);
  EXPECT_TRUE(vgl_model_op_name(model, MB_OPS) == NULL);

  // Runs: equal to vgl_q8_run on the plan the file was written from; no allocation.
  static uint8_t pixels[3 * MB_SIDE * MB_SIDE];
  fill_pixels(pixels, sizeof pixels);
  float want[MB_CLASSES], got[MB_CLASSES];
  static alignas(64) uint8_t reference_arena[4096];
  ASSERT_TRUE(vgl_q8_run(&g_tiny.plan, reference_arena, sizeof reference_arena, pixels, want,
                         NULL, NULL) == VGL_OK);
  vgl_instance instance;
  ASSERT_TRUE(vgl_instance_init(model, g_arena, vgl_model_arena_size(model), &instance, message,
                                sizeof message) == VGL_OK);
  alloc_counter_start();
  const vgl_status run = vgl_instance_run(&instance, pixels, got);
  EXPECT_EQ_INT(0, alloc_counter_stop());
  EXPECT_EQ_INT(VGL_OK, run);
  EXPECT_TRUE(memcmp(want, got, sizeof want) == 0);
  int distinct = 0;
  for (int i = 1; i < MB_CLASSES; i++) distinct += got[i] != got[0];
  EXPECT_TRUE(distinct > 0);  // a network whose logits all agree would prove little

  // The arena one byte too small, misaligned, NULL.
  EXPECT_REFUSED(VGL_E_ARENA_SMALL,
                 vgl_instance_init(model, g_arena, vgl_model_arena_size(model) - 1, &instance,
                                   message_, sizeof message_),
                 "arena: requested 2432 B, available 2431 B, missing 1 B");
  EXPECT_REFUSED(VGL_E_INVALID_ARGUMENT,
                 vgl_instance_init(model, g_arena + 8, 2432, &instance, message_,
                                   sizeof message_),
                 "not 64-byte aligned");
  EXPECT_REFUSED(VGL_E_INVALID_ARGUMENT,
                 vgl_instance_init(NULL, g_arena, 2432, &instance, message_, sizeof message_),
                 "model is NULL");
  vgl_model_close(model);
  vgl_model_close(NULL);
}

VGL_TEST(model, deterministic_writer) {
  build_tiny();
  static uint8_t again[kFileCapacity];
  mb_tiny second;
  mb_tiny_init(&second, 42);
  const size_t size = mb_write(&second.input, again, sizeof again, NULL);
  EXPECT_EQ_INT(g_size, size);
  EXPECT_TRUE(memcmp(g_file, again, g_size) == 0);
}

static int read_file(const char *path, uint8_t *out, size_t capacity, size_t *size_out) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return 0;
  *size_out = fread(out, 1, capacity, f);
  const int ok = !ferror(f) && feof(f);
  fclose(f);
  return ok;
}

// The toolkit wrote tiny.vigil and, next to it, tiny.logits: the little-endian float logits
// of tiny.pixels (both from Tests/VigilKitTests/ModelFileTests.swift). The C loader must open
// the Swift writer's file and reproduce the logits bit for bit, natively and under qemu.
VGL_TEST(model, toolkit_fixture) {
  const char *dir = VGL_FIXTURE_DIR "/model";
  char path[512];
  snprintf(path, sizeof path, "%s/tiny.vigil", dir);
  char message[256] = "";
  vgl_model *model = NULL;
  const vgl_status status = vgl_model_open_file(path, &model, message, sizeof message);
  if (status != VGL_OK) printf("  %s: %s\n", path, message);
  ASSERT_TRUE(status == VGL_OK);
  const vgl_model_network *net = vgl_model_network_config(model);
  const uint32_t side = net->input_size;
  EXPECT_TRUE(vgl_model_metadata(model, "calibration") != NULL);

  static uint8_t pixels[3 * 64 * 64];
  static uint8_t logits_bytes[4 * 64];
  size_t pixel_bytes = 0, logit_bytes = 0;
  snprintf(path, sizeof path, "%s/tiny.pixels", dir);
  EXPECT_TRUE(read_file(path, pixels, sizeof pixels, &pixel_bytes));
  snprintf(path, sizeof path, "%s/tiny.logits", dir);
  EXPECT_TRUE(read_file(path, logits_bytes, sizeof logits_bytes, &logit_bytes));
  EXPECT_EQ_INT((size_t)3 * side * side, pixel_bytes);
  EXPECT_EQ_INT((size_t)4 * net->classes, logit_bytes);
  if (pixel_bytes == (size_t)3 * side * side && logit_bytes == (size_t)4 * net->classes &&
      vgl_model_arena_size(model) <= sizeof g_arena) {
    vgl_instance instance;
    float logits[64];
    ASSERT_TRUE(vgl_instance_init(model, g_arena, sizeof g_arena, &instance, message,
                                  sizeof message) == VGL_OK);
    EXPECT_EQ_INT(VGL_OK, vgl_instance_run(&instance, pixels, logits));
    for (uint32_t i = 0; i < net->classes; i++) {
      float want;
      const uint32_t bits = mb_load_u32(logits_bytes + 4 * i);
      memcpy(&want, &bits, 4);
      if (memcmp(&want, &logits[i], 4) != 0) {
        printf("  logit %" PRIu32 ": got %.9g, the toolkit recorded %.9g\n", i,
               (double)logits[i], (double)want);
        vgl_test_fail(__FILE__, __LINE__, "fixture logits differ");
      }
    }
  }
  vgl_model_close(model);

  EXPECT_REFUSED(VGL_E_IO,
                 vgl_model_open_file(VGL_FIXTURE_DIR "/model/missing.vigil", &model, message_,
                                     sizeof message_),
                 "missing.vigil");
  EXPECT_REFUSED(VGL_E_IO, vgl_model_open_file(VGL_FIXTURE_DIR, &model, message_, sizeof message_),
                 "not a regular file");
}

VGL_TEST(model, header_fields) {
  build_tiny();
  EXPECT_REFUSED(VGL_E_BAD_MAGIC, open_mutated(0, (const uint8_t *)"VIGIX", 5, 1, message_,
                                               sizeof message_),
                 "bytes 0..7 are 56 49 47 49 58 00 00 00");
  EXPECT_REFUSED(VGL_E_VERSION, open_with_u32(8, 2, message_, sizeof message_),
                 "format version 2, this build reads version 1: update the runtime");
  EXPECT_REFUSED(VGL_E_VERSION, open_with_u32(8, 0, message_, sizeof message_), "version 0");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(12, 128, message_, sizeof message_),
                 "header size field is 128");
  char needle[128];
  snprintf(needle, sizeof needle, "file has %zu bytes, its header says %zu (missing 64)", g_size,
           g_size + 64);
  EXPECT_REFUSED(VGL_E_TRUNCATED, open_with_u64(16, g_size + 64, message_, sizeof message_),
                 needle);
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u64(16, g_size - 64, message_, sizeof message_),
                 "(64 trailing bytes)");
  EXPECT_REFUSED(VGL_E_TRUNCATED, open_with_u64(16, UINT64_MAX, message_, sizeof message_),
                 "its header says 18446744073709551615");
  EXPECT_REFUSED(VGL_E_CHECKSUM, open_mutated(24, (const uint8_t *)"\x01", 1, 0, message_,
                                              sizeof message_),
                 "the header stores 0x");
  EXPECT_REFUSED(VGL_E_UNSUPPORTED, open_with_u32(28, 7, message_, sizeof message_),
                 "weight layout 7 is not one this build runs");
  EXPECT_REFUSED(VGL_E_UNSUPPORTED, open_with_u32(28, 0, message_, sizeof message_),
                 "weight layout 0");
  EXPECT_REFUSED(VGL_E_UNSUPPORTED, open_with_u32(28, 1, message_, sizeof message_),
                 "weight layout 1 (unpacked) is no longer run; this build runs layout 2 (packed): "
                 "re-run `vigil quantize`");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(32, 0, message_, sizeof message_),
                 "section count 0 is not in 1..16");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(32, 17, message_, sizeof message_),
                 "section count 17");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(32, g_layout.section_count - 1, message_,
                                                sizeof message_),
                 "the weights section is missing");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(36, 24, message_, sizeof message_),
                 "section entry size 24 is not 32");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u64(40, 128, message_, sizeof message_),
                 "section table at byte 128");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u64(48, 1, message_, sizeof message_),
                 "reserved");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u64(56, 1u << 31, message_, sizeof message_),
                 "reserved");

  // Every header byte, every bit: refused (with or without a recomputed checksum).
  for (size_t offset = 0; offset < 64; offset++) {
    for (int bit = 0; bit < 8; bit++) {
      for (int fix = 0; fix < 2; fix++) {
        if (fix && offset >= 24 && offset < 28) continue;  // that is the checksum itself
        memcpy(g_copy, g_file, g_size);
        g_copy[offset] ^= (uint8_t)(1u << bit);
        if (fix) mb_fix_checksum(g_copy, g_size);
        char message[512] = "";
        const vgl_status status = open_copy(g_size, message, sizeof message);
        if (status == VGL_OK || message[0] == '\0') {
          printf("  header byte %zu bit %d (checksum %s): status %d, message \"%s\"\n", offset,
                 bit, fix ? "fixed" : "stale", (int)status, message);
          vgl_test_fail(__FILE__, __LINE__, "a header bit flip was not refused with a message");
        }
      }
    }
  }
}

VGL_TEST(model, arguments_and_alignment) {
  build_tiny();
  vgl_model *model = (vgl_model *)&model;  // must be reset to NULL
  char message[256];
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_model_open(NULL, 64, &model, message, sizeof message));
  EXPECT_TRUE(model == NULL);
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_model_open(g_file, g_size, NULL, NULL, 0));
  memcpy(g_copy + 8, g_file, g_size);
  EXPECT_REFUSED(VGL_E_INVALID_ARGUMENT,
                 vgl_model_open(g_copy + 8, g_size, &model, message_, sizeof message_),
                 "is not 64-byte aligned (remainder 8): mmap the file");
  // A message buffer of one byte, or none, still works.
  memcpy(g_copy, g_file, g_size);
  g_copy[0] = 'X';
  EXPECT_EQ_INT(VGL_E_BAD_MAGIC, vgl_model_open(g_copy, g_size, &model, message, 1));
  EXPECT_TRUE(message[0] == '\0');
  EXPECT_EQ_INT(VGL_E_BAD_MAGIC, vgl_model_open(g_copy, g_size, &model, NULL, 0));
  uint32_t crc = 0;
  EXPECT_EQ_INT(VGL_OK, vgl_model_checksum("123456789\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
                                           28, &crc));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_model_checksum(g_file, 27, &crc));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_model_checksum(NULL, 64, &crc));
}

VGL_TEST(model, truncated_at_every_length) {
  build_tiny();
  memcpy(g_copy, g_file, g_size);
  int wrong = 0;
  for (size_t size = 0; size < g_size; size++) {
    char message[512] = "";
    const vgl_status status = open_copy(size, message, sizeof message);
    if (status != VGL_E_TRUNCATED || message[0] == '\0') {
      if (wrong++ < 5) printf("  %zu bytes: status %d, \"%s\"\n", size, (int)status, message);
    }
  }
  EXPECT_EQ_INT(0, wrong);
  EXPECT_REFUSED(VGL_E_TRUNCATED, open_copy(10, message_, sizeof message_),
                 "file has 10 bytes, a .vigil header needs 64");
}

VGL_TEST(model, every_byte_flipped_without_checksum_fix) {
  build_tiny();
  int accepted = 0;
  for (size_t offset = 0; offset < g_size; offset++) {
    memcpy(g_copy, g_file, g_size);
    g_copy[offset] ^= 0x5A;
    char message[512] = "";
    const vgl_status status = open_copy(g_size, message, sizeof message);
    if (status == VGL_OK || message[0] == '\0') {
      if (accepted++ < 5) printf("  byte %zu: status %d\n", offset, (int)status);
    }
  }
  EXPECT_EQ_INT(0, accepted);
}

// Section kinds (docs/model-format.md).
enum {
  kNetwork = 1, kPreprocessing, kLabels, kMetadata, kStrings, kTensors, kOps, kArena, kWeights
};

static size_t entry_at(int kind) { return 64 + 32 * (size_t)g_layout.section_index[kind]; }
static size_t section_at(int kind) { return (size_t)g_layout.section_offset[kind]; }
static size_t op_at(int index) { return section_at(kOps) + 160 * (size_t)index; }

VGL_TEST(model, section_table) {
  build_tiny();
  const size_t weights = entry_at(kWeights);
  char needle[160];
  snprintf(needle, sizeof needle,
           "section %u (weights) ends at byte %zu, past the file's %zu bytes",
           g_layout.section_index[kWeights], g_size + 64, g_size);
  EXPECT_REFUSED(VGL_E_BAD_MODEL,
                 open_with_u64(weights + 16, g_layout.section_size[kWeights] + 64, message_,
                               sizeof message_),
                 needle);
  EXPECT_REFUSED(VGL_E_BAD_MODEL,
                 open_with_u64(weights + 8, section_at(kWeights) + 8, message_, sizeof message_),
                 "not a multiple of 64 (remainder 8)");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u64(weights + 8, 0, message_, sizeof message_),
                 "inside the header and section table");
  EXPECT_REFUSED(VGL_E_BAD_MODEL,
                 open_with_u64(weights + 8, UINT64_MAX - 63, message_, sizeof message_),
                 "(wraps), past the file's");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u64(weights + 16, UINT64_MAX, message_, sizeof message_),
                 "past the file's");
  EXPECT_REFUSED(VGL_E_BAD_MODEL,
                 open_with_u64(entry_at(kStrings) + 8, section_at(kTensors), message_,
                               sizeof message_),
                 "overlaps section");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(weights, 42, message_, sizeof message_),
                 "has unknown kind 42 (kinds are 1..9)");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(weights, 0, message_, sizeof message_),
                 "has unknown kind 0");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(entry_at(kLabels), kNetwork, message_,
                                                sizeof message_),
                 "(network) repeats section 0");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(entry_at(kTensors) + 4, UINT32_MAX, message_,
                                                sizeof message_),
                 "160 bytes for 4294967295 records of 32 (need 137438953440)");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(entry_at(kOps) + 4, 0, message_, sizeof message_),
                 "(ops) has no records");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(entry_at(kNetwork) + 4, 1, message_,
                                                sizeof message_),
                 "(network) has count 1, must be 0");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u64(entry_at(kArena) + 16, 64, message_,
                                                sizeof message_),
                 "(arena) has 64 bytes, must have 32");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(entry_at(kArena) + 28, 1, message_,
                                                sizeof message_),
                 "entry bytes 24..31 are reserved");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(entry_at(kMetadata) + 4, 3, message_,
                                                sizeof message_),
                 "(metadata) has 32 bytes for 3 records of 16");
}

VGL_TEST(model, config_and_strings) {
  build_tiny();
  const size_t net = section_at(kNetwork);
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(net, 9, message_, sizeof message_),
                 "network has 9 stages, must have 1..8");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(net, 0, message_, sizeof message_),
                 "network has 0 stages");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(net, 2, message_, sizeof message_),
                 "network channels[1] = 0, must be 1..8192");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(net + 32, 8193, message_, sizeof message_),
                 "channels[0] = 8193");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(net + 32, 1, message_, sizeof message_),
                 "channels[0] = 1, must be at least 2");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(net + 36, 4, message_, sizeof message_),
                 "stage 1 is past its 1 stages");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(net + 96, 65, message_, sizeof message_),
                 "blocks[0] = [0, 65]");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(net + 128, 2049, message_, sizeof message_),
                 "k[0] = 2049");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(net + 4, 0, message_, sizeof message_),
                 "network embedding 0");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(net + 4, 9, message_, sizeof message_),
                 "the head reads 8 channels, the network's embedding is 9");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(net + 8, 100001, message_, sizeof message_),
                 "network classes 100001");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(net + 8, 6, message_, sizeof message_),
                 "5 labels for 6 classes");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(net + 12, 3, message_, sizeof message_),
                 "network input size 3, must be 4..2048");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(net + 12, 17, message_, sizeof message_),
                 "preprocessing input size 16 differs from the network's 17");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(net + 16, 2, message_, sizeof message_),
                 "distillation flag 2");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(net + 28, 2, message_, sizeof message_),
                 "network bytes 28..31 are reserved");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(net + 24, 100000, message_, sizeof message_),
                 "network name 0: string of 100000 bytes at 0");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(net + 24, 3, message_, sizeof message_),
                 "is not followed by a NUL byte");

  // The same input size in both sections, but not the input tensor's.
  memcpy(g_copy, g_file, g_size);
  mb_u32(g_copy + net + 12, 17);
  mb_u32(g_copy + section_at(kPreprocessing), 17);
  mb_fix_checksum(g_copy, g_size);
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_copy(g_size, message_, sizeof message_),
                 "input tensor 0 is 3x16x16, the network takes 3x17x17 RGB");

  const size_t pre = section_at(kPreprocessing);
  uint8_t nan[4];
  mb_u32(nan, 0x7FC00000u);
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_mutated(pre + 4, nan, 4, 1, message_, sizeof message_),
                 "crop fraction nan is not in [0.25, 1]");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_mutated(pre + 12, nan, 4, 1, message_, sizeof message_),
                 "mean[1] = nan");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(pre + 28, 0, message_, sizeof message_),
                 "std[2] = 0 is not in [2^-10, 2^10]");

  // Labels: a reference past the strings, invalid UTF-8, an embedded NUL.
  const size_t labels = section_at(kLabels);
  EXPECT_REFUSED(VGL_E_BAD_MODEL,
                 open_with_u32(labels + 8 * 4, (uint32_t)g_layout.section_size[kStrings],
                               message_, sizeof message_),
                 "label 4: string of 5 bytes at");
  const size_t strings = section_at(kStrings);
  size_t at = 0;
  for (size_t i = strings; i + 4 <= strings + g_layout.section_size[kStrings]; i++) {
    if (memcmp(g_file + i, "caf\xc3", 4) == 0) at = i + 3;
  }
  ASSERT_TRUE(at != 0);
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_mutated(at, (const uint8_t *)"\xc0", 1, 1, message_,
                                               sizeof message_),
                 "label 2: string of 5 bytes at");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_mutated(at, (const uint8_t *)"\xed\xa0", 2, 1, message_,
                                               sizeof message_),
                 "is not NUL-free UTF-8");  // a surrogate
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_mutated(at - 1, (const uint8_t *)"\0", 1, 1, message_,
                                               sizeof message_),
                 "is not NUL-free UTF-8");

  // Metadata: keys must ascend, be unique and non-empty.
  const size_t metadata = section_at(kMetadata);
  memcpy(g_copy, g_file, g_size);
  memcpy(g_copy + metadata + 16, g_file + metadata, 8);  // key 1 = key 0
  mb_fix_checksum(g_copy, g_size);
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_copy(g_size, message_, sizeof message_),
                 "metadata key 1 \"calibration\" does not sort after key 0 \"calibration\"");
  // Key 0 made "" by pointing it at the NUL after "calibration".
  memcpy(g_copy, g_file, g_size);
  mb_u32(g_copy + metadata, mb_load_u32(g_file + metadata) + 11);
  mb_u32(g_copy + metadata + 4, 0);
  mb_fix_checksum(g_copy, g_size);
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_copy(g_size, message_, sizeof message_),
                 "metadata key 0 is empty");
}

VGL_TEST(model, tensors_ops_arena) {
  build_tiny();
  const size_t tensors = section_at(kTensors);
  // Bytes 12..15 are the band field (fused blocks): the stem's output cannot be band-local.
  EXPECT_REFUSED(VGL_E_BAD_PLAN, open_with_u32(tensors + 32 + 12, 1, message_, sizeof message_),
                 "plan: tensor 1 is band-local (band 1) but has a nonzero offset");
  EXPECT_REFUSED(VGL_E_BAD_PLAN, open_with_u32(tensors + 12, 1, message_, sizeof message_),
                 "plan: tensor 0 is band-local (band 1) but is the plan's input");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(tensors + 32, 0, message_, sizeof message_),
                 "op 0 (stem): weight array has 576 bytes, the op's shapes need 0");
  EXPECT_REFUSED(VGL_E_BAD_PLAN, open_with_u64(tensors + 32 + 16, 776, message_, sizeof message_),
                 "plan: tensor 1 offset 776 is not a multiple of 64");
  EXPECT_REFUSED(VGL_E_BAD_PLAN, open_with_u32(tensors + 32 + 28, 128, message_, sizeof message_),
                 "zero point 128 is outside [-128, 127]");

  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(op_at(1), 9, message_, sizeof message_),
                 "op 1: unknown kind 9");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(op_at(1) + 4, 77, message_, sizeof message_),
                 "op 1 (conv): tensor ids input 77, output 2, residual 4294967295 with 5 tensors");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(op_at(4) + 8, 3, message_, sizeof message_),
                 "op 4 (head): tensor ids");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(op_at(2) + 12, 5, message_, sizeof message_),
                 "residual 5 with 5 tensors");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(op_at(1) + 16, UINT32_MAX, message_,
                                                sizeof message_),
                 "op 1 (conv): weight array has 128 bytes, the op's shapes need 18446744073709551615");
  EXPECT_REFUSED(VGL_E_BAD_PLAN, open_with_u32(op_at(1) + 20, 3, message_, sizeof message_),
                 "plan: op 1 (conv): stride 3 is not in 1..2");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(op_at(3) + 36, 1, message_, sizeof message_),
                 "op 3 (gap): reserved fields must be zero");
  EXPECT_REFUSED(VGL_E_BAD_PLAN, open_with_u32(op_at(1) + 44, 200, message_, sizeof message_),
                 "requant params out of range");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(op_at(1) + 64, 5000, message_, sizeof message_),
                 "op name 1: string of 5000 bytes");
  // Array references (weight at +72, bias +88, scale +104, GELU +120, zero points +136).
  const size_t conv = op_at(1);
  const uint64_t weight_at = mb_load_u64(g_file + conv + 72);
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u64(conv + 72, weight_at + 8, message_,
                                                sizeof message_),
                 "op 1 (conv): weight array at weights offset");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u64(conv + 80, UINT64_MAX, message_, sizeof message_),
                 "weight array of 18446744073709551615 bytes at weights offset");
  EXPECT_REFUSED(VGL_E_BAD_MODEL,
                 open_with_u64(conv + 72, g_layout.section_size[kWeights], message_,
                               sizeof message_),
                 "ends past the");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u64(conv + 128, 255, message_, sizeof message_),
                 "op 1 (conv): GELU table of 255 bytes (need 0 or 256)");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u64(op_at(3) + 120, 64, message_, sizeof message_),
                 "op 3 (gap): empty GELU table array has offset 64, must be 0");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u64(op_at(3) + 128, 256, message_, sizeof message_),
                 "op 3 (gap): GELU table of 256 bytes (need 0)");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u64(op_at(0) + 144, 4, message_, sizeof message_),
                 "op 0 (stem): input zero points array has 4 bytes, the op's shapes need 3");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u64(conv + 136 + 8, 8, message_, sizeof message_),
                 "input zero points array has 8 bytes, the op's shapes need 0");
  // A weight of -128, a NaN scale: the plan's own checks, through the file.
  memcpy(g_copy, g_file, g_size);
  g_copy[section_at(kWeights) + weight_at + 5] = 0x80;
  mb_fix_checksum(g_copy, g_size);
  EXPECT_REFUSED(VGL_E_BAD_PLAN, open_copy(g_size, message_, sizeof message_),
                 "plan: op 1 (conv): weight 5 (row 1, reduction index 1) is -128");
  const uint64_t scale_at = mb_load_u64(g_file + conv + 104);
  EXPECT_REFUSED(VGL_E_BAD_PLAN,
                 open_with_u32(section_at(kWeights) + scale_at, 0xFF800000u, message_,
                               sizeof message_),
                 "scale[0] = -inf is not finite and > 0");

  const size_t arena = section_at(kArena);
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(arena, 5, message_, sizeof message_),
                 "arena input tensor 5 is not below tensor count 5");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_u32(arena + 4, 1, message_, sizeof message_),
                 "arena bytes 4..7 are reserved");
  EXPECT_REFUSED(VGL_E_BAD_PLAN, open_with_u64(arena + 24, 2431, message_, sizeof message_),
                 "inside the arena of 2431 B");
  EXPECT_REFUSED(VGL_E_BAD_PLAN, open_with_u64(arena + 8, 2304, message_, sizeof message_),
                 "scratch [2304, 2368) overlaps tensor 4");
  // A file may ask for an absurd arena (the plan only says how much it needs): it opens, and
  // the allocation helper refuses cleanly instead of aborting.
#if SIZE_MAX < UINT64_MAX
  EXPECT_REFUSED(VGL_E_BAD_PLAN, open_with_u64(arena + 24, UINT64_MAX, message_, sizeof message_),
                 "exceeds this platform's");  // 32-bit: the plan check refuses it
#else
  EXPECT_EQ_INT(VGL_OK, open_with_u64(arena + 24, UINT64_MAX, NULL, 0));
#endif
  void *block = (void *)&block;
  EXPECT_REFUSED(VGL_E_OUT_OF_MEMORY, vgl_arena_alloc(UINT64_MAX, &block, message_,
                                                      sizeof message_),
                 "arena: cannot allocate 18446744073709551615 B");
  EXPECT_TRUE(block == NULL);
  EXPECT_EQ_INT(VGL_OK, vgl_arena_alloc(1, &block, NULL, 0));
  EXPECT_TRUE(block != NULL && (uintptr_t)block % 64 == 0);
  vgl_arena_free(block);
}

static vgl_status open_with_f32(size_t offset, float value, char *message, size_t capacity) {
  uint32_t bits;
  memcpy(&bits, &value, 4);
  return open_with_u32(offset, bits, message, capacity);
}

// Every scale is bounded to what the int8 contract can use (docs/int8.md, "Scale bounds"):
// normal floats in [2^-126, 2^32]; preprocessing to what the resize can serve.
VGL_TEST(model, scales_and_preprocessing_bounded) {
  build_tiny();
  const size_t weights = section_at(kWeights);
  const size_t head = op_at(4);
  const uint64_t head_scale = mb_load_u64(g_file + head + 104);
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_f32(weights + head_scale + 4, 3e38f, message_,
                                                sizeof message_),
                 "op 4 (head) scale[1] = 3e+38 is outside [2^-126, 2^32], the scales the int8 "
                 "contract can use");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_f32(weights + head_scale, 0x1p-130f, message_,
                                                sizeof message_),
                 "op 4 (head) scale[0] = 7.34684e-40 is outside");
  EXPECT_EQ_INT(VGL_OK, open_with_f32(weights + head_scale, 0x1p32f, NULL, 0));
  EXPECT_EQ_INT(VGL_OK, open_with_f32(weights + head_scale, 0x1p-126f, NULL, 0));
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_f32(weights + head_scale, 0x1.000002p32f, message_,
                                                sizeof message_),
                 "op 4 (head) scale[0] = 4.29497e+09 is outside");
  const uint64_t conv_scale = mb_load_u64(g_file + op_at(1) + 104);
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_f32(weights + conv_scale + 4, 1e30f, message_,
                                                sizeof message_),
                 "op 1 (conv) scale[1] = 1e+30 is outside");
  const uint64_t gap_scale = mb_load_u64(g_file + op_at(3) + 104);
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_f32(weights + gap_scale, 1e-40f, message_,
                                                sizeof message_),
                 "op 3 (gap) scale[0] = 9.99995e-41 is outside");
  const size_t tensors = section_at(kTensors);
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_f32(tensors + 2 * 32 + 24, 1e20f, message_,
                                                sizeof message_),
                 "tensor 2 scale 1e+20 is outside");
  // The input tensor's scale is not used (uint8 pixels): any value opens.
  EXPECT_EQ_INT(VGL_OK, open_with_f32(tensors + 24, 1e20f, NULL, 0));

  const size_t pre = section_at(kPreprocessing);
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_f32(pre + 4, 1e-30f, message_, sizeof message_),
                 "preprocessing crop fraction 1e-30 is not in [0.25, 1]");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_f32(pre + 4, 0.2499f, message_, sizeof message_),
                 "crop fraction 0.2499 is not in [0.25, 1]");
  EXPECT_EQ_INT(VGL_OK, open_with_f32(pre + 4, 0.25f, NULL, 0));
  EXPECT_EQ_INT(VGL_OK, open_with_f32(pre + 4, 1.0f, NULL, 0));
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_f32(pre + 4, 1.0001f, message_, sizeof message_),
                 "crop fraction 1.0001 is not in [0.25, 1]");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_f32(pre + 20, 1e-30f, message_, sizeof message_),
                 "std[0] = 1e-30 is not in [2^-10, 2^10]");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_f32(pre + 24, 2000.0f, message_, sizeof message_),
                 "std[1] = 2000 is not in [2^-10, 2^10]");
  EXPECT_REFUSED(VGL_E_BAD_MODEL, open_with_f32(pre + 8, -0.5f, message_, sizeof message_),
                 "mean[0] = -0.5 is not in [0, 1]");
}

// A model opened from a path keeps its own copy: truncating the file in place (what `cp` over
// it does first) and then overwriting it with other bytes of the same size change nothing for
// the running model, which used to take SIGBUS from its mapping here.
VGL_TEST(model, file_changed_under_a_running_model) {
  build_tiny();
  const char *dir = getenv("TMPDIR");
  char path[512];
  snprintf(path, sizeof path, "%s/vigil-model-test-%u.vigil", dir != NULL ? dir : "/tmp",
           (unsigned)vgl_test.seed);
  FILE *f = fopen(path, "wb");
  ASSERT_TRUE(f != NULL);
  ASSERT_TRUE(fwrite(g_file, 1, g_size, f) == g_size && fclose(f) == 0);
  vgl_model *model = NULL;
  char message[256] = "";
  ASSERT_TRUE(vgl_model_open_file(path, &model, message, sizeof message) == VGL_OK);
  static alignas(64) uint8_t arena[4096];
  static uint8_t pixels[3 * 16 * 16];
  fill_pixels(pixels, sizeof pixels);
  float before[MB_CLASSES], after[MB_CLASSES];
  vgl_instance instance;
  ASSERT_TRUE(vgl_instance_init(model, arena, sizeof arena, &instance, NULL, 0) == VGL_OK);
  ASSERT_TRUE(vgl_instance_run(&instance, pixels, before) == VGL_OK);

  f = fopen(path, "wb");  // truncated to 0 bytes, as `cp new.vigil live.vigil` does first
  ASSERT_TRUE(f != NULL);
  ASSERT_TRUE(fflush(f) == 0);
  ASSERT_TRUE(vgl_instance_run(&instance, pixels, after) == VGL_OK);
  EXPECT_TRUE(memcmp(before, after, sizeof before) == 0);
  static uint8_t other[kFileCapacity];
  for (size_t i = 0; i < g_size; i++) other[i] = (uint8_t)(g_file[i] ^ 0x5A);  // same size
  ASSERT_TRUE(fwrite(other, 1, g_size, f) == g_size && fclose(f) == 0);
  ASSERT_TRUE(vgl_instance_run(&instance, pixels, after) == VGL_OK);
  EXPECT_TRUE(memcmp(before, after, sizeof before) == 0);
  vgl_model_close(model);
  // Opening the overwritten file now is refused like any corrupt file.
  EXPECT_REFUSED(VGL_E_BAD_MAGIC, vgl_model_open_file(path, &model, message_, sizeof message_),
                 "");
  remove(path);
}

VGL_TEST(model, many_mutations_with_checksum_fixed) {
  // Structural validation behind the checksum: random byte changes, checksum recomputed.
  // Changes to weight values may be valid files; anything else must be refused with a
  // message, and nothing may crash (the open_copy runs every file that opens).
  build_tiny();
  int opened = 0, refused = 0, silent = 0;
  for (int trial = 0; trial < 4000; trial++) {
    memcpy(g_copy, g_file, g_size);
    const int changes = 1 + (int)(vgl_test_next() % 3);
    for (int c = 0; c < changes; c++) {
      const size_t offset = 28 + (size_t)(vgl_test_next() % (g_size - 28));
      const uint64_t r = vgl_test_next();
      switch (r % 4) {
        case 0: g_copy[offset] ^= (uint8_t)(1u << (r >> 8) % 8); break;
        case 1: g_copy[offset] = (uint8_t)(r >> 8); break;
        case 2: g_copy[offset] = 0xFF; break;
        default: g_copy[offset] = 0; break;
      }
    }
    mb_fix_checksum(g_copy, g_size);
    char message[512] = "";
    const vgl_status status = open_copy(g_size, message, sizeof message);
    if (status == VGL_OK) opened++;
    else if (message[0] != '\0') refused++;
    else silent++;
  }
  printf("  4000 mutated files: %d opened (and ran), %d refused with a message\n", opened,
         refused);
  EXPECT_EQ_INT(0, silent);
  EXPECT_TRUE(refused > 1000);
}

// Every ISA path this CPU runs and 1..4 threads give the logits of the scalar path on one
// thread, bit for bit, with no heap call during a run; paths the CPU lacks and arenas short of
// the thread count's scratch are refused with their messages.
VGL_TEST(model, every_isa_and_thread_count_gives_the_same_logits) {
  build_tiny();
  vgl_model *model = NULL;
  ASSERT_TRUE(vgl_model_open(g_file, g_size, &model, NULL, 0) == VGL_OK);
  static const uint8_t pixels_seed = 29;
  uint8_t pixels[3 * MB_SIDE * MB_SIDE];
  for (size_t i = 0; i < sizeof pixels; i++) pixels[i] = (uint8_t)(i * pixels_seed + 7);
  float want[MB_CLASSES], got[MB_CLASSES];
  static alignas(64) uint8_t arena[8192];
  bool have_reference = false;
  for (int isa = VGL_ISA_SCALAR; isa <= VGL_ISA_NEONDOT; isa++) {
    if (!vgl_isa_supported((vgl_isa)isa)) {
      printf("  skipped %s: this CPU lacks it\n", vgl_isa_name((vgl_isa)isa));
      char message[200];
      vgl_instance instance;
      const vgl_instance_options options = {sizeof options, (uint32_t)isa, 1};
      EXPECT_EQ_INT(VGL_E_UNSUPPORTED,
                    vgl_instance_init_options(model, arena, sizeof arena, &options, &instance,
                                              message, sizeof message));
      EXPECT_STR_CONTAINS(message, "this CPU lacks it; it runs scalar");
      continue;
    }
    for (uint32_t threads = 1; threads <= 4; threads++) {
      const uint64_t bytes = vgl_model_arena_size_threads(model, threads);
      ASSERT_TRUE(bytes != 0 && bytes <= sizeof arena);
      EXPECT_EQ_INT(2432 + 64 * (threads - 1), bytes);  // one xj scratch copy per extra thread
      vgl_instance instance;
      const vgl_instance_options options = {sizeof options, (uint32_t)isa, threads};
      char message[200];
      if (threads > 1) {
        EXPECT_EQ_INT(VGL_E_ARENA_SMALL,
                      vgl_instance_init_options(model, arena, bytes - 1, &options, &instance,
                                                message, sizeof message));
        EXPECT_STR_CONTAINS(message, "(for this thread count)");
      }
      ASSERT_TRUE(vgl_instance_init_options(model, arena, bytes, &options, &instance, message,
                                            sizeof message) == VGL_OK);
      EXPECT_EQ_INT(isa, instance.isa);
      EXPECT_EQ_INT(threads, instance.threads);
      for (int run = 0; run < 3; run++) {
        alloc_counter_start();
        const vgl_status status = vgl_instance_run(&instance, pixels, got);
        EXPECT_EQ_INT(0, alloc_counter_stop());
        EXPECT_EQ_INT(VGL_OK, status);
        if (!have_reference) {
          memcpy(want, got, sizeof want);
          have_reference = true;
        }
        if (memcmp(got, want, sizeof want) != 0) {
          char what[120];
          snprintf(what, sizeof what, "isa %s threads %u run %d: logits differ from scalar",
                   vgl_isa_name((vgl_isa)isa), threads, run);
          vgl_test_fail(__FILE__, __LINE__, what);
        }
      }
      vgl_instance_release(&instance);
    }
  }
  vgl_model_close(model);
}

// The description API gives the plan the file was written from (layout, every tensor, every
// op), refuses indices out of range, and an observed run reports every op's output bytes on
// 1 and 2 threads with the logits of the plain run.
typedef struct seen_ops {
  uint32_t calls;
  uint32_t last_op;
  uint64_t bytes[MB_OPS];
  int head_had_data;
} seen_ops;

static void count_op(void *context, uint32_t op_index, const int8_t *data, uint64_t bytes) {
  seen_ops *s = context;
  s->calls++;
  s->last_op = op_index;
  if (op_index < MB_OPS) s->bytes[op_index] = bytes;
  if (op_index == MB_OPS - 1 && (data != NULL || bytes != 0)) s->head_had_data = 1;
}

VGL_TEST(model, describes_its_plan_and_observes_every_op) {
  build_tiny();
  vgl_model *model = NULL;
  ASSERT_TRUE(vgl_model_open(g_file, g_size, &model, NULL, 0) == VGL_OK);
  vgl_model_layout layout;
  ASSERT_TRUE(vgl_model_get_layout(model, &layout) == VGL_OK);
  EXPECT_EQ_INT(g_tiny.plan.arena_bytes, layout.arena_bytes);
  EXPECT_EQ_INT(g_tiny.plan.scratch_offset, layout.scratch_offset);
  EXPECT_EQ_INT(g_tiny.plan.scratch_bytes, layout.scratch_bytes);
  EXPECT_EQ_INT(MB_TENSORS, layout.tensor_count);
  EXPECT_EQ_INT(MB_OPS, layout.op_count);
  EXPECT_EQ_INT(g_tiny.plan.input_tensor, layout.input_tensor);
  for (uint32_t i = 0; i < MB_TENSORS; i++) {
    vgl_model_tensor_info t;
    ASSERT_TRUE(vgl_model_get_tensor(model, i, &t) == VGL_OK);
    const vgl_q8_tensor *want = &g_tiny.tensors[i];
    EXPECT_TRUE(t.channels == want->channels && t.height == want->height &&
                t.width == want->width && t.offset == want->offset &&
                t.scale == want->scale && t.zero_point == want->zero_point);
  }
  for (uint32_t i = 0; i < MB_OPS; i++) {
    vgl_model_op_info op;
    ASSERT_TRUE(vgl_model_get_op(model, i, &op) == VGL_OK);
    const vgl_q8_op *want = &g_tiny.ops[i];
    EXPECT_TRUE(op.kind == want->kind && op.input == want->input && op.output == want->output &&
                op.residual == want->residual && op.kernel == want->kernel &&
                op.stride == want->stride && op.pad == want->pad && op.hop == want->hop &&
                op.classes == want->classes);
    EXPECT_EQ_INT(want->gelu_table != NULL, (op.arrays & VGL_MODEL_OP_HAS_GELU) != 0);
    EXPECT_EQ_INT(want->bias != NULL, (op.arrays & VGL_MODEL_OP_HAS_BIAS) != 0);
    EXPECT_EQ_INT(want->scale != NULL, (op.arrays & VGL_MODEL_OP_HAS_SCALE) != 0);
  }
  vgl_model_op_info head;
  ASSERT_TRUE(vgl_model_get_op(model, MB_OPS - 1, &head) == VGL_OK);
  EXPECT_EQ_INT(VGL_Q8_HEAD, head.kind);
  EXPECT_EQ_INT(VGL_Q8_NO_TENSOR, head.output);
  vgl_model_tensor_info t;
  vgl_model_op_info op;
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_model_get_tensor(model, MB_TENSORS, &t));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_model_get_op(model, MB_OPS, &op));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_model_get_op(model, 0, NULL));
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_model_get_layout(NULL, &layout));

  uint8_t pixels[3 * MB_SIDE * MB_SIDE];
  fill_pixels(pixels, sizeof pixels);
  float want[MB_CLASSES], got[MB_CLASSES];
  static alignas(64) uint8_t arena[8192];
  for (uint32_t threads = 1; threads <= 2; threads++) {
    const vgl_instance_options options = {sizeof options, VGL_ISA_AUTO, threads};
    vgl_instance instance;
    ASSERT_TRUE(vgl_instance_init_options(model, arena, sizeof arena, &options, &instance, NULL,
                                          0) == VGL_OK);
    ASSERT_TRUE(vgl_instance_run(&instance, pixels, want) == VGL_OK);
    seen_ops seen = {0};
    alloc_counter_start();
    const vgl_status status = vgl_instance_run_observed(&instance, pixels, got, count_op, &seen);
    EXPECT_EQ_INT(0, alloc_counter_stop());
    EXPECT_EQ_INT(VGL_OK, status);
    EXPECT_EQ_INT(MB_OPS, seen.calls);
    EXPECT_EQ_INT(MB_OPS - 1, seen.last_op);
    EXPECT_EQ_INT(0, seen.head_had_data);
    for (uint32_t i = 0; i + 1 < MB_OPS; i++) {
      vgl_model_get_op(model, i, &op);
      vgl_model_get_tensor(model, op.output, &t);
      EXPECT_EQ_INT((uint64_t)t.channels * t.height * t.width, seen.bytes[i]);
    }
    EXPECT_TRUE(memcmp(want, got, sizeof want) == 0);
    vgl_instance_release(&instance);
  }
  vgl_model_close(model);
}

// vgl_instance_options is versioned by its size: an older, smaller struct (the first version)
// and a newer, larger one whose unknown bytes are zero are accepted; a newer one asking for
// an option this runtime lacks, and a size below the first version's, are refused.
VGL_TEST(model, instance_options_are_versioned_by_size) {
  build_tiny();
  vgl_model *model = NULL;
  ASSERT_TRUE(vgl_model_open(g_file, g_size, &model, NULL, 0) == VGL_OK);
  static alignas(64) uint8_t arena[8192];
  vgl_instance instance;
  char message[200];
  const vgl_instance_options defaults = VGL_INSTANCE_OPTIONS_INIT;
  EXPECT_EQ_INT(sizeof defaults, defaults.size);
  ASSERT_TRUE(vgl_instance_init_options(model, arena, sizeof arena, &defaults, &instance,
                                        message, sizeof message) == VGL_OK);
  EXPECT_EQ_INT(1, instance.threads);
  vgl_instance_release(&instance);

  // A newer caller: the struct followed by fields this runtime does not know.
  struct {
    vgl_instance_options known;
    uint32_t future[3];
  } newer;
  memset(&newer, 0, sizeof newer);
  newer.known.size = sizeof newer;
  newer.known.isa = VGL_ISA_SCALAR;
  newer.known.threads = 2;
  ASSERT_TRUE(vgl_instance_init_options(model, arena, sizeof arena, &newer.known, &instance,
                                        message, sizeof message) == VGL_OK);
  EXPECT_EQ_INT(2, instance.threads);
  EXPECT_EQ_INT(VGL_ISA_SCALAR, instance.isa);
  vgl_instance_release(&instance);
  newer.future[1] = 7;
  EXPECT_EQ_INT(VGL_E_UNSUPPORTED,
                vgl_instance_init_options(model, arena, sizeof arena, &newer.known, &instance,
                                          message, sizeof message));
  EXPECT_STR_CONTAINS(message, "an option it does not have");

  vgl_instance_options old = {VGL_INSTANCE_OPTIONS_MIN_SIZE - 4, VGL_ISA_AUTO, 1};
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT,
                vgl_instance_init_options(model, arena, sizeof arena, &old, &instance, message,
                                          sizeof message));
  EXPECT_STR_CONTAINS(message, "size 8 is below the first version's 12 B");
  vgl_model_close(model);
}

int main(int argc, char **argv) {
  vgl_test_init(argc, argv);
  VGL_RUN_TEST(model, opens_and_runs_like_the_plan);
  VGL_RUN_TEST(model, every_isa_and_thread_count_gives_the_same_logits);
  VGL_RUN_TEST(model, describes_its_plan_and_observes_every_op);
  VGL_RUN_TEST(model, instance_options_are_versioned_by_size);
  VGL_RUN_TEST(model, deterministic_writer);
  VGL_RUN_TEST(model, toolkit_fixture);
  VGL_RUN_TEST(model, header_fields);
  VGL_RUN_TEST(model, arguments_and_alignment);
  VGL_RUN_TEST(model, truncated_at_every_length);
  VGL_RUN_TEST(model, every_byte_flipped_without_checksum_fix);
  VGL_RUN_TEST(model, section_table);
  VGL_RUN_TEST(model, config_and_strings);
  VGL_RUN_TEST(model, tensors_ops_arena);
  VGL_RUN_TEST(model, scales_and_preprocessing_bounded);
  VGL_RUN_TEST(model, file_changed_under_a_running_model);
  VGL_RUN_TEST(model, many_mutations_with_checksum_fixed);
  return vgl_test_finish();
}
