// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CVigilSys

/// What the daemon has done so far. Every captured frame ends in exactly one of classified,
/// skipped (`--every`), dropped or bad: `captured == classified + skipped + dropped + bad`.
public struct ServeCounters: Equatable {
  /// Frames the source produced or reported (delivered, dropped or bad).
  public var captured: UInt64 = 0
  public var classified: UInt64 = 0
  public var skipped: UInt64 = 0
  public var dropped: UInt64 = 0
  public var bad: UInt64 = 0
  public var events: UInt64 = 0
  public var reloads: UInt64 = 0
  public var reloadFailures: UInt64 = 0
  public var disconnects: UInt64 = 0
  public var reopens: UInt64 = 0
  public init() {}
}

/// One frame's state as the loop publishes it for readers outside the loop (the HTTP status
/// side): plain values only, copied under a lock once per frame, so a reader never touches the
/// loop's buffers or slows it beyond one copy.
public struct ServeSnapshot {
  public var counters = ServeCounters()
  /// Bumped on each successful model reload; readers refetch ``SnapshotBoard/labels`` then.
  public var modelGeneration: UInt64 = 0
  public var startMonotonicNs: UInt64 = 0
  /// The last result (0 before the first).
  public var resultMonotonicNs: UInt64 = 0
  public var resultWallNs: UInt64 = 0
  public var frameSequence: UInt64 = 0
  /// Top classes of the last result (up to 5; -1 past ``topCount``) and their probabilities.
  public var topIndex: (Int32, Int32, Int32, Int32, Int32) = (-1, -1, -1, -1, -1)
  public var topScore: (Float, Float, Float, Float, Float) = (0, 0, 0, 0, 0)
  public var topCount: Int32 = 0
  /// The smoothed state's class (-1: none) and its smoothed score.
  public var state: Int32 = -1
  public var stateScore: Float = 0
  /// Latencies of the last result, nanoseconds.
  public var captureNs: UInt64 = 0, decodeNs: UInt64 = 0, preprocessNs: UInt64 = 0,
             inferenceNs: UInt64 = 0
  /// False once the loop stopped.
  public var running = false
  public init() {}
}

/// The one place the loop publishes to and other threads read from.
///
///     let board = SnapshotBoard()
///     // loop: board.publish(snapshot)    reader: let s = board.read()
public final class SnapshotBoard {
  private let mutex: UnsafeMutableRawPointer
  private var current = ServeSnapshot()
  private var names: [String] = []

  public init() {
    guard let mutex = vsys_mutex_new() else { fatalError("SnapshotBoard: pthread_mutex_init failed") }
    self.mutex = mutex
  }

  deinit { vsys_mutex_free(mutex) }

  public func publish(_ snapshot: ServeSnapshot) {
    vsys_mutex_lock(mutex)
    current = snapshot
    vsys_mutex_unlock(mutex)
  }

  public func read() -> ServeSnapshot {
    vsys_mutex_lock(mutex)
    let copy = current
    vsys_mutex_unlock(mutex)
    return copy
  }

  /// The serving model's labels (set at start and on reload, not per frame).
  public var labels: [String] {
    get {
      vsys_mutex_lock(mutex)
      let copy = names
      vsys_mutex_unlock(mutex)
      return copy
    }
    set {
      vsys_mutex_lock(mutex)
      names = newValue
      vsys_mutex_unlock(mutex)
    }
  }
}
