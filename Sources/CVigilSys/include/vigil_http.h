// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The daemon's HTTP status side: a bounded HTTP/1.x request parser (http_parse.c, fuzzed by
// Tests/Fuzz/http-fuzz.c) and a poll-based server on its own thread (http_server.c) with a
// fixed number of connection slots and fixed buffers. The server knows no endpoint's content:
// for each valid request it calls the handler the daemon gives it, on the server thread, to
// fill the slot's body buffer. Nothing from a request reaches the file system: the target is
// matched against a fixed list of routes and nothing else.
#ifndef VIGIL_HTTP_H
#define VIGIL_HTTP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// --- limits ----------------------------------------------------------------------------------
// The request line (method, target, version, line end) may be at most this long: 414 past it.
#define VHTTP_MAX_REQUEST_LINE 1024
// The header section after the request line (every header line and the blank line) may be at
// most this long (431 past it) and hold at most this many fields (431 past it).
#define VHTTP_MAX_HEADER_BYTES 4096
#define VHTTP_MAX_HEADER_FIELDS 32
// A request never needs more bytes than this (the two limits plus up to two empty lines that
// may precede the request line); the server's per-slot read buffer is this size.
#define VHTTP_MAX_REQUEST (VHTTP_MAX_REQUEST_LINE + VHTTP_MAX_HEADER_BYTES + 8)

// --- the parser ------------------------------------------------------------------------------
enum { VHTTP_GET = 1, VHTTP_HEAD = 2 };

// The fixed routes; anything else is 404.
enum {
  VHTTP_ROUTE_NONE = 0,
  VHTTP_ROUTE_PAGE = 1,      // "/"
  VHTTP_ROUTE_HEALTH = 2,    // "/health"
  VHTTP_ROUTE_LATEST = 3,    // "/latest"
  VHTTP_ROUTE_METRICS = 4,   // "/metrics"
  VHTTP_ROUTE_SNAPSHOT = 5,  // "/snapshot.jpg"
  VHTTP_ROUTE_EVENTS = 6,    // "/events"
  VHTTP_ROUTE_COUNT = 7
};

// vhttp_parse's results: more bytes needed, a complete valid request, or an HTTP status code
// (400, 404, 405, 413, 414, 431, 505) to answer with.
enum { VHTTP_INCOMPLETE = 0, VHTTP_COMPLETE = 1 };

typedef struct vhttp_request {
  int method;               // VHTTP_GET or VHTTP_HEAD (set once the request line parsed)
  int route;                // VHTTP_ROUTE_* (set once the request line parsed)
  int version_minor;        // HTTP/1.0 -> 0, HTTP/1.1 -> 1
  size_t length;            // bytes of the complete request (request line + headers)
  const char *reason;       // static text saying what was wrong when the result is a status
} vhttp_request;

// Parses the start of `buf` (`len` bytes read so far from one connection) as one request.
// Pure and bounded: reads at most min(len, VHTTP_MAX_REQUEST) bytes, never writes outside
// `*out`, keeps no state between calls (the server calls it again on the whole buffer after
// each read). Returns VHTTP_INCOMPLETE while the request may still become valid within the
// limits, VHTTP_COMPLETE for a valid GET or HEAD of a known route, or the status code to answer.
// Bare LF is accepted as a line end (RFC 9112 section 2.2); a request body (Content-Length other
// than 0, or Transfer-Encoding) is 413; HTTP/1.1 without Host is 400.
int vhttp_parse(const uint8_t *buf, size_t len, vhttp_request *out);

// The reason phrase of a status code the server sends ("Not Found"), or "Unknown".
const char *vhttp_status_text(int status);

// --- the server ------------------------------------------------------------------------------
// What a handler fills in for one request. The body goes into `body` (capacity `cap`).
typedef struct vhttp_reply {
  int status;                 // e.g. 200 or 503
  const char *content_type;   // static string, e.g. "application/json"
  size_t body_length;         // bytes written into the body buffer (<= cap)
} vhttp_reply;

// Called on the server thread for each valid request (method and route known). Returns 0 when
// `reply` is filled, -1 when the body did not fit `cap` (the server answers 500).
typedef int (*vhttp_handler)(void *context, int route, int method, uint8_t *body, size_t cap,
                             vhttp_reply *reply);

typedef struct vhttp_config {
  const char *host;          // numeric IPv4 or IPv6 address ("127.0.0.1", "::1", "0.0.0.0")
  int port;                  // 0 asks the kernel for a free port (see vhttp_server_port)
  int slots;                 // concurrent connections (1...64); more are answered 503 and closed
  int request_timeout_ms;    // from accept to a complete request; 408 and close past it
  int write_timeout_ms;      // from the first response byte to the last; closed past it
  int linger_ms;             // reading and discarding after the response, before close
  int evict_after_ms;        // when every slot is busy, a connection still sending its request
                             // after this long is answered 503 and closed to make room (the
                             // oldest first); -1: never evict, refuse the newcomer instead
  size_t body_capacity;      // per-slot response body buffer, bytes
  vhttp_handler handler;
  void *context;
} vhttp_config;

// Counters the server keeps (read with vhttp_server_stats; each only rises).
typedef struct vhttp_stats {
  uint64_t accepted;         // connections given a slot
  uint64_t refused;          // connections answered 503 because every slot was busy
  uint64_t evicted;          // slow connections answered 503 to make room for a new one
  uint64_t timed_out;        // connections closed by a read or write timeout
  uint64_t responses[6];     // responses by class: [1] 1xx ... [5] 5xx
} vhttp_stats;

typedef struct vhttp_server vhttp_server;

// Binds and listens (fails with errno and a message in `message`, `cap` bytes), allocates every
// slot's buffers once, and starts the server thread. Returns NULL on failure.
vhttp_server *vhttp_server_start(const vhttp_config *config, char *message, size_t cap);
// The bound port (useful after port 0).
int vhttp_server_port(const vhttp_server *server);
// A copy of the counters (taken under the server's lock; callable from any thread).
void vhttp_server_stats(vhttp_server *server, vhttp_stats *out);
// Wakes the thread, closes every connection and the listener, joins, frees.
void vhttp_server_stop(vhttp_server *server);

#ifdef __cplusplus
}
#endif
#endif
