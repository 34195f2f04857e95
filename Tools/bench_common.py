# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
"""Standard-library helpers of Tools/bench-peers.py: the machine's description, child
processes timed with their resource usage, the statistics and the result table.

Nothing here imports numpy, torch or onnxruntime, so the helpers run (and are unit-checked by
Tools/test-bench-common.py) with the system Python alone.
"""
import json
import re
import subprocess
import time


def cpu_model(cpuinfo_text):
    """The CPU's name from the text of /proc/cpuinfo ("unknown" if it names none)."""
    for line in cpuinfo_text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Model") and value.strip():
            return value.strip()
    return "unknown"


def machine_cpu():
    try:
        with open("/proc/cpuinfo") as f:
            return cpu_model(f.read())
    except OSError:
        return "unknown"


def load_average():
    """The 1-, 5- and 15-minute load averages from /proc/loadavg, as a string."""
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def git_commit(repo):
    """The repository's HEAD commit (short), with "+dirty" if the work tree has changes."""
    try:
        head = subprocess.run(["git", "-C", repo, "rev-parse", "--short=12", "HEAD"], check=True,
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--untracked-files=no"],
                               check=True, capture_output=True, text=True).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def help_has_option(help_text, option):
    """Whether a command's --help text offers `option` (for example "--threads")."""
    return re.search(r"(^|[\s\[,])" + re.escape(option) + r"([\s=\]<,]|$)", help_text, re.M) is not None


def median(values):
    s = sorted(values)
    if not s:
        raise ValueError("median of no values")
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def cpu_ms_per_inference(full_cpu_s, full_inferences, base_cpu_s, base_inferences):
    """CPU milliseconds per inference from two runs of the same child that differ only in how
    many inferences they do: the difference cancels what both spend loading and exiting."""
    if full_inferences <= base_inferences:
        raise ValueError("the full run must do more inferences than the baseline")
    return 1e3 * (full_cpu_s - base_cpu_s) / (full_inferences - base_inferences)


def runs_for_cpu(median_ms, seconds, at_least, at_most=2000):
    """How many inferences a CPU-time child should run: about `seconds` of them, at least
    `at_least`, at most `at_most`."""
    if median_ms <= 0:
        return at_most
    want = int(-(-seconds * 1e3 // median_ms))  # ceil
    return max(at_least, min(at_most, want))


class ChildTimer:
    """Runs children one at a time and returns, for each, its output, exit status, wall time
    and CPU time (user + system of the child and all its threads, from the growth of
    RUSAGE_CHILDREN around the run; hence one child at a time)."""

    def __init__(self):
        import resource
        self._resource = resource

    def _children_cpu(self):
        r = self._resource.getrusage(self._resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime

    def run(self, argv, timeout=600):
        before = self._children_cpu()
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise RuntimeError(f"timed out after {timeout:.0f} s: {' '.join(argv)}")
        wall = time.monotonic() - t0
        return out, err, proc.returncode, self._children_cpu() - before, wall


def parse_json_line(text):
    """The last line of `text` that is a JSON object (children print one)."""
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("no JSON object in the output: " + text.strip()[:300])


def summarize_rounds(rounds):
    """Combines per-round child results (dicts with min_ms, median_ms, cpu_ms) into best (the
    lowest minimum), median (the median of the rounds' medians) and the mean CPU per inference."""
    if not rounds:
        raise ValueError("no rounds")
    return {"best_ms": min(r["min_ms"] for r in rounds),
            "median_ms": median([r["median_ms"] for r in rounds]),
            "cpu_ms": sum(r["cpu_ms"] for r in rounds) / len(rounds),
            "rounds": len(rounds)}


def ratio(numerator, denominator):
    return numerator / denominator if denominator > 0 else float("nan")


def format_table(headers, rows):
    """A plain-text table: a header line, a rule, one line per row; numbers right-aligned."""
    cells = [[str(h) for h in headers]] + [[c if isinstance(c, str) else f"{c:.2f}" for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))

    return "\n".join([line(cells[0]), "  ".join("-" * w for w in widths)] + [line(r) for r in cells[1:]])
