// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The status server's C side alone (Sources/CVigilSys/http_server.c + http_parse.c), with a
// fixed handler: starts on a kernel-chosen loopback port, sends requests over loopback and
// checks the answers. Tools/http-c-test.sh builds it natively and as static aarch64 and armv7
// binaries run under qemu, which shows the server links statically for the boards and works
// there (sockets, poll, pthread).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vigil_http.h"

static int failures = 0;

// Allocation counting: the test links with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
// (Tools/http-c-test.sh), so every allocation through these names is counted. The server must
// allocate only in vhttp_server_start.
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
static volatile unsigned long allocations = 0;
void *__wrap_malloc(size_t n) { __atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED); return __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t size) { __atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED); return __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t n) { __atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED); return __real_realloc(p, n); }
#define CHECK(cond, ...)                                   \
  do {                                                     \
    if (!(cond)) {                                         \
      failures++;                                          \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                        \
      fprintf(stderr, "\n");                               \
    }                                                      \
  } while (0)

static int handler(void *context, int route, int method, uint8_t *body, size_t cap,
                   vhttp_reply *reply) {
  (void)context;
  (void)method;
  int n = snprintf((char *)body, cap, "{\"route\":%d}", route);
  reply->status = 200;
  reply->content_type = "application/json";
  reply->body_length = (size_t)n;
  return 0;
}

static int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { close(fd); return -1; }
  return fd;
}

// Sends `request`, reads to EOF into `out`; returns the status code (0 if none).
static int exchange(int port, const char *request, char *out, size_t cap) {
  int fd = connect_to(port);
  if (fd < 0) return -1;
  send(fd, request, strlen(request), MSG_NOSIGNAL);
  size_t got = 0;
  for (;;) {
    ssize_t r = recv(fd, out + got, cap - 1 - got, 0);
    if (r <= 0) break;
    got += (size_t)r;
    if (got == cap - 1) break;
  }
  out[got] = 0;
  close(fd);
  int status = 0;
  sscanf(out, "HTTP/1.1 %d", &status);
  return status;
}

int main(void) {
  char message[256] = "";
  vhttp_config config = {
      .host = "127.0.0.1", .port = 0, .slots = 2, .request_timeout_ms = 500,
      .write_timeout_ms = 1000, .linger_ms = 100, .evict_after_ms = -1, .body_capacity = 4096,
      .handler = handler, .context = NULL};
  vhttp_server *server = vhttp_server_start(&config, message, sizeof message);
  CHECK(server != NULL, "start: %s", message);
  if (!server) return 1;
  int port = vhttp_server_port(server);
  CHECK(port > 0, "port %d", port);

  static char out[16384];
  CHECK(allocations >= 4, "the allocation counter saw only %lu allocations at start", allocations);
  unsigned long before = allocations;
  for (int i = 0; i < 200; i++) {
    const char *requests[] = {"GET /health HTTP/1.1\r\nHost: a\r\n\r\n", "POST / HTTP/1.1\r\n\r\n",
                              "GET /x HTTP/1.0\r\n\r\n", "\x16\x03\x01"};
    exchange(port, requests[i % 4], out, sizeof out);
  }
  CHECK(allocations == before, "%lu allocations during 200 requests", allocations - before);
  CHECK(exchange(port, "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n", out, sizeof out) == 200, "%s", out);
  CHECK(strstr(out, "\r\n\r\n{\"route\":4}") != NULL, "body: %s", out);
  CHECK(strstr(out, "Content-Length: 11\r\n") != NULL, "length: %s", out);
  CHECK(exchange(port, "HEAD / HTTP/1.0\r\n\r\n", out, sizeof out) == 200, "%s", out);
  CHECK(strstr(out, "\r\n\r\n")[4] == 0, "HEAD has a body: %s", out);
  CHECK(exchange(port, "POST / HTTP/1.1\r\nHost: a\r\n\r\n", out, sizeof out) == 405, "%s", out);
  CHECK(strstr(out, "Allow: GET, HEAD\r\n") != NULL, "%s", out);
  CHECK(exchange(port, "GET /x HTTP/1.1\r\nHost: a\r\n\r\n", out, sizeof out) == 404, "%s", out);
  CHECK(exchange(port, "GET / HTTP/3.0\r\nHost: a\r\n\r\n", out, sizeof out) == 505, "%s", out);

  // Two slots held by half requests: a third connection is refused with 503...
  int held[2];
  for (int i = 0; i < 2; i++) {
    held[i] = connect_to(port);
    send(held[i], "GET / HTTP/1.1\r\n", 16, MSG_NOSIGNAL);
  }
  CHECK(exchange(port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", out, sizeof out) == 503, "%s", out);
  // ...and the held ones get 408 when their request deadline passes.
  for (int i = 0; i < 2; i++) {
    char buf[512] = "";
    ssize_t r = recv(held[i], buf, sizeof buf - 1, 0);
    CHECK(r > 0 && strncmp(buf, "HTTP/1.1 408 ", 13) == 0, "held %d: %s", i, buf);
    close(held[i]);
  }
  vhttp_stats stats;
  vhttp_server_stats(server, &stats);
  CHECK(stats.refused == 1 && stats.timed_out == 2, "refused %llu timed out %llu",
        (unsigned long long)stats.refused, (unsigned long long)stats.timed_out);
  CHECK(stats.responses[2] == 52 && stats.responses[4] == 154 && stats.responses[5] == 2,
        "responses 2xx %llu 4xx %llu 5xx %llu", (unsigned long long)stats.responses[2],
        (unsigned long long)stats.responses[4], (unsigned long long)stats.responses[5]);
  vhttp_server_stop(server);

  // Bad configurations are refused with a reason.
  config.host = "localhost";
  CHECK(vhttp_server_start(&config, message, sizeof message) == NULL &&
            strstr(message, "not a numeric") != NULL, "%s", message);
  config.host = "127.0.0.1";
  config.slots = 0;
  CHECK(vhttp_server_start(&config, message, sizeof message) == NULL &&
            strstr(message, "slots") != NULL, "%s", message);

  printf("http-server-test: %s (%d failures)\n", failures ? "FAILED" : "passed", failures);
  return failures ? 1 : 0;
}
