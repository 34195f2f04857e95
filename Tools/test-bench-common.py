#!/usr/bin/env python3
# Copyright 2026 The Vigil Authors
# SPDX-License-Identifier: Apache-2.0
"""Unit checks of Tools/bench_common.py (standard library only; run by Tools/test.sh)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402

BENCH_HELP_OLD = """USAGE: vigil bench <model> [--runs <runs>] [--warmup <warmup>] [--per-layer] [--json]

OPTIONS:
  --runs <runs>           Timed runs. (default: 50)
  --per-layer             Also time every layer (median over up to 50 runs).
  --json                  Print one JSON object.
"""
BENCH_HELP_NEW = BENCH_HELP_OLD + "  --threads <threads>     Worker threads. (default: 1)\n  --isa <isa>  Force a kernel set.\n"


class BenchCommonTests(unittest.TestCase):
    def test_cpu_model(self):
        text = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9B14\nflags\t: fpu\n"
        self.assertEqual(bc.cpu_model(text), "AMD EPYC 9B14")
        self.assertEqual(bc.cpu_model("processor : 0\nModel : Raspberry Pi 4 Model B Rev 1.4\n"),
                         "Raspberry Pi 4 Model B Rev 1.4")
        self.assertEqual(bc.cpu_model("processor : 0\n"), "unknown")

    def test_help_has_option(self):
        self.assertFalse(bc.help_has_option(BENCH_HELP_OLD, "--threads"))
        self.assertTrue(bc.help_has_option(BENCH_HELP_NEW, "--threads"))
        self.assertTrue(bc.help_has_option(BENCH_HELP_NEW, "--isa"))
        self.assertTrue(bc.help_has_option(BENCH_HELP_OLD, "--per-layer"))
        self.assertFalse(bc.help_has_option(BENCH_HELP_OLD, "--per"))  # a prefix is not the option

    def test_median(self):
        self.assertEqual(bc.median([3.0, 1.0, 2.0]), 2.0)
        self.assertEqual(bc.median([4.0, 1.0, 2.0, 3.0]), 2.5)
        with self.assertRaises(ValueError):
            bc.median([])

    def test_cpu_per_inference_cancels_loading(self):
        # 0.5 s to load, 20 ms per inference: 23 inferences against 1.
        full, base = 0.5 + 23 * 0.020, 0.5 + 1 * 0.020
        self.assertAlmostEqual(bc.cpu_ms_per_inference(full, 23, base, 1), 20.0, places=9)
        with self.assertRaises(ValueError):
            bc.cpu_ms_per_inference(1.0, 1, 1.0, 1)

    def test_runs_for_cpu(self):
        self.assertEqual(bc.runs_for_cpu(10.0, 1.0, 23), 100)
        self.assertEqual(bc.runs_for_cpu(200.0, 1.0, 23), 23)   # the timed child is long enough
        self.assertEqual(bc.runs_for_cpu(0.1, 1.0, 23), 2000)   # capped
        self.assertEqual(bc.runs_for_cpu(0.0, 1.0, 23), 2000)

    def test_summarize_rounds(self):
        rounds = [{"min_ms": 5.0, "median_ms": 6.0, "cpu_ms": 5.5},
                  {"min_ms": 4.0, "median_ms": 9.0, "cpu_ms": 6.5},
                  {"min_ms": 4.5, "median_ms": 7.0, "cpu_ms": 6.0}]
        s = bc.summarize_rounds(rounds)
        self.assertEqual((s["best_ms"], s["median_ms"], s["cpu_ms"], s["rounds"]), (4.0, 7.0, 6.0, 3))

    def test_parse_json_line(self):
        self.assertEqual(bc.parse_json_line('note: x\n{"min_ms": 1.5}\n'), {"min_ms": 1.5})
        with self.assertRaises(ValueError):
            bc.parse_json_line("no json here\n")

    def test_format_table(self):
        t = bc.format_table(["variant", "ms"], [["ti", "3.250"], ["shipped", "0.125"]])
        self.assertEqual(t.splitlines(), ["variant     ms", "-------  -----", "ti       3.250", "shipped  0.125"])

    def test_ratio(self):
        self.assertEqual(bc.ratio(9.0, 3.0), 3.0)
        self.assertNotEqual(bc.ratio(1.0, 0.0), bc.ratio(1.0, 0.0))  # NaN


if __name__ == "__main__":
    unittest.main()
