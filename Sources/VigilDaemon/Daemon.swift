// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CKernels
import VigilCore

/// Where the JSON lines go: standard output or a file opened for appending. Each line is one
/// write(2) of the whole line (the flush), so a reader never sees half a line from us and a
/// stop loses nothing already classified.
public struct LineOutput: ~Copyable {
  public let fd: Int32
  public let name: String
  private let owned: Bool
  private let sys: Sys

  /// Standard output (`path` ""), or `path` appended to (created 0644 if missing).
  public init(path: String, sys: Sys) throws(VigilError) {
    self.sys = sys
    if path.isEmpty {
      fd = 1
      name = "standard output"
      owned = false
    } else {
      fd = try sys.open(path, append: true)
      name = path
      owned = true
    }
  }

  deinit { if owned { sys.close(fd) } }

  public func write(_ line: [UInt8]) throws(VigilError) {
    var failure: VigilError? = nil
    line.withUnsafeBytes { bytes in
      do throws(VigilError) { try sys.writeAll(fd, bytes, what: name) } catch { failure = error }
    }
    if let failure { throw failure }
  }
}

/// Why the loop returned.
public enum StopReason: Equatable {
  /// SIGTERM or SIGINT (the signal number).
  case signal(Int32)
  /// A finite source ended.
  case ended
  /// `max-results` results were written.
  case maxResults
  /// `max-frames` frames were captured.
  case maxFrames
}

/// The daemon: one loop that takes the newest frame from a source, classifies it, smooths and
/// decides, and writes JSON lines; it handles signals, reloads and the watchdog between frames.
///
/// The loop is single-threaded and never queues frames: it asks the source for a frame only when
/// the model is free, so a camera's frames that arrive meanwhile are dropped by the source
/// (counted), and a watched folder's files wait in its bounded list. After start, nothing grows
/// per frame: the classifier's buffers, the smoother's ring, the JSON line buffer and the
/// snapshot are allocated once (frame images are reused by the sources; preprocessing allocates
/// and frees its output per frame).
public struct Daemon: ~Copyable {
  public let options: ServeOptions
  public let sys: Sys
  public let board: SnapshotBoard
  private var classifier: Classifier
  private var smoother: Smoother
  private var hysteresis: Hysteresis
  private var json = JSONWriter()
  private var output: LineOutput
  private var snapshot = ServeSnapshot()
  private var framesSeen: UInt64 = 0
  private var lastFrameNs: UInt64 = 0
  private var lastWatchdogNs: UInt64 = 0
  private var watchdogIntervalNs: UInt64 = 0
  private var signalFd: Int32 = -1
  /// What the HTTP status side reads beyond the snapshot (nil: no HTTP).
  public var feed: StatusFeed? = nil {
    didSet { feed?.model(path: classifier.path, classes: classifier.classes, inputSize: classifier.inputSize) }
  }

  /// Loads the model (fully validated) and opens the output; throws with the reason if either
  /// fails, before any source is touched.
  public init(options: ServeOptions, sys: Sys = Sys(), board: SnapshotBoard = SnapshotBoard())
    throws(VigilError)
  {
    let classifier = try Classifier(path: options.model, threads: options.threads)
    let output = try LineOutput(path: options.output, sys: sys)
    self.options = options
    self.sys = sys
    self.board = board
    self.classifier = classifier
    smoother = Smoother(window: options.smooth, classes: classifier.classes)
    hysteresis = Hysteresis(enter: Float(options.enter), exit: Float(options.exit))
    self.output = output
    board.labels = classifier.labels
  }

  /// Runs until a stop signal, the end of a finite source or `max-results`; writes the start
  /// and stop lines and tells systemd READY=1, WATCHDOG=1 and STOPPING=1.
  ///
  /// - Throws: only what cannot be handled by logging: the output cannot be written, or the
  ///   source failed unrecoverably. Per-frame problems are lines, not errors.
  public mutating func run<S: FrameSource & ~Copyable>(_ source: inout S) throws(VigilError)
    -> StopReason
  {
    signalFd = try sys.installSignals()
    defer { sys.restoreSignals() }
    let start = sys.monotonicNs
    snapshot.startMonotonicNs = start
    snapshot.running = true
    lastFrameNs = start
    let usec = sys.watchdogUsec
    watchdogIntervalNs = usec / 2 * 1000
    try writeStart(source.describe)
    notify("READY=1\nSTATUS=serving \(source.describe)")
    board.publish(snapshot)
    let reason = try loop(&source)
    notify("STOPPING=1")
    snapshot.running = false
    board.publish(snapshot)
    try writeStop(reason)
    return reason
  }

  private mutating func loop<S: FrameSource & ~Copyable>(_ source: inout S) throws(VigilError)
    -> StopReason
  {
    while true {
      let signals = sys.takeSignals()
      if signals.stop { return .signal(signals.signal) }
      if signals.reload { try reload() }
      let now = sys.monotonicNs
      if watchdogIntervalNs > 0 && now - lastWatchdogNs >= watchdogIntervalNs {
        lastWatchdogNs = now
        notify("WATCHDOG=1")
      }
      if options.stallTimeout > 0 && Double(now - lastFrameNs) > options.stallTimeout * 1e9 {
        try stalled(&source)
      }
      var event = try source.next(timeoutMs: 0)
      if case .idle = event {
        // Sleep until the source or a signal is ready (at most 100 ms, so a signal that landed
        // just before the poll is still seen quickly).
        if source.pollDescriptor >= 0 {
          let (ready, _) = try sys.poll(source.pollDescriptor, signalFd, timeoutMs: 100)
          if !ready { continue }
          event = try source.next(timeoutMs: 0)
        } else {
          let (_, signalled) = try sys.poll(-1, signalFd, timeoutMs: 0)
          if signalled { continue }
          event = try source.next(timeoutMs: 100)
        }
      }
      switch event {
      case .idle: continue
      case .ended: return .ended
      case .frame(let frame):
        snapshot.counters.captured += 1
        lastFrameNs = sys.monotonicNs
        feed?.frameArrived(ns: lastFrameNs)
        framesSeen += 1
        if (framesSeen - 1) % UInt64(options.every) != 0 {
          snapshot.counters.skipped += 1
        } else {
          try classify(frame)
          if options.maxResults > 0 && snapshot.counters.classified >= UInt64(options.maxResults) {
            board.publish(snapshot)
            return .maxResults
          }
        }
      case .badFrame(let why):
        snapshot.counters.captured += 1
        snapshot.counters.bad += 1
        lastFrameNs = sys.monotonicNs
        feed?.frameArrived(ns: lastFrameNs)
        try writeError("bad_frame", why)
      case .dropped(let n):
        snapshot.counters.captured += UInt64(n)
        snapshot.counters.dropped += UInt64(n)
        try writeDropped(n, source.dropNote)
      case .disconnected(let why):
        snapshot.counters.disconnects += 1
        feed?.sourceConnected(false)
        try writeError("disconnected", why)
      case .reconnected(let why):
        lastFrameNs = sys.monotonicNs
        feed?.sourceConnected(true)
        try writeError("reconnected", why)
      }
      board.publish(snapshot)
      if options.maxFrames > 0 && snapshot.counters.captured >= UInt64(options.maxFrames) {
        return .maxFrames
      }
    }
  }

  // MARK: - Frames

  private mutating func classify(_ frame: SourceFrame) throws(VigilError) {
    var image = frame.image
    if let crop = options.crop {
      guard crop.x + crop.width <= image.width && crop.y + crop.height <= image.height else {
        snapshot.counters.bad += 1
        try writeError("bad_frame", "\(frame.origin): --crop \(crop.x),\(crop.y),\(crop.width),\(crop.height) reaches outside the \(image.width)x\(image.height) frame")
        return
      }
      image = Self.cropped(image, crop)
    }
    let t0 = sys.monotonicNs
    let pixels = classifier.pixels(image)
    let t1 = sys.monotonicNs
    do throws(VigilError) {
      try classifier.run(pixels: pixels.pixels)
    } catch {
      snapshot.counters.bad += 1
      try writeError("inference", "\(frame.origin): \(error)")
      return
    }
    let t2 = sys.monotonicNs
    snapshot.counters.classified += 1
    classifier.probabilities.withUnsafeBufferPointer { smoother.add($0) }
    let previous = hysteresis.update(smoother.mean)

    snapshot.resultMonotonicNs = t2
    snapshot.resultWallNs = sys.realtimeNs
    snapshot.frameSequence = frame.sequence
    snapshot.captureNs = frame.captureNs
    snapshot.decodeNs = frame.decodeNs
    snapshot.preprocessNs = t1 - t0
    snapshot.inferenceNs = t2 - t1
    snapshot.state = Int32(hysteresis.state)
    snapshot.stateScore = hysteresis.state >= 0 ? smoother.mean[hysteresis.state] : 0
    fillTop()
    try writeResult(frame)
    feed?.result(line: json.bytes, image: image, inferenceNs: snapshot.inferenceNs,
                 endToEndNs: t2 > frame.captureMonotonicNs ? t2 - frame.captureMonotonicNs : 0)
    if let previous {
      snapshot.counters.events += 1
      try writeEvent(from: previous, frame: frame)
      if let feed {
        var change = StatusEvent()
        change.seq = snapshot.counters.classified - 1
        change.wallNs = snapshot.resultWallNs
        change.from = Int32(previous)
        change.to = Int32(hysteresis.state)
        change.score = snapshot.stateScore
        feed.event(line: json.bytes, change)
      }
    }
  }

  /// The `crop` region of `image` (checked to lie inside it).
  static func cropped(_ image: RGBImage, _ crop: CropRect) -> RGBImage {
    var pixels = [UInt8](repeating: 0, count: crop.width * crop.height * 3)
    image.pixels.withUnsafeBufferPointer { src in
      for y in 0..<crop.height {
        let from = ((crop.y + y) * image.width + crop.x) * 3
        let to = y * crop.width * 3
        for i in 0..<(crop.width * 3) { pixels[to + i] = src[from + i] }
      }
    }
    return RGBImage(width: crop.width, height: crop.height, pixels: pixels)
  }

  /// The top min(top, classes, 5) probabilities into the snapshot (ties: lower index first).
  private mutating func fillTop() {
    let k = min(options.top, classifier.classes, 5)
    var indices: (Int32, Int32, Int32, Int32, Int32) = (-1, -1, -1, -1, -1)
    var scores: (Float, Float, Float, Float, Float) = (0, 0, 0, 0, 0)
    withUnsafeMutableBytes(of: &indices) { ib in
      withUnsafeMutableBytes(of: &scores) { sb in
        let idx = ib.bindMemory(to: Int32.self)
        let sc = sb.bindMemory(to: Float.self)
        let p = classifier.probabilities
        for slot in 0..<k {
          var best = -1
          for c in 0..<p.count {
            var taken = false
            for s in 0..<slot where idx[s] == Int32(c) { taken = true }
            if taken { continue }
            if best < 0 || p[c] > p[best] { best = c }
          }
          idx[slot] = Int32(best)
          sc[slot] = p[best]
        }
      }
    }
    snapshot.topIndex = indices
    snapshot.topScore = scores
    snapshot.topCount = Int32(k)
  }

  // MARK: - Lifecycle between frames

  /// SIGHUP: loads and fully validates the model file again; swaps only if that succeeded.
  private mutating func reload() throws(VigilError) {
    let replacement: Classifier
    do throws(VigilError) {
      replacement = try Classifier(path: options.model, threads: options.threads)
    } catch {
      snapshot.counters.reloadFailures += 1
      try writeError("reload", "\(options.model): \(error); still serving the previous model")
      return
    }
    if replacement.classes != classifier.classes {
      smoother = Smoother(window: options.smooth, classes: replacement.classes)
    } else {
      smoother.reset()
    }
    hysteresis.reset()
    classifier = replacement
    snapshot.counters.reloads += 1
    snapshot.modelGeneration += 1
    board.labels = classifier.labels
    feed?.model(path: classifier.path, classes: classifier.classes, inputSize: classifier.inputSize)
    json.begin()
    header("reload")
    json.key("model"); json.string(classifier.path)
    json.key("classes"); json.int(classifier.classes)
    json.key("input_size"); json.int(classifier.inputSize)
    json.end()
    try output.write(json.bytes)
  }

  /// The watchdog: no frame for `stall-timeout` seconds, so the source is reopened.
  private mutating func stalled<S: FrameSource & ~Copyable>(_ source: inout S) throws(VigilError) {
    let seconds = Double(sys.monotonicNs - lastFrameNs) / 1e9
    lastFrameNs = sys.monotonicNs
    snapshot.counters.reopens += 1
    let what: String
    do throws(VigilError) {
      what = try source.reopen()
    } catch {
      try writeError("stall", "no frame for \(Self.decimal(seconds, 1)) s; reopening failed: \(error)")
      return
    }
    try writeError("stall", "no frame for \(Self.decimal(seconds, 1)) s; reopened: \(what)")
  }

  private func notify(_ message: String) {
    do throws(VigilError) { _ = try sys.notify(message) } catch {
      // A broken NOTIFY_SOCKET must not stop classification; systemd will see the missed
      // watchdog itself.
    }
  }

  // MARK: - Lines (every field is documented in docs/serve.md)

  private mutating func header(_ type: String) {
    json.key("type"); json.string(type)
    json.key("wall_ns"); json.uint(sys.realtimeNs)
    json.key("mono_ns"); json.uint(sys.monotonicNs)
  }

  private mutating func writeStart(_ source: String) throws(VigilError) {
    json.begin()
    header("start")
    json.key("model"); json.string(classifier.path)
    json.key("classes"); json.int(classifier.classes)
    json.key("input_size"); json.int(classifier.inputSize)
    json.key("source"); json.string(source)
    json.key("threads"); json.int(classifier.instance.threads)
    json.key("isa"); json.string(String(cString: vgl_isa_name(classifier.instance.isa)))
    json.key("every"); json.int(options.every)
    json.key("smooth"); json.int(options.smooth)
    json.key("enter"); json.fixed(options.enter, digits: 4)
    json.key("exit"); json.fixed(options.exit, digits: 4)
    json.key("crop")
    if let c = options.crop {
      json.beginArray(); json.int(c.x); json.int(c.y); json.int(c.width); json.int(c.height)
      json.endArray()
    } else {
      json.null()
    }
    json.key("output"); json.string(output.name)
    json.end()
    try output.write(json.bytes)
  }

  private mutating func writeStop(_ reason: StopReason) throws(VigilError) {
    json.begin()
    header("stop")
    json.key("reason")
    switch reason {
    case .signal(let s): json.string(s == 2 ? "SIGINT" : s == 15 ? "SIGTERM" : "signal \(s)")
    case .ended: json.string("ended")
    case .maxResults: json.string("max-results")
    case .maxFrames: json.string("max-frames")
    }
    let c = snapshot.counters
    json.key("captured"); json.uint(c.captured)
    json.key("classified"); json.uint(c.classified)
    json.key("skipped"); json.uint(c.skipped)
    json.key("dropped"); json.uint(c.dropped)
    json.key("bad"); json.uint(c.bad)
    json.key("events"); json.uint(c.events)
    json.key("reloads"); json.uint(c.reloads)
    json.key("reload_failures"); json.uint(c.reloadFailures)
    json.key("disconnects"); json.uint(c.disconnects)
    json.key("reopens"); json.uint(c.reopens)
    json.end()
    try output.write(json.bytes)
  }

  private mutating func writeResult(_ frame: SourceFrame) throws(VigilError) {
    json.begin()
    header("result")
    json.key("seq"); json.uint(snapshot.counters.classified - 1)
    json.key("frame"); json.uint(frame.sequence)
    json.key("source"); json.string(frame.origin)
    json.key("top")
    json.beginArray()
    let labels = classifier.labels
    withUnsafeBytes(of: snapshot.topIndex) { ib in
      withUnsafeBytes(of: snapshot.topScore) { sb in
        let idx = ib.bindMemory(to: Int32.self)
        let sc = sb.bindMemory(to: Float.self)
        for slot in 0..<Int(snapshot.topCount) {
          json.beginObject()
          json.key("index"); json.int(Int(idx[slot]))
          json.key("label"); json.string(labels[Int(idx[slot])])
          json.key("score"); json.fixed(Double(sc[slot]))
          json.endObject()
        }
      }
    }
    json.endArray()
    var best = 0
    for c in 0..<smoother.mean.count where smoother.mean[c] > smoother.mean[best] { best = c }
    json.key("smoothed")
    json.beginObject()
    json.key("index"); json.int(best)
    json.key("label"); json.string(labels[best])
    json.key("score"); json.fixed(Double(smoother.mean[best]))
    json.key("window"); json.int(smoother.count)
    json.endObject()
    json.key("state")
    if hysteresis.state >= 0 { json.string(labels[hysteresis.state]) } else { json.null() }
    json.key("latency_ms")
    json.beginObject()
    json.key("capture"); json.fixed(Double(snapshot.captureNs) / 1e6, digits: 3)
    json.key("decode"); json.fixed(Double(snapshot.decodeNs) / 1e6, digits: 3)
    json.key("preprocess"); json.fixed(Double(snapshot.preprocessNs) / 1e6, digits: 3)
    json.key("inference"); json.fixed(Double(snapshot.inferenceNs) / 1e6, digits: 3)
    json.endObject()
    json.end()
    try output.write(json.bytes)
  }

  private mutating func writeEvent(from previous: Int, frame: SourceFrame) throws(VigilError) {
    let labels = classifier.labels
    json.begin()
    header("event")
    json.key("seq"); json.uint(snapshot.counters.classified - 1)
    json.key("source"); json.string(frame.origin)
    json.key("from")
    if previous >= 0 && previous < labels.count { json.string(labels[previous]) } else { json.null() }
    json.key("to")
    if hysteresis.state >= 0 { json.string(labels[hysteresis.state]) } else { json.null() }
    json.key("score")
    json.fixed(Double(hysteresis.state >= 0 ? smoother.mean[hysteresis.state]
                                            : (previous >= 0 && previous < smoother.mean.count ? smoother.mean[previous] : 0)))
    json.end()
    try output.write(json.bytes)
  }

  private mutating func writeError(_ kind: String, _ message: String) throws(VigilError) {
    json.begin()
    header("error")
    json.key("kind"); json.string(kind)
    json.key("message"); json.string(message)
    json.end()
    try output.write(json.bytes)
  }

  private mutating func writeDropped(_ count: Int, _ note: String) throws(VigilError) {
    json.begin()
    header("dropped")
    json.key("count"); json.int(count)
    json.key("total"); json.uint(snapshot.counters.dropped)
    json.key("why")
    if note.isEmpty { json.null() } else { json.string(note) }
    json.end()
    try output.write(json.bytes)
  }

  /// `value` with `digits` decimals, for messages.
  static func decimal(_ value: Double, _ digits: Int) -> String {
    var writer = JSONWriter(capacity: 32)
    writer.begin()
    writer.fixed(value, digits: digits)
    return String(decoding: writer.bytes[1...], as: UTF8.self)
  }
}
