// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// A GoogleTest-shaped harness for the C tests, in one header with no allocation:
//
//   VGL_TEST(conv, odd_maps) { EXPECT_TRUE(...); ASSERT_TRUE(...); }
//   int main(int argc, char **argv) {
//     vgl_test_init(argc, argv);
//     VGL_RUN_TEST(conv, odd_maps);
//     return vgl_test_finish();
//   }
//
// Every test starts its random stream from the same seed (VIGIL_TEST_SEED, default 7767517),
// so one failing test replays alone with the command printed on failure. The last line is
// always "N passed, M failed", and the exit status is non-zero when M > 0.
#ifndef VGL_TEST_H
#define VGL_TEST_H

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VGL_TEST_DEFAULT_SEED UINT64_C(7767517)

typedef struct vgl_test_state {
  const char *program;
  const char *current;   // "suite.name" of the running test
  uint64_t seed;         // seed of every test's random stream
  uint64_t random;       // splitmix64 state
  int current_failures;  // failed expectations in the running test
  int passed;
  int failed;
} vgl_test_state;

static vgl_test_state vgl_test;

static inline void vgl_test_init(int argc, char **argv) {
  (void)argc;
  vgl_test.program = argv[0];
  vgl_test.seed = VGL_TEST_DEFAULT_SEED;
  const char *seed = getenv("VIGIL_TEST_SEED");
  if (seed != NULL && seed[0] != '\0') vgl_test.seed = strtoull(seed, NULL, 10);
}

/// Uniform 64-bit values from splitmix64.
static inline uint64_t vgl_test_next(void) {
  uint64_t z = (vgl_test.random += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/// A float uniform in [lo, hi) (24 random bits).
static inline float vgl_test_uniform(float lo, float hi) {
  const float unit = (float)(vgl_test_next() >> 40) * (1.0f / 16777216.0f);
  return lo + (hi - lo) * unit;
}

static inline void vgl_test_fill(float *data, size_t n, float lo, float hi) {
  for (size_t i = 0; i < n; i++) data[i] = vgl_test_uniform(lo, hi);
}

/// Records one failed expectation; `what` is already formatted by the caller.
static inline void vgl_test_fail(const char *file, int line, const char *what) {
  vgl_test.current_failures++;
  printf("%s:%d: Failure\n  %s\n", file, line, what);
}

#define VGL_TEST(suite, name) static void vgl_test_##suite##_##name(void)

#define VGL_RUN_TEST(suite, name) vgl_test_run(#suite "." #name, vgl_test_##suite##_##name)

static inline void vgl_test_run(const char *name, void (*body)(void)) {
  vgl_test.current = name;
  vgl_test.current_failures = 0;
  vgl_test.random = vgl_test.seed;
  printf("[ RUN      ] %s\n", name);
  fflush(stdout);
  body();
  if (vgl_test.current_failures == 0) {
    vgl_test.passed++;
    printf("[       OK ] %s\n", name);
  } else {
    vgl_test.failed++;
    printf("[  FAILED  ] %s (%d failures; seed %" PRIu64 ", replay: VIGIL_TEST_SEED=%" PRIu64
           " %s)\n",
           name, vgl_test.current_failures, vgl_test.seed, vgl_test.seed, vgl_test.program);
  }
  fflush(stdout);
}

static inline int vgl_test_finish(void) {
  printf("%d passed, %d failed\n", vgl_test.passed, vgl_test.failed);
  return vgl_test.failed == 0 ? 0 : 1;
}

// Expectations record a failure and continue; assertions also return from the test body.
#define EXPECT_TRUE(condition)                                               \
  do {                                                                       \
    if (!(condition)) vgl_test_fail(__FILE__, __LINE__, "expected: " #condition); \
  } while (0)

#define ASSERT_TRUE(condition)                                               \
  do {                                                                       \
    if (!(condition)) {                                                      \
      vgl_test_fail(__FILE__, __LINE__, "asserted: " #condition);            \
      return;                                                                \
    }                                                                        \
  } while (0)

#define EXPECT_EQ_INT(expected, actual)                                                      \
  do {                                                                                     \
    const long long vgl_expected_ = (long long)(expected);                                 \
    const long long vgl_actual_ = (long long)(actual);                                     \
    if (vgl_expected_ != vgl_actual_) {                                                    \
      char vgl_what_[256];                                                                 \
      snprintf(vgl_what_, sizeof vgl_what_, "%s == %s: expected %lld, got %lld", #expected, \
               #actual, vgl_expected_, vgl_actual_);                                       \
      vgl_test_fail(__FILE__, __LINE__, vgl_what_);                                        \
    }                                                                                      \
  } while (0)

#define EXPECT_STR_CONTAINS(haystack, needle)                                               \
  do {                                                                                      \
    if (strstr((haystack), (needle)) == NULL) {                                             \
      char vgl_what_[512];                                                                  \
      snprintf(vgl_what_, sizeof vgl_what_, "\"%s\" does not contain \"%s\"", (haystack),   \
               (needle));                                                                   \
      vgl_test_fail(__FILE__, __LINE__, vgl_what_);                                         \
    }                                                                                       \
  } while (0)

/// Compares a C x H x W float tensor with a double reference: element i passes when
/// |got - want| <= rel * magnitude[i] + abs_tol (magnitude NULL means |want|). Reports the first
/// mismatch with its coordinates and `context`, and returns whether all matched.
static inline bool vgl_test_expect_close(const char *file, int line, const char *context,
                                         const float *got, const double *want,
                                         const double *magnitude, size_t channels,
                                         size_t height, size_t width, double rel,
                                         double abs_tol) {
  const size_t n = channels * height * width;
  for (size_t i = 0; i < n; i++) {
    const double scale = magnitude != NULL ? magnitude[i] : fabs(want[i]);
    const double error = fabs((double)got[i] - want[i]);
    if (!(error <= rel * scale + abs_tol)) {  // also catches NaN
      char what[512];
      const size_t plane = height * width;
      snprintf(what, sizeof what,
               "%s: at c=%zu y=%zu x=%zu got %.9g want %.9g (error %.3g, bound %.3g)", context,
               i / plane, i % plane / width, i % width, (double)got[i], want[i], error,
               rel * scale + abs_tol);
      vgl_test_fail(file, line, what);
      return false;
    }
  }
  return true;
}

#define EXPECT_TENSOR_CLOSE(context, got, want, magnitude, c, h, w, rel, abs_tol)             \
  vgl_test_expect_close(__FILE__, __LINE__, (context), (got), (want), (magnitude), (c), (h), \
                        (w), (rel), (abs_tol))

#endif  // VGL_TEST_H
