// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import ArgumentParser
import VigilKit

struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Measure the latency of a .vigil model (or, for comparison, a checkpoint's fp32 path) on this machine.",
    discussion: """
      Prints the configuration (precision, the ISA path and thread count actually used), then \
      min, median, p90, max and mean over the timed runs. With --checkpoint FILE and \
      --variant or --config, times the fp32 path (one thread) the same way.
      """)

  @Argument(help: ArgumentHelp("The .vigil model (omit with --checkpoint).", valueName: "model"))
  var model: String?

  @Option(help: ArgumentHelp("PyTorch (.pth) or .safetensors checkpoint: time its fp32 path instead of a .vigil model.", valueName: "file"))
  var checkpoint: String?

  @OptionGroup var network: NetworkOptions

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
    if checkpoint != nil {
      if model != nil {
        throw ValidationError("Give either a .vigil model or --checkpoint FILE, not both.")
      }
      if runtime.threads != 1 || runtime.isa != .auto {
        throw ValidationError("--threads and --isa choose how an int8 model runs; the fp32 path of --checkpoint runs on one thread with its own kernels.")
      }
      if perLayer {
        throw ValidationError("--per-layer times the ops of a .vigil model; it does not apply to --checkpoint.")
      }
    } else {
      if model == nil {
        throw ValidationError("Give a .vigil model, or --checkpoint FILE (with --variant or --config, or neither to infer the network).")
      }
      if network.isGiven {
        throw ValidationError("--variant and --config go with --checkpoint; a .vigil model carries its network.")
      }
    }
  }

  func run() throws {
    let b: Benchmark
    if let checkpoint {
      b = try Benchmark(checkpoint: checkpoint, config: network.resolve(checkpoint: checkpoint, ema: false), runs: runs,
                        warmup: warmup, fps: fps)
    } else {
      b = try Benchmark(path: model!, runs: runs, warmup: warmup, perLayer: perLayer,
                        threads: runtime.threads, isa: runtime.isa.isa, fps: fps)
    }
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
