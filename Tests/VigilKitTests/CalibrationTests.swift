// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Testing
@testable import VigilKit

/// Deterministic pseudo-random numbers (a 64-bit LCG), so the synthetic data never changes.
struct SyntheticData {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  /// Uniform in [0, 1).
  mutating func uniform() -> Double {
    state = state &* 6364136223846793005 &+ 1442695040888963407
    return Double(state >> 11) / Double(1 << 53)
  }
  /// Roughly normal (sum of 12 uniforms minus 6: mean 0, variance 1, |x| <= 6).
  mutating func normal() -> Double { (0..<12).reduce(0) { acc, _ in acc + uniform() } - 6 }

  /// `count` normal values with `outliers` values at `outlierValue` mixed in.
  static func normalWithOutliers(count: Int, outliers: Int, outlierValue: Float) -> [Float] {
    var g = SyntheticData(seed: 7)
    var values = (0..<count).map { _ in Float(g.normal()) }
    for i in 0..<outliers { values[i * (count / outliers)] = outlierValue }
    return values
  }
}

/// Runs both calibration passes over `chunks` (the images) and returns the observer.
func observe(_ chunks: [[Float]], bins: Int = Histogram.defaultBins) -> TensorObserver {
  var o = TensorObserver()
  for c in chunks { o.observeRange(c) }
  o.beginHistogram(bins: bins)
  for c in chunks { o.observeHistogram(c) }
  return o
}

@Suite struct CalibrationTests {
  @Test func asymmetricParamsFollowTheContract() {
    let p = TensorRange(lower: -1, upper: 3).params
    #expect(p.scale == Float(4.0 / 255))
    #expect(p.zeroPoint == -64)  // round(-128 + 1 / (4 / 255)) = round(-64.25)
    #expect(p.dequantize(Int8(p.zeroPoint)) == 0)
    // The ends are off by less than one step (the zero point is rounded).
    #expect(abs(p.dequantize(-128) - -1) < p.scale && abs(p.dequantize(127) - 3) < p.scale)
    // Ranges always include 0: a positive range starts at 0, code -128.
    let positive = TensorRange(lower: 2, upper: 5)
    #expect(positive.lower == 0 && positive.params.zeroPoint == -128)
    let negative = TensorRange(lower: -5, upper: -1)
    #expect(negative.upper == 0 && negative.params.zeroPoint == 127)
    // A tensor that was always 0 still gets a usable scale.
    let zero = TensorRange(lower: 0, upper: 0).params
    #expect(zero.scale == Float(1.0 / 255) && zero.zeroPoint == -128)
  }

  @Test func minmaxIsExactOnUniformData() {
    var g = SyntheticData(seed: 1)
    var values = (0..<10_000).map { _ in Float(-2 + 8 * g.uniform()) }
    values[17] = -2
    values[4242] = 6
    let o = observe([values])
    #expect(o.range(.minmax) == TensorRange(lower: -2, upper: 6))
    #expect(o.min == -2 && o.max == 6 && o.count == 10_000)
    // Nothing to clip on uniform data: the histogram methods keep (nearly) all of it.
    for method in [CalibrationMethod.percentile, .entropy, .mse] {
      let r = o.range(method)
      #expect(r.width >= 0.95 * 8, "\(method) shrank uniform data to \(r)")
      #expect(TensorRange(lower: -2, upper: 6).contains(r))
    }
  }

  /// 100k roughly normal values (|x| <= 6) and 10 outliers at 1000: minmax keeps the outliers;
  /// percentile clips them; entropy clips as far as a 2048-bin histogram of [-6, 1000] lets it
  /// (windows of at least 256 bins: 1/8 of the range, as in TensorRT) and keeps the whole
  /// lower side. MSE rightly keeps them: clipping 10 values by ~1000 costs more squared error
  /// than the coarser step costs the bulk (see `mseClipsHeavyTails`).
  @Test func clippingMethodsClipOutliers() {
    let values = SyntheticData.normalWithOutliers(count: 100_000, outliers: 10, outlierValue: 1000)
    let o = observe([values])
    let all = o.range(.minmax)
    #expect(all.upper == 1000)
    let p = o.range(.percentile)
    #expect(p.upper < 6 && p.upper > 3 && p.lower < -3, "\(p)")
    let kl = o.range(.entropy)
    #expect(kl.upper < 1000 * 0.3 && kl.lower == all.lower, "\(kl)")
    for method in CalibrationMethod.allCases { #expect(all.contains(o.range(method))) }
  }

  /// Heavy (Laplace) tails: the MSE-optimal range clips them, and its error (by the same
  /// model) is below the full range's.
  @Test func mseClipsHeavyTails() {
    var g = SyntheticData(seed: 11)
    let values = (0..<100_000).map { _ -> Float in
      let u = g.uniform() - 0.5
      return Float(-(u < 0 ? -1.0 : 1.0) * Foundation.log(1 - 2 * abs(u)))
    }
    let o = observe([values])
    let all = o.range(.minmax), mse = o.range(.mse)
    #expect(mse.upper < all.upper * 0.95 && mse.lower > all.lower * 0.95, "\(mse) vs \(all)")
    #expect(mse.upper > 4 && mse.lower < -4, "\(mse)")
  }

  @Test func percentileTailsAreTheRequestedMass() {
    // 0 ..< 100_000 / 1000: each percent is 1000 values. 99 % clips 1 % at each end.
    let values = (0..<100_000).map { Float($0) / 1000 }
    let o = observe([values])
    let r = o.range(.percentile, percentile: 99)
    #expect(abs(r.upper - 99) < 0.1, "\(r)")
    #expect(r.lower == 0)  // ranges contain 0 whatever the lower tail says
    let s = observe([values.map { $0 - 50 }]).range(.percentile, percentile: 99)
    #expect(abs(s.lower - -49) < 0.1 && abs(s.upper - 49) < 0.1, "\(s)")
    // 100 keeps the whole observed range (bin resolution).
    #expect(o.range(.percentile, percentile: 100) == o.range(.minmax))
  }

  /// Observers depend only on the values, not on how they are split into images or ordered.
  @Test func observersIgnoreOrderAndGrouping() {
    let values = SyntheticData.normalWithOutliers(count: 30_000, outliers: 3, outlierValue: -40)
    let whole = observe([values])
    let chunks = stride(from: 0, to: values.count, by: 7_000).map {
      Array(values[$0..<min($0 + 7_000, values.count)])
    }
    let chunked = observe(chunks.reversed())
    #expect(whole == chunked)
    for method in CalibrationMethod.allCases {
      #expect(whole.range(method) == chunked.range(method))
    }
  }

  @Test func entropyPrefersResolvingTheBulk() {
    // A normal bulk and 20 sparse values in [50, 100]: over the whole range the bulk would
    // get about 30 levels; KL clips the sparse tail to resolve it.
    var g = SyntheticData(seed: 3)
    var values = (0..<100_000).map { _ in Float(g.normal()) }
    for i in 0..<20 { values[i * 5000] = Float(50 + 50 * g.uniform()) }
    let o = observe([values])
    let kl = o.range(.entropy), all = o.range(.minmax)
    #expect(kl.upper < all.upper / 2, "\(kl) vs \(all)")
    #expect(kl.upper > 3 && kl.lower < -3, "\(kl)")
  }

  @Test func mseMatchesABruteForceSearch() {
    var g = SyntheticData(seed: 5)
    let values = (0..<20_000).map { _ in Float(g.normal() * (g.uniform() < 0.01 ? 8 : 1)) }
    let o = observe([values], bins: 256)
    let h = o.histogram!
    // Brute force over every pair of bin edges around 0, same error model.
    func error(_ lo: Double, _ hi: Double) -> Double {
      let w = h.binWidth, d = (hi - lo) / 255
      var e = 0.0
      for i in 0..<h.bins {
        let x = h.lower + (Double(i) + 0.5) * w, n = Double(h.counts[i])
        if x < lo { e += n * ((x - lo) * (x - lo) + w * w / 12) }
        else if x > hi { e += n * ((x - hi) * (x - hi) + w * w / 12) }
        else { e += n * d * d / 12 }
      }
      return e
    }
    var best = Double.infinity
    let z = Int((-h.lower / h.binWidth).rounded(.down))
    for a in 0...z { for b in (z + 1)...h.bins { best = min(best, error(h.edge(a), h.edge(b))) } }
    let r = h.mseRange()
    #expect(error(r.lower, r.upper) <= best * 1.0001)
  }
}
