// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#include "vigil.h"

const char *vgl_status_string(vgl_status status) {
  switch (status) {
    case VGL_OK: return "ok";
    case VGL_E_INVALID_ARGUMENT: return "invalid argument";
    case VGL_E_BAD_PLAN: return "inconsistent execution plan";
    case VGL_E_ARENA_SMALL: return "arena too small";
    case VGL_E_UNSUPPORTED: return "unsupported operation";
    case VGL_E_BAD_MAGIC: return "not a .vigil model file (bad magic)";
    case VGL_E_VERSION: return "unsupported model format version";
    case VGL_E_TRUNCATED: return "model file truncated";
    case VGL_E_CHECKSUM: return "model file checksum mismatch";
    case VGL_E_BAD_MODEL: return "malformed model file";
    case VGL_E_IO: return "input/output error";
    case VGL_E_OUT_OF_MEMORY: return "out of memory";
  }
  return "unknown status";
}
