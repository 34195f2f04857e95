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

  @OptionGroup var runtime: RuntimeOptions

  @Flag(help: "Also time every layer (median over up to 50 runs), with sums per op type.")
  var perLayer = false

  @Option(help: "Pace the timed runs at this many frames per second and report the process CPU per frame, idle time included.")
  var fps: Double?

  @Flag(help: "Print one JSON object.")
  var json = false

  func validate() throws {
    try OptionRange.check("--runs", runs, OptionRange.runs)
    try OptionRange.check("--warmup", warmup, OptionRange.warmup)
    if let fps, !(fps > 0 && fps <= 1000) { throw ValidationError("--fps must be in (0, 1000].") }
  }

  func run() throws {
    let b = try Benchmark(path: model, runs: runs, warmup: warmup, perLayer: perLayer,
                          threads: runtime.threads, isa: runtime.isa.isa, fps: fps)
    if json { print(b.json); return }
    print(b.configuration)
    let t = b.total
    print("latency ms: min \(formatFixed(t.min, 3)), median \(formatFixed(t.median, 3)), "
      + "p90 \(formatFixed(t.p90, 3)), max \(formatFixed(t.max, 3)), mean \(formatFixed(t.mean, 3))")
    print("cpu ms per run: mean \(formatFixed(b.cpuMean, 3))")
    if let fps = b.fps, let perFrame = b.cpuPerFrame {
      print("paced at \(formatFixed(fps, 1)) fps: cpu ms per frame \(formatFixed(perFrame, 3)) "
        + "(\(formatFixed(perFrame / max(b.cpuMean, 1e-9), 2))x the runs' own)")
    }
    if perLayer {
      print("per layer (median ms):")
      for (i, l) in b.layers.enumerated() {
        print("  \(formatFixed(l.median, 4))  op \(i) \(l.kind) \(l.name)")
      }
      print("per op type (sum of medians):")
      for t in b.opTypes {
        print("  \(t.kind): \(t.ops) ops, \(formatFixed(t.milliseconds, 3)) ms, "
          + "\(formatFixed(100 * t.share, 1)) %, \(formatFixed(t.gmacPerSecond, 1)) GMAC/s")
      }
    }
  }
}
