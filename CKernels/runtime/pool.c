// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
#define _POSIX_C_SOURCE 200809L
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "runtime-internal.h"

#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

// Pause one spin iteration without leaving the core.
static inline void spin_pause(void) {
#if defined(__x86_64__)
  _mm_pause();
#elif defined(__aarch64__) || (defined(__arm__) && defined(__ARM_ARCH_7A__))
  __asm__ volatile("yield");
#endif
}

// Spin iterations (a pause is 15-60 ns) before a waiter sleeps on a condition variable, at a
// barrier between the sections of a job and in the caller's wait for its end: about 15-60 us
// (an op lasts tens of microseconds, so a quiet machine never sleeps there). The spin is
// bounded: on a loaded machine a preempted thread can take milliseconds to arrive, and a
// waiter that kept spinning (or yielding, which the kernel's fair scheduler barely honours)
// would take the core from it. A worker that has finished its share of a job does not spin at
// all: it sleeps at once until the next job, so the time between frames costs no CPU (the next
// job's first barrier absorbs its wake-up).
enum { kSpinBeforeBlock = 1000 };

typedef struct worker_arg {
  struct vgl_pool *pool;
  uint32_t index;
} worker_arg;

struct vgl_pool {
  worker_arg args[VGL_MAX_THREADS - 1];  // in the pool: a worker frees nothing when it starts
  uint32_t threads;  // the caller included
  pthread_t workers[VGL_MAX_THREADS - 1];
  uint32_t started;
  pthread_mutex_t mutex;
  pthread_cond_t wake;
  pthread_cond_t released;  // a barrier phase ended, or the last worker finished the job
  atomic_uint generation;  // bumped per job (and at stop)
  atomic_uint finished;    // workers done with the current job
  atomic_uint arrived;     // barrier
  atomic_uint phase;
  atomic_uint sleepers;    // threads blocked (or about to block) on `released`
  atomic_int stop;
  vgl_pool_job job;
  void *context;
};

// Wakes the threads blocked on `released`. The caller has just published its change (phase or
// finished) with a sequentially consistent store; a sleeper increments `sleepers` (seq_cst) under
// the mutex and then re-reads the condition, so either the sleeper sees the change or this load
// sees the sleeper, which then waits under the mutex this broadcast takes.
static void release_sleepers(vgl_pool *pool) {
  if (atomic_load(&pool->sleepers) == 0) return;
  pthread_mutex_lock(&pool->mutex);
  pthread_cond_broadcast(&pool->released);
  pthread_mutex_unlock(&pool->mutex);
}

// Blocks until *word != value: a bounded spin, then the condition variable.
static void wait_while_equal(vgl_pool *pool, atomic_uint *word, unsigned value) {
  for (int i = 0; i < kSpinBeforeBlock; i++) {
    if (atomic_load(word) != value) return;
    spin_pause();
  }
  pthread_mutex_lock(&pool->mutex);
  atomic_fetch_add(&pool->sleepers, 1u);
  while (atomic_load(word) == value) pthread_cond_wait(&pool->released, &pool->mutex);
  atomic_fetch_sub(&pool->sleepers, 1u);
  pthread_mutex_unlock(&pool->mutex);
}

static void *worker_main(void *raw) {
  vgl_pool *pool = ((worker_arg *)raw)->pool;
  const uint32_t index = ((worker_arg *)raw)->index;
  // The generation when the pool was made: a job posted before this thread first looks is
  // still seen as new.
  unsigned seen = 0;
  for (;;) {
    unsigned now;
    pthread_mutex_lock(&pool->mutex);
    while ((now = atomic_load(&pool->generation)) == seen && !atomic_load(&pool->stop)) {
      pthread_cond_wait(&pool->wake, &pool->mutex);
    }
    pthread_mutex_unlock(&pool->mutex);
    if (atomic_load(&pool->stop)) return NULL;
    seen = now;
    pool->job(pool->context, index);
    if (atomic_fetch_add(&pool->finished, 1u) + 1u == pool->threads - 1u) release_sleepers(pool);
  }
}

vgl_status vgl_pool_create(uint32_t threads, vgl_pool **pool_out, char *message,
                           size_t message_capacity) {
  if (pool_out == NULL || threads < 2 || threads > VGL_MAX_THREADS) {
    return vgl_fail(VGL_E_INVALID_ARGUMENT, message, message_capacity,
                    "threads %u is not in 2..%u", threads, VGL_MAX_THREADS);
  }
  vgl_pool *pool = calloc(1, sizeof *pool);
  if (pool == NULL) {
    return vgl_fail(VGL_E_OUT_OF_MEMORY, message, message_capacity,
                    "no memory for a pool of %u threads", threads);
  }
  pool->threads = threads;
  atomic_init(&pool->generation, 0u);
  atomic_init(&pool->finished, 0u);
  atomic_init(&pool->arrived, 0u);
  atomic_init(&pool->phase, 0u);
  atomic_init(&pool->sleepers, 0u);
  atomic_init(&pool->stop, 0);
  if (pthread_mutex_init(&pool->mutex, NULL) != 0) {
    free(pool);
    return vgl_fail(VGL_E_OUT_OF_MEMORY, message, message_capacity,
                    "cannot make the pool's mutex and condition variables");
  }
  if (pthread_cond_init(&pool->wake, NULL) != 0) {
    pthread_mutex_destroy(&pool->mutex);
    free(pool);
    return vgl_fail(VGL_E_OUT_OF_MEMORY, message, message_capacity,
                    "cannot make the pool's mutex and condition variables");
  }
  if (pthread_cond_init(&pool->released, NULL) != 0) {
    pthread_cond_destroy(&pool->wake);
    pthread_mutex_destroy(&pool->mutex);
    free(pool);
    return vgl_fail(VGL_E_OUT_OF_MEMORY, message, message_capacity,
                    "cannot make the pool's mutex and condition variables");
  }
  for (uint32_t i = 1; i < threads; i++) {
    worker_arg *arg = &pool->args[i - 1];
    arg->pool = pool;
    arg->index = i;
    if (pthread_create(&pool->workers[i - 1], NULL, worker_main, arg) != 0) {
      vgl_pool_destroy(pool);
      return vgl_fail(VGL_E_OUT_OF_MEMORY, message, message_capacity,
                      "cannot start worker thread %u of %u", i, threads);
    }
    pool->started = i;
  }
  *pool_out = pool;
  return VGL_OK;
}

void vgl_pool_destroy(vgl_pool *pool) {
  if (pool == NULL) return;
  pthread_mutex_lock(&pool->mutex);
  atomic_store(&pool->stop, 1);
  atomic_fetch_add(&pool->generation, 1u);
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->mutex);
  for (uint32_t i = 0; i < pool->started; i++) pthread_join(pool->workers[i], NULL);
  pthread_cond_destroy(&pool->released);
  pthread_cond_destroy(&pool->wake);
  pthread_mutex_destroy(&pool->mutex);
  free(pool);
}

void vgl_pool_run(vgl_pool *pool, vgl_pool_job job, void *context) {
  pool->job = job;
  pool->context = context;
  atomic_store(&pool->finished, 0u);
  pthread_mutex_lock(&pool->mutex);
  atomic_fetch_add(&pool->generation, 1u);
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->mutex);
  job(context, 0);
  const unsigned workers = pool->threads - 1;
  for (;;) {
    const unsigned finished = atomic_load(&pool->finished);
    if (finished == workers) return;
    wait_while_equal(pool, &pool->finished, finished);
  }
}

void vgl_pool_barrier(vgl_pool *pool) {
  if (pool == NULL) return;
  const unsigned phase = atomic_load(&pool->phase);
  if (atomic_fetch_add(&pool->arrived, 1u) + 1u == pool->threads) {
    atomic_store(&pool->arrived, 0u);
    atomic_fetch_add(&pool->phase, 1u);
    release_sleepers(pool);
    return;
  }
  wait_while_equal(pool, &pool->phase, phase);
}

uint64_t vgl_pool_worker_cpu_ns(const vgl_pool *pool) {
  if (pool == NULL) return 0;
  uint64_t total = 0;
  for (uint32_t i = 0; i < pool->started; i++) {
    clockid_t clock;
    struct timespec ts;
    if (pthread_getcpuclockid(pool->workers[i], &clock) == 0 && clock_gettime(clock, &ts) == 0) {
      total += (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    }
  }
  return total;
}

void vgl_fp_env_enter(vgl_fp_env *env) {
#if defined(__x86_64__)
  env->saved = _mm_getcsr();
  _mm_setcsr(0x1F80u);  // all exceptions masked, round to nearest, no FTZ, no DAZ
#elif defined(__aarch64__)
  uint64_t fpcr;
  __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
  env->saved = fpcr;
  // RMode (bits 22-23) = 0: round to nearest; FZ (bit 24) = 0; FZ16 (bit 19) = 0.
  fpcr &= ~((UINT64_C(3) << 22) | (UINT64_C(1) << 24) | (UINT64_C(1) << 19));
  __asm__ volatile("msr fpcr, %0" : : "r"(fpcr));
#elif defined(__arm__) && defined(__ARM_PCS_VFP)
  uint32_t fpscr;
  __asm__ volatile("vmrs %0, fpscr" : "=r"(fpscr));
  env->saved = fpscr;
  fpscr &= ~((UINT32_C(3) << 22) | (UINT32_C(1) << 24));
  __asm__ volatile("vmsr fpscr, %0" : : "r"(fpscr));
#else
  env->saved = 0;
#endif
}

void vgl_fp_env_exit(const vgl_fp_env *env) {
#if defined(__x86_64__)
  _mm_setcsr((unsigned)env->saved);
#elif defined(__aarch64__)
  const uint64_t fpcr = env->saved;
  __asm__ volatile("msr fpcr, %0" : : "r"(fpcr));
#elif defined(__arm__) && defined(__ARM_PCS_VFP)
  const uint32_t fpscr = (uint32_t)env->saved;
  __asm__ volatile("vmsr fpscr, %0" : : "r"(fpscr));
#else
  (void)env;
#endif
}
