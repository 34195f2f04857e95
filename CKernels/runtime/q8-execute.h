// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The executor behind vgl_q8_run and vgl_instance_run (not a public header): a validated plan
// on one kernel table and `threads` threads (pool NULL for one).
#ifndef VIGIL_Q8_EXECUTE_H
#define VIGIL_Q8_EXECUTE_H

#include "../kernels/qs8-kernels.h"
#include "pool.h"
#include "q8-plan.h"
#include "vigil_q8.h"

vgl_status vgl_q8_execute(const vgl_q8_plan *plan, const vgl_qs8_kernels *kernels,
                          vgl_pool *pool, uint32_t threads, void *arena, uint64_t arena_bytes,
                          const uint8_t *pixels, float *logits_out, vgl_q8_observer observer,
                          void *observer_context);

#endif  // VIGIL_Q8_EXECUTE_H
