// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// The mean of the class probabilities over the last `window` results, in a ring buffer
/// allocated once (`window * classes` floats): nothing grows per frame.
///
///     var smoother = Smoother(window: 5, classes: 10)
///     smoother.add(probabilities)       // softmax of one result
///     let mean = smoother.mean          // over the last min(5, results) results
public struct Smoother {
  public let window: Int
  public let classes: Int
  private var ring: [Float]
  private var next = 0
  /// Results in the window (at most `window`).
  public private(set) var count = 0
  /// The mean probabilities, recomputed on each ``add(_:)`` (in Double, so no drift).
  public private(set) var mean: [Float]

  public init(window: Int, classes: Int) {
    precondition(window >= 1 && classes >= 1, "Smoother: window and classes must be >= 1")
    self.window = window
    self.classes = classes
    ring = [Float](repeating: 0, count: window * classes)
    mean = [Float](repeating: 0, count: classes)
  }

  /// Adds one result's probabilities (`classes` values), dropping the oldest past `window`.
  public mutating func add(_ probabilities: UnsafeBufferPointer<Float>) {
    precondition(probabilities.count >= classes, "Smoother.add: fewer probabilities than classes")
    let base = next * classes
    for c in 0..<classes { ring[base + c] = probabilities[c] }
    next = (next + 1) % window
    count = min(count + 1, window)
    for c in 0..<classes {
      var sum = 0.0
      for slot in 0..<count { sum += Double(ring[slot * classes + c]) }
      mean[c] = Float(sum / Double(count))
    }
  }

  /// Forgets every result (after a model reload with other classes, or a new source).
  public mutating func reset() {
    for i in 0..<ring.count { ring[i] = 0 }
    next = 0
    count = 0
    for c in 0..<classes { mean[c] = 0 }
  }
}

/// The state machine over smoothed scores: a label becomes the state when its score reaches
/// `enter`, and stays until it falls below `exit` (then the best label at or above `enter`
/// takes over, or there is no state). `exit <= enter` keeps the state from flickering.
public struct Hysteresis {
  public let enter: Float
  public let exit: Float
  /// The state's class index, or -1 for none.
  public private(set) var state: Int = -1

  public init(enter: Float, exit: Float) {
    precondition(exit <= enter, "Hysteresis: exit must not be above enter")
    self.enter = enter
    self.exit = exit
  }

  /// Feeds one smoothed result; returns the previous state when the state changed, else nil.
  public mutating func update(_ scores: [Float]) -> Int? {
    if state >= 0 && state < scores.count && scores[state] >= exit { return nil }
    var best = -1
    var bestScore: Float = -1
    for (index, score) in scores.enumerated() where score >= enter && score > bestScore {
      best = index
      bestScore = score
    }
    if best == state { return nil }
    let previous = state
    state = best
    return previous
  }

  /// Back to no state.
  public mutating func reset() { state = -1 }
}
