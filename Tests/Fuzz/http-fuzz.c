// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for the status server's request parser (Sources/CVigilSys/http_parse.c;
// Tools/fuzz-http.sh builds and runs it under ASan + UBSan). Each input is parsed whole and as
// every prefix the server could see while bytes arrive (the server re-parses its buffer after
// each read), and the verdicts are checked against the parser's contract: only the documented
// results, a complete request no longer than the input and within the limits, a known method
// and route, and a prefix never more final than the whole (a prefix that already has a verdict
// keeps it: more bytes cannot turn a rejected request into an accepted one).
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigil_http.h"

static void check(int verdict, const vhttp_request *r, size_t size) {
  switch (verdict) {
  case VHTTP_INCOMPLETE:
    if (size >= VHTTP_MAX_REQUEST) abort();  // a full buffer always has a verdict
    return;
  case VHTTP_COMPLETE:
    if (r->length == 0 || r->length > size || r->length > VHTTP_MAX_REQUEST) abort();
    if (r->method != VHTTP_GET && r->method != VHTTP_HEAD) abort();
    if (r->route <= VHTTP_ROUTE_NONE || r->route >= VHTTP_ROUTE_COUNT) abort();
    return;
  case 400: case 404: case 405: case 413: case 414: case 431: case 505:
    if (r->reason == NULL || strlen(r->reason) == 0 || strlen(r->reason) > 200) abort();
    if (strchr(r->reason, '"') || strchr(r->reason, '\\')) abort();  // bodies embed it raw
    return;
  default:
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vhttp_request whole;
  int final = vhttp_parse(data, size, &whole);
  check(final, &whole, size);
  // Prefixes: at most 64 cut points spread over the input, so long inputs stay fast.
  size_t step = size / 64 + 1;
  for (size_t cut = 0; cut < size; cut += step) {
    vhttp_request part;
    int verdict = vhttp_parse(data, cut, &part);
    check(verdict, &part, cut);
    if (verdict == VHTTP_COMPLETE) {
      // A complete request is complete in every longer buffer too, with the same length.
      if (final != VHTTP_COMPLETE || whole.length != part.length || whole.route != part.route) abort();
    } else if (verdict != VHTTP_INCOMPLETE && verdict != final) {
      abort();
    }
  }
  return 0;
}
