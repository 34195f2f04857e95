#!/usr/bin/env python3
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
"""Checks a live /metrics with an independent parser (prometheus_client's text parser).

    .build-metrics/venv/bin/python Tools/metrics-check.py     # via Tools/metrics-check.sh

Starts `vigil serve --http` over the bundled frames, scrapes /metrics three times, parses each
scrape with prometheus_client.parser.text_string_to_metric_families (which refuses malformed
exposition text), and checks: every metric listed in docs/serve.md's metrics table is
present with its documented type; every counter sample is the same or higher in each later
scrape; histogram buckets are cumulative and end in +Inf == _count; the frame counters add up
(captured == classified + skipped + dropped + bad). Exits non-zero with what was wrong.
"""
import os
import re
import sys
import time

from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import http_daemon  # noqa: E402


def documented():
    path = os.path.join(http_daemon.ROOT, "docs/serve.md")
    rows = re.findall(r"^\| `(vigil_[a-z_]+)` \| (counter|gauge|histogram) \|", open(path).read(), re.M)
    if len(rows) < 20:
        sys.exit(f"metrics-check: found only {len(rows)} metrics in {path}'s table")
    return dict(rows)


def scrape(daemon):
    status, body = daemon.get("/metrics")
    if status != 200:
        sys.exit(f"metrics-check: /metrics answered {status}")
    families = {}
    for family in text_string_to_metric_families(body.decode("utf-8")):
        families[family.name] = family
    return families


def counter_samples(families):
    out = {}
    for f in families.values():
        if f.type != "counter":
            continue
        for s in f.samples:
            if s.name.endswith("_created"):
                continue
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def main():
    want = documented()
    daemon = http_daemon.Daemon()
    problems = []
    try:
        scrapes = []
        for _ in range(3):
            scrapes.append(scrape(daemon))
            time.sleep(0.5)
    finally:
        daemon.stop()
    for i, fams in enumerate(scrapes):
        for name, kind in want.items():
            # prometheus_client names counter families without the _total suffix.
            key = name[:-len("_total")] if kind == "counter" and name.endswith("_total") else name
            fam = fams.get(key)
            if fam is None:
                problems.append(f"scrape {i}: {name} missing")
            elif fam.type != kind:
                problems.append(f"scrape {i}: {name} is a {fam.type}, documented as {kind}")
        for fam in fams.values():
            if fam.type != "histogram":
                continue
            buckets = [(s.labels["le"], s.value) for s in fam.samples if s.name.endswith("_bucket")]
            counts = [s.value for s in fam.samples if s.name.endswith("_count")]
            values = [v for _, v in buckets]
            if values != sorted(values) or not buckets or buckets[-1][0] != "+Inf" \
                    or not counts or buckets[-1][1] != counts[0]:
                problems.append(f"scrape {i}: histogram {fam.name} is not cumulative up to +Inf == _count")
        undocumented = [n for n in fams if not any(n == w or n + "_total" == w for w in want)]
        if undocumented:
            problems.append(f"scrape {i}: undocumented metrics {undocumented}")
        c = {k[0]: v for k, v in counter_samples(fams).items() if not k[1]}
        parts = sum(c.get(f"vigil_frames_{p}_total", 0) for p in ("classified", "skipped", "dropped", "bad"))
        if c.get("vigil_frames_captured_total") != parts:
            problems.append(f"scrape {i}: captured {c.get('vigil_frames_captured_total')} != {parts}")
    for i in range(1, len(scrapes)):
        before, after = counter_samples(scrapes[i - 1]), counter_samples(scrapes[i])
        for key, value in before.items():
            if key not in after:
                problems.append(f"scrape {i}: counter {key} vanished")
            elif after[key] < value:
                problems.append(f"scrape {i}: counter {key} fell from {value} to {after[key]}")
    first, last = counter_samples(scrapes[0]), counter_samples(scrapes[-1])
    classified = [last[k] - first[k] for k in first if k[0] == "vigil_frames_classified_total"]
    if not classified or classified[0] <= 0:
        problems.append("vigil_frames_classified_total did not rise between the first and last scrape")
    if problems:
        print("\n".join("metrics-check: " + p for p in problems))
        sys.exit(1)
    print(f"metrics-check: {len(want)} documented metrics present in 3 scrapes, parsed by "
          f"prometheus_client; {len(last)} counter samples never fell; frames classified rose by "
          f"{int(classified[0])}")


if __name__ == "__main__":
    main()
