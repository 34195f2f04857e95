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
/// Per-layer times come from a separate pass that runs the instance with an observer which
/// reads the monotonic clock after every op (with threads, the others wait at each op's end);
/// the observer adds a few hundred nanoseconds per op, so the per-layer sum slightly exceeds
/// the whole-network figure. Observed runs execute fused blocks (vigil_q8.h) op by op, so the
/// per-layer figures are those of the unfused form, on a second instance with the observed
/// arena. The CPU time of each timed run (all the process's threads) is
/// reported beside its wall time.
///
/// `init(checkpoint:config:...)` times the fp32 path (a checkpoint folded for the C fp32
/// runtime, one thread) by the same protocol, for comparison: its `precision` is "fp32", its `isa`
/// "fp32" and its arena the fp32 scratch buffer. Each fp32 run returns a new logits array
/// (the fp32 engine's interface), which the int8 runs do not.
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

  /// One op type's share of the per-layer pass.
  public struct OpType {
    public var kind: String
    public var ops: Int
    public var milliseconds: Double
    public var share: Double
    public var macs: Int
    public var gmacPerSecond: Double
  }

  public var model: String
  /// "int8" (a `.vigil` model) or "fp32" (a checkpoint on the fp32 runtime).
  public var precision: String
  public var runs: Int
  public var warmup: Int
  public var total: Stats
  /// CPU time per timed run (all threads), milliseconds: the mean. Read from the caller's
  /// thread CPU clock plus each worker's own clock (`vgl_instance_worker_cpu_ns`), which are up
  /// to date at once; the process clock sees a running worker's time only at the kernel's next
  /// update of that thread (a tick, or when it sleeps after the run), so it would move part of
  /// each run's work into the idle time after it.
  public var cpuMean: Double
  /// With `fps`: the timed runs are paced at that rate, and this is the process CPU time per
  /// frame over the whole loop, idle time between frames included (workers that spin when
  /// idle show here); `cpuPerFrame / cpuMean` is the idle overhead.
  public var fps: Double?
  public var cpuPerFrame: Double?
  /// Per op: name, kind and the median time in milliseconds (empty unless requested).
  public var layers: [(name: String, kind: String, median: Double)]
  /// Per op type, in the network's order of first appearance (empty unless requested).
  public var opTypes: [OpType]
  public var arenaBytes: UInt64
  public var cpu: String
  /// The kernel path and thread count the instance actually runs.
  public var isa: String
  public var threads: Int

  static func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) * 1e3 + Double(ts.tv_nsec) / 1e6
  }

  static func threadCpuNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) * 1e3 + Double(ts.tv_nsec) / 1e6
  }

  static func cpuNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
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

  /// - Parameters:
  ///   - threads: threads per inference (1...64).
  ///   - isa: the kernel path (`VGL_ISA_AUTO`: `VIGIL_ISA` or the best this CPU has).
  public init(path: String, runs: Int, warmup: Int, perLayer: Bool, threads: Int = 1,
              isa: vgl_isa = VGL_ISA_AUTO, fps: Double? = nil) throws {
    let info = try ModelInspection(path: path)
    try InputFile.requireRegular(path)
    let model = try Model(path: path)
    let size = model.inputSize
    let classes = model.classes
    let instance = try Instance(model, isa: isa, threads: threads)
    // A fixed, deterministic input: a smooth gradient.
    let pixels = UnsafeMutablePointer<UInt8>.allocate(capacity: size * size * 3)
    defer { pixels.deallocate() }
    for y in 0..<size { for x in 0..<size { for c in 0..<3 {
      pixels[(y * size + x) * 3 + c] = UInt8((x * 255 / max(size - 1, 1) + y * 97 + c * 61) % 256)
    } } }
    let logits = UnsafeMutablePointer<Float>.allocate(capacity: max(classes, 1))
    defer { logits.deallocate() }
    func once() throws {
      let s = instance.run(pixels: pixels, logits: logits, observer: nil, context: nil)
      if let error = VigilError(status: s, message: String(cString: vgl_status_string(s))) { throw error }
    }
    let timing = try Self.time(runs: runs, warmup: warmup, fps: fps,
                               cpu: { Self.threadCpuNow() + Double(instance.workerCpuNanoseconds) / 1e6 },
                               once)
    self.fps = fps
    self.cpuPerFrame = timing.cpuPerFrame
    var layerTimes: [(String, String, Double)] = []
    var types: [OpType] = []
    if perLayer {
      // Observed runs execute fused blocks op by op, in their own (larger) arena.
      let instance = try Instance(try Model(path: path), isa: isa, threads: threads,
                                  observed: true)
      final class Clock { var last = 0.0; var times: [[Double]] = [] }
      let clock = Clock()
      clock.times = Array(repeating: [], count: info.layers.count)
      for _ in 0..<Swift.max(1, Swift.min(runs, 50)) {
        clock.last = Self.now()
        let ctx = Unmanaged.passUnretained(clock).toOpaque()
        let s = instance.run(pixels: pixels, logits: logits, observer: { ctx, op, _, _ in
          let c = Unmanaged<Clock>.fromOpaque(ctx!).takeUnretainedValue()
          let t = Benchmark.now()
          c.times[Int(op)].append(t - c.last)
          c.last = t
        }, context: ctx)
        if let error = VigilError(status: s, message: String(cString: vgl_status_string(s))) { throw error }
      }
      layerTimes = info.layers.map { l in (l.name, l.kind, Stats(clock.times[l.index]).median) }
      let sum = layerTimes.reduce(0) { $0 + $1.2 }
      for (layer, timing) in zip(info.layers, layerTimes) {
        if let i = types.firstIndex(where: { $0.kind == layer.kind }) {
          types[i].ops += 1
          types[i].milliseconds += timing.2
          types[i].macs += layer.macs
        } else {
          types.append(OpType(kind: layer.kind, ops: 1, milliseconds: timing.2, share: 0,
                              macs: layer.macs, gmacPerSecond: 0))
        }
      }
      for i in types.indices {
        types[i].share = sum > 0 ? types[i].milliseconds / sum : 0
        types[i].gmacPerSecond = types[i].milliseconds > 0
          ? Double(types[i].macs) / (types[i].milliseconds * 1e6) : 0
      }
    }
    self.model = path
    self.runs = runs
    self.warmup = warmup
    self.precision = "int8"
    self.total = Stats(timing.samples)
    self.cpuMean = timing.cpuMean
    self.layers = layerTimes
    self.opTypes = types
    self.arenaBytes = instance.arenaBytes
    self.cpu = Self.cpuName()
    self.isa = String(cString: vgl_isa_name(instance.isa))
    self.threads = instance.threads
  }

  /// The timed loop of every path: `warmup` untimed calls of `once`, then `runs` timed ones
  /// (paced at `fps` when given); wall time per run, mean CPU per run and, paced, the CPU per
  /// frame over the whole loop.
  static func time(runs: Int, warmup: Int, fps: Double?, cpu: () -> Double = threadCpuNow,
                   _ once: () throws -> Void) throws
    -> (samples: [Double], cpuMean: Double, cpuPerFrame: Double?)
  {
    for _ in 0..<warmup { try once() }
    var samples = [Double](repeating: 0, count: runs)
    var cpuTotal = 0.0
    let loopCpu0 = Self.cpuNow()
    let loopStart = Self.now()
    for i in 0..<runs {
      if let fps {
        // Sleep until frame i's slot, as a camera loop would.
        let wait = loopStart + Double(i) * 1000 / fps - Self.now()
        if wait > 0 { usleep(useconds_t(wait * 1000)) }
      }
      let c0 = cpu()
      let t0 = Self.now()
      try once()
      samples[i] = Self.now() - t0
      cpuTotal += cpu() - c0
    }
    var cpuPerFrame: Double? = nil
    if let fps {
      // Through the end of the last frame's slot, so the idle after it counts too.
      let wait = loopStart + Double(runs) * 1000 / fps - Self.now()
      if wait > 0 { usleep(useconds_t(wait * 1000)) }
      cpuPerFrame = (Self.cpuNow() - loopCpu0) / Double(max(runs, 1))
    }
    return (samples, runs > 0 ? cpuTotal / Double(runs) : 0, cpuPerFrame)
  }

  /// Times the fp32 path: `checkpoint` folded for `config` on the C fp32 runtime (one thread,
  /// no ISA choice), on a fixed deterministic input (a smooth gradient, normalized).
  public init(checkpoint: String, config: NetworkConfig, runs: Int, warmup: Int,
              fps: Double? = nil) throws {
    let classifier = try Fp32Classifier(checkpoint: checkpoint, config: config)
    let engine = classifier.engine
    let size = config.inputSize
    var input = [Float](repeating: 0, count: engine.inputCount)
    for c in 0..<3 { for y in 0..<size { for x in 0..<size {
      input[(c * size + y) * size + x] =
        Float((x * 255 / max(size - 1, 1) + y * 97 + c * 61) % 256) / 127.5 - 1
    } } }
    let timing = try Self.time(runs: runs, warmup: warmup, fps: fps) {
      _ = try engine.run(input)
    }
    self.model = checkpoint
    self.precision = "fp32"
    self.runs = runs
    self.warmup = warmup
    self.total = Stats(timing.samples)
    self.cpuMean = timing.cpuMean
    self.fps = fps
    self.cpuPerFrame = timing.cpuPerFrame
    self.layers = []
    self.opTypes = []
    self.arenaBytes = UInt64(engine.memory.size * MemoryLayout<Float>.stride)
    self.cpu = Self.cpuName()
    self.isa = "fp32"
    self.threads = 1
  }

  /// The configuration line printed before the figures.
  public var configuration: String {
    "model \(model), precision \(precision), isa \(isa), threads \(threads), cpu \(cpu), arena \(arenaBytes) B, "
      + "warmup \(warmup), runs \(runs)"
  }

  /// The figures as one JSON object (sorted keys, one line; times in milliseconds).
  public var json: String { (try? encodeJSON(JSONForm(self))) ?? "{}" }

  /// The `bench --json` object.
  struct JSONForm: Encodable {
    struct Layer: Encodable { var name: String, op: String, median_ms: Double? }
    struct OpTypeForm: Encodable {
      var op: String, ops: Int, ms: Double?, share: Double?, macs: Int, gmac_per_s: Double?
    }
    var model: String, precision: String, isa: String, threads: Int, cpu: String, arena_bytes: UInt64
    var warmup: Int, runs: Int
    var min_ms: Double?, median_ms: Double?, p90_ms: Double?, max_ms: Double?, mean_ms: Double?
    var cpu_ms_mean: Double?
    /// With a frame rate only (left out otherwise).
    var fps: Double?, cpu_ms_per_frame: Double?
    var op_types: [OpTypeForm]
    var layers: [Layer]

    init(_ b: Benchmark) {
      func f(_ v: Double) -> Double? { v.isFinite ? v : nil }
      model = b.model; precision = b.precision; isa = b.isa; threads = b.threads; cpu = b.cpu; arena_bytes = b.arenaBytes
      warmup = b.warmup; runs = b.runs
      min_ms = f(b.total.min); median_ms = f(b.total.median); p90_ms = f(b.total.p90)
      max_ms = f(b.total.max); mean_ms = f(b.total.mean); cpu_ms_mean = f(b.cpuMean)
      fps = b.fps.flatMap(f)
      cpu_ms_per_frame = b.fps == nil ? nil : f(b.cpuPerFrame ?? 0)
      op_types = b.opTypes.map {
        OpTypeForm(op: $0.kind, ops: $0.ops, ms: f($0.milliseconds), share: f($0.share),
                   macs: $0.macs, gmac_per_s: f($0.gmacPerSecond))
      }
      layers = b.layers.map { Layer(name: $0.name, op: $0.kind, median_ms: f($0.median)) }
    }
  }
}
