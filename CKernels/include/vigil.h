// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Vigil C runtime: public status codes shared by every part of the runtime.
#ifndef VIGIL_H
#define VIGIL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Result of every public runtime function. 0 is success.
typedef enum vgl_status {
  VGL_OK = 0,
  VGL_E_INVALID_ARGUMENT = 1,  ///< a NULL pointer or a zero/oversized count from the caller
  VGL_E_BAD_PLAN = 2,          ///< an execution plan is inconsistent (shapes, ids, offsets)
  VGL_E_ARENA_SMALL = 3,       ///< the caller's buffer is smaller than the plan needs
  VGL_E_UNSUPPORTED = 4,       ///< an op, parameter or file layout this build does not implement
  VGL_E_BAD_MAGIC = 5,         ///< the bytes do not start with a .vigil file's magic
  VGL_E_VERSION = 6,           ///< a .vigil format version this build does not read
  VGL_E_TRUNCATED = 7,         ///< a file shorter than its header says
  VGL_E_CHECKSUM = 8,          ///< a file whose checksum does not match its bytes
  VGL_E_BAD_MODEL = 9,         ///< a model file's structure is inconsistent (sizes, offsets, counts)
  VGL_E_IO = 10,               ///< a file could not be opened, read or mapped (see the message)
  VGL_E_OUT_OF_MEMORY = 11,    ///< an allocation at load time failed (never during a run)
} vgl_status;

/// A short English description of `status` (never NULL, static storage).
const char *vgl_status_string(vgl_status status);

/// An instruction-set path for the int8 kernels. Every path gives bit-identical results (the
/// int8 contract, docs/int8.md); they differ only in speed. Within one architecture they are
/// ordered: a path uses the best kernel of each family at or below it (a family without an
/// avx2 kernel runs its scalar one on the avx2 path).
typedef enum vgl_isa {
  VGL_ISA_AUTO = 0,        ///< the best path this CPU has, or the one VIGIL_ISA names
  VGL_ISA_SCALAR = 1,      ///< portable C, every CPU
  VGL_ISA_AVX2 = 2,        ///< x86-64 with AVX2 (and the OS saving YMM state)
  VGL_ISA_AVX512VNNI = 3,  ///< x86-64 with AVX-512 F/BW/VL/VNNI/VBMI (and ZMM state saved)
  VGL_ISA_NEON = 4,        ///< aarch64 Advanced SIMD, armv7 NEON
  VGL_ISA_NEONDOT = 5,     ///< aarch64 with the dot-product extension (sdot)
} vgl_isa;

/// "scalar", "avx2", "avx512vnni", "neon", "neondot" ("auto" for VGL_ISA_AUTO); "unknown"
/// otherwise. Static storage.
const char *vgl_isa_name(vgl_isa isa);

/// Whether this CPU (and OS) runs `isa`: detected once (cpuid and XCR0 on x86-64, HWCAP on
/// aarch64 and armv7). VGL_ISA_SCALAR always; VGL_ISA_AUTO never.
int vgl_isa_supported(vgl_isa isa);

/// The path an instance runs for a request: `requested` when not VGL_ISA_AUTO, else the
/// environment variable VIGIL_ISA when set and non-empty (one of the names above), else the
/// best path of this CPU. VGL_E_UNSUPPORTED with a message naming the paths this CPU has when
/// the CPU lacks the path asked for (for example "VIGIL_ISA=avx512vnni: this CPU lacks it; it
/// runs scalar, avx2"), VGL_E_INVALID_ARGUMENT for an unknown name.
vgl_status vgl_isa_resolve(vgl_isa requested, vgl_isa *isa_out, char *message,
                           size_t message_capacity);

/// Parses a name of vgl_isa_name (including "auto"). VGL_E_INVALID_ARGUMENT otherwise.
vgl_status vgl_isa_parse(const char *name, vgl_isa *isa_out);

#ifdef __cplusplus
}
#endif

#endif  // VIGIL_H
