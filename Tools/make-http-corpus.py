#!/usr/bin/env python3
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpus of the status server's request-parser fuzzer (Tests/Fuzz/http-fuzz.c).

    python3 Tools/make-http-corpus.py DIRECTORY

One file per seed: valid GET and HEAD requests of every route (HTTP/1.0 and 1.1, CRLF and bare
LF, queries, many headers), and one request per refusal the parser knows (400, 404, 405, 413,
414, 431, 505), each at its limit and one byte past it. Tools/fuzz-http.sh runs it into
.build-fuzz-http/seeds before every run, so the seeds follow the code and nothing binary is
committed.
"""
import os
import sys

ROUTES = ["/", "/health", "/latest", "/metrics", "/snapshot.jpg", "/events"]
LINE_LIMIT = 1024     # VHTTP_MAX_REQUEST_LINE
HEADER_LIMIT = 4096   # VHTTP_MAX_HEADER_BYTES
FIELD_LIMIT = 32      # VHTTP_MAX_HEADER_FIELDS


def request(method="GET", target="/health", version="HTTP/1.1", headers=None, eol="\r\n"):
    headers = ["Host: 127.0.0.1:8080"] if headers is None else headers
    text = f"{method} {target} {version}{eol}" + "".join(h + eol for h in headers) + eol
    return text.encode("latin-1")


def seeds():
    for route in ROUTES:
        name = route.strip("/").replace(".", "-") or "page"
        yield f"get-{name}", request(target=route)
        yield f"head-{name}", request("HEAD", route)
        yield f"get10-{name}", request(target=route, version="HTTP/1.0", headers=[])
    yield "bare-lf", request(eol="\n")
    yield "query", request(target="/metrics?name[]=vigil_frames_captured_total")
    yield "leading-crlf", b"\r\n" + request()
    yield "browser", request(target="/", headers=[
        "Host: localhost:8080", "User-Agent: Mozilla/5.0 (X11; Linux x86_64)",
        "Accept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "Accept-Encoding: gzip, deflate",
        "Accept-Language: en-US,en;q=0.5", "Connection: keep-alive", "Cache-Control: max-age=0"])
    yield "prometheus", request(target="/metrics", headers=[
        "Host: 127.0.0.1:9100", "User-Agent: Prometheus/2.45.0",
        "Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
        "X-Prometheus-Scrape-Timeout-Seconds: 10"])
    yield "content-length-zero", request(headers=["Host: x", "Content-Length: 0"])
    yield "ows", request(headers=["Host:\t x \t"])
    # Refusals.
    yield "post", request("POST", "/health", headers=["Host: x", "Content-Length: 3"]) + b"a=b"
    yield "options-star", request("OPTIONS", "*")
    yield "not-found", request(target="/index.html")
    yield "traversal", request(target="/../../etc/passwd")
    yield "traversal-encoded", request(target="/%2e%2e/%2e%2e/etc/passwd")
    yield "absolute-form", request(target="http://127.0.0.1/health")
    yield "body", request(headers=["Host: x", "Content-Length: 10"]) + b"0123456789"
    yield "chunked", request(headers=["Host: x", "Transfer-Encoding: chunked"]) + b"0\r\n\r\n"
    yield "bad-length", request(headers=["Host: x", "Content-Length: -1"])
    yield "no-host", request(headers=[])
    yield "two-hosts", request(headers=["Host: a", "Host: b"])
    yield "http2", request(version="HTTP/2.0")
    yield "http09", b"GET /health\r\n\r\n"
    yield "folded", request(headers=["Host: x", "X-A: 1", " folded"])
    yield "no-colon", request(headers=["Host: x", "broken header"])
    yield "control", request(headers=["Host: x", "X-A: a\x01b"])
    yield "bare-cr", b"GET /health HTTP/1.1\rHost: x\r\n\r\n"
    yield "tls-hello", bytes([0x16, 0x03, 0x01, 0x00, 0xA5, 0x01, 0x00, 0x00, 0xA1, 0x03, 0x03])
    yield "nul", b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n"
    # Limits: at the limit and one byte past it.
    fixed = len("GET / HTTP/1.1\r\n")
    yield "line-at-limit", request(target="/?" + "a" * (LINE_LIMIT - fixed - 1))
    yield "line-past-limit", request(target="/?" + "a" * (LINE_LIMIT - fixed))
    filler = HEADER_LIMIT - len("Host: x\r\n") - len("X-Pad: \r\n") - len("\r\n")
    yield "headers-at-limit", request(headers=["Host: x", "X-Pad: " + "p" * filler])
    yield "headers-past-limit", request(headers=["Host: x", "X-Pad: " + "p" * (filler + 1)])
    yield "fields-at-limit", request(headers=["Host: x"] + [f"X-{i}: {i}" for i in range(FIELD_LIMIT - 1)])
    yield "fields-past-limit", request(headers=["Host: x"] + [f"X-{i}: {i}" for i in range(FIELD_LIMIT)])
    yield "incomplete", b"GET /health HTTP/1.1\r\nHost: x\r\n"


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make-http-corpus.py DIRECTORY")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    count = 0
    for name, data in seeds():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        count += 1
    print(f"make-http-corpus: {count} seeds in {out}")


if __name__ == "__main__":
    main()
