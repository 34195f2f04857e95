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
  }
  return "unknown status";
}
