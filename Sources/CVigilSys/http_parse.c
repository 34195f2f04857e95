// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// The HTTP/1.x request parser of the daemon's status server: our own, small and bounded.
//
// Why not Debian's libmicrohttpd (0.9.75, which does ship a static libmicrohttpd.a)? Its
// archive is built with HTTPS support and references 37 gnutls_* symbols (`nm -u`), and its
// pkg-config file lists gnutls in Requires.private. A static ARM board binary would then need
// static gnutls and everything under it (nettle, hogweed, gmp, libtasn1, libidn2, libunistring
// and p11-kit, which Debian ships without a static archive and which loads modules with dlopen)
// for a server that only ever answers six fixed GET routes on plain HTTP. Building libmicrohttpd
// ourselves without TLS would mean vendoring its source. A parser of a few hundred lines that
// accepts only what the status side needs, never allocates, and is fuzzed (Tests/Fuzz/
// http-fuzz.c, Tools/fuzz-http.sh) is the smaller attack surface and links anywhere.
//
// What it accepts (RFC 9112, narrowed):
//   request-line = method SP origin-form SP "HTTP/1." DIGIT CRLF      (bare LF also ends a line)
//   header-field = token ":" OWS field-value OWS CRLF
// then an empty line. Methods: GET and HEAD; any other token is 405. The target must start with
// "/"; a query ("?...") is ignored; the path must equal one of the fixed routes byte for byte
// (no percent-decoding, no dot segments: "/%2e%2e/etc" is simply 404). Limits: request line
// VHTTP_MAX_REQUEST_LINE bytes (414), header section VHTTP_MAX_HEADER_BYTES bytes or
// VHTTP_MAX_HEADER_FIELDS fields (431). A body is refused (413): Content-Length other than 0, or
// any Transfer-Encoding. Obsolete line folding, control bytes and a missing Host in HTTP/1.1
// are 400. HTTP/2 and later on this port are 505.
#include "vigil_http.h"

#include <string.h>

const char *vhttp_status_text(int status) {
  switch (status) {
  case 200: return "OK";
  case 400: return "Bad Request";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 408: return "Request Timeout";
  case 413: return "Content Too Large";
  case 414: return "URI Too Long";
  case 431: return "Request Header Fields Too Large";
  case 500: return "Internal Server Error";
  case 503: return "Service Unavailable";
  case 505: return "HTTP Version Not Supported";
  default: return "Unknown";
  }
}

// RFC 9110 tchar.
static int is_tchar(uint8_t c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return 1;
  return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

// Case-insensitive comparison of a header name with a lower-case literal.
static int name_is(const uint8_t *name, size_t n, const char *lower) {
  size_t k = strlen(lower);
  if (n != k) return 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t c = name[i];
    if (c >= 'A' && c <= 'Z') c = (uint8_t)(c - 'A' + 'a');
    if (c != (uint8_t)lower[i]) return 0;
  }
  return 1;
}

static int bytes_are(const uint8_t *p, size_t n, const char *literal) {
  return n == strlen(literal) && memcmp(p, literal, n) == 0;
}

// Finds the end of the line starting at `start`: returns the index of its LF, or -1 when no LF
// lies in [start, limit). `*content_end` is the end of the line without CR LF / LF.
static long find_line(const uint8_t *buf, size_t start, size_t limit, size_t *content_end) {
  for (size_t i = start; i < limit; i++) {
    if (buf[i] == '\n') {
      *content_end = (i > start && buf[i - 1] == '\r') ? i - 1 : i;
      return (long)i;
    }
  }
  return -1;
}

static int fail(vhttp_request *out, int status, const char *reason) {
  out->reason = reason;
  return status;
}

static int route_of(const uint8_t *path, size_t n) {
  if (bytes_are(path, n, "/")) return VHTTP_ROUTE_PAGE;
  if (bytes_are(path, n, "/health")) return VHTTP_ROUTE_HEALTH;
  if (bytes_are(path, n, "/latest")) return VHTTP_ROUTE_LATEST;
  if (bytes_are(path, n, "/metrics")) return VHTTP_ROUTE_METRICS;
  if (bytes_are(path, n, "/snapshot.jpg")) return VHTTP_ROUTE_SNAPSHOT;
  if (bytes_are(path, n, "/events")) return VHTTP_ROUTE_EVENTS;
  return VHTTP_ROUTE_NONE;
}

// Parses the request line [0, end); fills method, route and version. Returns 0 or a status.
static int parse_request_line(const uint8_t *buf, size_t end, vhttp_request *out) {
  size_t i = 0;
  while (i < end && is_tchar(buf[i])) i++;
  size_t method_len = i;
  if (method_len == 0 || i >= end || buf[i] != ' ') {
    return fail(out, 400, "the request line is not METHOD SP TARGET SP HTTP/1.x");
  }
  i++;
  size_t target = i;
  while (i < end && buf[i] > 0x20 && buf[i] < 0x7f) i++;
  size_t target_len = i - target;
  if (target_len == 0 || i >= end || buf[i] != ' ') {
    return fail(out, 400, "the request line is not METHOD SP TARGET SP HTTP/1.x");
  }
  i++;
  const uint8_t *version = buf + i;
  size_t version_len = end - i;
  if (version_len != 8 || memcmp(version, "HTTP/", 5) != 0 || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return fail(out, 400, "the request line does not end in HTTP/1.0 or HTTP/1.1");
  }
  if (version[5] != '1') return fail(out, 505, "only HTTP/1.x is served here");
  out->version_minor = version[7] - '0';

  if (bytes_are(buf, method_len, "GET")) {
    out->method = VHTTP_GET;
  } else if (bytes_are(buf, method_len, "HEAD")) {
    out->method = VHTTP_HEAD;
  } else {
    return fail(out, 405, "only GET and HEAD are served");
  }
  if (buf[target] != '/') return fail(out, 400, "the target must be a path starting with /");
  size_t path_len = 0;
  while (path_len < target_len && buf[target + path_len] != '?') path_len++;
  out->route = route_of(buf + target, path_len);
  return 0;
}

int vhttp_parse(const uint8_t *buf, size_t len, vhttp_request *out) {
  memset(out, 0, sizeof *out);
  out->route = VHTTP_ROUTE_NONE;
  if (len > VHTTP_MAX_REQUEST) len = VHTTP_MAX_REQUEST;

  // A request line may be preceded by empty lines (RFC 9112 section 2.2); at most two here.
  size_t start = 0;
  for (int skipped = 0; skipped < 2 && start < len; skipped++) {
    if (buf[start] == '\n') start += 1;
    else if (buf[start] == '\r' && start + 1 < len && buf[start + 1] == '\n') start += 2;
    else break;
  }

  size_t line_end = 0;
  size_t line_limit = start + VHTTP_MAX_REQUEST_LINE;
  long lf = find_line(buf, start, len < line_limit ? len : line_limit, &line_end);
  if (lf < 0) {
    // Reject a line that cannot become a request early (binary garbage, TLS handshakes), with
    // the verdict the whole line would get: bad bytes first, then the length.
    size_t scan_end = len < line_limit ? len : line_limit;
    for (size_t i = start; i < scan_end; i++) {
      if (buf[i] == '\r' && i + 1 < len && buf[i + 1] != '\n') return fail(out, 400, "a bare CR in the request line");
      if (buf[i] != '\r' && (buf[i] < 0x20 || buf[i] > 0x7e)) {
        return fail(out, 400, "a control or non-ASCII byte in the request line");
      }
    }
    if (len >= line_limit) return fail(out, 414, "the request line is longer than 1024 bytes");
    return VHTTP_INCOMPLETE;
  }
  int status = parse_request_line(buf + start, line_end - start, out);
  if (status != 0) return status;

  size_t headers = (size_t)lf + 1;
  size_t header_limit = headers + VHTTP_MAX_HEADER_BYTES;
  size_t pos = headers;
  int fields = 0;
  int host = 0;
  for (;;) {
    size_t content_end = 0;
    size_t limit = len < header_limit ? len : header_limit;
    long nl = find_line(buf, pos, limit, &content_end);
    if (nl < 0) {
      // An unfinished line: answer now if the finished line could only be refused, with the
      // verdict it would get (the field count first, then bad bytes, then the length).
      int partial = limit > pos && !(limit - pos == 1 && buf[pos] == '\r');
      if (partial && fields + 1 > VHTTP_MAX_HEADER_FIELDS) {
        return fail(out, 431, "more than 32 header fields");
      }
      for (size_t i = pos; i < limit; i++) {
        uint8_t c = buf[i];
        if (c == '\r' && i + 1 < len && buf[i + 1] != '\n') return fail(out, 400, "a bare CR in a header line");
        if (c != '\r' && c != '\t' && (c < 0x20 || c == 0x7f)) {
          return fail(out, 400, "a control byte in a header line");
        }
      }
      if (len >= header_limit) return fail(out, 431, "the header section is longer than 4096 bytes");
      return VHTTP_INCOMPLETE;
    }
    if (content_end == pos) {  // the empty line: the request is complete
      out->length = (size_t)nl + 1;
      if (out->version_minor >= 1 && !host) return fail(out, 400, "HTTP/1.1 requires a Host header");
      if (out->route == VHTTP_ROUTE_NONE) return fail(out, 404, "no such path");
      return VHTTP_COMPLETE;
    }
    if (++fields > VHTTP_MAX_HEADER_FIELDS) return fail(out, 431, "more than 32 header fields");
    if (buf[pos] == ' ' || buf[pos] == '\t') return fail(out, 400, "obsolete header line folding");
    size_t i = pos;
    while (i < content_end && is_tchar(buf[i])) i++;
    if (i == pos || i >= content_end || buf[i] != ':') {
      return fail(out, 400, "a header line is not NAME: VALUE");
    }
    const uint8_t *name = buf + pos;
    size_t name_len = i - pos;
    i++;
    while (i < content_end && (buf[i] == ' ' || buf[i] == '\t')) i++;
    size_t value = i;
    size_t value_end = content_end;
    while (value_end > value && (buf[value_end - 1] == ' ' || buf[value_end - 1] == '\t')) value_end--;
    for (size_t k = value; k < value_end; k++) {
      uint8_t c = buf[k];
      if ((c < 0x20 && c != '\t') || c == 0x7f) return fail(out, 400, "a control byte in a header value");
    }
    if (name_is(name, name_len, "host")) {
      if (host) return fail(out, 400, "more than one Host header");
      host = 1;
    } else if (name_is(name, name_len, "content-length")) {
      if (value_end == value) return fail(out, 400, "an empty Content-Length");
      int zero = 1;
      for (size_t k = value; k < value_end; k++) {
        if (buf[k] < '0' || buf[k] > '9') return fail(out, 400, "Content-Length is not a number");
        if (buf[k] != '0') zero = 0;
      }
      if (!zero) return fail(out, 413, "a request body is not accepted (GET and HEAD only)");
    } else if (name_is(name, name_len, "transfer-encoding")) {
      return fail(out, 413, "a request body is not accepted (GET and HEAD only)");
    }
    pos = (size_t)nl + 1;
  }
}
