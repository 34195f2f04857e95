// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Linked into every C test with -Wl,--wrap=malloc,... (see CKernels/Makefile): every heap call
// of the test binary passes through here and is counted while counting is on, which is how the
// tests prove that vgl_f32_run never allocates.
#include <stddef.h>

#include "alloc-counter.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *pointer, size_t size);
void __real_free(void *pointer);

void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t count, size_t size);
void *__wrap_realloc(void *pointer, size_t size);
void __wrap_free(void *pointer);

static int counting;
static unsigned long calls;

void alloc_counter_start(void) {
  calls = 0;
  counting = 1;
}

unsigned long alloc_counter_stop(void) {
  counting = 0;
  return calls;
}

void *__wrap_malloc(size_t size) {
  if (counting) calls++;
  return __real_malloc(size);
}

void *__wrap_calloc(size_t count, size_t size) {
  if (counting) calls++;
  return __real_calloc(count, size);
}

void *__wrap_realloc(void *pointer, size_t size) {
  if (counting) calls++;
  return __real_realloc(pointer, size);
}

void __wrap_free(void *pointer) {
  if (counting) calls++;
  __real_free(pointer);
}
