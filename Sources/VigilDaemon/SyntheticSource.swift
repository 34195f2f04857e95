// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import VigilCore

/// An in-memory test pattern, for soak runs and tests: a `width x height` frame whose pixels
/// change with the sequence number, written into one buffer allocated at start.
///
/// At `fps` 0 every poll gives a new frame. At `fps` > 0 frames "arrive" on a fixed schedule
/// off the monotonic clock, like a camera's: a poll gives the newest arrived frame and reports
/// the ones that arrived since the last poll and were never seen as `.dropped` (the newest frame
/// wins). Every `badEvery`-th frame (0: none) is reported as a bad frame.
public struct SyntheticSource: FrameSource {
  public let width: Int, height: Int, fps: Int, badEvery: Int
  private let sys: Sys
  private var image: RGBImage
  private var nextIndex: UInt64 = 0
  private var startNs: UInt64 = 0
  private var ready: UInt64? = nil

  public init(width: Int, height: Int, fps: Int = 0, badEvery: Int = 0, sys: Sys = Sys()) {
    self.width = width
    self.height = height
    self.fps = fps
    self.badEvery = badEvery
    self.sys = sys
    image = RGBImage(width: width, height: height,
                     pixels: [UInt8](repeating: 0, count: width * height * 3))
  }

  public var pollDescriptor: Int32 { -1 }
  public var describe: String { "synthetic \(width)x\(height) @\(fps == 0 ? "max" : "\(fps)")" }

  public mutating func next(timeoutMs: Int32) throws(VigilError) -> SourceEvent {
    if let index = ready {
      ready = nil
      return make(index)
    }
    if fps == 0 {
      nextIndex += 1
      return make(nextIndex - 1)
    }
    let now = sys.monotonicNs
    if startNs == 0 { startNs = now }
    let arrived = (now - startNs) * UInt64(fps) / 1_000_000_000 + 1  // frames so far
    if arrived <= nextIndex {
      if timeoutMs != 0 {
        let due = startNs + nextIndex * 1_000_000_000 / UInt64(fps)
        let waitMs = Int32(min(UInt64(timeoutMs < 0 ? 1000 : timeoutMs), (due - now) / 1_000_000 + 1))
        _ = try sys.poll(-1, -1, timeoutMs: waitMs)
      }
      return .idle
    }
    let newest = arrived - 1
    let skipped = newest - nextIndex
    nextIndex = arrived
    if skipped > 0 {
      ready = newest
      return .dropped(Int(skipped))
    }
    return make(newest)
  }

  private mutating func make(_ index: UInt64) -> SourceEvent {
    if badEvery > 0 && (index + 1) % UInt64(badEvery) == 0 {
      return .badFrame("synthetic frame \(index): marked bad on purpose (every \(badEvery))")
    }
    let start = sys.monotonicNs
    // A moving bar over a gradient: cheap, and every frame differs.
    let bar = Int(index % UInt64(width))
    image.pixels.withUnsafeMutableBufferPointer { p in
      for y in 0..<height {
        for x in 0..<width {
          let i = (y * width + x) * 3
          let on = x >= bar && x < bar + max(1, width / 8)
          p[i] = on ? 255 : UInt8(truncatingIfNeeded: x * 255 / max(1, width - 1))
          p[i + 1] = UInt8(truncatingIfNeeded: y * 255 / max(1, height - 1))
          p[i + 2] = UInt8(truncatingIfNeeded: index)
        }
      }
    }
    let end = sys.monotonicNs
    return .frame(SourceFrame(image: image, sequence: index, captureMonotonicNs: start,
                              origin: "synthetic", captureNs: end - start, decodeNs: 0))
  }
}
