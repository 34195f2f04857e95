#!/usr/bin/env python3
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
"""Opens the HTML reports of `vigil eval --html` and `vigil quantize --report-html` in headless
Chromium (Debian's `chromium`) and checks them.

    python3 Tools/report-check.py [OUTDIR]     # default .build-browser/

Runs `vigil eval` on the shipped model over the first 300 Fashion-MNIST test images (Debian's
dataset-fashion-mnist, Tools/setup.sh) with --json and --html, and `vigil quantize` of the
shipped checkpoint on 16 training images with --report-html. Each page is screenshotted at
desktop (1280 px) and phone (390 px) width (OUTDIR/report-{eval,quantize}{,-phone}.png) and its
DOM dumped after layout. The DOM is taken from a copy of the page with a small probe script
appended (the reports themselves hold no script): it records, on <body>, how many images the
browser decoded and how far the page overflows the window sideways.

Checks: the page references nothing but data: URIs and in-page anchors; eval: classes^2
heat-map cells whose counts equal the JSON's confusion matrix, the top-1 figure equal to the
JSON's, one miss per misclassified image (at most the page's cap) each with a thumbnail the
browser decoded; quantize: one bar per op of the model written, worst SQNR first; both pages:
no sideways overflow at phone width. Exits 1 with what is wrong.
"""
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = "/usr/share/datasets/fashion-mnist"  # Debian's dataset-fashion-mnist
WEIGHTS = os.path.join(ROOT, "weights", "fashion-mnist")
LIMIT = 300
CALIB = 16

# Appended to a copy of a page: what only a browser that laid the page out can tell.
PROBE = """<script>
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var b = document.body;
  b.setAttribute("data-images", String(imgs.length));
  b.setAttribute("data-decoded", String(imgs.filter(function (i) {
    return i.complete && i.naturalWidth > 0; }).length));
  // Headless Chromium's --dump-dom window is at least 500 px wide: the phone run narrows the
  // page itself to 390 px (the media queries already apply below 600 px).
  if (window.innerWidth < 600) document.documentElement.style.width = "390px";
  b.setAttribute("data-width", String(b.clientWidth));
  b.setAttribute("data-overflow", String(b.scrollWidth - b.clientWidth));
});
</script>
"""


class Dom(html.parser.HTMLParser):
    """The elements the checks read, from Chromium's --dump-dom output."""

    def __init__(self):
        super().__init__()
        self.body = {}
        self.refs = []       # every src / href value
        self.cells = []      # heat-map cell texts
        self.misses = 0
        self.miss_imgs = []  # src of the <img> inside each miss
        self.bars = []       # class attribute of every rect.bar
        self.layer_ops = []  # data-op of each chart row, in page order
        self.figures = {}    # id -> text of the <b> in a .figure
        self._cell = None
        self._figure = None
        self._in_miss = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "body":
            self.body = a
        for key in ("src", "href"):
            if key in a:
                self.refs.append(a[key])
        if tag == "td" and "cell" in cls:
            self._cell = ""
        if tag == "figure" and "miss" in cls:
            self.misses += 1
            self._in_miss = True
        if tag == "img" and self._in_miss:
            self.miss_imgs.append(a.get("src", ""))
        if tag == "rect" and "bar" in cls:
            self.bars.append(cls)
        if tag == "div" and "layer" in cls and "data-op" in a:
            self.layer_ops.append(int(a["data-op"]))
        if tag == "div" and "figure" in cls:
            self._figure = [a.get("id"), None]
        if tag == "b" and self._figure is not None:
            self._figure[1] = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._figure is not None and self._figure[1] is not None:
            self._figure[1] += data

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.cells.append(self._cell)
            self._cell = None
        if tag == "figure":
            self._in_miss = False
        if tag == "b" and self._figure is not None and self._figure[1] is not None:
            self.figures[self._figure[0]] = self._figure[1]
            self._figure = None


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)
    if p.returncode != 0:
        sys.exit(f"report-check: {' '.join(cmd)} failed ({p.returncode}):\n{p.stderr[-2000:]}")
    return p.stdout


def browse(browser, flags, page, out, name):
    """Screenshots `page` at both widths and returns the parsed DOM of its probed copy."""
    for suffix, size in (("", "1280,2600"), ("-phone", "390,4000")):
        shot = os.path.join(out, f"report-{name}{suffix}.png")
        if os.path.exists(shot):
            os.remove(shot)
        subprocess.run([browser, *flags, f"--window-size={size}", f"--screenshot={shot}",
                        "file://" + page], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=90, check=False)
        if not os.path.exists(shot) or os.path.getsize(shot) < 1000:
            sys.exit(f"report-check: Chromium wrote no screenshot {shot}")
    with open(page, encoding="utf-8") as f:
        text = f.read()
    probed = os.path.join(out, f"report-{name}-probe.html")
    with open(probed, "w", encoding="utf-8") as f:
        f.write(text.replace("</body>", PROBE + "</body>"))
    doms = []
    for size in ("1280,900", "390,900"):
        dom = subprocess.run([browser, *flags, f"--window-size={size}", "--dump-dom",
                              "file://" + probed], capture_output=True, timeout=90,
                             check=False).stdout.decode("utf-8", "replace")
        p = Dom()
        p.feed(dom)
        doms.append(p)
    with open(os.path.join(out, f"report-{name}-dom.html"), "w", encoding="utf-8") as f:
        f.write(dom)
    # The page as written must be self-contained too (the probe adds only a script).
    if re.search(r"<script|\b(?:src|href)=\"(?!data:|#)", text, re.I):
        sys.exit(f"report-check: {page} holds a script or an external reference")
    return doms


def common_problems(name, desktop, phone):
    problems = []
    external = [r for r in desktop.refs if not r.startswith(("data:", "#"))]
    if external:
        problems.append(f"{name}: references off the page: {external[:3]}")
    if desktop.body.get("data-images") is None:
        problems.append(f"{name}: the probe did not run (no data-images on <body>)")
    if desktop.body.get("data-images") != desktop.body.get("data-decoded"):
        problems.append(f"{name}: Chromium decoded {desktop.body.get('data-decoded')} of "
                        f"{desktop.body.get('data-images')} images")
    overflow = int(phone.body.get("data-overflow", "999"))
    if phone.body.get("data-width") != "390":
        problems.append(f"{name}: the phone run laid the page out {phone.body.get('data-width')} px wide")
    elif overflow > 0:
        problems.append(f"{name}: at 390 px the page overflows sideways by {overflow} px")
    return problems


def main():
    out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build-browser"))
    os.makedirs(out, exist_ok=True)
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        sys.exit("report-check: no chromium (Tools/setup.sh installs Debian's chromium)")
    if not os.path.exists(os.path.join(DATA, "t10k-images-idx3-ubyte.gz")):
        sys.exit(f"report-check: no Fashion-MNIST in {DATA} (Tools/setup.sh installs "
                 "dataset-fashion-mnist)")
    vigil = os.environ.get("VIGIL") or os.path.join(
        run(["swift", "build", "--show-bin-path"], cwd=ROOT).strip(), "vigil")
    flags = ["--headless", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             "--disable-extensions", "--disable-background-networking", "--disable-sync",
             f"--user-data-dir={out}/profile", "--virtual-time-budget=4000"]
    if os.geteuid() == 0:
        flags.append("--no-sandbox")

    eval_page = os.path.join(out, "report-eval.html")
    report = json.loads(run([vigil, "eval", os.path.join(WEIGHTS, "mobilevigv2-fmnist.vigil"),
                             "--dataset", f"fashion-mnist:{DATA}", "--limit", str(LIMIT),
                             "--json", "--html", eval_page]))
    quant_page = os.path.join(out, "report-quantize.html")
    wrote = run([vigil, "quantize", "--checkpoint", os.path.join(WEIGHTS, "mobilevigv2-fmnist.safetensors"),
                 "--config", os.path.join(WEIGHTS, "mobilevigv2-fmnist.config.json"),
                 "--calib", f"fashion-mnist:{DATA}:train", "--calib-count", str(CALIB),
                 "--labels", os.path.join(WEIGHTS, "labels.txt"),
                 "-o", os.path.join(out, "report-check.vigil"), "--report-html", quant_page])
    ops = int(re.search(r"(\d+) ops", wrote).group(1))

    problems = []
    desktop, phone = browse(browser, flags, eval_page, out, "eval")
    problems += common_problems("eval", desktop, phone)
    classes = len(report["classes"])
    if len(desktop.cells) != classes * classes:
        problems.append(f"eval: {len(desktop.cells)} heat-map cells for {classes} classes")
    elif [int(c) for c in desktop.cells] != [n for row in report["confusion"] for n in row]:
        problems.append("eval: the heat-map counts differ from the JSON's confusion matrix")
    top1 = f"{report['top1'] * 100:.2f} %"
    if desktop.figures.get("top1") != top1:
        problems.append(f"eval: top-1 shows {desktop.figures.get('top1')!r}, the JSON says {top1}")
    missed = sum(1 for p in report["predictions"] if p.get("predicted") not in (None, p["true"]))
    if missed == 0 or desktop.misses != min(missed, 48):
        problems.append(f"eval: {desktop.misses} thumbnails for {missed} misclassified images")
    if len(desktop.miss_imgs) != desktop.misses or not all(
            s.startswith("data:image/png;base64,") for s in desktop.miss_imgs):
        problems.append("eval: a miss lacks its PNG thumbnail")

    desktop_q, phone_q = browse(browser, flags, quant_page, out, "quantize")
    problems += common_problems("quantize", desktop_q, phone_q)
    if len(desktop_q.bars) != ops or len(desktop_q.layer_ops) != ops:
        problems.append(f"quantize: {len(desktop_q.bars)} bars, {len(desktop_q.layer_ops)} rows "
                        f"for a model of {ops} ops")
    if sorted(desktop_q.layer_ops) != list(range(ops)):
        problems.append("quantize: the chart does not hold each op once")

    if problems:
        print("\n".join("report-check: " + x for x in problems))
        print(f"report-check: pages, screenshots and DOMs in {out}")
        sys.exit(1)
    print(f"report-check: eval page: {classes}x{classes} cells equal to the JSON, top-1 {top1}, "
          f"{desktop.misses} of {missed} misses with decoded thumbnails; quantize page: {ops} bars "
          f"(worst op {desktop_q.layer_ops[0]}); no sideways overflow at 390 px; screenshots "
          f"{out}/report-*.png")


if __name__ == "__main__":
    main()
