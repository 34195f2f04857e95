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

#ifdef __cplusplus
}
#endif

#endif  // VIGIL_H
