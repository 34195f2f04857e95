// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import ArgumentParser
import VigilKit

struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Measure the latency of a .vigil model on this machine.",
    discussion: "Prints the configuration, then min, median, p90, max and mean over the timed runs.")

  @Argument(help: ArgumentHelp("The .vigil model.", valueName: "model"))
  var model: String

  @Option(help: "Timed runs (1 ... 1000000).")
  var runs = 50

  @Option(help: "Untimed runs first (0 ... 100000).")
  var warmup = 5

  @Flag(help: "Also time every layer (median over up to 50 runs).")
  var perLayer = false

  @Flag(help: "Print one JSON object.")
  var json = false

  func validate() throws {
    try OptionRange.check("--runs", runs, OptionRange.runs)
    try OptionRange.check("--warmup", warmup, OptionRange.warmup)
  }

  func run() throws {
    let b = try Benchmark(path: model, runs: runs, warmup: warmup, perLayer: perLayer)
    if json { print(b.json); return }
    print(b.configuration)
    let t = b.total
    print("latency ms: min \(formatFixed(t.min, 3)), median \(formatFixed(t.median, 3)), "
      + "p90 \(formatFixed(t.p90, 3)), max \(formatFixed(t.max, 3)), mean \(formatFixed(t.mean, 3))")
    if perLayer {
      print("per layer (median ms):")
      for (i, l) in b.layers.enumerated() {
        print("  \(formatFixed(l.median, 4))  op \(i) \(l.kind) \(l.name)")
      }
    }
  }
}
