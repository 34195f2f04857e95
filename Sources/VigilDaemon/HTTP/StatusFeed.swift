// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CVigilSys
import VigilCore

/// One state change as the status page lists it.
public struct StatusEvent {
  public var seq: UInt64 = 0
  public var wallNs: UInt64 = 0
  /// Class indices (-1: no state).
  public var from: Int32 = -1, to: Int32 = -1
  public var score: Float = 0
  public init() {}
}

/// What the frame loop records for the HTTP side beyond ``ServeSnapshot``: the result line as
/// written, the classified frame's pixels, latency histograms, recent state changes and the
/// source's connection state. The loop's side of each call takes the lock for one copy into
/// storage that is reused (it grows only when a larger frame or line arrives), so the loop
/// never waits for a reader longer than a reader's own copy. Readers copy out under the same
/// lock into their own buffers and render without it.
public final class StatusFeed {
  private let mutex: UnsafeMutableRawPointer
  // Guarded by `mutex`.
  private var line: [UInt8] = []
  private var pixels: [UInt8] = []
  private var width = 0, height = 0
  private var frameGeneration: UInt64 = 0
  private var inference = LatencyHistogram()
  private var endToEnd = LatencyHistogram()
  private var ring: [StatusEvent] = Array(repeating: StatusEvent(), count: StatusFeed.eventCapacity)
  private var eventTotal: UInt64 = 0
  private var lines: [[UInt8]] = Array(repeating: [], count: StatusFeed.eventCapacity)
  private var lastFrameNs: UInt64 = 0
  private var connected = true
  private var reconnects: UInt64 = 0
  private var modelPath = "", modelClasses = 0, modelInputSize = 0

  /// Recent state changes kept for the page and /events.
  public static let eventCapacity = 16
  /// How long frames and results may be missing before /health says 503.
  public let healthWindowNs: UInt64

  public init(healthWindowNs: UInt64 = 10_000_000_000) {
    guard let mutex = vsys_mutex_new() else { fatalError("StatusFeed: pthread_mutex_init failed") }
    self.mutex = mutex
    self.healthWindowNs = healthWindowNs
    line.reserveCapacity(4096)
  }

  deinit { vsys_mutex_free(mutex) }

  // MARK: - The loop's side

  /// A frame (good or bad) arrived from the source at `ns` (monotonic).
  public func frameArrived(ns: UInt64) {
    vsys_mutex_lock(mutex); lastFrameNs = ns; vsys_mutex_unlock(mutex)
  }

  /// The source lost (false) or regained (true) its device.
  public func sourceConnected(_ up: Bool) {
    vsys_mutex_lock(mutex)
    if up && !connected { reconnects += 1 }
    connected = up
    vsys_mutex_unlock(mutex)
  }

  /// The model now serving.
  public func model(path: String, classes: Int, inputSize: Int) {
    vsys_mutex_lock(mutex)
    modelPath = path; modelClasses = classes; modelInputSize = inputSize
    vsys_mutex_unlock(mutex)
  }

  /// One classified frame: its result line (as written, with or without the newline), the
  /// frame that was classified, and its latencies in nanoseconds.
  public func result(line bytes: [UInt8], image: RGBImage, inferenceNs: UInt64, endToEndNs: UInt64) {
    vsys_mutex_lock(mutex)
    line.removeAll(keepingCapacity: true)
    var n = bytes.count
    if n > 0 && bytes[n - 1] == 10 { n -= 1 }
    for i in 0..<n { line.append(bytes[i]) }
    let size = image.width * image.height * 3
    if pixels.count != size { pixels = [UInt8](repeating: 0, count: size) }
    image.pixels.withUnsafeBufferPointer { src in
      pixels.withUnsafeMutableBufferPointer { dst in
        if let s = src.baseAddress, let d = dst.baseAddress, size > 0 {
          d.update(from: s, count: min(size, src.count))
        }
      }
    }
    width = image.width; height = image.height
    frameGeneration += 1
    inference.observe(ns: inferenceNs)
    endToEnd.observe(ns: endToEndNs)
    vsys_mutex_unlock(mutex)
  }

  /// A state change and its line.
  public func event(line bytes: [UInt8], _ change: StatusEvent) {
    vsys_mutex_lock(mutex)
    let slot = Int(eventTotal % UInt64(Self.eventCapacity))
    ring[slot] = change
    lines[slot].removeAll(keepingCapacity: true)
    for b in bytes where b != 10 { lines[slot].append(b) }
    eventTotal += 1
    vsys_mutex_unlock(mutex)
  }

  // MARK: - The readers' side

  /// Plain values a reader needs, copied under the lock.
  public struct Values {
    public var lastFrameNs: UInt64 = 0
    public var connected = true
    public var reconnects: UInt64 = 0
    public var frameGeneration: UInt64 = 0
    public var inference = LatencyHistogram()
    public var endToEnd = LatencyHistogram()
    public var eventTotal: UInt64 = 0
    public var modelClasses = 0, modelInputSize = 0
  }

  public func values() -> Values {
    vsys_mutex_lock(mutex)
    var v = Values()
    v.lastFrameNs = lastFrameNs; v.connected = connected; v.reconnects = reconnects
    v.frameGeneration = frameGeneration; v.inference = inference; v.endToEnd = endToEnd
    v.eventTotal = eventTotal; v.modelClasses = modelClasses; v.modelInputSize = modelInputSize
    vsys_mutex_unlock(mutex)
    return v
  }

  /// The model path (a String shared, not copied byte by byte: it changes only on reload).
  public var modelDescription: String {
    vsys_mutex_lock(mutex); let p = modelPath; vsys_mutex_unlock(mutex); return p
  }

  /// Copies the latest result line into `out` (reusing its storage); false before the first.
  public func copyLine(into out: inout [UInt8]) -> Bool {
    vsys_mutex_lock(mutex)
    out.removeAll(keepingCapacity: true)
    for b in line { out.append(b) }
    let any = frameGeneration > 0
    vsys_mutex_unlock(mutex)
    return any
  }

  /// Copies the classified frame into `out` if it is newer than `generation`; returns its size
  /// and generation (0 x 0 before the first frame).
  public func copyFrame(newerThan generation: UInt64, into out: inout [UInt8])
    -> (width: Int, height: Int, generation: UInt64, copied: Bool)
  {
    vsys_mutex_lock(mutex)
    defer { vsys_mutex_unlock(mutex) }
    if frameGeneration == generation { return (width, height, frameGeneration, false) }
    if out.count != pixels.count { out = [UInt8](repeating: 0, count: pixels.count) }
    pixels.withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        if let s = src.baseAddress, let d = dst.baseAddress { d.update(from: s, count: src.count) }
      }
    }
    return (width, height, frameGeneration, true)
  }

  /// The `index`-th most recent event (0: newest), if kept.
  public func recentEvent(_ index: Int) -> StatusEvent? {
    vsys_mutex_lock(mutex)
    defer { vsys_mutex_unlock(mutex) }
    guard UInt64(index) < eventTotal && index < Self.eventCapacity else { return nil }
    return ring[Int((eventTotal - 1 - UInt64(index)) % UInt64(Self.eventCapacity))]
  }

  /// Copies the `index`-th most recent event line into `out`; false if not kept.
  public func copyEventLine(_ index: Int, into out: inout [UInt8]) -> Bool {
    vsys_mutex_lock(mutex)
    defer { vsys_mutex_unlock(mutex) }
    guard UInt64(index) < eventTotal && index < Self.eventCapacity else { return false }
    out.removeAll(keepingCapacity: true)
    for b in lines[Int((eventTotal - 1 - UInt64(index)) % UInt64(Self.eventCapacity))] { out.append(b) }
    return true
  }
}
