#!/usr/bin/env python3
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
"""Hostile clients against `vigil serve --http` (loopback only, bounded in count and time).

    python3 Tools/http-load.py            # full run: 10,000 requests, 200 slow clients, 30 s windows
    python3 Tools/http-load.py --smoke    # CI: 1,000 requests, 20 slow clients, 6 s windows

Starts the daemon over the bundled frames (Tools/http_daemon.py), warms every endpoint once,
then measures frames classified (result lines in its output) in three windows of the same
length: undisturbed, under attack, undisturbed again. The attack runs at once:
  - N requests from 8 clients (each connect, one GET of a random endpoint, read to close),
  - S slow clients that send their request one byte a second (reconnecting once a second after
    the server answers),
  - oversized and malformed requests (long lines, huge headers, bodies, binary, HTTP/2),
  - clients that connect, ask for /snapshot.jpg and /metrics and never read, and one that
    connects and never sends.
Then /health is timed (20 requests) and the resident memory compared with its level before the
attack (after the server's deadlines have closed every attack connection). The attack threads
run at nice 10 so that on a small machine the load generator competes less with the daemon it
measures (a real attacker's CPU is elsewhere). Every loop has a deadline; nothing runs past
the windows. Exits 1 when /health does not answer 200 afterwards, resident memory stays 1 MiB or more above
its level before, a malformed request gets an answer outside its documented codes, the daemon
does not exit cleanly, or (full run only; --smoke prints them) classified frames under attack
fall more than 10 % below the mean of the undisturbed windows or /health takes 100 ms or more.
"""
import argparse
import os
import random
import selectors
import socket
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_daemon  # noqa: E402

ENDPOINTS = ["/health", "/latest", "/metrics", "/snapshot.jpg", "/", "/events"]


def classified(daemon):
    """Result lines written so far (read from the output file, not over HTTP: during the attack
    every slot may be busy, and the measurement must not depend on the thing it measures)."""
    with open(daemon.output, "rb") as f:
        return f.read().count(b'"type":"result"')


def window(daemon, seconds):
    start = classified(daemon)
    time.sleep(seconds)
    return classified(daemon) - start


def status_of(data):
    try:
        return int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def one_request(port, raw, deadline, read=True):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=max(0.1, deadline - time.time())) as s:
            s.settimeout(max(0.1, min(10, deadline - time.time())))
            try:
                s.sendall(raw)
            except OSError:
                pass  # the server may answer (503, 413) and close before reading everything
            if not read:
                return 0
            data = b""
            while len(data) < 16:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            return status_of(data)
    except OSError:
        return -1


class Attack:
    def __init__(self, port, requests, slow, deadline):
        self.port, self.requests, self.slow, self.deadline = port, requests, slow, deadline
        self.lock = threading.Lock()
        self.statuses = {}
        self.malformed = {}
        self.bad_answers = []
        self.sent = 0
        self.slow_answers = {}
        self.threads = []

    def count(self, table, key):
        with self.lock:
            table[key] = table.get(key, 0) + 1

    def client(self, share):
        os.nice(10)
        rng = random.Random(share)
        for _ in range(share):
            if time.time() >= self.deadline:
                return
            path = rng.choice(ENDPOINTS)
            raw = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: http-load\r\n\r\n".encode()
            self.count(self.statuses, one_request(self.port, raw, self.deadline))
            with self.lock:
                self.sent += 1

    def malformed_client(self, count):
        os.nice(10)
        cases = [
            (b"GET /?" + b"a" * 3000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", {414}),
            (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 10000 + b"\r\n\r\n", {431}),
            (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-A: 1\r\n" * 40 + b"\r\n", {431}),
            (b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" + b"z" * 65536, {405}),
            (b"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", {413}),
            (b"GET /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", {413}),
            (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", {405, 505}),
            (bytes(range(256)) * 8, {400}),
            (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(64), {400}),
            (b"GET /../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", {404}),
            (b"GET /health HTTP/1.1\r\n Host: folded\r\n\r\n", {400}),
            (b"GET /health HTTP/1.1\r\nHost: x\r\nBad\x01Header: y\r\n\r\n", {400}),
        ]
        for i in range(count):
            if time.time() >= self.deadline:
                return
            raw, allowed = cases[i % len(cases)]
            got = one_request(self.port, raw, self.deadline)
            self.count(self.malformed, got)
            # 503 (every slot busy) and a reset (the server closed while the body still came)
            # are allowed for any case.
            if got not in allowed and got not in (503, -1):
                with self.lock:
                    self.bad_answers.append((raw[:40], got, sorted(allowed)))

    def slow_clients(self):
        os.nice(10)
        sel = selectors.DefaultSelector()
        request = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        conns = {}  # socket -> bytes sent

        def connect():
            try:
                s = socket.socket()
                s.setblocking(False)
                s.connect_ex(("127.0.0.1", self.port))
                conns[s] = 0
                sel.register(s, selectors.EVENT_READ)
            except OSError:
                pass

        for _ in range(self.slow):
            connect()
        next_tick = time.time()
        while time.time() < self.deadline:
            timeout = max(0, min(next_tick, self.deadline) - time.time())
            for key, _ in sel.select(timeout):
                s = key.fileobj
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                self.count(self.slow_answers, status_of(data) if data else -1)
                sel.unregister(s)
                s.close()
                del conns[s]
            if time.time() >= next_tick:
                next_tick += 1.0
                for s in list(conns):
                    try:
                        s.send(request[conns[s]:conns[s] + 1])
                        conns[s] = min(conns[s] + 1, len(request) - 1)
                    except OSError:
                        pass
                while len(conns) < self.slow and time.time() < self.deadline:
                    connect()
        for s in conns:
            s.close()

    def never_readers(self):
        held = []
        for i in range(6):
            try:
                s = socket.create_connection(("127.0.0.1", self.port), timeout=2)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
                path = "/snapshot.jpg" if i % 2 else "/metrics"
                s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                held.append(s)
            except OSError:
                pass
        try:
            held.append(socket.create_connection(("127.0.0.1", self.port), timeout=2))  # sends nothing
        except OSError:
            pass
        while time.time() < self.deadline:
            time.sleep(0.2)
        for s in held:
            s.close()

    def start(self, clients=8, malformed=600):
        # The slow clients first, so that they hold slots when the others arrive.
        slow = threading.Thread(target=self.slow_clients)
        slow.start()
        time.sleep(0.3)
        share = self.requests // clients
        for i in range(clients):
            self.threads.append(threading.Thread(target=self.client, args=(share,)))
        self.threads.append(threading.Thread(target=self.malformed_client, args=(malformed,)))
        self.threads.append(threading.Thread(target=self.never_readers))
        for t in self.threads:
            t.start()
        self.threads.append(slow)

    def join(self):
        for t in self.threads:
            t.join()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--smoke", action="store_true", help="short CI run")
    ap.add_argument("--seconds", type=float, help="length of each window")
    args = ap.parse_args()
    seconds = args.seconds or (6 if args.smoke else 30)
    requests = 1000 if args.smoke else 10000
    slow = 20 if args.smoke else 200

    daemon = http_daemon.Daemon()
    failures = []
    try:
        for path in ENDPOINTS:  # warm-up: the JPEG cache and frame copy exist from here on
            daemon.get(path)
        time.sleep(1)
        rss_before = daemon.rss_kib()
        quiet1 = window(daemon, seconds)
        attack = Attack(daemon.port, requests, slow, time.time() + seconds)
        start = classified(daemon)
        t0 = time.time()
        attack.start()
        time.sleep(max(0, seconds - (time.time() - t0)))
        under = classified(daemon) - start
        attack.join()
        attack_time = time.time() - t0
        time.sleep(7)  # request (5 s) and linger (1 s) deadlines close every attack connection
        latencies = []
        for _ in range(20):
            t = time.perf_counter()
            status, _ = daemon.get("/health")
            latencies.append((time.perf_counter() - t) * 1000)
            if status != 200:
                failures.append(f"/health answered {status} after the attack")
        rss_after = daemon.rss_kib()
        quiet2 = window(daemon, seconds)
        _, metrics = daemon.get("/metrics")
    finally:
        code = daemon.stop()
    if code != 0:
        failures.append(f"vigil serve exited with {code}")

    baseline = (quiet1 + quiet2) / 2
    ratio = under / baseline if baseline else 0
    served = sum(v for k, v in attack.statuses.items() if k == 200)
    print(f"http-load: windows of {seconds:.0f} s; frames classified undisturbed {quiet1} and {quiet2}, "
          f"under attack {under} ({ratio * 100:.1f} % of their mean)")
    print(f"http-load: {attack.sent} requests from 8 clients in {attack_time:.1f} s: "
          + ", ".join(f"{k}: {v}" for k, v in sorted(attack.statuses.items()))
          + f" ({served} answered 200; 503 = every slot busy, -1 = connection error)")
    print(f"http-load: {slow} slow clients (a byte a second), answers: "
          + ", ".join(f"{k}: {v}" for k, v in sorted(attack.slow_answers.items())))
    print("http-load: malformed and oversized requests, answers: "
          + ", ".join(f"{k}: {v}" for k, v in sorted(attack.malformed.items())))
    print(f"http-load: /health after the attack: median {statistics.median(latencies):.2f} ms, "
          f"max {max(latencies):.2f} ms")
    print(f"http-load: resident memory {rss_before} KiB before, {rss_after} KiB after "
          f"({rss_after - rss_before:+d} KiB)")
    for line in metrics.decode().splitlines():
        if line.startswith("vigil_http_") and not line.startswith("#"):
            print("http-load:   " + line)
    # The timing criteria decide the full run only: the CI smoke reports them (a shared CI
    # machine's load must not fail a build) and fails on behaviour alone.
    timing = []
    if ratio < 0.9:
        timing.append(f"frames classified under attack {ratio * 100:.1f} % of undisturbed (< 90 %)")
    if max(latencies) >= 100:
        timing.append(f"/health took {max(latencies):.1f} ms (>= 100 ms)")
    if args.smoke:
        for t in timing:
            print("http-load: note (not checked in --smoke): " + t)
    else:
        failures += timing
    if rss_after - rss_before >= 1024:
        failures.append(f"resident memory grew {rss_after - rss_before} KiB")
    for raw, got, allowed in attack.bad_answers[:10]:
        failures.append(f"malformed request {raw!r} answered {got}, expected one of {allowed}")
    if failures:
        print("\n".join("http-load: FAILED: " + f for f in failures))
        sys.exit(1)
    print("http-load: passed")


if __name__ == "__main__":
    main()
