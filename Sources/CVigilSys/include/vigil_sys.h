// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// System-call shims for the daemon core (VigilDaemon). Each wrapper exists because Swift cannot
// call the C form directly (variadic open, macros such as IN_CLOSE_WRITE, struct stat layout,
// signal handlers that must be C) or because the daemon needs a narrower, fixed contract.
// Every wrapper returns -1 with errno set on failure, as the system call does, unless it says
// otherwise; the Swift side (Sources/VigilDaemon/SystemCalls.swift) retries EINTR and wraps errno.
#ifndef VIGIL_SYS_H
#define VIGIL_SYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

// --- errno ---------------------------------------------------------------------------------
// errno is a macro (a thread-local lvalue); Swift sees neither.
int vsys_errno(void);
void vsys_set_errno(int value);
// strerror_r has two incompatible prototypes (XSI and GNU); this one always fills `buf`.
void vsys_strerror(int err, char *buf, size_t cap);

// --- files ---------------------------------------------------------------------------------
// open(2) is variadic. Flags: read-only (0), or append (create if missing, 0644) (1).
enum { VSYS_OPEN_READ = 0, VSYS_OPEN_APPEND = 1 };
int vsys_open(const char *path, int mode);
int vsys_close(int fd);
ssize_t vsys_read(int fd, void *buf, size_t count);
ssize_t vsys_write(int fd, const void *buf, size_t count);
int vsys_rename(const char *from, const char *to);
int vsys_unlink(const char *path);

// stat(2): struct stat differs by architecture; this fixes the fields the daemon reads.
enum { VSYS_KIND_OTHER = 0, VSYS_KIND_FILE = 1, VSYS_KIND_DIR = 2 };
typedef struct vsys_stat {
  int kind;          // VSYS_KIND_*
  int64_t size;      // bytes
  int64_t mtime_ns;  // modification time, realtime nanoseconds
} vsys_stat;
int vsys_stat_path(const char *path, vsys_stat *out);

// Directory listing (opendir/readdir hide DIR*): one name per call into `name` (NUL-terminated,
// `cap` bytes); returns 1 for a name, 0 at the end, -1 on error. "." and ".." are skipped.
void *vsys_dir_open(const char *path);
int vsys_dir_next(void *dir, char *name, size_t cap);
void vsys_dir_close(void *dir);

// --- poll ----------------------------------------------------------------------------------
// poll(2) on up to two descriptors (a source and the signal pipe); -1 entries are ignored.
// Returns the number ready (0 on timeout); ready_out[i] is 1 when fds[i] is readable or hung up.
int vsys_poll2(int fd0, int fd1, int timeout_ms, int *ready0_out, int *ready1_out);

// --- inotify -------------------------------------------------------------------------------
// The IN_* masks are macros. The watch asks for IN_CLOSE_WRITE | IN_MOVED_TO (a file fully
// written and closed, or moved in) plus the watch-ending events.
int vsys_inotify_open(void);  // inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
int vsys_inotify_watch_dir(int fd, const char *dir);
int vsys_inotify_unwatch(int fd, int wd);
// Kinds of parsed events.
enum {
  VSYS_INOTIFY_ARRIVED = 1,   // IN_CLOSE_WRITE or IN_MOVED_TO, name set
  VSYS_INOTIFY_OVERFLOW = 2,  // IN_Q_OVERFLOW: the kernel dropped events
  VSYS_INOTIFY_GONE = 3,      // IN_DELETE_SELF, IN_MOVE_SELF, IN_IGNORED, IN_UNMOUNT
  VSYS_INOTIFY_OTHER = 0
};
// Parses the event at `offset` in a buffer read from the inotify fd (struct inotify_event has a
// flexible array member Swift cannot read). Copies its name (truncated to cap-1) and returns the
// offset of the next event, or -1 if the buffer holds no complete event there.
long vsys_inotify_parse(const void *buf, long length, long offset, int *kind_out, char *name,
                        size_t cap);

// --- clocks --------------------------------------------------------------------------------
// clock_gettime: CLOCK_MONOTONIC and CLOCK_REALTIME in nanoseconds (0 on failure).
uint64_t vsys_monotonic_ns(void);
uint64_t vsys_realtime_ns(void);

// --- signals -------------------------------------------------------------------------------
// C owns the handlers (Swift code must not run in a signal handler): SIGTERM, SIGINT and SIGHUP
// set a flag and write one byte to a non-blocking self-pipe, whose read end the loop polls.
// SIGPIPE is ignored (a closed stdout is a write error, not a death).
// Returns the pipe's read end, or -1.
int vsys_signals_install(void);
// Restores the default dispositions and closes the pipe.
void vsys_signals_restore(void);
// Returns and clears the pending flags: bit 0 stop (TERM/INT), bit 1 reload (HUP); drains the
// pipe. The signal that asked to stop is stored in *signal_out (0 if none).
int vsys_signals_take(int *signal_out);
enum { VSYS_SIGNAL_STOP = 1, VSYS_SIGNAL_RELOAD = 2 };
// Raises a signal in this process (tests).
int vsys_raise(int sig);
enum { VSYS_SIGTERM = 15, VSYS_SIGINT = 2, VSYS_SIGHUP = 1 };

// --- systemd notify ------------------------------------------------------------------------
// sd_notify without libsystemd: sends `message` as one datagram to the AF_UNIX socket named by
// $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace). Returns 1 when sent, 0 when
// NOTIFY_SOCKET is unset, -1 on error.
int vsys_notify(const char *message);
// $WATCHDOG_USEC if set and meant for this process ($WATCHDOG_PID unset or ours), else 0.
uint64_t vsys_watchdog_usec(void);

// --- environment ---------------------------------------------------------------------------
// Copies getenv(name) into buf; returns 1 if set, 0 if not.
int vsys_getenv(const char *name, char *buf, size_t cap);

// --- a mutex for the published snapshot ----------------------------------------------------
// pthread_mutex_t is opaque to Swift and must not move; these keep it on the C heap.
void *vsys_mutex_new(void);
void vsys_mutex_lock(void *mutex);
void vsys_mutex_unlock(void *mutex);
void vsys_mutex_free(void *mutex);

#ifdef __cplusplus
}
#endif
#endif
