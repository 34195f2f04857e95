// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for the .vigil loader (Tools/fuzz.sh builds and runs it with
// -fsanitize=fuzzer,address,undefined). Each input is opened twice: as given (which mostly
// exercises the header and the checksum) and with its CRC-32C recomputed (which lets the
// mutations reach the structural validation behind the checksum). A file that opens is
// inspected through every getter and run once on a fixed pixel buffer: whatever the loader
// accepts must run without touching memory it does not own.
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vigil_model.h"

enum { kMaxFile = 1 << 20, kMaxArena = 1 << 22, kMaxSide = 2048, kMaxClasses = 100000 };

static alignas(64) uint8_t g_file[kMaxFile];
static alignas(64) uint8_t g_arena[kMaxArena];
static uint8_t g_pixels[3 * kMaxSide * kMaxSide];
static float g_logits[kMaxClasses];

static size_t touch(const char *s) { return s == NULL ? 0 : strlen(s); }

static void observe(void *context, uint32_t op, const int8_t *data, uint64_t bytes) {
  (void)context;
  (void)op;
  // Touch the reported output's first and last byte: it must lie inside the arena.
  if (data != NULL && bytes != 0) {
    volatile int8_t sink = data[0];
    sink = data[bytes - 1];
    (void)sink;
  }
}

static void open_and_run(size_t size) {
  char message[256];
  vgl_model *model = NULL;
  const vgl_status status = vgl_model_open(g_file, size, &model, message, sizeof message);
  if (status != VGL_OK) {
    if (model != NULL || message[0] == '\0') __builtin_trap();  // refused without a message
    (void)vgl_status_string(status);
    return;
  }
  size_t total = 0;
  const vgl_model_network *net = vgl_model_network_config(model);
  total += touch(net->name);
  for (uint32_t i = 0; i < vgl_model_label_count(model); i++) total += touch(vgl_model_label(model, i));
  for (uint32_t i = 0; i < vgl_model_metadata_count(model); i++) {
    const char *key = NULL, *value = NULL;
    if (vgl_model_metadata_at(model, i, &key, &value) != VGL_OK) __builtin_trap();
    total += touch(key) + touch(value);
    if (vgl_model_metadata(model, key) != value) __builtin_trap();  // keys are unique
  }
  vgl_model_layout layout;
  if (vgl_model_get_layout(model, &layout) != VGL_OK) __builtin_trap();
  for (uint32_t i = 0; i < layout.op_count; i++) {
    vgl_model_op_info op;
    if (vgl_model_get_op(model, i, &op) != VGL_OK) __builtin_trap();
    total += touch(vgl_model_op_name(model, i)) + op.kind;
  }
  (void)total;
  const uint64_t arena_bytes = vgl_model_arena_size(model);
  vgl_instance instance;
  if (arena_bytes <= sizeof g_arena && net->classes <= kMaxClasses &&
      vgl_instance_init(model, g_arena, arena_bytes, &instance, message, sizeof message) ==
          VGL_OK) {
    if (vgl_instance_run(&instance, g_pixels, g_logits) != VGL_OK) __builtin_trap();
  }
  // Observed runs execute fused blocks op by op, band-local tensors after the regions.
  const uint64_t observed_bytes = vgl_model_arena_size_observed(model, 1);
  if (observed_bytes <= sizeof g_arena && net->classes <= kMaxClasses &&
      vgl_instance_init(model, g_arena, observed_bytes, &instance, message, sizeof message) ==
          VGL_OK) {
    if (vgl_instance_run_observed(&instance, g_pixels, g_logits, observe, NULL) != VGL_OK) {
      __builtin_trap();
    }
  }
  vgl_model_close(model);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > sizeof g_file) return 0;
  if (g_pixels[1] == 0) {
    for (size_t i = 0; i < sizeof g_pixels; i++) g_pixels[i] = (uint8_t)(i * 37u + 11u);
  }
  if (size != 0) memcpy(g_file, data, size);
  open_and_run(size);
  uint32_t crc = 0;
  if (vgl_model_checksum(g_file, size, &crc) == VGL_OK) {
    for (int i = 0; i < 4; i++) g_file[24 + i] = (uint8_t)(crc >> (8 * i));
    open_and_run(size);
  }
  return 0;
}
