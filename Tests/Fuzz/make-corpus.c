// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Writes the fuzzer's seed corpus (Tests/Fuzz/corpus/) with the C tests' writer: the tiny
// network with and without labels and metadata, other weights, and truncated copies. The
// toolkit's own file (Tests/Fixtures/model/tiny.vigil) is copied in by hand. Regenerate with
//   cc -std=c11 -ICKernels/include -ITests/CKernels Tests/Fuzz/make-corpus.c \
//      .build-c/gcc/libckernels.a -lm -o /tmp/make-corpus && /tmp/make-corpus Tests/Fuzz/corpus
#include <stdalign.h>
#include <stdio.h>

#include "model-builder.h"

static alignas(64) uint8_t g_file[65536];

static int save(const char *dir, const char *name, const uint8_t *bytes, size_t size) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (f == NULL || fwrite(bytes, 1, size, f) != size || fclose(f) != 0) {
    fprintf(stderr, "cannot write %s\n", path);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s DIRECTORY\n", argv[0]);
    return 2;
  }
  static mb_tiny tiny;
  int failures = 0;
  mb_tiny_init(&tiny, 42);
  const size_t full = mb_write(&tiny.input, g_file, sizeof g_file, NULL);
  failures += save(argv[1], "tiny-full.vigil", g_file, full);
  static const size_t cuts[] = {0, 7, 63, 64, 300, 1000, 2000};
  for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
    char name[64];
    snprintf(name, sizeof name, "tiny-full-cut%zu.vigil", cuts[i]);
    failures += save(argv[1], name, g_file, cuts[i]);
  }
  mb_tiny_init(&tiny, 7);
  tiny.input.labels = NULL;
  tiny.input.metadata_count = 0;
  const size_t bare = mb_write(&tiny.input, g_file, sizeof g_file, NULL);
  failures += save(argv[1], "tiny-bare.vigil", g_file, bare);
  return failures == 0 ? 0 : 1;
}
