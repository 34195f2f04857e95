// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The status server's loop: one thread, one poll(2) over a wake pipe, the listening socket and
// a fixed number of connection slots. Written in C because it is all system calls (sockets,
// poll, pthread) and must never allocate after start: every slot owns a request buffer of
// VHTTP_MAX_REQUEST bytes and a response body buffer of `body_capacity` bytes, allocated once
// in vhttp_server_start.
//
// One request per connection (Connection: close): a slot goes READING -> WRITING -> LINGERING
// -> free. Each state has a deadline, so no client can hold a slot longer than
// request_timeout + write_timeout + linger: a client that sends a byte a second gets 408 when
// its request deadline passes (the deadline runs from accept, not from the last byte), and a
// client that never reads is closed when its write deadline passes. When every slot is busy, a
// slot lingering after a complete response is closed to make room; failing that, the
// connection that has been sending its request longest is evicted (answered 503 and closed) if
// it has been at it for evict_after_ms: a loopback or LAN request arrives in one packet, so
// under pressure slow clients make room for quick ones instead of starving them. With no
// connection to evict, the newcomer is answered with a fixed 503 (one non-blocking send) and
// closed at once, so nothing queues beyond the kernel's listen backlog (2 x slots). LINGERING reads and
// discards what the client still sends after the response (shut down for writing), so a close
// with unread bytes does not reset the connection before the client read its answer.
//
// The handler runs on this thread; the frame loop never waits for it. It reads the daemon's
// published snapshot (its own lock, held for a copy) and renders into the slot's body buffer.
#define _GNU_SOURCE
#include "vigil_http.h"

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

enum { SLOT_FREE = 0, SLOT_READING, SLOT_WRITING, SLOT_LINGERING };
enum { MAX_SLOTS = 64, HEAD_CAPACITY = 512, ACCEPTS_PER_ROUND = 64 };

typedef struct slot {
  int fd;
  int state;
  uint64_t deadline_ns;
  uint64_t accepted_ns;
  size_t request_length;
  size_t head_length;
  size_t body_length;   // bytes to send after the head (0 for HEAD)
  size_t sent;          // of head_length + body_length
  uint8_t request[VHTTP_MAX_REQUEST];
  char head[HEAD_CAPACITY];
} slot;

struct vhttp_server {
  vhttp_config config;
  int listen_fd;
  int wake_read, wake_write;
  int port;
  volatile int stopping;
  pthread_t thread;
  pthread_mutex_t lock;  // guards stats
  vhttp_stats stats;
  slot *slots;
  uint8_t *bodies;       // slots x body_capacity
  struct pollfd *fds;    // 2 + slots
  int *fd_slot;          // which slot each fds entry polls (-1: none)
};

static const char refused_response[] =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    "Content-Length: 51\r\nConnection: close\r\nRetry-After: 1\r\n\r\n"
    "{\"status\":503,\"error\":\"every connection slot busy\"}";

static uint64_t now_ns(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 0;
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void count_response(vhttp_server *s, int status) {
  pthread_mutex_lock(&s->lock);
  int cls = status / 100;
  if (cls >= 1 && cls <= 5) s->stats.responses[cls]++;
  pthread_mutex_unlock(&s->lock);
}

static void count(vhttp_server *s, uint64_t *field) {
  pthread_mutex_lock(&s->lock);
  (*field)++;
  pthread_mutex_unlock(&s->lock);
}

static void close_slot(slot *c) {
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  c->state = SLOT_FREE;
}

static uint8_t *body_of(vhttp_server *s, slot *c) {
  return s->bodies + (size_t)(c - s->slots) * s->config.body_capacity;
}

// Appends a JSON string (only the characters a reason text can hold need escaping).
static size_t json_error_body(uint8_t *out, size_t cap, int status, const char *reason) {
  int n = snprintf((char *)out, cap, "{\"status\":%d,\"error\":\"%s\"}", status, reason);
  if (n < 0) return 0;
  return (size_t)n < cap ? (size_t)n : cap - 1;
}

// Fills the head for `status` and arms the slot for writing.
static void respond(vhttp_server *s, slot *c, int status, const char *content_type,
                    size_t body_length, int head_only, uint64_t now, int write_timeout_ms) {
  const char *allow = status == 405 ? "Allow: GET, HEAD\r\n" : "";
  const char *retry = status == 503 ? "Retry-After: 1\r\n" : "";
  int n = snprintf(c->head, HEAD_CAPACITY,
                   "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                   "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
                   "Connection: close\r\n%s%s\r\n",
                   status, vhttp_status_text(status), content_type, body_length, allow, retry);
  c->head_length = (n > 0 && n < HEAD_CAPACITY) ? (size_t)n : 0;
  c->body_length = head_only ? 0 : body_length;
  c->sent = 0;
  c->state = SLOT_WRITING;
  c->deadline_ns = now + (uint64_t)write_timeout_ms * 1000000ull;
  count_response(s, status);
}

static void respond_error(vhttp_server *s, slot *c, int status, const char *reason, uint64_t now,
                          int write_timeout_ms) {
  size_t n = json_error_body(body_of(s, c), s->config.body_capacity, status, reason);
  respond(s, c, status, "application/json", n, 0, now, write_timeout_ms);
}

// Sends what it can without blocking; on the last byte shuts down writing and lingers.
static void write_some(vhttp_server *s, slot *c, uint64_t now) {
  uint8_t *body = body_of(s, c);
  size_t total = c->head_length + c->body_length;
  while (c->sent < total) {
    struct iovec iov[2];
    int n = 0;
    if (c->sent < c->head_length) {
      iov[n].iov_base = c->head + c->sent;
      iov[n].iov_len = c->head_length - c->sent;
      n++;
      if (c->body_length > 0) { iov[n].iov_base = body; iov[n].iov_len = c->body_length; n++; }
    } else {
      size_t off = c->sent - c->head_length;
      iov[n].iov_base = body + off;
      iov[n].iov_len = c->body_length - off;
      n++;
    }
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = iov;
    msg.msg_iovlen = (size_t)n;
    ssize_t w = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      close_slot(c);  // the peer went away
      return;
    }
    c->sent += (size_t)w;
  }
  shutdown(c->fd, SHUT_WR);
  c->state = SLOT_LINGERING;
  c->deadline_ns = now + (uint64_t)s->config.linger_ms * 1000000ull;
}

// Reads what arrived; answers once the parser has a verdict.
static void read_some(vhttp_server *s, slot *c, uint64_t now) {
  for (;;) {
    size_t room = sizeof c->request - c->request_length;
    if (room == 0) break;
    ssize_t r = recv(c->fd, c->request + c->request_length, room, MSG_DONTWAIT);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      close_slot(c);
      return;
    }
    if (r == 0) {  // closed before a complete request: nothing to answer
      close_slot(c);
      return;
    }
    c->request_length += (size_t)r;
  }
  vhttp_request req;
  int verdict = vhttp_parse(c->request, c->request_length, &req);
  if (verdict == VHTTP_INCOMPLETE) {
    if (c->request_length < sizeof c->request) return;
    verdict = 431;  // cannot happen within the limits; kept so a full buffer never spins
    req.reason = "the request is too large";
  }
  if (verdict != VHTTP_COMPLETE) {
    respond_error(s, c, verdict, req.reason, now, s->config.write_timeout_ms);
    write_some(s, c, now);
    return;
  }
  vhttp_reply reply = {0, "text/plain", 0};
  uint8_t *body = body_of(s, c);
  if (s->config.handler(s->config.context, req.route, req.method, body, s->config.body_capacity,
                        &reply) != 0 || reply.body_length > s->config.body_capacity) {
    respond_error(s, c, 500, "the response did not fit its buffer", now, s->config.write_timeout_ms);
  } else {
    respond(s, c, reply.status, reply.content_type, reply.body_length, req.method == VHTTP_HEAD,
            now, s->config.write_timeout_ms);
  }
  write_some(s, c, now);
}

static void linger_some(slot *c) {
  for (;;) {
    ssize_t r = recv(c->fd, c->request, sizeof c->request, MSG_DONTWAIT);
    if (r > 0) continue;
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    close_slot(c);  // EOF or error: done
    return;
  }
}

static void accept_some(vhttp_server *s, uint64_t now) {
  for (int round = 0; round < ACCEPTS_PER_ROUND; round++) {
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or a transient error (ECONNABORTED, EMFILE): next round
    slot *free_slot = NULL;
    for (int i = 0; i < s->config.slots; i++) {
      if (s->slots[i].state == SLOT_FREE) { free_slot = &s->slots[i]; break; }
    }
    // A lingering slot has sent its whole response: closing it now loses nothing.
    for (int i = 0; !free_slot && i < s->config.slots; i++) {
      if (s->slots[i].state == SLOT_LINGERING) {
        close_slot(&s->slots[i]);
        free_slot = &s->slots[i];
      }
    }
    if (!free_slot && s->config.evict_after_ms >= 0) {
      slot *oldest = NULL;
      for (int i = 0; i < s->config.slots; i++) {
        slot *c = &s->slots[i];
        if (c->state != SLOT_READING) continue;
        if (now - c->accepted_ns < (uint64_t)s->config.evict_after_ms * 1000000ull) continue;
        if (!oldest || c->accepted_ns < oldest->accepted_ns) oldest = c;
      }
      if (oldest) {
        ssize_t ignored = send(oldest->fd, refused_response, sizeof refused_response - 1,
                               MSG_NOSIGNAL | MSG_DONTWAIT);
        (void)ignored;
        close_slot(oldest);
        count(s, &s->stats.evicted);
        count_response(s, 503);
        free_slot = oldest;
      }
    }
    if (!free_slot) {
      ssize_t ignored = send(fd, refused_response, sizeof refused_response - 1,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
      (void)ignored;
      close(fd);
      count(s, &s->stats.refused);
      count_response(s, 503);
      continue;
    }
    free_slot->fd = fd;
    free_slot->state = SLOT_READING;
    free_slot->request_length = 0;
    free_slot->accepted_ns = now;
    free_slot->deadline_ns = now + (uint64_t)s->config.request_timeout_ms * 1000000ull;
    count(s, &s->stats.accepted);
    // A quick client's request often arrived with its connection: answer it now, so the slot
    // is free again before the next newcomer of this round needs one.
    read_some(s, free_slot, now);
  }
}

static void expire(vhttp_server *s, slot *c, uint64_t now) {
  if (c->state == SLOT_FREE || now < c->deadline_ns) return;
  count(s, &s->stats.timed_out);
  if (c->state == SLOT_READING) {
    // 408, with a short write deadline of its own: a slow client must not win more time.
    respond_error(s, c, 408, "the request did not arrive in time", now, 1000);
    write_some(s, c, now);
  } else {
    close_slot(c);
  }
}

static void *server_main(void *arg) {
  vhttp_server *s = arg;
  while (!s->stopping) {
    uint64_t now = now_ns();
    int n = 0;
    s->fds[n] = (struct pollfd){.fd = s->wake_read, .events = POLLIN};
    s->fd_slot[n++] = -1;
    s->fds[n] = (struct pollfd){.fd = s->listen_fd, .events = POLLIN};
    s->fd_slot[n++] = -1;
    uint64_t wait_ns = 1000000000ull;
    for (int i = 0; i < s->config.slots; i++) {
      slot *c = &s->slots[i];
      if (c->state == SLOT_FREE) continue;
      short events = c->state == SLOT_WRITING ? POLLOUT : POLLIN;
      s->fds[n] = (struct pollfd){.fd = c->fd, .events = events};
      s->fd_slot[n++] = i;
      uint64_t left = c->deadline_ns > now ? c->deadline_ns - now : 0;
      if (left < wait_ns) wait_ns = left;
    }
    int timeout_ms = (int)((wait_ns + 999999ull) / 1000000ull);
    int ready = poll(s->fds, (nfds_t)n, timeout_ms);
    if (ready < 0 && errno != EINTR) break;
    now = now_ns();
    if (ready > 0) {
      if (s->fds[0].revents) break;  // stop asked
      for (int k = 2; k < n; k++) {
        if (!s->fds[k].revents) continue;
        slot *c = &s->slots[s->fd_slot[k]];
        if (c->state == SLOT_READING) read_some(s, c, now);
        else if (c->state == SLOT_WRITING) write_some(s, c, now);
        else if (c->state == SLOT_LINGERING) linger_some(c);
      }
      if (s->fds[1].revents & POLLIN) accept_some(s, now);
    }
    for (int i = 0; i < s->config.slots; i++) expire(s, &s->slots[i], now);
  }
  for (int i = 0; i < s->config.slots; i++) close_slot(&s->slots[i]);
  return NULL;
}

static void free_server(vhttp_server *s) {
  if (s->listen_fd >= 0) close(s->listen_fd);
  if (s->wake_read >= 0) close(s->wake_read);
  if (s->wake_write >= 0) close(s->wake_write);
  pthread_mutex_destroy(&s->lock);
  free(s->slots);
  free(s->bodies);
  free(s->fds);
  free(s->fd_slot);
  free(s);
}

static vhttp_server *start_failed(vhttp_server *s, char *message, size_t cap, const char *what,
                                  int err) {
  if (message && cap) {
    if (err) snprintf(message, cap, "%s: %s", what, strerror(err));
    else snprintf(message, cap, "%s", what);
  }
  if (s) free_server(s);
  return NULL;
}

vhttp_server *vhttp_server_start(const vhttp_config *config, char *message, size_t cap) {
  if (!config || !config->handler || !config->host) {
    return start_failed(NULL, message, cap, "no handler or host", 0);
  }
  if (config->slots < 1 || config->slots > MAX_SLOTS || config->port < 0 || config->port > 65535 ||
      config->request_timeout_ms < 1 || config->write_timeout_ms < 1 || config->linger_ms < 0 ||
      config->evict_after_ms < -1 ||
      config->body_capacity < 256) {
    return start_failed(NULL, message, cap, "bad server limits (slots 1...64, port 0...65535, "
                        "positive timeouts, evict_after_ms >= -1, body capacity >= 256)", 0);
  }
  vhttp_server *s = calloc(1, sizeof *s);
  if (!s) return start_failed(NULL, message, cap, "out of memory", 0);
  s->config = *config;
  s->listen_fd = s->wake_read = s->wake_write = -1;
  pthread_mutex_init(&s->lock, NULL);
  s->slots = calloc((size_t)config->slots, sizeof *s->slots);
  s->bodies = malloc((size_t)config->slots * config->body_capacity);
  s->fds = calloc((size_t)config->slots + 2, sizeof *s->fds);
  s->fd_slot = calloc((size_t)config->slots + 2, sizeof *s->fd_slot);
  if (!s->slots || !s->bodies || !s->fds || !s->fd_slot) {
    return start_failed(s, message, cap, "out of memory for the connection slots", 0);
  }
  for (int i = 0; i < config->slots; i++) s->slots[i].fd = -1;

  // inet_pton, not getaddrinfo: numeric addresses only (no resolver, no NSS modules that a
  // static board binary could not load).
  struct sockaddr_storage addr;
  socklen_t addr_len = 0;
  memset(&addr, 0, sizeof addr);
  struct sockaddr_in *v4 = (struct sockaddr_in *)&addr;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&addr;
  if (inet_pton(AF_INET, config->host, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)config->port);
    addr_len = sizeof *v4;
  } else if (inet_pton(AF_INET6, config->host, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)config->port);
    addr_len = sizeof *v6;
  } else {
    char what[160];
    snprintf(what, sizeof what, "'%s' is not a numeric IPv4 or IPv6 address", config->host);
    return start_failed(s, message, cap, what, 0);
  }
  s->listen_fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s->listen_fd < 0) return start_failed(s, message, cap, "socket", errno);
  int one = 1;
  setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(s->listen_fd, (struct sockaddr *)&addr, addr_len) != 0) {
    int err = errno;
    char what[160];
    snprintf(what, sizeof what, "bind %s port %d", config->host, config->port);
    return start_failed(s, message, cap, what, err);
  }
  if (listen(s->listen_fd, 2 * config->slots) != 0) {
    return start_failed(s, message, cap, "listen", errno);
  }
  struct sockaddr_storage bound;
  socklen_t bound_len = sizeof bound;
  if (getsockname(s->listen_fd, (struct sockaddr *)&bound, &bound_len) != 0) {
    return start_failed(s, message, cap, "getsockname", errno);
  }
  s->port = bound.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&bound)->sin6_port)
                                        : ntohs(((struct sockaddr_in *)&bound)->sin_port);
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_NONBLOCK | O_CLOEXEC) != 0) return start_failed(s, message, cap, "pipe", errno);
  s->wake_read = pipe_fds[0];
  s->wake_write = pipe_fds[1];
  int err = pthread_create(&s->thread, NULL, server_main, s);
  if (err != 0) return start_failed(s, message, cap, "pthread_create", err);
  return s;
}

int vhttp_server_port(const vhttp_server *server) { return server->port; }

void vhttp_server_stats(vhttp_server *server, vhttp_stats *out) {
  pthread_mutex_lock(&server->lock);
  *out = server->stats;
  pthread_mutex_unlock(&server->lock);
}

void vhttp_server_stop(vhttp_server *server) {
  if (!server) return;
  server->stopping = 1;
  ssize_t ignored = write(server->wake_write, "x", 1);
  (void)ignored;
  pthread_join(server->thread, NULL);
  free_server(server);
}
