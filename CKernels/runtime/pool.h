// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The instance's worker threads (not a public header). One job per inference: the caller is
// thread 0 and runs its share too; the workers wake from a condition variable, run the same
// function with their index, and go back to sleep at once when it returns (no spin after the
// job's last section), so an idle instance burns no CPU between frames. Inside a job, vgl_pool_barrier separates the ops: a
// barrier that spins a bounded time (ops last tens of microseconds), then sleeps on a condition
// variable, so a thread the OS preempted gets the core back instead of competing with spinners.
// Created at instance init (the only allocation besides the model's), never during a run.
#ifndef VIGIL_POOL_H
#define VIGIL_POOL_H

#include <stdint.h>

#include "vigil.h"

/// At most this many threads per instance (the caller included).
#define VGL_MAX_THREADS 64u

typedef struct vgl_pool vgl_pool;
typedef void (*vgl_pool_job)(void *context, uint32_t thread_index);

/// threads - 1 workers (threads in 2..VGL_MAX_THREADS). VGL_E_OUT_OF_MEMORY with a message
/// when the memory or a thread cannot be had.
vgl_status vgl_pool_create(uint32_t threads, vgl_pool **pool_out, char *message,
                           size_t message_capacity);
/// Stops and joins the workers, frees the pool. NULL is a no-op.
void vgl_pool_destroy(vgl_pool *pool);
/// Runs job(context, t) for t = 0 .. threads-1, t = 0 on the calling thread; returns when all
/// have returned. Not reentrant: one job at a time per pool.
void vgl_pool_run(vgl_pool *pool, vgl_pool_job job, void *context);
/// Waits until every thread of the running job has arrived. NULL (one thread): returns.
void vgl_pool_barrier(vgl_pool *pool);
/// CPU time the workers (not the caller) have used so far, nanoseconds, read from each worker's
/// own CPU clock (up to date even while a worker runs, unlike the process clock, which sees a
/// running thread's time only at the kernel's next update of it). 0 for NULL.
uint64_t vgl_pool_worker_cpu_ns(const vgl_pool *pool);

/// The floating-point environment the int8 rule needs (round to nearest even, no flush to
/// zero, no denormals-are-zero), entered by every thread of a run and restored after.
typedef struct vgl_fp_env {
  uint64_t saved;
} vgl_fp_env;
void vgl_fp_env_enter(vgl_fp_env *env);
void vgl_fp_env_exit(const vgl_fp_env *env);

#endif  // VIGIL_POOL_H
