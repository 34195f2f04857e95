# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
"""Shared by the status-server check scripts: start `vigil serve --http` on a free loopback port
over the bundled sample frames, talk to it over loopback, stop it. Standard library only."""
import glob
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, "weights/fashion-mnist/mobilevigv2-fmnist.vigil")


def samples():
    d = os.path.join(ROOT, "Tests/Fixtures/samples")
    return sorted(glob.glob(os.path.join(d, "*.png")) + glob.glob(os.path.join(d, "*.jpg")))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def vigil_binary():
    explicit = os.environ.get("VIGIL")
    if explicit:
        return explicit
    for cand in (".build/debug/vigil", ".build/release/vigil"):
        path = os.path.join(ROOT, cand)
        if os.access(path, os.X_OK):
            return path
    raise SystemExit("no built vigil (run `swift build` or set VIGIL=path)")


class Daemon:
    """`vigil serve MODEL samples... --loop --http 127.0.0.1:PORT` as a child process."""

    def __init__(self, extra=()):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="vigil-http-")
        self.output = os.path.join(self.dir, "out.jsonl")
        args = [vigil_binary(), "serve", MODEL, *samples(), "--loop", "--smooth", "3",
                "--http", f"127.0.0.1:{self.port}", "--output", self.output, *extra]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(self.dir, "stderr.txt"), "wb"))
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"vigil serve exited with {self.proc.returncode}: "
                                 + open(os.path.join(self.dir, "stderr.txt")).read())
            try:
                if self.get("/health")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise SystemExit("vigil serve did not become healthy within 60 s")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path, timeout=5):
        try:
            with urllib.request.urlopen(self.url(path), timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode
