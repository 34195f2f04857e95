// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// System-call shims for the daemon core; see include/vigil_sys.h for why each one exists.
#define _GNU_SOURCE
#include "vigil_sys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int vsys_errno(void) { return errno; }
void vsys_set_errno(int value) { errno = value; }

void vsys_strerror(int err, char *buf, size_t cap) {
  if (cap == 0) return;
  const char *text = strerror(err);  // glibc's table: thread-safe for known codes
  snprintf(buf, cap, "%s", text ? text : "unknown error");
}

int vsys_open(const char *path, int mode) {
  if (mode == VSYS_OPEN_APPEND) return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  return open(path, O_RDONLY | O_CLOEXEC);
}
int vsys_close(int fd) { return close(fd); }
ssize_t vsys_read(int fd, void *buf, size_t count) { return read(fd, buf, count); }
ssize_t vsys_write(int fd, const void *buf, size_t count) { return write(fd, buf, count); }
int vsys_rename(const char *from, const char *to) { return rename(from, to); }
int vsys_unlink(const char *path) { return unlink(path); }

int vsys_stat_path(const char *path, vsys_stat *out) {
  struct stat st;
  if (stat(path, &st) != 0) return -1;
  out->kind = S_ISREG(st.st_mode) ? VSYS_KIND_FILE : S_ISDIR(st.st_mode) ? VSYS_KIND_DIR
                                                                          : VSYS_KIND_OTHER;
  out->size = (int64_t)st.st_size;
  out->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
  return 0;
}

void *vsys_dir_open(const char *path) { return opendir(path); }
int vsys_dir_next(void *dir, char *name, size_t cap) {
  for (;;) {
    errno = 0;
    struct dirent *entry = readdir((DIR *)dir);
    if (!entry) return errno ? -1 : 0;
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
    snprintf(name, cap, "%s", entry->d_name);
    return 1;
  }
}
void vsys_dir_close(void *dir) {
  if (dir) closedir((DIR *)dir);
}

int vsys_poll2(int fd0, int fd1, int timeout_ms, int *ready0_out, int *ready1_out) {
  struct pollfd fds[2] = {{.fd = fd0, .events = POLLIN}, {.fd = fd1, .events = POLLIN}};
  int n = poll(fds, 2, timeout_ms);  // negative fds are ignored by poll(2)
  *ready0_out = n > 0 && fd0 >= 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0;
  *ready1_out = n > 0 && fd1 >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0;
  return n;
}

int vsys_inotify_open(void) { return inotify_init1(IN_NONBLOCK | IN_CLOEXEC); }
int vsys_inotify_watch_dir(int fd, const char *dir) {
  return inotify_add_watch(fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF
                                        | IN_ONLYDIR);
}
int vsys_inotify_unwatch(int fd, int wd) { return inotify_rm_watch(fd, wd); }

long vsys_inotify_parse(const void *buf, long length, long offset, int *kind_out, char *name,
                        size_t cap) {
  if (offset < 0 || length - offset < (long)sizeof(struct inotify_event)) return -1;
  struct inotify_event event;
  memcpy(&event, (const char *)buf + offset, sizeof event);  // the buffer may be unaligned
  long end = offset + (long)sizeof event + (long)event.len;
  if (end > length) return -1;
  const char *raw = (const char *)buf + offset + sizeof event;
  size_t n = strnlen(raw, event.len);
  if (cap > 0) {
    if (n > cap - 1) n = cap - 1;
    memcpy(name, raw, n);
    name[n] = 0;
  }
  if (event.mask & IN_Q_OVERFLOW) *kind_out = VSYS_INOTIFY_OVERFLOW;
  else if (event.mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT))
    *kind_out = VSYS_INOTIFY_GONE;
  else if ((event.mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) && !(event.mask & IN_ISDIR) && event.len)
    *kind_out = VSYS_INOTIFY_ARRIVED;
  else *kind_out = VSYS_INOTIFY_OTHER;
  return end;
}

static uint64_t clock_ns(clockid_t id) {
  struct timespec ts;
  if (clock_gettime(id, &ts) != 0) return 0;
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
uint64_t vsys_monotonic_ns(void) { return clock_ns(CLOCK_MONOTONIC); }
uint64_t vsys_realtime_ns(void) { return clock_ns(CLOCK_REALTIME); }

// Signal state: written only by the handler (flags, pipe byte) and read by the loop.
static volatile sig_atomic_t stop_signal = 0;
static volatile sig_atomic_t reload_requested = 0;
static int signal_pipe[2] = {-1, -1};

static void on_signal(int sig) {
  int saved = errno;  // write(2) may change errno under the interrupted code
  if (sig == SIGHUP) reload_requested = 1;
  else stop_signal = sig;
  if (signal_pipe[1] >= 0) {
    char byte = (char)sig;
    ssize_t ignored = write(signal_pipe[1], &byte, 1);  // full pipe: a wake-up is pending anyway
    (void)ignored;
  }
  errno = saved;
}

int vsys_signals_install(void) {
  if (signal_pipe[0] < 0 && pipe2(signal_pipe, O_NONBLOCK | O_CLOEXEC) != 0) return -1;
  stop_signal = 0;
  reload_requested = 0;
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  if (sigaction(SIGTERM, &action, NULL) != 0 || sigaction(SIGINT, &action, NULL) != 0
      || sigaction(SIGHUP, &action, NULL) != 0)
    return -1;
  signal(SIGPIPE, SIG_IGN);
  // A parent may have blocked these (the mask is inherited across exec): unblock them, or a
  // stop request would never arrive.
  sigset_t wanted;
  sigemptyset(&wanted);
  sigaddset(&wanted, SIGTERM);
  sigaddset(&wanted, SIGINT);
  sigaddset(&wanted, SIGHUP);
  if (pthread_sigmask(SIG_UNBLOCK, &wanted, NULL) != 0) return -1;
  return signal_pipe[0];
}

void vsys_signals_restore(void) {
  signal(SIGTERM, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  signal(SIGHUP, SIG_DFL);
  for (int i = 0; i < 2; i++) {
    if (signal_pipe[i] >= 0) close(signal_pipe[i]);
    signal_pipe[i] = -1;
  }
}

int vsys_signals_take(int *signal_out) {
  char drain[64];
  while (signal_pipe[0] >= 0 && read(signal_pipe[0], drain, sizeof drain) > 0) {}
  int flags = 0;
  int sig = stop_signal;
  if (sig) flags |= VSYS_SIGNAL_STOP;
  if (reload_requested) {
    reload_requested = 0;
    flags |= VSYS_SIGNAL_RELOAD;
  }
  *signal_out = sig;  // the stop request stays set: stopping is not undone
  return flags;
}

int vsys_raise(int sig) { return raise(sig); }

int vsys_notify(const char *message) {
  const char *target = getenv("NOTIFY_SOCKET");
  if (!target || !*target) return 0;
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  size_t len = strlen(target);
  if (len >= sizeof addr.sun_path || (target[0] != '/' && target[0] != '@')) {
    errno = EINVAL;
    return -1;
  }
  memcpy(addr.sun_path, target, len);
  if (target[0] == '@') addr.sun_path[0] = 0;  // abstract namespace
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  socklen_t addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
  ssize_t sent = sendto(fd, message, strlen(message), MSG_NOSIGNAL, (struct sockaddr *)&addr,
                        addr_len);
  int saved = errno;
  close(fd);
  errno = saved;
  return sent < 0 ? -1 : 1;
}

uint64_t vsys_watchdog_usec(void) {
  const char *usec = getenv("WATCHDOG_USEC");
  if (!usec || !*usec) return 0;
  const char *pid = getenv("WATCHDOG_PID");
  if (pid && *pid && strtol(pid, NULL, 10) != (long)getpid()) return 0;
  char *end = NULL;
  unsigned long long value = strtoull(usec, &end, 10);
  return end && *end == 0 ? (uint64_t)value : 0;
}

int vsys_getenv(const char *name, char *buf, size_t cap) {
  const char *value = getenv(name);
  if (!value) return 0;
  snprintf(buf, cap, "%s", value);
  return 1;
}

void *vsys_mutex_new(void) {
  pthread_mutex_t *mutex = malloc(sizeof *mutex);
  if (mutex && pthread_mutex_init(mutex, NULL) != 0) {
    free(mutex);
    return NULL;
  }
  return mutex;
}
void vsys_mutex_lock(void *mutex) { pthread_mutex_lock((pthread_mutex_t *)mutex); }
void vsys_mutex_unlock(void *mutex) { pthread_mutex_unlock((pthread_mutex_t *)mutex); }
void vsys_mutex_free(void *mutex) {
  if (!mutex) return;
  pthread_mutex_destroy((pthread_mutex_t *)mutex);
  free(mutex);
}
