// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CKernels
import Foundation
import VigilCore

/// Latency of a `.vigil` model on this machine, by a fixed protocol: the configuration first,
/// `warmup` untimed runs, then `runs` timed runs of one inference each on a fixed input; report
/// min, median, p90, max and mean. The timed loop calls the C runtime on buffers allocated
/// before it (the arena, the pixels, the logits) and allocates nothing.
///
/// Per-layer times come from a separate pass that runs the plan with an observer which reads
/// the monotonic clock after every op; the observer adds a few hundred nanoseconds per op, so
/// the per-layer sum slightly exceeds the whole-network figure.
public struct Benchmark {
  public struct Stats {
    public var min, median, p90, max, mean: Double  // milliseconds
    init(_ samples: [Double]) {
      let s = samples.sorted()
      min = s.first ?? 0
      max = s.last ?? 0
      median = s.isEmpty ? 0 : (s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2)
      p90 = s.isEmpty ? 0 : s[Swift.min(s.count - 1, Int((Double(s.count) * 0.9).rounded(.up)) - 1)]
      mean = s.isEmpty ? 0 : s.reduce(0, +) / Double(s.count)
    }
  }

  public var model: String
  public var runs: Int
  public var warmup: Int
  public var total: Stats
  /// Per op: name, kind and the median time in milliseconds (empty unless requested).
  public var layers: [(name: String, kind: String, median: Double)]
  public var arenaBytes: UInt64
  public var cpu: String

  static func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) * 1e3 + Double(ts.tv_nsec) / 1e6
  }

  public static func cpuName() -> String {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
    for line in text.split(separator: "\n") where line.hasPrefix("model name") || line.hasPrefix("Model") {
      if let colon = line.firstIndex(of: ":") {
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      }
    }
    return "unknown"
  }

  public init(path: String, runs: Int, warmup: Int, perLayer: Bool) throws {
    let info = try ModelInspection(path: path)
    try InputFile.requireRegular(path)
    let model = try Model(path: path)
    let plan = model.plan
    let size = model.inputSize
    let arenaBytes = model.arenaSize
    var arena: UnsafeMutableRawPointer?
    var message = [CChar](repeating: 0, count: 256)
    let status = vgl_arena_alloc(arenaBytes, &arena, &message, message.count)
    if let error = VigilError(status: status, message: cString(message)) { throw error }
    defer { vgl_arena_free(arena) }
    // A fixed, deterministic input: a smooth gradient.
    var pixels = [UInt8](repeating: 0, count: size * size * 3)
    for y in 0..<size { for x in 0..<size { for c in 0..<3 {
      pixels[(y * size + x) * 3 + c] = UInt8((x * 255 / max(size - 1, 1) + y * 97 + c * 61) % 256)
    } } }
    var logits = [Float](repeating: 0, count: model.classes)
    func once() throws {
      let s = vgl_q8_run(plan, arena, arenaBytes, pixels, &logits, nil, nil)
      if let error = VigilError(status: s, message: String(cString: vgl_status_string(s))) { throw error }
    }
    for _ in 0..<warmup { try once() }
    var samples = [Double](repeating: 0, count: runs)
    for i in 0..<runs {
      let t0 = Self.now()
      try once()
      samples[i] = Self.now() - t0
    }
    var layerTimes: [(String, String, Double)] = []
    if perLayer {
      final class Clock { var last = 0.0; var times: [[Double]] = [] }
      let clock = Clock()
      clock.times = Array(repeating: [], count: info.layers.count)
      for _ in 0..<Swift.max(1, Swift.min(runs, 50)) {
        clock.last = Self.now()
        let ctx = Unmanaged.passUnretained(clock).toOpaque()
        let s = vgl_q8_run(plan, arena, arenaBytes, pixels, &logits, { ctx, op, _, _ in
          let c = Unmanaged<Clock>.fromOpaque(ctx!).takeUnretainedValue()
          let t = Benchmark.now()
          c.times[Int(op)].append(t - c.last)
          c.last = t
        }, ctx)
        if let error = VigilError(status: s, message: String(cString: vgl_status_string(s))) { throw error }
      }
      layerTimes = info.layers.map { l in (l.name, l.kind, Stats(clock.times[l.index]).median) }
    }
    self.model = path
    self.runs = runs
    self.warmup = warmup
    self.total = Stats(samples)
    self.layers = layerTimes
    self.arenaBytes = arenaBytes
    self.cpu = Self.cpuName()
  }

  /// The configuration line printed before the figures.
  public var configuration: String {
    "model \(model), isa scalar (the reference kernels), threads 1, cpu \(cpu), arena \(arenaBytes) B, "
      + "warmup \(warmup), runs \(runs)"
  }

  public var json: String {
    let layerJSON = layers.map {
      "{\"name\": \(jsonString($0.name)), \"op\": \(jsonString($0.kind)), \"median_ms\": \(jsonNumber($0.median))}"
    }
    return "{\"model\": \(jsonString(model)), \"isa\": \"scalar\", \"threads\": 1, "
      + "\"cpu\": \(jsonString(cpu)), \"arena_bytes\": \(arenaBytes), \"warmup\": \(warmup), "
      + "\"runs\": \(runs), \"min_ms\": \(jsonNumber(total.min)), \"median_ms\": \(jsonNumber(total.median)), "
      + "\"p90_ms\": \(jsonNumber(total.p90)), \"max_ms\": \(jsonNumber(total.max)), "
      + "\"mean_ms\": \(jsonNumber(total.mean)), \"layers\": [\(layerJSON.joined(separator: ", "))]}"
  }
}
