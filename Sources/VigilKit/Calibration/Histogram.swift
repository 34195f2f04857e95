// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation

/// A histogram of a tensor's values over a fixed range `[lower, upper]` (containing 0) with
/// equal-width bins, and the range searches that read it.
///
/// Bin `i` covers `[lower + i * w, lower + (i + 1) * w)`, `w = (upper - lower) / bins`; the
/// last bin also takes `upper`. Values outside the range (there are none when the range came
/// from the same images' minimum and maximum) go to the nearest end bin. Counts are integers,
/// so adding images in any grouping gives the same histogram.
public struct Histogram: Sendable, Equatable {
  /// TensorRT's bin count.
  public static let defaultBins = 2048

  public let lower: Double
  public let upper: Double
  public private(set) var counts: [UInt64]

  public init(range: TensorRange, bins: Int = Histogram.defaultBins) {
    precondition(bins >= 256, "Histogram: at least 256 bins (one per int8 code)")
    lower = range.lower
    upper = range.width > 0 ? range.upper : range.lower + 1
    counts = [UInt64](repeating: 0, count: bins)
  }

  public var bins: Int { counts.count }
  public var binWidth: Double { (upper - lower) / Double(bins) }
  public var total: UInt64 { counts.reduce(0, +) }

  /// The left edge of bin `i` (`i == bins` gives `upper`).
  public func edge(_ i: Int) -> Double { i == bins ? upper : lower + Double(i) * binWidth }

  /// The position of real 0 in bin coordinates (0 ... bins).
  var zeroPosition: Double { -lower / binWidth }

  public mutating func add(_ values: UnsafeBufferPointer<Float>) {
    let n = bins
    let lo = lower, perBin = Double(n) / (upper - lower)
    counts.withUnsafeMutableBufferPointer { c in
      for v in values where !v.isNaN {
        let position = (Double(v) - lo) * perBin
        let i = position < 0 ? 0 : position >= Double(n) ? n - 1 : Int(position)
        c[i] += 1
      }
    }
  }

  public mutating func add(_ values: [Float]) {
    values.withUnsafeBufferPointer { add($0) }
  }

  // MARK: Percentile

  /// Clips each tail: the lower end is the left edge of the first bin where the running count
  /// from below exceeds `(1 - percentile / 100) * total`, the upper end the right edge of the
  /// first such bin from above. `percentile == 100` keeps every non-empty bin (the observed
  /// range at bin resolution). The result always lies inside the histogram's range.
  public func percentileRange(_ percentile: Double) -> TensorRange {
    let n = total
    guard n > 0 else { return TensorRange(lower: lower, upper: upper) }
    let tail = Double(n) * (1 - percentile / 100)
    var first = 0, running: UInt64 = 0
    for i in 0..<bins {
      running += counts[i]
      if Double(running) > tail { first = i; break }
    }
    var last = bins - 1
    running = 0
    for i in stride(from: bins - 1, through: 0, by: -1) {
      running += counts[i]
      if Double(running) > tail { last = i; break }
    }
    return TensorRange(lower: edge(first), upper: edge(Swift.max(first, last) + 1))
  }

  // MARK: Entropy (KL divergence)

  /// TensorRT's entropy calibration, adapted to asymmetric int8.
  ///
  /// TensorRT histograms |x| into 2048 bins and, for every threshold i in 128 ... 2048 bins,
  /// compares two distributions over bins 0 ..< i: the reference P, the clipped histogram
  /// (the mass beyond i piled onto the last bin, as clipping does), and Q, the same bins
  /// merged into 128 levels (one per positive int8 code) and spread back uniformly over each
  /// level's non-empty bins (what the quantized tensor can still tell apart). It picks the i
  /// with the least KL(P || Q): a wide range keeps the tails but merges the bulk into few
  /// levels; a narrow one resolves the bulk but piles the tails onto the edge.
  ///
  /// Asymmetric int8 has 256 levels over a window of bins `[a, b)` containing 0 (the
  /// histogram spans the observed `[min, max]`). P is the window with the mass below it piled
  /// onto its first bin and the mass above onto its last; Q merges the window's unclipped bins
  /// into 256 levels. Windows have at least 256 bins, so, as in TensorRT, a range is never
  /// clipped below 1/8 of the observed one. Searching both ends at once would cost O(bins^3);
  /// instead one round of coordinate descent: starting from the whole range, pick the best
  /// upper end with the lower end at the minimum (TensorRT's one-dimensional search), then the
  /// best lower end for that upper end (a second round changed nothing measurable on the
  /// golden networks and doubles the cost). Each one-dimensional search tries ends on a grid
  /// of `stride` bins and then bin by bin around the best grid point. Where Q is 0 but P is not
  /// (an empty edge bin receiving clipped mass) Q is taken as 1e-9, which penalizes cutting a
  /// distribution inside a gap without making it impossible. Each search goes from narrow to
  /// wide windows and keeps the first of equal divergences.
  public func entropyRange(levels: Int = 256, stride step: Int = 8) -> TensorRange {
    let n = bins
    guard total > 0 else { return TensorRange(lower: lower, upper: upper) }
    // prefix[i] = sum of counts[0 ..< i].
    var prefix = [Double](repeating: 0, count: n + 1)
    for i in 0..<n { prefix[i + 1] = prefix[i] + Double(counts[i]) }
    let z = zeroPosition
    let zeroFloor = Int(z.rounded(.down)), zeroCeil = Int(z.rounded(.up))
    var p = [Double](repeating: 0, count: n)
    var q = [Double](repeating: 0, count: n)
    var window = (a: 0, b: n)
    counts.withUnsafeBufferPointer { c in
      prefix.withUnsafeBufferPointer { prefix in
        p.withUnsafeMutableBufferPointer { p in
          q.withUnsafeMutableBufferPointer { q in
            /// KL(P || Q) of the window [a, b), or nil when it holds nothing.
            func divergence(_ a: Int, _ b: Int) -> Double? {
              let w = b - a
              for k in 0..<w { p[k] = Double(c[a + k]) }
              p[0] += prefix[a]
              p[w - 1] += prefix[n] - prefix[b]
              var qTotal = 0.0
              for g in 0..<levels {
                let from = g * w / levels, to = (g + 1) * w / levels
                var sum = 0.0, nonEmpty = 0
                for k in from..<to where c[a + k] != 0 {
                  sum += Double(c[a + k])
                  nonEmpty += 1
                }
                let share = nonEmpty == 0 ? 0 : sum / Double(nonEmpty)
                for k in from..<to { q[k] = c[a + k] != 0 ? share : 0 }
                qTotal += sum
              }
              guard qTotal > 0 else { return nil }
              let pTotal = prefix[n]
              var kl = 0.0
              for k in 0..<w where p[k] > 0 {
                let pk = p[k] / pTotal
                let qk = Swift.max(q[k] / qTotal, 1e-9)
                kl += pk * Foundation.log(pk / qk)
              }
              return kl
            }
            /// The best of `candidates` (sorted from the narrowest window), refined bin by bin.
            func search(_ range: ClosedRange<Int>, narrowestFirst: [Int],
                        kl: (Int) -> Double?) -> Int? {
              var best: (kl: Double, at: Int)? = nil
              func consider(_ x: Int) {
                guard range.contains(x), let d = kl(x) else { return }
                if best == nil || d < best!.kl { best = (d, x) }
              }
              for x in narrowestFirst { consider(x) }
              guard let coarse = best?.at else { return nil }
              let order = narrowestFirst.first! <= narrowestFirst.last!
                ? Array((coarse - step)...(coarse + step))
                : Array((coarse - step)...(coarse + step)).reversed()
              for x in order where x != coarse { consider(x) }
              return best?.at
            }
            do {
              // Upper end for the current lower end.
              let uppers = (Swift.max(zeroCeil, window.a + levels))...n
              var grid = Array(Swift.stride(from: uppers.lowerBound, to: n, by: step))
              grid.append(n)
              if let b = search(uppers, narrowestFirst: grid, kl: { divergence(window.a, $0) }) {
                window.b = b
              }
              // Lower end for that upper end.
              let lowers = 0...Swift.min(zeroFloor, window.b - levels)
              guard lowers.lowerBound <= lowers.upperBound else { return }
              var lowGrid = Array(Swift.stride(from: lowers.upperBound, to: 0, by: -step))
              lowGrid.append(0)
              if let a = search(lowers, narrowestFirst: lowGrid, kl: { divergence($0, window.b) }) {
                window.a = a
              }
            }
          }
        }
      }
    }
    return TensorRange(lower: edge(window.a), upper: edge(window.b))
  }

  // MARK: MSE

  /// The range `[lo, hi]` (bin edges, containing 0) with the least expected squared error of
  /// quantizing the histogram's values to 256 levels over it.
  ///
  /// A value inside the range is rounded to the nearest of 256 levels `d = (hi - lo) / 255`
  /// apart: error uniform in `[-d/2, d/2]`, mean square `d^2 / 12`. A value outside is clamped
  /// to the nearest end: error `x - lo` or `x - hi`, with x the bin's centre plus the bin's
  /// own spread (`w^2 / 12` for width w). So
  ///
  ///   E(lo, hi) = N_inside * d^2 / 12 + sum over clipped bins of n_i ((x_i - end)^2 + w^2 / 12)
  ///
  /// Prefix sums of n, n x and n x^2 make each E(lo, hi) O(1); the search runs over every
  /// lower edge at or below 0 and every upper edge at or above 0, first on a grid of `coarse`
  /// bins, then bin by bin around the best grid point, always in the same order (ties go to
  /// the first found), so the result depends only on the counts.
  public func mseRange(coarse: Int = 8) -> TensorRange {
    let n = bins
    guard total > 0 else { return TensorRange(lower: lower, upper: upper) }
    let w = binWidth
    var c0 = [Double](repeating: 0, count: n + 1)
    var c1 = [Double](repeating: 0, count: n + 1)
    var c2 = [Double](repeating: 0, count: n + 1)
    for i in 0..<n {
      let count = Double(counts[i]), x = lower + (Double(i) + 0.5) * w
      c0[i + 1] = c0[i] + count
      c1[i + 1] = c1[i] + count * x
      c2[i + 1] = c2[i] + count * x * x
    }
    let spread = w * w / 12
    func error(_ a: Int, _ b: Int) -> Double {
      let lo = edge(a), hi = edge(b)
      let d = (hi - lo) / 255
      // Bins [0, a) clamp to lo, bins [b, n) to hi: sum n (x - end)^2 expanded.
      let leftCount = c0[a], rightCount = c0[n] - c0[b]
      let left = (c2[a] - 2 * lo * c1[a] + lo * lo * leftCount) + leftCount * spread
      let rightX = c1[n] - c1[b], rightX2 = c2[n] - c2[b]
      let right = (rightX2 - 2 * hi * rightX + hi * hi * rightCount) + rightCount * spread
      let inside = c0[n] - leftCount - rightCount
      return inside * d * d / 12 + left + right
    }
    let z = zeroPosition
    let maxLower = Swift.min(n, Int(z.rounded(.down)))  // lower edges a <= z
    let minUpper = Swift.max(0, Int(z.rounded(.up)))    // upper edges b >= z
    var best = (error: Double.infinity, a: 0, b: n)
    func consider(_ a: Int, _ b: Int) {
      guard a >= 0, a <= maxLower, b >= minUpper, b <= n, b > a else { return }
      let e = error(a, b)
      if e < best.error { best = (e, a, b) }
    }
    let step = Swift.max(1, coarse)
    var lowers = Array(Swift.stride(from: 0, through: maxLower, by: step))
    if lowers.last != maxLower { lowers.append(maxLower) }
    var uppers = Array(Swift.stride(from: n, through: minUpper, by: -step))
    if uppers.last != minUpper { uppers.append(minUpper) }
    for a in lowers { for b in uppers { consider(a, b) } }
    let (ca, cb) = (best.a, best.b)
    for a in (ca - step)...(ca + step) { for b in (cb - step)...(cb + step) { consider(a, b) } }
    return TensorRange(lower: edge(best.a), upper: edge(best.b))
  }
}
