// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The one dispatch point of the int8 kernels: for a resolved ISA path, each family's registry
// is expanded and its last usable row taken (rows go from the weakest ISA to the strongest).
#include "../kernels/qs8-kernels.h"

void vgl_qs8_kernels_init(vgl_isa isa, vgl_qs8_kernels *kernels) {
  kernels->isa = isa;
#define VGL_QS8_KERNEL(row_isa, function, mr, nr)                    \
  if (vgl_isa_within(row_isa, isa) && vgl_isa_supported(row_isa)) { \
    kernels->conv_1x1 = function;                                    \
    kernels->conv_1x1_name = #function;                              \
  }
#include "../kernels/qs8-conv/qs8-conv-1x1.inc"
#define VGL_QS8_KERNEL(row_isa, function, mr, nr)                    \
  if (vgl_isa_within(row_isa, isa) && vgl_isa_supported(row_isa)) { \
    kernels->conv_kxk = function;                                    \
    kernels->conv_kxk_name = #function;                              \
  }
#include "../kernels/qs8-conv/qs8-conv-kxk.inc"
#define VGL_QS8_KERNEL(row_isa, function, mr, nr)                    \
  if (vgl_isa_within(row_isa, isa) && vgl_isa_supported(row_isa)) { \
    kernels->stem = function;                                        \
    kernels->stem_name = #function;                                  \
  }
#include "../kernels/qs8-stem/qs8-stem.inc"
#define VGL_QS8_KERNEL(row_isa, function, mr, nr)                    \
  if (vgl_isa_within(row_isa, isa) && vgl_isa_supported(row_isa)) { \
    kernels->dwconv = function;                                      \
    kernels->dwconv_name = #function;                                \
  }
#include "../kernels/qs8-dwconv/qs8-dwconv.inc"
#define VGL_QS8_KERNEL(row_isa, function, mr, nr)                    \
  if (vgl_isa_within(row_isa, isa) && vgl_isa_supported(row_isa)) { \
    kernels->mrconv = function;                                      \
    kernels->mrconv_name = #function;                                \
  }
#include "../kernels/qs8-mrconv/qs8-mrconv.inc"
#define VGL_QS8_KERNEL(row_isa, function, mr, nr)                    \
  if (vgl_isa_within(row_isa, isa) && vgl_isa_supported(row_isa)) { \
    kernels->head = function;                                        \
    kernels->head_name = #function;                                  \
  }
#include "../kernels/qs8-head/qs8-head.inc"
}
