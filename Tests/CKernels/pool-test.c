// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The instance's worker pool (CKernels/runtime/pool.h): every thread runs every job once, the
// barrier separates the sections of a job, and a worker that went to sleep after a job (at
// once, without spinning) wakes for the next one: back to back, after a pause, for 2..4
// threads. A lost wake-up hangs this test instead of passing it.
#define _POSIX_C_SOURCE 200809L
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "../../CKernels/runtime/pool.h"
#include "vgl-test.h"

enum { kSections = 8 };

typedef struct job_state {
  vgl_pool *pool;
  uint32_t threads;
  atomic_uint calls[VGL_MAX_THREADS];
  // Section s of thread t writes cells[s][t]; after the barrier every thread checks that all
  // threads wrote section s (a barrier that let one through early shows here).
  atomic_uint cells[kSections][VGL_MAX_THREADS];
  atomic_uint early;
  unsigned round;
} job_state;

static void job(void *context, uint32_t thread) {
  job_state *s = context;
  atomic_fetch_add(&s->calls[thread], 1u);
  for (int section = 0; section < kSections; section++) {
    atomic_store(&s->cells[section][thread], s->round);
    vgl_pool_barrier(s->pool);
    for (uint32_t t = 0; t < s->threads; t++) {
      if (atomic_load(&s->cells[section][t]) != s->round) atomic_fetch_add(&s->early, 1u);
    }
    // The next section rewrites nothing this one reads, so one barrier per section suffices.
  }
}

static void pause_ms(long ms) {
  struct timespec ts = {0, ms * 1000000L};
  nanosleep(&ts, NULL);
}

VGL_TEST(pool, every_thread_runs_every_job_and_wakes_after_sleeping) {
  for (uint32_t threads = 2; threads <= 4; threads++) {
    static job_state s;
    memset(&s, 0, sizeof s);
    char message[120];
    ASSERT_TRUE(vgl_pool_create(threads, &s.pool, message, sizeof message) == VGL_OK);
    s.threads = threads;
    unsigned jobs = 0;
    // Back to back (a worker may still be on its way to sleep when the next job comes), then
    // with pauses (every worker asleep when the job comes).
    for (int i = 0; i < 500; i++) {
      s.round = ++jobs;
      vgl_pool_run(s.pool, job, &s);
    }
    for (int i = 0; i < 5; i++) {
      pause_ms(5);
      s.round = ++jobs;
      vgl_pool_run(s.pool, job, &s);
    }
    for (uint32_t t = 0; t < threads; t++) EXPECT_EQ_INT(jobs, atomic_load(&s.calls[t]));
    EXPECT_EQ_INT(0, atomic_load(&s.early));
    // The workers ran every job: their own CPU clocks have advanced, and never go back.
    const uint64_t cpu = vgl_pool_worker_cpu_ns(s.pool);
    EXPECT_TRUE(cpu > 0);
    s.round = ++jobs;
    vgl_pool_run(s.pool, job, &s);
    EXPECT_TRUE(vgl_pool_worker_cpu_ns(s.pool) >= cpu);
    vgl_pool_destroy(s.pool);
  }
}

VGL_TEST(pool, refuses_thread_counts_out_of_range) {
  vgl_pool *pool = NULL;
  char message[120];
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT, vgl_pool_create(1, &pool, message, sizeof message));
  EXPECT_STR_CONTAINS(message, "threads 1 is not in 2..64");
  EXPECT_EQ_INT(VGL_E_INVALID_ARGUMENT,
                vgl_pool_create(VGL_MAX_THREADS + 1, &pool, message, sizeof message));
  EXPECT_TRUE(pool == NULL);
  vgl_pool_destroy(NULL);  // a no-op
  EXPECT_EQ_INT(0, vgl_pool_worker_cpu_ns(NULL));
}

int main(int argc, char **argv) {
  vgl_test_init(argc, argv);
  VGL_RUN_TEST(pool, every_thread_runs_every_job_and_wakes_after_sleeping);
  VGL_RUN_TEST(pool, refuses_thread_counts_out_of_range);
  return vgl_test_finish();
}
