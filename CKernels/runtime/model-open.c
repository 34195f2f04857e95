// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "model-internal.h"
#include "q8-execute.h"
#include "runtime-internal.h"

// The .vigil loader: the boundary where an untrusted file becomes a plan. Every number is read
// with explicit little-endian loads (no struct is overlaid on the file) and checked before it
// is used, in this order (docs/model-format.md, "Validation"):
//
//   1. the caller's arguments, the data's alignment, the host (little-endian, for the in-place
//      int32 and float arrays);
//   2. magic, format version, header size, file size (VGL_E_TRUNCATED when short);
//   3. the CRC-32C over the whole file (VGL_E_CHECKSUM), then the weight layout id;
//   4. the section table: kinds known and unique, required ones present, every section 64-byte
//      aligned, inside the file (64-bit arithmetic that cannot wrap), disjoint from the header,
//      the table and each other, its size matching its kind and record count;
//   5. strings (each reference inside the strings section, NUL-terminated, NUL-free, UTF-8),
//      the network config (NetworkConfig.validate's limits), preprocessing, labels, metadata
//      (keys unique and ascending);
//   6. tensors and ops: ids in range, every weight array 64-byte aligned inside the weights
//      blob with exactly the length the op's shapes imply, reserved fields zero (a tensor's
//      band field is checked with the plan: fused blocks);
//   7. vgl_q8_plan_validate on the built plan (shapes, arena regions, weight and bias values,
//      the int32 overflow bound), then the plan against the config (input 3 x S x S, classes,
//      embedding), then every scale against the int8 contract's bounds (model-bounds.c).
//
// Only then is a model returned. After this file, nothing re-checks the file's numbers.

static uint32_t load_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t load_u64(const uint8_t *p) {
  return (uint64_t)load_u32(p) | (uint64_t)load_u32(p + 4) << 32;
}

static int32_t load_i32(const uint8_t *p) {
  const uint32_t bits = load_u32(p);
  int32_t value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

static float load_f32(const uint8_t *p) {
  const uint32_t bits = load_u32(p);
  float value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

static bool host_is_little_endian(void) {
  const uint16_t one = 1;
  uint8_t first;
  memcpy(&first, &one, 1);
  return first == 1;
}

// ---- checksum ------------------------------------------------------------------------------

// CRC-32C, one table lookup per byte. The table (1 KiB) is built on the stack per call: no
// global state, and 2048 shifts are nothing next to the file.
static uint32_t crc32c_update(const uint32_t table[256], uint32_t crc, const uint8_t *p,
                              size_t n) {
  for (size_t i = 0; i < n; i++) crc = table[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
  return crc;
}

vgl_status vgl_model_checksum(const void *data, size_t size, uint32_t *checksum_out) {
  if (data == NULL || checksum_out == NULL || size < VGL_MODEL_CHECKSUM_OFFSET + 4) {
    return VGL_E_INVALID_ARGUMENT;
  }
  uint32_t table[256];
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int bit = 0; bit < 8; bit++) c = (c & 1u) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    table[i] = c;
  }
  const uint8_t *bytes = data;
  const uint8_t zeros[4] = {0, 0, 0, 0};
  uint32_t crc = 0xFFFFFFFFu;
  crc = crc32c_update(table, crc, bytes, VGL_MODEL_CHECKSUM_OFFSET);
  crc = crc32c_update(table, crc, zeros, 4);
  crc = crc32c_update(table, crc, bytes + VGL_MODEL_CHECKSUM_OFFSET + 4,
                      size - VGL_MODEL_CHECKSUM_OFFSET - 4);
  *checksum_out = crc ^ 0xFFFFFFFFu;
  return VGL_OK;
}

// ---- the loader's context ------------------------------------------------------------------

typedef struct section {
  uint32_t index;  // position in the table, for messages
  uint32_t count;
  uint64_t offset;
  uint64_t size;
  const uint8_t *bytes;
} section;

typedef struct loader {
  const uint8_t *data;
  uint64_t size;
  char *message;
  size_t capacity;
  section sections[VGL_SECTION_KIND_COUNT + 1];  // by kind; size 0 and bytes NULL when absent
  bool present[VGL_SECTION_KIND_COUNT + 1];
} loader;

static const char *section_name(uint32_t kind) {
  switch (kind) {
    case VGL_SECTION_NETWORK: return "network";
    case VGL_SECTION_PREPROCESSING: return "preprocessing";
    case VGL_SECTION_LABELS: return "labels";
    case VGL_SECTION_METADATA: return "metadata";
    case VGL_SECTION_STRINGS: return "strings";
    case VGL_SECTION_TENSORS: return "tensors";
    case VGL_SECTION_OPS: return "ops";
    case VGL_SECTION_ARENA: return "arena";
    case VGL_SECTION_WEIGHTS: return "weights";
  }
  return "unknown";
}

#define BAD(l, ...) vgl_fail(VGL_E_BAD_MODEL, (l)->message, (l)->capacity, __VA_ARGS__)

// a * b, or UINT64_MAX when that overflows (no array in a file can be that long).
static uint64_t mul_sat(uint64_t a, uint64_t b) {
  if (a != 0 && b > UINT64_MAX / a) return UINT64_MAX;
  return a * b;
}

// ---- header and section table --------------------------------------------------------------

static const uint8_t kMagic[8] = {'V', 'I', 'G', 'I', 'L', 0, 0, 0};

static vgl_status check_header(loader *l, uint32_t *layout_out) {
  const uint8_t *d = l->data;
  if (l->size < sizeof kMagic) {
    return vgl_fail(VGL_E_TRUNCATED, l->message, l->capacity,
                    "file has %" PRIu64 " bytes, a .vigil header needs %u", l->size,
                    VGL_MODEL_HEADER_BYTES);
  }
  if (memcmp(d, kMagic, sizeof kMagic) != 0) {
    return vgl_fail(VGL_E_BAD_MAGIC, l->message, l->capacity,
                    "bytes 0..7 are %02x %02x %02x %02x %02x %02x %02x %02x, a .vigil file starts "
                    "with \"VIGIL\" and three zero bytes",
                    d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]);
  }
  if (l->size < 12) {
    return vgl_fail(VGL_E_TRUNCATED, l->message, l->capacity,
                    "file has %" PRIu64 " bytes, a .vigil header needs %u", l->size,
                    VGL_MODEL_HEADER_BYTES);
  }
  const uint32_t version = load_u32(d + 8);
  if (version != VGL_MODEL_FORMAT_VERSION) {
    return vgl_fail(VGL_E_VERSION, l->message, l->capacity,
                    "format version %" PRIu32 ", this build reads version %u%s", version,
                    VGL_MODEL_FORMAT_VERSION,
                    version > VGL_MODEL_FORMAT_VERSION ? ": update the runtime" : "");
  }
  if (l->size < VGL_MODEL_HEADER_BYTES) {
    return vgl_fail(VGL_E_TRUNCATED, l->message, l->capacity,
                    "file has %" PRIu64 " bytes, a .vigil header needs %u", l->size,
                    VGL_MODEL_HEADER_BYTES);
  }
  const uint32_t header_bytes = load_u32(d + 12);
  if (header_bytes != VGL_MODEL_HEADER_BYTES) {
    return BAD(l, "header size field is %" PRIu32 ", version %u headers have %u bytes",
               header_bytes, VGL_MODEL_FORMAT_VERSION, VGL_MODEL_HEADER_BYTES);
  }
  const uint64_t file_bytes = load_u64(d + 16);
  if (file_bytes > l->size) {
    return vgl_fail(VGL_E_TRUNCATED, l->message, l->capacity,
                    "file has %" PRIu64 " bytes, its header says %" PRIu64 " (missing %" PRIu64 ")",
                    l->size, file_bytes, file_bytes - l->size);
  }
  if (file_bytes < l->size) {
    return BAD(l, "file has %" PRIu64 " bytes, its header says %" PRIu64 " (%" PRIu64
                  " trailing bytes)",
               l->size, file_bytes, l->size - file_bytes);
  }
  uint32_t checksum = 0;
  (void)vgl_model_checksum(d, (size_t)l->size, &checksum);
  const uint32_t stored = load_u32(d + VGL_MODEL_CHECKSUM_OFFSET);
  if (checksum != stored) {
    return vgl_fail(VGL_E_CHECKSUM, l->message, l->capacity,
                    "CRC-32C of the %" PRIu64 " bytes is 0x%08" PRIx32 ", the header stores 0x%08"
                    PRIx32 ": the file is corrupt",
                    l->size, checksum, stored);
  }
  const uint32_t layout = load_u32(d + 28);
  if (layout == VGL_MODEL_LAYOUT_UNPACKED) {
    return vgl_fail(VGL_E_UNSUPPORTED, l->message, l->capacity,
                    "weight layout %u (unpacked) is no longer run; this build runs layout %u "
                    "(packed): re-run `vigil quantize` on the checkpoint to write the model again",
                    VGL_MODEL_LAYOUT_UNPACKED, VGL_MODEL_LAYOUT_PACKED);
  }
  if (layout != VGL_MODEL_LAYOUT_PACKED) {
    return vgl_fail(VGL_E_UNSUPPORTED, l->message, l->capacity,
                    "weight layout %" PRIu32 " is not one this build runs (it runs layout %u, "
                    "packed): update the runtime or re-run `vigil quantize`",
                    layout, VGL_MODEL_LAYOUT_PACKED);
  }
  *layout_out = layout;
  const uint32_t count = load_u32(d + 32);
  const uint32_t entry_bytes = load_u32(d + 36);
  const uint64_t table_offset = load_u64(d + 40);
  if (count == 0 || count > VGL_MODEL_MAX_SECTIONS) {
    return BAD(l, "section count %" PRIu32 " is not in 1..%u", count, VGL_MODEL_MAX_SECTIONS);
  }
  if (entry_bytes != VGL_MODEL_SECTION_ENTRY_BYTES) {
    return BAD(l, "section entry size %" PRIu32 " is not %u", entry_bytes,
               VGL_MODEL_SECTION_ENTRY_BYTES);
  }
  if (table_offset != VGL_MODEL_HEADER_BYTES) {
    return BAD(l, "section table at byte %" PRIu64 ", version %u puts it at %u", table_offset,
               VGL_MODEL_FORMAT_VERSION, VGL_MODEL_HEADER_BYTES);
  }
  if (load_u64(d + 48) != 0 || load_u64(d + 56) != 0) {
    return BAD(l, "header bytes 48..63 are reserved and must be zero");
  }
  const uint64_t table_end = table_offset + (uint64_t)count * VGL_MODEL_SECTION_ENTRY_BYTES;
  if (table_end > l->size) {
    return BAD(l, "section table of %" PRIu32 " entries ends at byte %" PRIu64
                  ", past the file's %" PRIu64 " bytes",
               count, table_end, l->size);
  }

  section all[VGL_MODEL_MAX_SECTIONS];
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t *e = d + table_offset + (uint64_t)i * VGL_MODEL_SECTION_ENTRY_BYTES;
    const uint32_t kind = load_u32(e);
    section s = {i, load_u32(e + 4), load_u64(e + 8), load_u64(e + 16), NULL};
    if (kind == 0 || kind > VGL_SECTION_KIND_COUNT) {
      return BAD(l, "section %" PRIu32 " has unknown kind %" PRIu32 " (kinds are 1..%d)", i,
                 kind, VGL_SECTION_KIND_COUNT);
    }
    const char *name = section_name(kind);
    if (l->present[kind]) {
      return BAD(l, "section %" PRIu32 " (%s) repeats section %" PRIu32, i, name,
                 l->sections[kind].index);
    }
    if (load_u64(e + 24) != 0) {
      return BAD(l, "section %" PRIu32 " (%s) entry bytes 24..31 are reserved and must be zero",
                 i, name);
    }
    if (s.offset % VGL_MODEL_ALIGNMENT != 0) {
      return BAD(l, "section %" PRIu32 " (%s) starts at byte %" PRIu64
                    ", not a multiple of %u (remainder %" PRIu64 ")",
                 i, name, s.offset, VGL_MODEL_ALIGNMENT, s.offset % VGL_MODEL_ALIGNMENT);
    }
    if (s.offset < table_end) {
      return BAD(l, "section %" PRIu32 " (%s) starts at byte %" PRIu64
                    ", inside the header and section table (bytes 0..%" PRIu64 ")",
                 i, name, s.offset, table_end - 1);
    }
    if (s.offset > l->size || s.size > l->size - s.offset) {
      return BAD(l, "section %" PRIu32 " (%s) ends at byte %" PRIu64 "%s, past the file's %" PRIu64
                    " bytes",
                 i, name, s.offset + s.size, s.offset + s.size < s.offset ? " (wraps)" : "",
                 l->size);
    }
    for (uint32_t j = 0; j < i; j++) {
      if (s.size != 0 && all[j].size != 0 && s.offset < all[j].offset + all[j].size &&
          all[j].offset < s.offset + s.size) {
        return BAD(l, "section %" PRIu32 " (%s) [%" PRIu64 ", %" PRIu64 ") overlaps section %"
                      PRIu32 " [%" PRIu64 ", %" PRIu64 ")",
                   i, name, s.offset, s.offset + s.size, j, all[j].offset,
                   all[j].offset + all[j].size);
      }
    }
    s.bytes = d + s.offset;
    all[i] = s;
    l->sections[kind] = s;
    l->present[kind] = true;
  }
  return VGL_OK;
}

// Checks a section's record count against its size; fixed sections have count 0.
static vgl_status check_section_shape(loader *l, uint32_t kind, uint64_t record_bytes,
                                      bool table) {
  const section *s = &l->sections[kind];
  if (!l->present[kind]) {
    return BAD(l, "the %s section is missing", section_name(kind));
  }
  if (!table) {
    if (s->count != 0) {
      return BAD(l, "section %" PRIu32 " (%s) has count %" PRIu32 ", must be 0", s->index,
                 section_name(kind), s->count);
    }
    if (record_bytes != 0 && s->size != record_bytes) {
      return BAD(l, "section %" PRIu32 " (%s) has %" PRIu64 " bytes, must have %" PRIu64,
                 s->index, section_name(kind), s->size, record_bytes);
    }
    return VGL_OK;
  }
  if (s->count == 0) {
    return BAD(l, "section %" PRIu32 " (%s) has no records (omit the section instead)",
               s->index, section_name(kind));
  }
  if (s->size != (uint64_t)s->count * record_bytes) {
    return BAD(l, "section %" PRIu32 " (%s) has %" PRIu64 " bytes for %" PRIu32
                  " records of %" PRIu64 " (need %" PRIu64 ")",
               s->index, section_name(kind), s->size, s->count, record_bytes,
               (uint64_t)s->count * record_bytes);
  }
  return VGL_OK;
}

// ---- strings -------------------------------------------------------------------------------

// Well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF) without NUL.
static bool utf8_ok(const uint8_t *s, uint64_t n) {
  uint64_t i = 0;
  while (i < n) {
    const uint8_t c = s[i];
    if (c == 0) return false;
    if (c < 0x80) { i++; continue; }
    uint32_t need, code;
    uint32_t min;
    if ((c & 0xE0) == 0xC0) { need = 1; code = c & 0x1Fu; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { need = 2; code = c & 0x0Fu; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { need = 3; code = c & 0x07u; min = 0x10000; }
    else return false;
    if (n - i <= need) return false;
    for (uint32_t k = 1; k <= need; k++) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      code = code << 6 | (s[i + k] & 0x3Fu);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += need + 1;
  }
  return true;
}

// A string reference (u32 offset, u32 length) at `ref` into the strings section.
static vgl_status check_string(loader *l, const uint8_t *ref, const char *what, uint32_t index) {
  const section *s = &l->sections[VGL_SECTION_STRINGS];
  const uint64_t offset = load_u32(ref), length = load_u32(ref + 4);
  if (offset + length >= s->size) {
    return BAD(l, "%s %" PRIu32 ": string of %" PRIu64 " bytes at %" PRIu64
                  " (plus its NUL) ends past the %" PRIu64 "-byte strings section",
               what, index, length, offset, s->size);
  }
  if (s->bytes[offset + length] != 0) {
    return BAD(l, "%s %" PRIu32 ": string of %" PRIu64 " bytes at %" PRIu64
                  " is not followed by a NUL byte",
               what, index, length, offset);
  }
  if (!utf8_ok(s->bytes + offset, length)) {
    return BAD(l, "%s %" PRIu32 ": string of %" PRIu64 " bytes at %" PRIu64
                  " is not NUL-free UTF-8",
               what, index, length, offset);
  }
  return VGL_OK;
}

static const char *string_at(const uint8_t *strings, const uint8_t *ref) {
  return (const char *)strings + load_u32(ref);
}

// ---- network, preprocessing, labels, metadata ----------------------------------------------

static vgl_status check_network(loader *l, vgl_model *m) {
  const uint8_t *p = l->sections[VGL_SECTION_NETWORK].bytes;
  vgl_model_network *n = &m->network;
  n->stage_count = load_u32(p);
  n->embedding = load_u32(p + 4);
  n->classes = load_u32(p + 8);
  n->input_size = load_u32(p + 12);
  n->distillation = load_u32(p + 16);
  vgl_status status = check_string(l, p + 20, "network name", 0);
  if (status != VGL_OK) return status;
  n->name = string_at(l->sections[VGL_SECTION_STRINGS].bytes, p + 20);
  if (load_u32(p + 28) != 0) return BAD(l, "network bytes 28..31 are reserved and must be zero");
  if (n->stage_count < 1 || n->stage_count > VGL_MODEL_MAX_STAGES) {
    return BAD(l, "network has %" PRIu32 " stages, must have 1..%u", n->stage_count,
               VGL_MODEL_MAX_STAGES);
  }
  for (uint32_t i = 0; i < VGL_MODEL_MAX_STAGES; i++) {
    n->channels[i] = load_u32(p + 32 + 4 * i);
    n->local_blocks[i] = load_u32(p + 64 + 4 * i);
    n->global_blocks[i] = load_u32(p + 96 + 4 * i);
    n->k[i] = load_u32(p + 128 + 4 * i);
    if (i >= n->stage_count) {
      if (n->channels[i] != 0 || n->local_blocks[i] != 0 || n->global_blocks[i] != 0 ||
          n->k[i] != 0) {
        return BAD(l, "network stage %" PRIu32 " is past its %" PRIu32
                      " stages but has non-zero fields",
                   i, n->stage_count);
      }
      continue;
    }
    if (n->channels[i] < 1 || n->channels[i] > VGL_NETWORK_MAX_CHANNELS) {
      return BAD(l, "network channels[%" PRIu32 "] = %" PRIu32 ", must be 1..%u", i,
                 n->channels[i], VGL_NETWORK_MAX_CHANNELS);
    }
    if (n->local_blocks[i] > VGL_NETWORK_MAX_BLOCKS ||
        n->global_blocks[i] > VGL_NETWORK_MAX_BLOCKS) {
      return BAD(l, "network blocks[%" PRIu32 "] = [%" PRIu32 ", %" PRIu32 "], counts must be "
                    "0..%u",
                 i, n->local_blocks[i], n->global_blocks[i], VGL_NETWORK_MAX_BLOCKS);
    }
    if (n->k[i] > VGL_NETWORK_MAX_INPUT_SIZE) {
      return BAD(l, "network k[%" PRIu32 "] = %" PRIu32 ", must be 0..%u", i, n->k[i],
                 VGL_NETWORK_MAX_INPUT_SIZE);
    }
  }
  if (n->channels[0] < 2) {
    return BAD(l, "network channels[0] = %" PRIu32 ", must be at least 2", n->channels[0]);
  }
  if (n->embedding < 1 || n->embedding > VGL_NETWORK_MAX_CHANNELS) {
    return BAD(l, "network embedding %" PRIu32 ", must be 1..%u", n->embedding,
               VGL_NETWORK_MAX_CHANNELS);
  }
  if (n->classes < 1 || n->classes > VGL_NETWORK_MAX_CLASSES) {
    return BAD(l, "network classes %" PRIu32 ", must be 1..%u", n->classes,
               VGL_NETWORK_MAX_CLASSES);
  }
  if (n->input_size < 4 || n->input_size > VGL_NETWORK_MAX_INPUT_SIZE) {
    return BAD(l, "network input size %" PRIu32 ", must be 4..%u", n->input_size,
               VGL_NETWORK_MAX_INPUT_SIZE);
  }
  if (n->distillation > 1) {
    return BAD(l, "network distillation flag %" PRIu32 ", must be 0 or 1", n->distillation);
  }
  return VGL_OK;
}

static vgl_status check_preprocessing(loader *l, vgl_model *m) {
  const uint8_t *p = l->sections[VGL_SECTION_PREPROCESSING].bytes;
  vgl_model_preprocessing *pre = &m->preprocessing;
  pre->input_size = load_u32(p);
  pre->crop_pct = load_f32(p + 4);
  for (int c = 0; c < 3; c++) {
    pre->mean[c] = load_f32(p + 8 + 4 * c);
    pre->std[c] = load_f32(p + 20 + 4 * c);
  }
  if (pre->input_size != m->network.input_size) {
    return BAD(l, "preprocessing input size %" PRIu32 " differs from the network's %" PRIu32,
               pre->input_size, m->network.input_size);
  }
  // crop_pct >= 1/4 keeps the resize target floor(S / crop_pct) <= 4 * 2048 = 8192 pixels,
  // inside the decoders' side limit; NaN fails every comparison.
  if (!(pre->crop_pct >= VGL_PREPROCESS_MIN_CROP_PCT && pre->crop_pct <= 1.0f)) {
    return BAD(l, "preprocessing crop fraction %g is not in [%g, 1] (the resize target "
                  "input_size / crop_pct must stay within 4 x input_size)",
               (double)pre->crop_pct, (double)VGL_PREPROCESS_MIN_CROP_PCT);
  }
  for (int c = 0; c < 3; c++) {
    if (!(pre->mean[c] >= 0.0f && pre->mean[c] <= 1.0f)) {
      return BAD(l, "preprocessing mean[%d] = %g is not in [0, 1]", c, (double)pre->mean[c]);
    }
    if (!(pre->std[c] >= VGL_PREPROCESS_MIN_STD && pre->std[c] <= VGL_PREPROCESS_MAX_STD)) {
      return BAD(l, "preprocessing std[%d] = %g is not in [2^-10, 2^10] (normalized inputs "
                    "must stay within +-1024)",
                 c, (double)pre->std[c]);
    }
  }
  return VGL_OK;
}

static vgl_status check_labels(loader *l, vgl_model *m) {
  if (!l->present[VGL_SECTION_LABELS]) return VGL_OK;
  vgl_status status = check_section_shape(l, VGL_SECTION_LABELS, VGL_LABEL_RECORD_BYTES, true);
  if (status != VGL_OK) return status;
  const section *s = &l->sections[VGL_SECTION_LABELS];
  if (s->count != m->network.classes) {
    return BAD(l, "%" PRIu32 " labels for %" PRIu32 " classes", s->count, m->network.classes);
  }
  for (uint32_t i = 0; i < s->count; i++) {
    status = check_string(l, s->bytes + (uint64_t)i * VGL_LABEL_RECORD_BYTES, "label", i);
    if (status != VGL_OK) return status;
  }
  m->label_records = s->bytes;
  m->label_count = s->count;
  return VGL_OK;
}

// -1, 0, 1 as a bytewise comparison of two NUL-terminated strings (shorter first on a tie).
static int compare_keys(const char *a, const char *b) {
  return strcmp(a, b);  // strcmp compares as unsigned char: bytewise
}

static vgl_status check_metadata(loader *l, vgl_model *m) {
  if (!l->present[VGL_SECTION_METADATA]) return VGL_OK;
  vgl_status status =
      check_section_shape(l, VGL_SECTION_METADATA, VGL_METADATA_RECORD_BYTES, true);
  if (status != VGL_OK) return status;
  const section *s = &l->sections[VGL_SECTION_METADATA];
  const uint8_t *strings = l->sections[VGL_SECTION_STRINGS].bytes;
  for (uint32_t i = 0; i < s->count; i++) {
    const uint8_t *r = s->bytes + (uint64_t)i * VGL_METADATA_RECORD_BYTES;
    if ((status = check_string(l, r, "metadata key", i)) != VGL_OK) return status;
    if ((status = check_string(l, r + 8, "metadata value", i)) != VGL_OK) return status;
    if (load_u32(r + 4) == 0) return BAD(l, "metadata key %" PRIu32 " is empty", i);
    if (i > 0 && compare_keys(string_at(strings, r - VGL_METADATA_RECORD_BYTES),
                              string_at(strings, r)) >= 0) {
      return BAD(l, "metadata key %" PRIu32 " \"%s\" does not sort after key %" PRIu32
                    " \"%s\" (keys must be unique and ascending)",
                 i, string_at(strings, r), i - 1,
                 string_at(strings, r - VGL_METADATA_RECORD_BYTES));
    }
  }
  m->metadata_records = s->bytes;
  m->metadata_count = s->count;
  return VGL_OK;
}

// ---- tensors, ops, arena -------------------------------------------------------------------

static vgl_status decode_tensors(loader *l, vgl_model *m) {
  const section *s = &l->sections[VGL_SECTION_TENSORS];
  for (uint32_t id = 0; id < s->count; id++) {
    const uint8_t *r = s->bytes + (uint64_t)id * VGL_TENSOR_RECORD_BYTES;
    vgl_q8_tensor *t = &m->tensors[id];
    t->channels = load_u32(r);
    t->height = load_u32(r + 4);
    t->width = load_u32(r + 8);
    t->band = load_u32(r + 12);  // band-local tensors: checked by vgl_q8_plan_validate
    t->offset = load_u64(r + 16);
    t->scale = load_f32(r + 24);
    t->zero_point = load_i32(r + 28);
  }
  return VGL_OK;
}

enum { ARRAY_WEIGHT, ARRAY_BIAS, ARRAY_SCALE, ARRAY_GELU, ARRAY_ZERO_POINTS, ARRAY_COUNT };
static const char *const kArrayNames[ARRAY_COUNT] = {"weight", "bias", "scale", "GELU table",
                                                     "input zero points"};

// The byte length each array of op `op` must have, from its kind and its tensors' shapes
// (ids already checked). The GELU table is optional: 0 or 256 (checked by the caller).
static void expected_lengths(const vgl_model *m, const vgl_q8_op *op, uint64_t out[ARRAY_COUNT]) {
  const vgl_q8_tensor *in = &m->tensors[op->input];
  const uint64_t in_c = in->channels;
  const uint64_t kk = mul_sat(op->kernel, op->kernel);
  // Packed kinds (all but DWCONV): the packed weight's bytes, and the bias array holds the
  // biases then the weight sums (vigil_q8.h, "packed weights").
  uint64_t rows = 0, taps = 0;
  for (int a = 0; a < ARRAY_COUNT; a++) out[a] = 0;
  switch (op->kind) {
    case VGL_Q8_STEM:
    case VGL_Q8_CONV:
      rows = m->tensors[op->output].channels;
      taps = kk;
      break;
    case VGL_Q8_DWCONV:
      rows = m->tensors[op->output].channels;
      out[ARRAY_WEIGHT] = mul_sat(rows, kk);
      out[ARRAY_BIAS] = mul_sat(rows, 4);
      out[ARRAY_SCALE] = mul_sat(rows, 4);
      return;
    case VGL_Q8_MRCONV:
      rows = m->tensors[op->output].channels;
      taps = 2;
      break;
    case VGL_Q8_GAP:
      out[ARRAY_SCALE] = 4;
      return;
    case VGL_Q8_HEAD:
      rows = op->classes;
      taps = 1;
      break;
  }
  const uint64_t packed = vgl_q8_packed_weight_bytes(rows, taps, in_c);
  out[ARRAY_WEIGHT] = packed;
  out[ARRAY_BIAS] = mul_sat(rows, 8);
  out[ARRAY_SCALE] = mul_sat(rows, 4);
  if (op->kind == VGL_Q8_STEM) out[ARRAY_ZERO_POINTS] = in_c;
}

static vgl_status decode_ops(loader *l, vgl_model *m) {
  const section *s = &l->sections[VGL_SECTION_OPS];
  const section *blob = &l->sections[VGL_SECTION_WEIGHTS];
  const uint32_t tensor_count = l->sections[VGL_SECTION_TENSORS].count;
  for (uint32_t index = 0; index < s->count; index++) {
    const uint8_t *r = s->bytes + (uint64_t)index * VGL_OP_RECORD_BYTES;
    vgl_q8_op *op = &m->ops[index];
    op->kind = load_u32(r);
    op->input = load_u32(r + 4);
    op->output = load_u32(r + 8);
    op->residual = load_u32(r + 12);
    op->kernel = load_u32(r + 16);
    op->stride = load_u32(r + 20);
    op->pad = load_u32(r + 24);
    op->hop = load_u32(r + 28);
    op->classes = load_u32(r + 32);
    op->reserved = load_u32(r + 36);
    const int32_t zero_point = load_i32(r + 40), qmin = load_i32(r + 44),
                  qmax = load_i32(r + 48), residual_zero_point = load_i32(r + 52);
    const float residual_scale = load_f32(r + 56);
    vgl_status status = check_string(l, r + VGL_OP_NAME_OFFSET, "op name", index);
    if (status != VGL_OK) return status;
    const char *kind = vgl_q8_kind_name(op->kind);
    if (op->reserved != 0 || load_u32(r + 68) != 0 || load_u64(r + 152) != 0) {
      return BAD(l, "op %" PRIu32 " (%s): reserved fields must be zero", index, kind);
    }
    if (op->kind < VGL_Q8_STEM || op->kind > VGL_Q8_HEAD) {
      return BAD(l, "op %" PRIu32 ": unknown kind %" PRIu32
                    " (stem 1, conv 2, dwconv 3, mrconv 4, gap 5, head 6)",
                 index, op->kind);
    }
    const bool head = op->kind == VGL_Q8_HEAD;
    if (op->input >= tensor_count || (!head && op->output >= tensor_count) ||
        (head && op->output != VGL_Q8_NO_TENSOR) ||
        (op->residual != VGL_Q8_NO_TENSOR && op->residual >= tensor_count)) {
      return BAD(l, "op %" PRIu32 " (%s): tensor ids input %" PRIu32 ", output %" PRIu32
                    ", residual %" PRIu32 " with %" PRIu32 " tensors (the head's output and "
                    "an absent residual are %" PRIu32 ")",
                 index, kind, op->input, op->output, op->residual, tensor_count,
                 VGL_Q8_NO_TENSOR);
    }
    // The requant params: derived fields filled by the init function; out-of-range values are
    // kept raw and reported by vgl_q8_plan_validate with its message.
    if (vgl_qs8_requant_params_init_residual(zero_point, qmin, qmax, residual_zero_point,
                                             residual_scale, &op->requant) != VGL_OK) {
      const vgl_qs8_requant_params raw = {zero_point, qmin, qmax, 0.0f, 0.0f,
                                          residual_zero_point, residual_scale};
      op->requant = raw;
    }

    uint64_t want[ARRAY_COUNT];
    expected_lengths(m, op, want);
    const void *pointers[ARRAY_COUNT];
    for (int a = 0; a < ARRAY_COUNT; a++) {
      const uint8_t *ref = r + VGL_OP_ARRAYS_OFFSET + 16 * a;
      const uint64_t offset = load_u64(ref), length = load_u64(ref + 8);
      pointers[a] = NULL;
      if (length == 0) {
        if (offset != 0) {
          return BAD(l, "op %" PRIu32 " (%s): empty %s array has offset %" PRIu64
                        ", must be 0",
                     index, kind, kArrayNames[a], offset);
        }
      } else {
        if (offset % VGL_MODEL_ALIGNMENT != 0) {
          return BAD(l, "op %" PRIu32 " (%s): %s array at weights offset %" PRIu64
                        " is not a multiple of %u",
                     index, kind, kArrayNames[a], offset, VGL_MODEL_ALIGNMENT);
        }
        if (offset > blob->size || length > blob->size - offset) {
          return BAD(l, "op %" PRIu32 " (%s): %s array of %" PRIu64 " bytes at weights offset %"
                        PRIu64 " ends past the %" PRIu64 "-byte weights section",
                     index, kind, kArrayNames[a], length, offset, blob->size);
        }
        pointers[a] = blob->bytes + offset;
      }
      const bool gelu = a == ARRAY_GELU;
      const bool ok = gelu ? (length == 0 || (length == 256 && op->kind != VGL_Q8_GAP && !head))
                           : length == want[a];
      if (!ok) {
        if (gelu) {
          return BAD(l, "op %" PRIu32 " (%s): GELU table of %" PRIu64
                        " bytes (need 0%s)",
                     index, kind, length, op->kind == VGL_Q8_GAP || head ? "" : " or 256");
        }
        return BAD(l, "op %" PRIu32 " (%s): %s array has %" PRIu64
                      " bytes, the op's shapes need %" PRIu64,
                   index, kind, kArrayNames[a], length, want[a]);
      }
    }
    op->weight = pointers[ARRAY_WEIGHT];
    op->bias = pointers[ARRAY_BIAS];
    op->scale = pointers[ARRAY_SCALE];
    op->gelu_table = pointers[ARRAY_GELU];
    op->input_zero_points = pointers[ARRAY_ZERO_POINTS];
  }
  return VGL_OK;
}

static vgl_status decode_arena(loader *l, vgl_model *m) {
  const uint8_t *p = l->sections[VGL_SECTION_ARENA].bytes;
  vgl_q8_plan *plan = &m->plan;
  plan->input_tensor = load_u32(p);
  plan->reserved = load_u32(p + 4);
  plan->scratch_offset = load_u64(p + 8);
  plan->scratch_bytes = load_u64(p + 16);
  plan->arena_bytes = load_u64(p + 24);
  if (plan->reserved != 0) return BAD(l, "arena bytes 4..7 are reserved and must be zero");
  if (plan->input_tensor >= plan->tensor_count) {
    return BAD(l, "arena input tensor %" PRIu32 " is not below tensor count %" PRIu32,
               plan->input_tensor, plan->tensor_count);
  }
  return VGL_OK;
}

// The plan against the config: what the caller's buffers are sized from.
static vgl_status check_plan_matches(loader *l, const vgl_model *m) {
  const vgl_q8_tensor *in = &m->tensors[m->plan.input_tensor];
  const uint32_t side = m->network.input_size;
  if (in->channels != 3 || in->height != side || in->width != side) {
    return BAD(l, "input tensor %" PRIu32 " is %" PRIu32 "x%" PRIu32 "x%" PRIu32
                  ", the network takes 3x%" PRIu32 "x%" PRIu32 " RGB",
               m->plan.input_tensor, in->channels, in->height, in->width, side, side);
  }
  const vgl_q8_op *head = &m->ops[m->plan.op_count - 1];
  if (head->classes != m->network.classes) {
    return BAD(l, "the head has %" PRIu32 " classes, the network %" PRIu32, head->classes,
               m->network.classes);
  }
  if (m->tensors[head->input].channels != m->network.embedding) {
    return BAD(l, "the head reads %" PRIu32 " channels, the network's embedding is %" PRIu32,
               m->tensors[head->input].channels, m->network.embedding);
  }
  return VGL_OK;
}

// ---- open ----------------------------------------------------------------------------------

static size_t round_up(size_t n) { return (n + 15u) & ~(size_t)15u; }

vgl_status vgl_model_open(const void *data, size_t size, vgl_model **model_out, char *message,
                          size_t message_capacity) {
  if (message != NULL && message_capacity != 0) message[0] = '\0';
  if (model_out == NULL) {
    return vgl_fail(VGL_E_INVALID_ARGUMENT, message, message_capacity, "model_out is NULL");
  }
  *model_out = NULL;
  if (data == NULL) {
    return vgl_fail(VGL_E_INVALID_ARGUMENT, message, message_capacity, "data is NULL");
  }
  if ((uintptr_t)data % VGL_MODEL_ALIGNMENT != 0) {
    return vgl_fail(VGL_E_INVALID_ARGUMENT, message, message_capacity,
                    "data at address %p is not %u-byte aligned (remainder %u): mmap the file or "
                    "copy it into aligned memory",
                    data, VGL_MODEL_ALIGNMENT, (unsigned)((uintptr_t)data % VGL_MODEL_ALIGNMENT));
  }
  if (!host_is_little_endian()) {
    return vgl_fail(VGL_E_UNSUPPORTED, message, message_capacity,
                    "this host is big-endian; .vigil weights are little-endian and used in place");
  }
  loader l;
  memset(&l, 0, sizeof l);
  l.data = data;
  l.size = size;
  l.message = message;
  l.capacity = message_capacity;
  uint32_t layout = 0;
  vgl_status status = check_header(&l, &layout);
  if (status != VGL_OK) return status;

  static const struct { uint32_t kind; uint64_t bytes; bool table; } kShapes[] = {
      {VGL_SECTION_NETWORK, VGL_NETWORK_BYTES, false},
      {VGL_SECTION_PREPROCESSING, VGL_PREPROCESSING_BYTES, false},
      {VGL_SECTION_STRINGS, 0, false},
      {VGL_SECTION_TENSORS, VGL_TENSOR_RECORD_BYTES, true},
      {VGL_SECTION_OPS, VGL_OP_RECORD_BYTES, true},
      {VGL_SECTION_ARENA, VGL_ARENA_BYTES, false},
      {VGL_SECTION_WEIGHTS, 0, false},
  };
  for (size_t i = 0; i < sizeof kShapes / sizeof kShapes[0]; i++) {
    status = check_section_shape(&l, kShapes[i].kind, kShapes[i].bytes, kShapes[i].table);
    if (status != VGL_OK) return status;
  }

  // One allocation: the model, then its tensor and op tables. Their counts are bounded by the
  // file (a record is at least as large as its decoded struct), so this is at most a few
  // times the file's tables.
  const uint32_t tensor_count = l.sections[VGL_SECTION_TENSORS].count;
  const uint32_t op_count = l.sections[VGL_SECTION_OPS].count;
  const size_t tensors_at = round_up(sizeof(vgl_model));
  const size_t ops_at = tensors_at + round_up((size_t)tensor_count * sizeof(vgl_q8_tensor));
  const size_t total = ops_at + (size_t)op_count * sizeof(vgl_q8_op);
  uint8_t *block = calloc(1, total);
  if (block == NULL) {
    return vgl_fail(VGL_E_OUT_OF_MEMORY, message, message_capacity,
                    "cannot allocate %zu bytes for %" PRIu32 " tensors and %" PRIu32 " ops", total,
                    tensor_count, op_count);
  }
  vgl_model *m = (vgl_model *)block;
  m->data = data;
  m->size = size;
  m->weight_layout = layout;
  m->tensors = (vgl_q8_tensor *)(block + tensors_at);
  m->ops = (vgl_q8_op *)(block + ops_at);
  m->strings = l.sections[VGL_SECTION_STRINGS].bytes;
  m->op_records = l.sections[VGL_SECTION_OPS].bytes;
  m->plan.tensor_count = tensor_count;
  m->plan.tensors = m->tensors;
  m->plan.op_count = op_count;
  m->plan.ops = m->ops;

  if ((status = check_network(&l, m)) != VGL_OK ||
      (status = check_preprocessing(&l, m)) != VGL_OK ||
      (status = check_labels(&l, m)) != VGL_OK || (status = check_metadata(&l, m)) != VGL_OK ||
      (status = decode_tensors(&l, m)) != VGL_OK || (status = decode_ops(&l, m)) != VGL_OK ||
      (status = decode_arena(&l, m)) != VGL_OK) {
    free(block);
    return status;
  }
  // The plan's numbers: vgl_q8_plan_validate writes its own message (prefixed here).
  char plan_message[384];
  status = vgl_q8_plan_validate(&m->plan, plan_message, sizeof plan_message);
  if (status != VGL_OK) {
    free(block);
    return vgl_fail(status == VGL_E_INVALID_ARGUMENT ? VGL_E_BAD_MODEL : status, message,
                    message_capacity, "plan: %s", plan_message);
  }
  if ((status = check_plan_matches(&l, m)) != VGL_OK ||
      (status = vgl_model_check_scales(m, message, message_capacity)) != VGL_OK) {
    free(block);
    return status;
  }
  *model_out = m;
  return VGL_OK;
}

// ---- getters and instances -----------------------------------------------------------------

uint64_t vgl_model_arena_size(const vgl_model *model) {
  return model == NULL ? 0 : model->plan.arena_bytes;
}

const vgl_q8_plan *vgl_model_plan(const vgl_model *model) {
  return model == NULL ? NULL : &model->plan;
}

const vgl_model_network *vgl_model_network_config(const vgl_model *model) {
  return model == NULL ? NULL : &model->network;
}

const vgl_model_preprocessing *vgl_model_preprocess(const vgl_model *model) {
  return model == NULL ? NULL : &model->preprocessing;
}

uint32_t vgl_model_label_count(const vgl_model *model) {
  return model == NULL ? 0 : model->label_count;
}

const char *vgl_model_label(const vgl_model *model, uint32_t index) {
  if (model == NULL || index >= model->label_count) return NULL;
  return string_at(model->strings, model->label_records + (size_t)index * VGL_LABEL_RECORD_BYTES);
}

uint32_t vgl_model_metadata_count(const vgl_model *model) {
  return model == NULL ? 0 : model->metadata_count;
}

vgl_status vgl_model_metadata_at(const vgl_model *model, uint32_t index, const char **key_out,
                                 const char **value_out) {
  if (model == NULL || index >= model->metadata_count || key_out == NULL || value_out == NULL) {
    return VGL_E_INVALID_ARGUMENT;
  }
  const uint8_t *r = model->metadata_records + (size_t)index * VGL_METADATA_RECORD_BYTES;
  *key_out = string_at(model->strings, r);
  *value_out = string_at(model->strings, r + 8);
  return VGL_OK;
}

// Binary search: the loader checked that keys ascend.
const char *vgl_model_metadata(const vgl_model *model, const char *key) {
  if (model == NULL || key == NULL) return NULL;
  uint32_t lo = 0, hi = model->metadata_count;
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    const uint8_t *r = model->metadata_records + (size_t)mid * VGL_METADATA_RECORD_BYTES;
    const int order = compare_keys(string_at(model->strings, r), key);
    if (order == 0) return string_at(model->strings, r + 8);
    if (order < 0) lo = mid + 1; else hi = mid;
  }
  return NULL;
}

const char *vgl_model_op_name(const vgl_model *model, uint32_t op_index) {
  if (model == NULL || op_index >= model->plan.op_count) return NULL;
  return string_at(model->strings,
                   model->op_records + (size_t)op_index * VGL_OP_RECORD_BYTES + VGL_OP_NAME_OFFSET);
}

uint32_t vgl_model_weight_layout(const vgl_model *model) {
  return model == NULL ? 0 : model->weight_layout;
}

vgl_status vgl_arena_alloc(uint64_t bytes, void **arena_out, char *message,
                           size_t message_capacity) {
  if (message != NULL && message_capacity != 0) message[0] = '\0';
  if (arena_out == NULL) {
    return vgl_fail(VGL_E_INVALID_ARGUMENT, message, message_capacity, "arena_out is NULL");
  }
  *arena_out = NULL;
  const uint64_t rounded = bytes == 0 ? VGL_Q8_ALIGNMENT
                                      : bytes + (VGL_Q8_ALIGNMENT - 1 - (bytes - 1) % VGL_Q8_ALIGNMENT);
  void *arena = NULL;
  if (rounded >= bytes && rounded <= SIZE_MAX) {
    arena = aligned_alloc(VGL_Q8_ALIGNMENT, (size_t)rounded);
  }
  if (arena == NULL) {
    return vgl_fail(VGL_E_OUT_OF_MEMORY, message, message_capacity,
                    "arena: cannot allocate %" PRIu64 " B", bytes);
  }
  *arena_out = arena;
  return VGL_OK;
}

void vgl_arena_free(void *arena) { free(arena); }

vgl_status vgl_instance_init(const vgl_model *model, void *arena, uint64_t arena_bytes,
                             vgl_instance *instance_out, char *message,
                             size_t message_capacity) {
  return vgl_instance_init_options(model, arena, arena_bytes, NULL, instance_out, message,
                                   message_capacity);
}

uint64_t vgl_model_arena_size_threads(const vgl_model *model, uint32_t threads) {
  if (model == NULL || threads == 0 || threads > VGL_MAX_THREADS) return 0;
  return vgl_q8_plan_arena_bytes_threads(&model->plan, threads);
}

uint64_t vgl_model_arena_size_observed(const vgl_model *model, uint32_t threads) {
  if (model == NULL || threads == 0 || threads > VGL_MAX_THREADS) return 0;
  return vgl_q8_plan_arena_bytes_observed(&model->plan, threads);
}

vgl_status vgl_instance_init_options(const vgl_model *model, void *arena, uint64_t arena_bytes,
                                     const vgl_instance_options *options,
                                     vgl_instance *instance_out, char *message,
                                     size_t message_capacity) {
  if (message != NULL && message_capacity != 0) message[0] = '\0';
  vgl_instance_options known = VGL_INSTANCE_OPTIONS_INIT;
  if (options != NULL) {
    // Versioned by size (vigil_model.h): read the fields the caller has, require the ones
    // this runtime does not know to be zero (their defaults).
    if (options->size < VGL_INSTANCE_OPTIONS_MIN_SIZE) {
      return vgl_fail(VGL_E_INVALID_ARGUMENT, message, message_capacity,
                      "instance options: size %u is below the first version's %u B (set size "
                      "to sizeof(vgl_instance_options))",
                      options->size, VGL_INSTANCE_OPTIONS_MIN_SIZE);
    }
    const size_t common = options->size < sizeof known ? options->size : sizeof known;
    memcpy(&known, options, common);
    const uint8_t *extra = (const uint8_t *)options;
    for (size_t i = sizeof known; i < options->size; i++) {
      if (extra[i] != 0) {
        return vgl_fail(VGL_E_UNSUPPORTED, message, message_capacity,
                        "instance options: byte %zu of %u is set, but this runtime knows only "
                        "the first %zu B (an option it does not have)",
                        i, options->size, sizeof known);
      }
    }
    options = &known;
  }
  const uint32_t threads = options == NULL || options->threads == 0 ? 1 : options->threads;
  if (threads > VGL_MAX_THREADS) {
    return vgl_fail(VGL_E_INVALID_ARGUMENT, message, message_capacity,
                    "threads %u is more than %u", threads, VGL_MAX_THREADS);
  }
  vgl_isa isa;
  vgl_status resolved = vgl_isa_resolve(options == NULL ? VGL_ISA_AUTO : (vgl_isa)options->isa,
                                        &isa, message, message_capacity);
  if (resolved != VGL_OK) return resolved;
  if (model == NULL || arena == NULL || instance_out == NULL) {
    return vgl_fail(VGL_E_INVALID_ARGUMENT, message, message_capacity, "%s is NULL",
                    model == NULL ? "model" : arena == NULL ? "arena" : "instance_out");
  }
  if ((uintptr_t)arena % VGL_Q8_ALIGNMENT != 0) {
    return vgl_fail(VGL_E_INVALID_ARGUMENT, message, message_capacity,
                    "arena at address %p is not %u-byte aligned", arena, VGL_Q8_ALIGNMENT);
  }
  const uint64_t needed = vgl_q8_plan_arena_bytes_threads(&model->plan, threads);
  if (arena_bytes < needed) {
    return vgl_fail(VGL_E_ARENA_SMALL, message, message_capacity,
                    "arena: requested %" PRIu64 " B, available %" PRIu64 " B, missing %" PRIu64
                    " B%s",
                    needed, arena_bytes, needed - arena_bytes,
                    threads > 1 ? " (for this thread count)" : "");
  }
  vgl_pool *pool = NULL;
  if (threads > 1) {
    const vgl_status started = vgl_pool_create(threads, &pool, message, message_capacity);
    if (started != VGL_OK) return started;
  }
  instance_out->model = model;
  instance_out->arena = arena;
  instance_out->arena_bytes = arena_bytes;
  instance_out->isa = isa;
  instance_out->threads = threads;
  instance_out->pool = pool;
  return VGL_OK;
}

uint64_t vgl_instance_worker_cpu_ns(const vgl_instance *instance) {
  return instance == NULL ? 0 : vgl_pool_worker_cpu_ns(instance->pool);
}

void vgl_instance_release(vgl_instance *instance) {
  if (instance == NULL) return;
  vgl_pool_destroy(instance->pool);
  instance->pool = NULL;
}

// The public observer behind the executor's: the output's bytes instead of its tensor.
typedef struct observer_adapter {
  vgl_model_observer observer;
  void *context;
} observer_adapter;

static void adapt_observer(void *context, uint32_t op_index, const vgl_q8_tensor *tensor,
                           const int8_t *data) {
  const observer_adapter *a = context;
  const uint64_t bytes =
      tensor == NULL ? 0 : (uint64_t)tensor->channels * tensor->height * tensor->width;
  a->observer(a->context, op_index, tensor == NULL ? NULL : data, bytes);
}

vgl_status vgl_instance_run_observed(const vgl_instance *instance, const uint8_t *pixels,
                                     float *logits_out, vgl_model_observer observer,
                                     void *observer_context) {
  if (instance == NULL || instance->model == NULL) return VGL_E_INVALID_ARGUMENT;
  if (instance->threads > 1 && instance->pool == NULL) return VGL_E_INVALID_ARGUMENT;
  vgl_qs8_kernels kernels;
  vgl_qs8_kernels_init(instance->isa == VGL_ISA_AUTO ? VGL_ISA_SCALAR : (vgl_isa)instance->isa,
                       &kernels);
  observer_adapter adapter = {observer, observer_context};
  return vgl_q8_execute(&instance->model->plan, &kernels, instance->pool,
                        instance->threads == 0 ? 1 : instance->threads, instance->arena,
                        instance->arena_bytes, pixels, logits_out,
                        observer == NULL ? NULL : adapt_observer, &adapter);
}

vgl_status vgl_instance_run(const vgl_instance *instance, const uint8_t *pixels,
                            float *logits_out) {
  return vgl_instance_run_observed(instance, pixels, logits_out, NULL, NULL);
}
