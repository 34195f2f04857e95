// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The `.vigil` model file (docs/model-format.md): open validates, arena_size reports,
// instance_init binds, run computes.
//
//   vgl_model *model;
//   char message[256];
//   if (vgl_model_open_file("ti.vigil", &model, message, sizeof message) != VGL_OK) { ... }
//   void *arena;                                    // or any 64-aligned memory of your own
//   vgl_arena_alloc(vgl_model_arena_size(model), &arena, message, sizeof message);
//   vgl_instance instance;
//   vgl_instance_init(model, arena, vgl_model_arena_size(model), &instance, message,
//                     sizeof message);
//   vgl_instance_run(&instance, pixels, logits);    // any number of times, allocation-free
//   vgl_arena_free(arena);
//   vgl_model_close(model);                         // after every instance is done
//
// The file's bytes are the model: its weights, biases, scales and GELU tables are used in
// place (never repacked), so the bytes given to vgl_model_open must stay alive and unchanged
// until vgl_model_close; vgl_model_open_file reads the file into its own aligned copy, so no
// later change to the file reaches the model. The loader mallocs its small tensor and op
// tables once, at open (vgl_model_open_file also the file's copy), and nothing else anywhere.
//
// Memory of one instance (the caller's arena, VGL_Q8_ALIGNMENT-aligned; vigil_q8.h draws the
// regions the plan places in it):
//
//   file (a private copy or const array, 64-aligned)        arena (caller, 64-aligned, arena_size B)
//   +--------+---------+-----+---------------+    +-------+----------+-----+---------+
//   | header | section | ... | weights blob  |    | input | tensor a | ... | scratch |
//   |        | table   |     | (read in place)|   +-------+----------+-----+---------+
//   +--------+---------+-----+---------------+    written by every run; the model only reads
#ifndef VIGIL_MODEL_H
#define VIGIL_MODEL_H

#include "vigil.h"
#include "vigil_q8.h"

#ifdef __cplusplus
extern "C" {
#endif

/// The format version this build reads and writes (header bytes 8..11).
#define VGL_MODEL_FORMAT_VERSION 1u
/// Weight layout ids (header bytes 28..31). 2 is the packed layout of vigil_q8.h ("packed
/// weights"), which every path of every build reads in place. Layout 1 (the unpacked matrices of
/// earlier files) is refused with VGL_E_UNSUPPORTED and a message to re-run `vigil quantize`.
#define VGL_MODEL_LAYOUT_PACKED 2u
/// The layout of files written before the packed layout existed; no longer run.
#define VGL_MODEL_LAYOUT_UNPACKED 1u
/// File offsets of every section and weight array, and the address of the file's bytes, are
/// multiples of this.
#define VGL_MODEL_ALIGNMENT 64u
/// Most stages a network config may have.
#define VGL_MODEL_MAX_STAGES 8u

/// A validated model: the file's bytes plus the int8 plan whose arrays point into them.
typedef struct vgl_model vgl_model;

/// One binding of a model to an arena. The caller owns it (a plain struct, no allocation);
/// vgl_instance_init fills it. Its fields are read-only to the caller.
typedef struct vgl_instance {
  const vgl_model *model;  ///< must outlive the instance
  void *arena;             ///< the caller's arena, VGL_Q8_ALIGNMENT-aligned
  uint64_t arena_bytes;    ///< its size, >= vgl_model_arena_size_threads(model, threads)
  uint32_t isa;            ///< the vgl_isa path it runs (resolved, never VGL_ISA_AUTO)
  uint32_t threads;        ///< threads per inference, the caller's included (1..64)
  struct vgl_pool *pool;   ///< its workers (NULL for one thread); vgl_instance_release stops them
} vgl_instance;

/// How an instance runs: its ISA path (VGL_ISA_AUTO: VIGIL_ISA or the best this CPU has) and
/// its thread count (0 or 1: the caller's thread only). Every choice gives the same bits.
///
/// Versioned by `size`: set it to sizeof(vgl_instance_options) (VGL_INSTANCE_OPTIONS_INIT does).
/// Fields are only ever added at the end, so a caller built against an older header (a smaller
/// size) keeps working, the new fields taking their defaults; a caller built against a newer
/// header is accepted when every byte this runtime does not know is zero (the defaults), and
/// refused with VGL_E_UNSUPPORTED otherwise. A size below VGL_INSTANCE_OPTIONS_MIN_SIZE is
/// refused with VGL_E_INVALID_ARGUMENT.
typedef struct vgl_instance_options {
  uint32_t size;     ///< bytes of this struct as the caller knows it
  uint32_t isa;      ///< a vgl_isa
  uint32_t threads;  ///< 0..64
} vgl_instance_options;

/// The size of the first version (size, isa, threads).
#define VGL_INSTANCE_OPTIONS_MIN_SIZE 12u
/// Default options: VGL_ISA_AUTO, one thread.
#define VGL_INSTANCE_OPTIONS_INIT {(uint32_t)sizeof(vgl_instance_options), VGL_ISA_AUTO, 1u}

/// The network section, decoded (see NetworkConfig in the toolkit). Entries at index
/// stage_count and beyond are 0.
typedef struct vgl_model_network {
  const char *name;  ///< e.g. "ti" or "custom"; NUL-terminated UTF-8 inside the file
  uint32_t stage_count;  ///< 1..8
  uint32_t channels[VGL_MODEL_MAX_STAGES];
  uint32_t local_blocks[VGL_MODEL_MAX_STAGES];   ///< InvertedResidual blocks per stage
  uint32_t global_blocks[VGL_MODEL_MAX_STAGES];  ///< MGC blocks per stage
  uint32_t k[VGL_MODEL_MAX_STAGES];              ///< graph hop distance per stage
  uint32_t embedding;
  uint32_t classes;
  uint32_t input_size;    ///< square input side, pixels
  uint32_t distillation;  ///< 0 or 1: whether the checkpoint had a distillation head
} vgl_model_network;

/// The preprocessing section: how images become the network's uint8 input.
typedef struct vgl_model_preprocessing {
  uint32_t input_size;  ///< equals the network's
  float crop_pct;       ///< (0, 1]: resize the short side to input_size / crop_pct, centre crop
  float mean[3];        ///< per RGB channel, in [0, 1]
  float std[3];         ///< per RGB channel, > 0
} vgl_model_preprocessing;

/// Validates `size` bytes at `data` as a .vigil file and builds its plan (see the header
/// comment for the lifetime of `data`).
///   data     the whole file, VGL_MODEL_ALIGNMENT-aligned (posix_memalign and mmap memory are); misaligned
///            data is refused with VGL_E_INVALID_ARGUMENT.
///   message  receives a message with the numbers on failure (capacity message_capacity,
///            always NUL-terminated when the capacity is non-zero); may be NULL.
/// Returns VGL_OK and *model_out, or (and *model_out = NULL): VGL_E_BAD_MAGIC,
/// VGL_E_VERSION, VGL_E_TRUNCATED (shorter than its header says), VGL_E_CHECKSUM,
/// VGL_E_UNSUPPORTED (unknown weight layout, big-endian host), VGL_E_BAD_MODEL (any
/// structural field), VGL_E_BAD_PLAN (the plan's numbers, from vgl_q8_plan_validate),
/// VGL_E_OUT_OF_MEMORY, VGL_E_INVALID_ARGUMENT.
vgl_status vgl_model_open(const void *data, size_t size, vgl_model **model_out, char *message,
                          size_t message_capacity);

/// vgl_model_open on a private copy of the file at `path` (POSIX): the file is read once into
/// one 64-byte-aligned buffer that the model owns (freed by vgl_model_close, or at once on
/// failure), and the weights are used in place from it. Whatever happens to the file after
/// this returns (truncated, overwritten, deleted) cannot reach the model: the validated bytes
/// are the only ones it reads. Replace model files by renaming a new one over them (as
/// vigil quantize does); a daemon's reload then opens the new file while the old model keeps
/// running. VGL_E_IO when the file cannot be opened, stat'ed or read, is not a regular file
/// (a FIFO is refused without blocking) or shrinks while it is read (the message carries
/// strerror and the path); VGL_E_OUT_OF_MEMORY when the copy cannot be allocated.
vgl_status vgl_model_open_file(const char *path, vgl_model **model_out, char *message,
                               size_t message_capacity);

/// Frees the tables and the file copy of vgl_model_open_file. NULL is a no-op.
void vgl_model_close(vgl_model *model);

/// Bytes an instance's arena must hold (the plan's arena_bytes).
uint64_t vgl_model_arena_size(const vgl_model *model);

/// The arena bytes an instance of `model` needs on `threads` threads (1..64): the plan's arena
/// plus one copy of the scratch region (the graph op's xj row and the fused blocks' band
/// buffers, vigil_q8.h) per extra thread. 0 for NULL or 0 threads.
uint64_t vgl_model_arena_size_threads(const vgl_model *model, uint32_t threads);

/// The arena bytes an instance needs on `threads` threads for observed runs
/// (vgl_instance_run_observed), which execute a model with fused blocks unfused:
/// vgl_q8_plan_arena_bytes_observed. Equal to vgl_model_arena_size_threads without fused
/// blocks. 0 for NULL or 0 threads.
uint64_t vgl_model_arena_size_observed(const vgl_model *model, uint32_t threads);

// ---- what the model runs, described (for inspect, per-op timing and activation dumps) ------

/// vgl_model_op_info.arrays: which arrays the op carries.
#define VGL_MODEL_OP_HAS_BIAS 1u
#define VGL_MODEL_OP_HAS_SCALE 2u
#define VGL_MODEL_OP_HAS_GELU 4u

/// The arena layout of a model: where its regions are and how many tensors and ops it has.
typedef struct vgl_model_layout {
  uint64_t arena_bytes;     ///< vgl_model_arena_size
  uint64_t scratch_offset;  ///< bytes from the arena start
  uint64_t scratch_bytes;
  uint32_t tensor_count;
  uint32_t op_count;        ///< the last op is the HEAD
  uint32_t input_tensor;    ///< the uint8 HWC pixel region
  uint32_t reserved;        ///< 0
} vgl_model_layout;

/// One tensor: C x H x W int8 codes (uint8 pixels for the input), HWC at `offset` in the arena,
/// real = scale * (q - zero_point).
typedef struct vgl_model_tensor_info {
  uint32_t channels, height, width;
  /// 0: a whole tensor at `offset`; else a fused block's band-local intermediate (no region,
  /// offset 0): the block's band in rows (inverted residual) or its tile in pixels (FFN).
  uint32_t band;
  uint64_t offset;
  float scale;
  int32_t zero_point;
} vgl_model_tensor_info;

/// One op: its kind (a vgl_q8_op_kind, vigil_q8.h: the file's op kinds), tensors and
/// parameters (0 where the kind has none).
typedef struct vgl_model_op_info {
  uint32_t kind;
  uint32_t input;     ///< tensor index
  uint32_t output;    ///< tensor index; VGL_Q8_NO_TENSOR for the HEAD
  uint32_t residual;  ///< tensor index or VGL_Q8_NO_TENSOR
  uint32_t kernel, stride, pad;
  uint32_t hop;       ///< MRCONV's graph hop distance
  uint32_t classes;   ///< HEAD's logits
  uint32_t arrays;    ///< VGL_MODEL_OP_HAS_* bits
} vgl_model_op_info;

/// The validated bytes the model reads (its weights among them, in place): the caller's for
/// vgl_model_open, the model's private copy for vgl_model_open_file.
vgl_status vgl_model_bytes(const vgl_model *model, const void **data_out, size_t *size_out);

/// Fills *layout_out (VGL_E_INVALID_ARGUMENT for NULL pointers).
vgl_status vgl_model_get_layout(const vgl_model *model, vgl_model_layout *layout_out);
/// Tensor `index` (VGL_E_INVALID_ARGUMENT when out of range or NULL).
vgl_status vgl_model_get_tensor(const vgl_model *model, uint32_t index,
                                vgl_model_tensor_info *tensor_out);
/// Op `index` (VGL_E_INVALID_ARGUMENT when out of range or NULL).
vgl_status vgl_model_get_op(const vgl_model *model, uint32_t index, vgl_model_op_info *op_out);

/// Called after each op of an observed run, on the caller's thread while the other threads
/// wait, with the op's output: `bytes` int8 codes (HWC, the shape vgl_model_get_tensor gives
/// for the op's output), valid until the call returns. For the HEAD, data is NULL and bytes 0:
/// its output is the run's logits.
typedef void (*vgl_model_observer)(void *context, uint32_t op_index, const int8_t *data,
                                   uint64_t bytes);

const vgl_model_network *vgl_model_network_config(const vgl_model *model);
const vgl_model_preprocessing *vgl_model_preprocess(const vgl_model *model);

/// Number of labels: 0 when the file has none, else the network's class count.
uint32_t vgl_model_label_count(const vgl_model *model);
/// Label `index` (NUL-terminated UTF-8 inside the file), or NULL when index >= label count.
const char *vgl_model_label(const vgl_model *model, uint32_t index);

/// Number of metadata pairs (sorted by key, keys unique).
uint32_t vgl_model_metadata_count(const vgl_model *model);
/// Pair `index` (keys ascending bytewise); VGL_E_INVALID_ARGUMENT when index is out of range.
vgl_status vgl_model_metadata_at(const vgl_model *model, uint32_t index, const char **key_out,
                                 const char **value_out);
/// The value stored under `key`, or NULL when there is none.
const char *vgl_model_metadata(const vgl_model *model, const char *key);

/// The name of op `op_index` (e.g. "backbone.1.3.ffn.0"), or NULL when out of range.
const char *vgl_model_op_name(const vgl_model *model, uint32_t op_index);

/// The file's weight layout id (VGL_MODEL_LAYOUT_PACKED today).
uint32_t vgl_model_weight_layout(const vgl_model *model);

/// CRC-32C (Castagnoli, reflected, init and final xor 0xFFFFFFFF) of `size` bytes of a file,
/// counting header bytes 24..27 (the stored checksum) as zero: the value a writer stores
/// there. Needs size >= 28 (VGL_E_INVALID_ARGUMENT otherwise).
vgl_status vgl_model_checksum(const void *data, size_t size, uint32_t *checksum_out);

/// A convenience for callers without an aligned allocator of their own (the Swift core): a
/// VGL_Q8_ALIGNMENT-aligned heap block of at least `bytes` bytes (rounded up to a multiple of
/// 64; at least 64), or VGL_E_OUT_OF_MEMORY with a message (never aborts, whatever a file
/// asked for). Free it with vgl_arena_free. Call it before running, never from a run.
vgl_status vgl_arena_alloc(uint64_t bytes, void **arena_out, char *message,
                           size_t message_capacity);
/// Frees a block of vgl_arena_alloc. NULL is a no-op.
void vgl_arena_free(void *arena);

/// Binds `model` to the caller's arena (VGL_Q8_ALIGNMENT-aligned, arena_bytes long); fills
/// *instance_out. VGL_E_ARENA_SMALL ("arena: requested ... B, available ... B, missing ...
/// B") when arena_bytes < vgl_model_arena_size(model); VGL_E_INVALID_ARGUMENT for NULL or
/// misaligned pointers. Allocates nothing.
vgl_status vgl_instance_init(const vgl_model *model, void *arena, uint64_t arena_bytes,
                             vgl_instance *instance_out, char *message, size_t message_capacity);

/// vgl_instance_init with options (NULL: VGL_ISA_AUTO, one thread). Resolves the ISA
/// (VGL_E_UNSUPPORTED with a message naming the paths this CPU has, when it lacks the one asked
/// for; VGL_E_INVALID_ARGUMENT for an unknown VIGIL_ISA), checks the arena against
/// vgl_model_arena_size_threads, and for more than one thread starts the workers (the only
/// allocation, here, never in a run; VGL_E_OUT_OF_MEMORY when they cannot be had). An instance
/// with threads must be given back with vgl_instance_release.
vgl_status vgl_instance_init_options(const vgl_model *model, void *arena, uint64_t arena_bytes,
                                     const vgl_instance_options *options,
                                     vgl_instance *instance_out, char *message,
                                     size_t message_capacity);

/// CPU time, nanoseconds, that the instance's worker threads (not the caller's) have used
/// since it was made, read from each worker's own CPU clock: for benchmarks that add it to the
/// caller's thread CPU clock. 0 for one thread or NULL.
uint64_t vgl_instance_worker_cpu_ns(const vgl_instance *instance);

/// Stops and joins the instance's workers (none for one thread) and clears the pool pointer.
/// NULL is a no-op. Not while the instance runs.
void vgl_instance_release(vgl_instance *instance);

/// vgl_instance_run, calling `observer` (NULL: none) after every op on the caller's thread,
/// while the other threads wait: for per-op timing and activation dumps. Fused blocks run op
/// by op, each output whole, so the instance's arena must hold vgl_model_arena_size_observed
/// (VGL_E_ARENA_SMALL otherwise, touching nothing).
vgl_status vgl_instance_run_observed(const vgl_instance *instance, const uint8_t *pixels,
                                     float *logits_out, vgl_model_observer observer,
                                     void *observer_context);

/// One inference: pixels (input_size x input_size x 3 uint8, interleaved RGB, preprocessed
/// per vgl_model_preprocess) to logits_out[network classes]. Allocates nothing; instances
/// of one model may run concurrently on different arenas.
vgl_status vgl_instance_run(const vgl_instance *instance, const uint8_t *pixels,
                            float *logits_out);

#ifdef __cplusplus
}
#endif

#endif  // VIGIL_MODEL_H
