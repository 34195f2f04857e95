// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// CVigilSys, V4L2 part: what the Embedded-compatible camera source needs from Linux and
// <linux/videodev2.h>, in a form Swift can import.
//
// - The VIDIOC_* requests and V4L2_PIX_FMT_* codes are function-like macros (_IOWR(...),
//   v4l2_fourcc(...)), which Swift does not import: they are exported here as constants.
// - open(2) and ioctl(2) are variadic, which Swift cannot call: each has a fixed-arity wrapper.
// - Every call goes through one function table, `vgl_v4l2_io`, so tests substitute a fake
//   device (an in-process table) without a kernel driver, and can inject any errno.
// - Wrappers never leave the result in errno: they return the value, or -errno on failure
//   (mmap: the address, and the errno through *err_out), so Swift needs no errno access (the
//   Embedded core does not import Glibc).
#ifndef VIGIL_V4L2_H
#define VIGIL_V4L2_H
#include <stddef.h>
#include <stdint.h>

#include <time.h>  // struct timespec, used by videodev2.h (not declared by it under -std=c11)

#include <linux/videodev2.h>

#ifdef __cplusplus
extern "C" {
#endif

// ---------------------------------------------------------------------------------------------
// ioctl requests (only those the camera source issues)

static const unsigned long VGL_VIDIOC_QUERYCAP = VIDIOC_QUERYCAP;
static const unsigned long VGL_VIDIOC_ENUM_FMT = VIDIOC_ENUM_FMT;
static const unsigned long VGL_VIDIOC_G_FMT = VIDIOC_G_FMT;
static const unsigned long VGL_VIDIOC_S_FMT = VIDIOC_S_FMT;
static const unsigned long VGL_VIDIOC_G_PARM = VIDIOC_G_PARM;
static const unsigned long VGL_VIDIOC_S_PARM = VIDIOC_S_PARM;
static const unsigned long VGL_VIDIOC_REQBUFS = VIDIOC_REQBUFS;
static const unsigned long VGL_VIDIOC_QUERYBUF = VIDIOC_QUERYBUF;
static const unsigned long VGL_VIDIOC_QBUF = VIDIOC_QBUF;
static const unsigned long VGL_VIDIOC_DQBUF = VIDIOC_DQBUF;
static const unsigned long VGL_VIDIOC_STREAMON = VIDIOC_STREAMON;
static const unsigned long VGL_VIDIOC_STREAMOFF = VIDIOC_STREAMOFF;

// ---------------------------------------------------------------------------------------------
// Pixel formats (fourcc codes) the source can convert to RGB

static const uint32_t VGL_V4L2_PIX_FMT_MJPEG = V4L2_PIX_FMT_MJPEG;
static const uint32_t VGL_V4L2_PIX_FMT_JPEG = V4L2_PIX_FMT_JPEG;
static const uint32_t VGL_V4L2_PIX_FMT_YUYV = V4L2_PIX_FMT_YUYV;
static const uint32_t VGL_V4L2_PIX_FMT_GREY = V4L2_PIX_FMT_GREY;
static const uint32_t VGL_V4L2_PIX_FMT_NV12 = V4L2_PIX_FMT_NV12;

// ---------------------------------------------------------------------------------------------
// Other constants the source needs (macros or enums Swift imports awkwardly)

static const uint32_t VGL_V4L2_BUF_TYPE_VIDEO_CAPTURE = V4L2_BUF_TYPE_VIDEO_CAPTURE;
static const uint32_t VGL_V4L2_MEMORY_MMAP = V4L2_MEMORY_MMAP;
static const uint32_t VGL_V4L2_FIELD_ANY = V4L2_FIELD_ANY;
static const uint32_t VGL_V4L2_FIELD_NONE = V4L2_FIELD_NONE;
static const uint32_t VGL_V4L2_CAP_VIDEO_CAPTURE = V4L2_CAP_VIDEO_CAPTURE;
static const uint32_t VGL_V4L2_CAP_STREAMING = V4L2_CAP_STREAMING;
static const uint32_t VGL_V4L2_CAP_DEVICE_CAPS = V4L2_CAP_DEVICE_CAPS;
static const uint32_t VGL_V4L2_CAP_TIMEPERFRAME = V4L2_CAP_TIMEPERFRAME;
static const uint32_t VGL_V4L2_BUF_FLAG_ERROR = V4L2_BUF_FLAG_ERROR;
static const uint32_t VGL_V4L2_BUF_FLAG_TIMESTAMP_MASK = V4L2_BUF_FLAG_TIMESTAMP_MASK;
static const uint32_t VGL_V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC = V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC;

/// open(2) flags the source uses: O_RDWR | O_NONBLOCK | O_CLOEXEC (nonblocking so DQBUF
/// returns EAGAIN instead of blocking past the poll timeout).
extern const int VGL_V4L2_OPEN_FLAGS;

/// errno values the source tells apart.
extern const int VGL_V4L2_EAGAIN;
extern const int VGL_V4L2_EINTR;
extern const int VGL_V4L2_ENODEV;
extern const int VGL_V4L2_EIO;
extern const int VGL_V4L2_ENXIO;
extern const int VGL_V4L2_ENOENT;
extern const int VGL_V4L2_EINVAL;
extern const int VGL_V4L2_EBUSY;
extern const int VGL_V4L2_EPIPE;
extern const int VGL_V4L2_EACCES;
extern const int VGL_V4L2_ENOTTY;
extern const int VGL_V4L2_ENOMEM;

/// poll(2) revents bits.
extern const short VGL_V4L2_POLLIN;
extern const short VGL_V4L2_POLLERR;
extern const short VGL_V4L2_POLLHUP;
extern const short VGL_V4L2_POLLNVAL;

// ---------------------------------------------------------------------------------------------
// The syscall table

/// Every system call the camera source makes. `context` is passed back to each function, so a
/// fake device keeps its state without globals. All functions return >= 0 on success and
/// -errno on failure, and are called from one thread.
typedef struct vgl_v4l2_io {
  void *context;
  /// open(path, VGL_V4L2_OPEN_FLAGS): a descriptor or -errno.
  int (*open)(void *context, const char *path);
  /// close(fd): 0 or -errno.
  int (*close)(void *context, int fd);
  /// ioctl(fd, request, arg), EINTR retried by the system table: >= 0 or -errno.
  int (*ioctl)(void *context, int fd, unsigned long request, void *arg);
  /// mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset): the address, or NULL
  /// with *err_out = errno.
  void *(*mmap)(void *context, int fd, size_t length, int64_t offset, int *err_out);
  /// munmap(addr, length): 0 or -errno.
  int (*munmap)(void *context, void *addr, size_t length);
  /// poll on one descriptor for POLLIN, at most timeout_ms (-1: forever): 1 with *revents_out
  /// set, 0 on timeout, or -errno (EINTR is returned, not retried, so signals wake the loop).
  int (*poll)(void *context, int fd, int timeout_ms, short *revents_out);
  /// Monotonic clock in nanoseconds (CLOCK_MONOTONIC), for timestamps and backoff.
  uint64_t (*monotonic_ns)(void *context);
  /// Sleeps `ms` milliseconds (the reopen backoff); returns early on a signal.
  void (*sleep_ms)(void *context, int ms);
} vgl_v4l2_io;

/// The table over the real system calls (context NULL).
/// Exists so Swift gets the kernel's calls without importing Glibc or calling variadics.
vgl_v4l2_io vgl_v4l2_io_system(void);

// ---------------------------------------------------------------------------------------------
// Pixel conversion to interleaved RGB8 (BT.601 limited range, as V4L2 cameras deliver by
// default; the arithmetic is documented in v4l2_convert.c). Each returns 0, or -1 when a size
// is zero or odd where the format needs it even, or the source is shorter than the format
// needs. Exists in C so the per-pixel loops compile to the same tight code on every board.

/// YUYV 4:2:2 packed (Y0 U Y1 V per two pixels); `stride` bytes per source row (>= 2 * width),
/// `width` even.
int vgl_v4l2_yuyv_to_rgb(const uint8_t *src, size_t src_len, uint32_t stride, uint32_t width,
                         uint32_t height, uint8_t *rgb);
/// NV12: a Y plane (`stride` bytes per row) then an interleaved U V plane of height / 2 rows,
/// same stride; `width` and `height` even.
int vgl_v4l2_nv12_to_rgb(const uint8_t *src, size_t src_len, uint32_t stride, uint32_t width,
                         uint32_t height, uint8_t *rgb);
/// GREY: one 8-bit luma byte per pixel, replicated into R, G and B unchanged (as Pillow's
/// convert("RGB") does for mode "L"; full-range grey, which is what GREY sensors deliver).
int vgl_v4l2_grey_to_rgb(const uint8_t *src, size_t src_len, uint32_t stride, uint32_t width,
                         uint32_t height, uint8_t *rgb);

#ifdef __cplusplus
}
#endif
#endif
