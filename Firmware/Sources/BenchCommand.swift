// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CKernels
import CVigilBoard
import VigilCore

/// `vigil-board bench MODEL.vigil`: latency on this board by the host's protocol (the
/// configuration first, untimed warm-up runs, then min, median, p90, max and mean of timed
/// runs of one inference on a fixed input). The timed loop allocates nothing.
enum BenchCommand {
  static let usage = "usage: vigil-board bench [--runs N] [--warmup N] [--json] MODEL.vigil"

  static let help = """
    Measure the latency of a .vigil model on this board.

    \(usage)

    Prints the configuration, then min, median, p90, max and mean over the timed runs.
    MODEL.vigil is a model file, or @embedded for the model linked into this binary.

    options:
      --runs N        timed runs (default 50)
      --warmup N      untimed runs first (default 5)
      --json          print one JSON object
      -h, --help      show this help
    """

  static func run(_ args: ArraySlice<String>) throws(UsageError) -> Int32 {
    let a = try Arguments(args, flags: ["--json"], options: ["--runs", "--warmup"])
    if a.help { Output.line(help); return 0 }
    let runs = try a.integer("--runs", default: 50, minimum: 1, maximum: 1_000_000)
    let warmup = try a.integer("--warmup", default: 5, minimum: 0, maximum: 1_000_000)
    guard a.positional.count == 1 else { throw UsageError("give exactly one model") }
    let path = a.positional[0]
    let samples: [Double]
    let arena: UInt64
    do throws(VigilError) {
      let instance = try Instance(try openModel(path))
      arena = instance.model.arenaSize
      samples = try measure(instance, runs: runs, warmup: warmup)
    } catch {
      Output.error("Error: \(path): \(error.description)")
      return 1
    }
    var cpuBuffer = [CChar](repeating: 0, count: 256)
    vgl_board_cpu_name(&cpuBuffer, cpuBuffer.count)
    let cpu = cpuBuffer.withUnsafeBufferPointer { stringFromC($0.baseAddress) } ?? "unknown"
    let s = Stats(samples)
    if a.flag("--json") {
      Output.line("{\"model\": \(jsonString(path)), \"isa\": \"scalar\", \"threads\": 1, "
        + "\"cpu\": \(jsonString(cpu)), \"arena_bytes\": \(arena), \"warmup\": \(warmup), "
        + "\"runs\": \(runs), \"min_ms\": \(jsonNumber(s.min)), \"median_ms\": \(jsonNumber(s.median)), "
        + "\"p90_ms\": \(jsonNumber(s.p90)), \"max_ms\": \(jsonNumber(s.max)), "
        + "\"mean_ms\": \(jsonNumber(s.mean)), \"arch\": \(jsonString(stringFromC(vgl_board_arch()) ?? ""))}")
      return 0
    }
    Output.line("model \(path), isa scalar (the reference kernels), threads 1, cpu \(cpu), "
      + "arena \(arena) B, warmup \(warmup), runs \(runs)")
    Output.line("latency ms: min \(formatFixed(s.min, 3)), median \(formatFixed(s.median, 3)), "
      + "p90 \(formatFixed(s.p90, 3)), max \(formatFixed(s.max, 3)), mean \(formatFixed(s.mean, 3))")
    return 0
  }

  /// `warmup` untimed runs, then the times of `runs` runs in milliseconds.
  private static func measure(_ instance: borrowing Instance, runs: Int, warmup: Int)
    throws(VigilError) -> [Double]
  {
    let size = instance.model.inputSize
    // The host's fixed, deterministic input: a smooth gradient.
    var pixels = [UInt8](repeating: 0, count: size * size * 3)
    for y in 0..<size {
      for x in 0..<size {
        for c in 0..<3 {
          pixels[(y * size + x) * 3 + c] = UInt8((x * 255 / max(size - 1, 1) + y * 97 + c * 61) % 256)
        }
      }
    }
    var logits = [Float](repeating: 0, count: instance.model.classes)
    var samples = [Double](repeating: 0, count: runs)
    var failure: VigilError? = nil
    pixels.withUnsafeBufferPointer { input in
      logits.withUnsafeMutableBufferPointer { output in
        do throws(VigilError) {
          for _ in 0..<warmup { try instance.run(pixels: input, logits: output) }
          for i in 0..<runs {
            let t0 = vgl_board_monotonic_ns()
            try instance.run(pixels: input, logits: output)
            samples[i] = Double(vgl_board_monotonic_ns() - t0) / 1e6
          }
        } catch {
          failure = error
        }
      }
    }
    if let failure { throw failure }
    return samples
  }

  /// min, median, p90, max and mean in milliseconds, as the host computes them.
  struct Stats {
    var min, median, p90, max, mean: Double
    init(_ samples: [Double]) {
      let s = samples.sorted()
      min = s.first ?? 0
      max = s.last ?? 0
      median = s.isEmpty ? 0
        : (s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2)
      p90 = s.isEmpty ? 0
        : s[Swift.min(s.count - 1, Int((Double(s.count) * 0.9).rounded(.up)) - 1)]
      mean = s.isEmpty ? 0 : s.reduce(0, +) / Double(s.count)
    }
  }
}
