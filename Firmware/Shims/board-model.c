// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The optional model linked into the firmware (Tools/cross-build.sh --embed-model FILE): the
// file's bytes as a read-only, 64-byte-aligned array, which the C loader validates and runs in
// place (weights are never copied). Built with -DVGL_BOARD_MODEL_FILE='"/path/model.vigil"'
// and -DVGL_BOARD_MODEL_NAME='"model.vigil"'; without them the build embeds nothing.
#include "vigil_board.h"

#ifdef VGL_BOARD_MODEL_FILE
// .incbin copies the file into .rodata at assembly time; 64 is VGL_MODEL_ALIGNMENT.
__asm__(
    ".section .rodata.vigil_model,\"a\"\n"
    ".balign 64\n"
    ".globl vgl_board_model_start\n"
    "vgl_board_model_start:\n"
    ".incbin \"" VGL_BOARD_MODEL_FILE "\"\n"
    ".globl vgl_board_model_end\n"
    "vgl_board_model_end:\n"
    ".previous\n");
extern const unsigned char vgl_board_model_start[];
extern const unsigned char vgl_board_model_end[];

int vgl_board_embedded_model(const void **data_out, size_t *size_out) {
  *data_out = vgl_board_model_start;
  *size_out = (size_t)(vgl_board_model_end - vgl_board_model_start);
  return 1;
}

const char *vgl_board_embedded_model_name(void) { return VGL_BOARD_MODEL_NAME; }
#else
int vgl_board_embedded_model(const void **data_out, size_t *size_out) {
  *data_out = NULL;
  *size_out = 0;
  return 0;
}

const char *vgl_board_embedded_model_name(void) { return ""; }
#endif
