// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// What the loader's files share: the vgl_model struct and the numbers of the format
// (docs/model-format.md is the specification; keep the two in step).
#ifndef VIGIL_MODEL_INTERNAL_H
#define VIGIL_MODEL_INTERNAL_H

#include "q8-plan.h"
#include "vigil_model.h"

// ---- the format ----------------------------------------------------------------------------

#define VGL_MODEL_HEADER_BYTES 64u
#define VGL_MODEL_SECTION_ENTRY_BYTES 32u
#define VGL_MODEL_MAX_SECTIONS 16u
#define VGL_MODEL_CHECKSUM_OFFSET 24u

// Section kinds (section table entry bytes 0..3).
enum {
  VGL_SECTION_NETWORK = 1,
  VGL_SECTION_PREPROCESSING = 2,
  VGL_SECTION_LABELS = 3,
  VGL_SECTION_METADATA = 4,
  VGL_SECTION_STRINGS = 5,
  VGL_SECTION_TENSORS = 6,
  VGL_SECTION_OPS = 7,
  VGL_SECTION_ARENA = 8,
  VGL_SECTION_WEIGHTS = 9,
  VGL_SECTION_KIND_COUNT = 9,
};

// Fixed section sizes and record sizes, bytes.
#define VGL_NETWORK_BYTES 160u
#define VGL_PREPROCESSING_BYTES 32u
#define VGL_ARENA_BYTES 32u
#define VGL_LABEL_RECORD_BYTES 8u
#define VGL_METADATA_RECORD_BYTES 16u
#define VGL_TENSOR_RECORD_BYTES 32u
#define VGL_OP_RECORD_BYTES 160u

// Byte offsets inside an op record.
#define VGL_OP_NAME_OFFSET 60u
#define VGL_OP_ARRAYS_OFFSET 72u  // five (u64 offset, u64 length) refs into the weights blob

// Network limits: the toolkit's NetworkConfig.validate, repeated.
#define VGL_NETWORK_MAX_CHANNELS 8192u
#define VGL_NETWORK_MAX_INPUT_SIZE 2048u
#define VGL_NETWORK_MAX_BLOCKS 64u
#define VGL_NETWORK_MAX_CLASSES 100000u

// Scale bounds (docs/int8.md, "Scale bounds"): every tensor scale, per-row rescale, pool and
// head scale is a normal float in [2^-126, 2^32].
#define VGL_MODEL_MIN_SCALE 0x1p-126f
#define VGL_MODEL_MAX_SCALE 0x1p32f

// Preprocessing bounds (docs/model-format.md, "Preprocessing"): what Preprocessing.swift's
// size arithmetic and the decoders' limits can serve.
#define VGL_PREPROCESS_MIN_CROP_PCT 0.25f
#define VGL_PREPROCESS_MIN_STD 0x1p-10f
#define VGL_PREPROCESS_MAX_STD 0x1p10f

struct vgl_model {
  const uint8_t *data;  // the file, validated
  size_t size;
  void *mapping;        // vgl_model_open_file's anonymous-mapping copy (NULL otherwise), munmapped at close
  size_t mapping_bytes;
  uint32_t weight_layout;
  vgl_q8_plan plan;
  vgl_q8_tensor *tensors;  // same allocation as the model
  vgl_q8_op *ops;
  vgl_model_network network;
  vgl_model_preprocessing preprocessing;
  const uint8_t *strings;         // the strings section
  const uint8_t *label_records;   // NULL without labels
  uint32_t label_count;
  const uint8_t *metadata_records;
  uint32_t metadata_count;
  const uint8_t *op_records;
};

/// The plan, with arrays pointing into the file; valid until vgl_model_close.
const vgl_q8_plan *vgl_model_plan(const vgl_model *model);

// Checks every scale of a decoded, plan-validated model against VGL_MODEL_MIN_SCALE ..
// VGL_MODEL_MAX_SCALE (model-bounds.c); VGL_E_BAD_MODEL with the op, row and value otherwise.
vgl_status vgl_model_check_scales(const vgl_model *m, char *message, size_t capacity);

#endif  // VIGIL_MODEL_INTERNAL_H
