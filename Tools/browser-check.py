#!/usr/bin/env python3
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
"""Loads the daemon's live page (/) in headless Chromium (Debian's `chromium`) and checks it.

    python3 Tools/browser-check.py [OUTDIR]     # default .build-browser/

Starts `vigil serve --http` over the bundled frames (Tools/http_daemon.py), then runs Chromium
twice against http://127.0.0.1:PORT/: --screenshot (OUTDIR/page.png, 1280x900) and --dump-dom
(OUTDIR/dom.html, after the page's scripts ran). The DOM must show the frame image loaded by
the browser (the page's onload handler records its natural size on <body data-frame>: 28x28
for the samples), the state, one top-k bar per listed class with a label of the model, the
counters with frames classified, and nothing fetched from another origin. Exits 1 with what is
missing. Chromium runs with --no-sandbox when run as root (its sandbox refuses root).
"""
import html.parser
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_daemon  # noqa: E402

LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
          "Bag", "Ankle boot"]


class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.body_attrs, self.imgs, self.scripts = [], {}, [], []
        self.text = {}  # id -> text
        self.bar_names = []
        self.counters = []
        self._capture = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.body_attrs = a
        if tag == "img":
            self.imgs.append(a)
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        if tag == "span" and a.get("class") == "name":
            self._capture = ("bar", "")
        elif a.get("id") in ("state", "health"):
            self._capture = (a["id"], "")
        elif tag == "td":
            self._capture = ("td", "")

    def handle_data(self, data):
        if self._capture:
            self._capture = (self._capture[0], self._capture[1] + data)

    def handle_endtag(self, tag):
        if not self._capture:
            return
        kind, text = self._capture
        if kind == "bar" and tag == "span":
            self.bar_names.append(text)
        elif kind in ("state", "health") and tag in ("span", "p"):
            self.text[kind] = text
        elif kind == "td" and tag == "td":
            self.counters.append(text)
        else:
            return
        self._capture = None


def main():
    out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(http_daemon.ROOT, ".build-browser"))
    os.makedirs(out, exist_ok=True)
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        sys.exit("browser-check: no chromium (Tools/setup.sh installs Debian's chromium)")
    flags = ["--headless", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             "--disable-extensions", "--disable-background-networking", "--disable-sync",
             f"--user-data-dir={out}/profile", "--virtual-time-budget=4000"]
    if os.geteuid() == 0:
        flags.append("--no-sandbox")
    daemon = http_daemon.Daemon()
    try:
        url = daemon.url("/")
        shot = os.path.join(out, "page.png")
        if os.path.exists(shot):
            os.remove(shot)
        subprocess.run([browser, *flags, "--window-size=1280,900", f"--screenshot={shot}", url],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=90, check=False)
        dom = subprocess.run([browser, *flags, "--dump-dom", url], capture_output=True, timeout=90,
                             check=False).stdout.decode("utf-8", "replace")
    finally:
        daemon.stop()
    with open(os.path.join(out, "dom.html"), "w") as f:
        f.write(dom)
    p = Dom()
    p.feed(dom)
    problems = []
    if not os.path.exists(shot) or os.path.getsize(shot) < 1000:
        problems.append(f"no screenshot at {shot}")
    frames = [i for i in p.imgs if i.get("id") == "frame"]
    if not frames or not frames[0].get("src", "").startswith("/snapshot.jpg"):
        problems.append("no <img id=frame src=/snapshot.jpg...>")
    if p.body_attrs.get("data-frame") != "28x28":
        problems.append(f"the browser did not load the frame (body data-frame={p.body_attrs.get('data-frame')!r})")
    if p.text.get("state") not in LABELS + ["none"]:
        problems.append(f"state {p.text.get('state')!r} is not a label of the model")
    if not p.bar_names or any(n not in LABELS for n in p.bar_names):
        problems.append(f"top-k bars {p.bar_names!r} are not labels of the model")
    if p.text.get("health", "").strip() != "healthy":
        problems.append(f"health line says {p.text.get('health')!r}")
    try:
        i = p.counters.index("classified")
        if int(p.counters[i + 1]) <= 0:
            problems.append("counters show no classified frame")
    except (ValueError, IndexError):
        problems.append(f"no 'classified' counter in {p.counters!r}")
    if p.scripts or any(i.get("src", "").startswith(("http:", "https:", "//")) for i in p.imgs):
        problems.append("the page loads an external asset")
    if problems:
        print("\n".join("browser-check: " + x for x in problems))
        print(f"browser-check: DOM in {out}/dom.html")
        sys.exit(1)
    print(f"browser-check: Chromium showed the frame ({p.body_attrs['data-frame']}), state "
          f"{p.text['state']!r}, bars {p.bar_names}, classified {p.counters[p.counters.index('classified') + 1]}; "
          f"screenshot {shot}")


if __name__ == "__main__":
    main()
