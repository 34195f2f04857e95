// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// A latency histogram with fixed buckets (Prometheus `le` bounds in seconds), kept in
/// fixed-size storage so recording and copying never allocate.
public struct LatencyHistogram {
  /// Upper bounds of the finite buckets, seconds (the last bucket is +Inf).
  public static let bounds: [Double] = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2,
                                        0.5, 1, 2.5]
  static let boundsNs: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                        UInt64, UInt64, UInt64) =
    (500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000, 20_000_000, 50_000_000, 100_000_000,
     200_000_000, 500_000_000, 1_000_000_000, 2_500_000_000)
  /// Observations per bucket (not cumulative); index 12 is above the last bound.
  private var buckets: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                        UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
  public private(set) var count: UInt64 = 0
  public private(set) var sumNs: UInt64 = 0

  public init() {}

  public mutating func observe(ns: UInt64) {
    var index = 12
    withUnsafeBytes(of: Self.boundsNs) { b in
      let bounds = b.bindMemory(to: UInt64.self)
      for i in 0..<12 where ns <= bounds[i] { index = i; break }
    }
    withUnsafeMutableBytes(of: &buckets) { b in b.bindMemory(to: UInt64.self)[index] += 1 }
    count += 1
    sumNs &+= ns
  }

  /// Observations at or below bucket `index`'s bound (index 12: all).
  public func cumulative(_ index: Int) -> UInt64 {
    var total: UInt64 = 0
    withUnsafeBytes(of: buckets) { b in
      let counts = b.bindMemory(to: UInt64.self)
      for i in 0...index { total += counts[i] }
    }
    return total
  }
}
