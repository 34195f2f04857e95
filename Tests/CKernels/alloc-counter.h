// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Counts heap calls (malloc, calloc, realloc, free) between start and stop; see alloc-counter.c.
#ifndef VGL_ALLOC_COUNTER_H
#define VGL_ALLOC_COUNTER_H

void alloc_counter_start(void);
/// Stops counting and returns the number of heap calls since alloc_counter_start.
unsigned long alloc_counter_stop(void);

#endif  // VGL_ALLOC_COUNTER_H
