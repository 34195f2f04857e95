// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The real system calls behind vgl_v4l2_io (see include/vigil_v4l2.h for why each exists).
#define _GNU_SOURCE
#include "vigil_v4l2.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

const int VGL_V4L2_OPEN_FLAGS = O_RDWR | O_NONBLOCK | O_CLOEXEC;
const int VGL_V4L2_EAGAIN = EAGAIN;
const int VGL_V4L2_EINTR = EINTR;
const int VGL_V4L2_ENODEV = ENODEV;
const int VGL_V4L2_EIO = EIO;
const int VGL_V4L2_ENXIO = ENXIO;
const int VGL_V4L2_ENOENT = ENOENT;
const int VGL_V4L2_EINVAL = EINVAL;
const int VGL_V4L2_EBUSY = EBUSY;
const int VGL_V4L2_EPIPE = EPIPE;
const int VGL_V4L2_EACCES = EACCES;
const int VGL_V4L2_ENOTTY = ENOTTY;
const int VGL_V4L2_ENOMEM = ENOMEM;
const short VGL_V4L2_POLLIN = POLLIN;
const short VGL_V4L2_POLLERR = POLLERR;
const short VGL_V4L2_POLLHUP = POLLHUP;
const short VGL_V4L2_POLLNVAL = POLLNVAL;

// open(2) is variadic; the mode argument is never needed (no O_CREAT).
static int sys_open(void *context, const char *path) {
  (void)context;
  int fd;
  do {
    fd = open(path, VGL_V4L2_OPEN_FLAGS);
  } while (fd < 0 && errno == EINTR);
  return fd < 0 ? -errno : fd;
}

// close(2) is not retried on EINTR: on Linux the descriptor is gone either way.
static int sys_close(void *context, int fd) {
  (void)context;
  return close(fd) < 0 ? -errno : 0;
}

// ioctl(2) is variadic; V4L2 requests all take one pointer. EINTR is retried as libv4l does.
static int sys_ioctl(void *context, int fd, unsigned long request, void *arg) {
  (void)context;
  int r;
  do {
    r = ioctl(fd, request, arg);
  } while (r < 0 && errno == EINTR);
  return r < 0 ? -errno : r;
}

// mmap(2) returns MAP_FAILED (not NULL) and sets errno; this returns NULL and the errno.
static void *sys_mmap(void *context, int fd, size_t length, int64_t offset, int *err_out) {
  (void)context;
  void *p = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)offset);
  if (p == MAP_FAILED) {
    if (err_out) *err_out = errno;
    return NULL;
  }
  if (err_out) *err_out = 0;
  return p;
}

static int sys_munmap(void *context, void *addr, size_t length) {
  (void)context;
  return munmap(addr, length) < 0 ? -errno : 0;
}

// struct pollfd is awkward to build from Swift and its field types differ per libc; one fd
// is all the source needs.
static int sys_poll(void *context, int fd, int timeout_ms, short *revents_out) {
  (void)context;
  struct pollfd p = {.fd = fd, .events = POLLIN, .revents = 0};
  int r = poll(&p, 1, timeout_ms);
  if (r < 0) return -errno;
  if (revents_out) *revents_out = p.revents;
  return r;
}

// clock_gettime's struct timespec differs between 32- and 64-bit time_t boards.
static uint64_t sys_monotonic_ns(void *context) {
  (void)context;
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

// nanosleep with a timespec, for the same reason; a signal ends the sleep early (EINTR is not
// retried) so a stop request is seen at once.
static void sys_sleep_ms(void *context, int ms) {
  (void)context;
  if (ms <= 0) return;
  struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

vgl_v4l2_io vgl_v4l2_io_system(void) {
  vgl_v4l2_io io = {
      .context = NULL,
      .open = sys_open,
      .close = sys_close,
      .ioctl = sys_ioctl,
      .mmap = sys_mmap,
      .munmap = sys_munmap,
      .poll = sys_poll,
      .monotonic_ns = sys_monotonic_ns,
      .sleep_ms = sys_sleep_ms,
  };
  return io;
}
