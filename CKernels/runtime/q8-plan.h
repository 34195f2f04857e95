// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The int8 plan and its executor (not a public header: callers go through the model file and
// vigil_model.h). Moved verbatim from include/vigil_q8.h.
#ifndef VIGIL_Q8_PLAN_H
#define VIGIL_Q8_PLAN_H

#include "vigil_q8.h"

#ifdef __cplusplus
extern "C" {
#endif

/// One tensor of the plan: C x H x W, HWC bytes at `offset` in the arena.
typedef struct vgl_q8_tensor {
  uint32_t channels, height, width;
  /// 0: a whole tensor at `offset`. Otherwise band-local: an intermediate of a fused block
  /// (see "fused blocks" below) that is never whole in the arena; `band` is the block's band
  /// height in rows (inverted residual) or its tile in pixels (FFN), and `offset` is 0.
  uint32_t band;
  uint64_t offset;     ///< bytes from the arena start, a multiple of VGL_Q8_ALIGNMENT
  float scale;         ///< real = scale * (q - zero_point); finite, > 0 (ignored for the input)
  int32_t zero_point;  ///< [-128, 127] (ignored for the uint8 input tensor)
} vgl_q8_tensor;

typedef struct vgl_q8_op {
  uint32_t kind;      ///< vgl_q8_op_kind
  uint32_t input;     ///< tensor id (the plan's input tensor for STEM, and only for STEM)
  uint32_t output;    ///< tensor id; VGL_Q8_NO_TENSOR for HEAD
  uint32_t residual;  ///< tensor id shaped like the output, or VGL_Q8_NO_TENSOR (CONV, DWCONV,
                      ///< MRCONV only; not together with a GELU table)
  uint32_t kernel, stride, pad;  ///< STEM, CONV, DWCONV (0 otherwise)
  uint32_t hop;       ///< MRCONV: graph hop distance K (any value; >= the map size rolls nothing)
  uint32_t classes;   ///< HEAD: number of logits (0 otherwise)
  uint32_t reserved;  ///< 0
  const int8_t *weight;  ///< layout per kind, values in [-127, 127]; NULL for GAP
  const int32_t *bias;   ///< [out_channels] at scale s_in * s_w[c]; NULL for GAP
  /// Per output channel requantization scale s_in * s_w[c] / s_out (GELU ops: s_out is the
  /// pre-activation's scale); HEAD: s_in * s_w[c]; GAP: one value. Finite, > 0.
  const float *scale;
  /// NULL, or the op's 256-entry GELU table (index q + 128 of the pre-activation code q, see
  /// vgl_qs8_gelu_table_init). With a table, `requant` targets the pre-activation
  /// (its zero point, qmin -128, qmax 127) and the table gives the output code.
  const int8_t *gelu_table;
  const uint8_t *input_zero_points;  ///< STEM: [in_channels] pixel zero points; NULL otherwise
  vgl_qs8_requant_params requant;    ///< all kinds but HEAD; zero_point = the output tensor's
                                     ///< unless there is a GELU table
} vgl_q8_op;

/// Fused blocks. The executor runs two op patterns whose intermediates are band-local
/// (vgl_q8_tensor.band != 0) piece by piece, so their 4C tensors are never whole in memory:
///
///   inverted residual  CONV 1x1 -> t1 -> DWCONV (stride 1, pad (k-1)/2) -> t2 -> CONV 1x1
///                      in bands of `band` output rows (t1.band == t2.band); each band expands
///                      the input rows it needs (its rows plus `pad` halo rows each side, the
///                      halo kept from the previous band of the same thread), runs the
///                      depthwise on them and projects;
///   FFN                CONV 1x1 -> t1 -> CONV 1x1, in tiles of `band` pixels.
///
/// The ops stay in the plan as they are (the same kernels run on sub-ranges, so every output
/// bit equals the unfused run's). Validation requires: t1 (and t2) written by the group and
/// read only by its next op, no residual before the last op, the group's output disjoint from
/// its input, band in 1..height (rows) or 1..height*width (pixels), and scratch_bytes at least
/// the band scratch of every group, VGL_Q8_BAND_SCRATCH_BYTES below (each thread has its own
/// scratch region, so the band scratch per thread is paid once per thread; see
/// vgl_q8_plan_arena_bytes_threads). Observed runs (an observer given) run every op whole
/// instead: band-local tensors then live after the threads' regions, in
/// vgl_q8_plan_arena_bytes_observed bytes.
///
/// Band scratch of a group (bytes, align_up = round up to VGL_Q8_ALIGNMENT):
///   inverted residual  align_up((band + 2 pad) * W * C4) + band * W * C4
///   FFN                band * C4
/// with C4 the intermediate's channels and W the map's width.

typedef struct vgl_q8_plan {
  uint32_t tensor_count;
  const vgl_q8_tensor *tensors;
  uint32_t op_count;
  const vgl_q8_op *ops;      ///< executed in order; the last is the HEAD
  uint32_t input_tensor;     ///< the uint8 HWC pixel region; read by the STEM only
  uint32_t reserved;         ///< 0
  uint64_t scratch_offset;   ///< bytes, a multiple of VGL_Q8_ALIGNMENT
  uint64_t scratch_bytes;    ///< >= the largest MRCONV's channels and fused block's band
                             ///< scratch; may be 0 without either
  uint64_t arena_bytes;      ///< bytes the arena must hold (every region ends at or below)
} vgl_q8_plan;

/// Checks every field of `plan` once, at the boundary: ids; shapes (each op's output shape
/// follows from its input and parameters); every region inside arena_bytes and aligned;
/// outputs disjoint from inputs and residuals, scratch disjoint from every tensor; tensor
/// scales finite and > 0, zero points in [-128, 127]; weights in [-127, 127], scales finite and
/// > 0, requant params as their init function makes them; and the int32 overflow bound of every
/// reduction (docs/int8.md: reduction length * 255 * 127 + |bias| <= INT32_MAX). Reads the
/// weight, bias and scale arrays (their lengths follow from the shapes). On failure writes a
/// message with the numbers into `message` (capacity `message_capacity`, always NUL-terminated
/// when non-zero) and returns VGL_E_BAD_PLAN (VGL_E_INVALID_ARGUMENT for NULL plan parts).
vgl_status vgl_q8_plan_validate(const vgl_q8_plan *plan, char *message, size_t message_capacity);

/// The arena bytes a validated plan needs (plan->arena_bytes), for callers that size arenas.
uint64_t vgl_q8_plan_arena_bytes(const vgl_q8_plan *plan);

/// VGL_OK when `arena_bytes` covers the plan, else VGL_E_ARENA_SMALL with a message such as
/// "arena: requested 1843200 B, available 1835008 B, missing 8192 B".
vgl_status vgl_q8_arena_check(const vgl_q8_plan *plan, uint64_t arena_bytes, char *message,
                              size_t message_capacity);

/// Called after each op with its output tensor (HWC int8 codes inside the arena, valid until
/// the next op runs). For the HEAD, `tensor` and `data` are NULL: its output is logits_out.
typedef void (*vgl_q8_observer)(void *context, uint32_t op_index, const vgl_q8_tensor *tensor,
                                const int8_t *data);

/// Runs a plan that passed vgl_q8_plan_validate.
///   arena       arena_bytes bytes owned by the caller, VGL_Q8_ALIGNMENT-aligned
///               (VGL_E_INVALID_ARGUMENT otherwise); contents on entry do not matter.
///   pixels      H x W x C uint8 HWC (interleaved RGB for C = 3) of the input tensor's shape.
///   logits_out  [ops[op_count - 1].classes] floats.
///   observer    NULL or called after every op with `observer_context`.
/// Returns VGL_E_ARENA_SMALL (see vgl_q8_arena_check for the numbers) when arena_bytes <
/// plan->arena_bytes (with an observer: < vgl_q8_plan_arena_bytes_observed), touching nothing. Never allocates; keeps no state between calls.
vgl_status vgl_q8_run(const vgl_q8_plan *plan, void *arena, uint64_t arena_bytes,
                      const uint8_t *pixels, float *logits_out, vgl_q8_observer observer,
                      void *observer_context);

/// The arena bytes a validated plan needs on `threads` threads (1..64): plan->arena_bytes for
/// one; more threads add one copy of the scratch region each (the graph op's xj row), after
/// the plan's own regions. 0 for a NULL plan or 0 threads.
uint64_t vgl_q8_plan_arena_bytes_threads(const vgl_q8_plan *plan, uint32_t threads);

/// The arena bytes an observed run (observer not NULL) of a validated plan needs on `threads`
/// threads: vgl_q8_plan_arena_bytes_threads plus, when the plan has fused blocks, room for the
/// largest block's band-local tensors whole (observed runs execute every op unfused and report
/// its whole output). UINT64_MAX when that does not fit 64 bits; 0 for a NULL plan or 0 threads.
uint64_t vgl_q8_plan_arena_bytes_observed(const vgl_q8_plan *plan, uint32_t threads);

/// vgl_q8_run on the kernels of one ISA path: `isa` as vgl_isa_resolve takes it (VGL_ISA_AUTO:
/// VIGIL_ISA or the best path; vgl_q8_run is this with VGL_ISA_AUTO). VGL_E_UNSUPPORTED when
/// the CPU lacks the path, VGL_E_INVALID_ARGUMENT for a VIGIL_ISA that names none (call
/// vgl_isa_resolve for the message). Every path gives the same bits.
vgl_status vgl_q8_run_isa(const vgl_q8_plan *plan, vgl_isa isa, void *arena,
                          uint64_t arena_bytes, const uint8_t *pixels, float *logits_out,
                          vgl_q8_observer observer, void *observer_context);

#ifdef __cplusplus
}
#endif

#endif  // VIGIL_Q8_PLAN_H
