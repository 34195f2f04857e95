// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// What calibration records about one tensor (one quantization point) over the calibration
/// images.
///
/// Histograms need their range before the first value arrives, and a range guessed in
/// advance either clips or wastes bins. So calibration makes two passes over the images:
///
/// 1. ``observeRange(_:)``: the exact minimum and maximum of every value (`minmax` needs
///    nothing more);
/// 2. ``beginHistogram(bins:)`` fixes the histogram range to `[min(min, 0), max(max, 0)]`,
///    then ``observeHistogram(_:)`` fills it from the same images (which produce the same
///    values, so none falls outside).
///
/// Both passes only take minima, maxima and integer counts: the result does not depend on
/// the order or grouping in which values arrive. NaN values are ignored; infinities show up
/// in the range, and the quantizer refuses them.
public struct TensorObserver: Sendable, Equatable {
  public private(set) var min = Float.infinity
  public private(set) var max = -Float.infinity
  /// Values seen in pass 1.
  public private(set) var count = 0
  public private(set) var histogram: Histogram?

  public init() {}

  /// NaN values seen in pass 1 (never part of a range).
  public private(set) var nanCount = 0

  /// Whether any value has been seen and all seen were finite (no NaN, no infinity).
  public var isFinite: Bool { count > 0 && nanCount == 0 && min.isFinite && max.isFinite }

  /// The observed range widened to contain 0.
  public var observedRange: TensorRange { TensorRange(lower: Double(min), upper: Double(max)) }

  /// Pass 1: folds `values` into the minimum and maximum.
  public mutating func observeRange(_ values: UnsafeBufferPointer<Float>) {
    var lo = min, hi = max, nans = 0
    for v in values {
      if v < lo { lo = v }
      if v > hi { hi = v }
      if v.isNaN { nans += 1 }
    }
    min = lo
    max = hi
    nanCount += nans
    count += values.count
  }

  public mutating func observeRange(_ values: [Float]) {
    values.withUnsafeBufferPointer { observeRange($0) }
  }

  /// Ends pass 1: the histogram spans the observed range (with 0).
  public mutating func beginHistogram(bins: Int = Histogram.defaultBins) {
    histogram = Histogram(range: observedRange, bins: bins)
  }

  /// Pass 2: counts `values` into the histogram (after ``beginHistogram(bins:)``).
  public mutating func observeHistogram(_ values: UnsafeBufferPointer<Float>) {
    precondition(histogram != nil, "TensorObserver: beginHistogram before observeHistogram")
    histogram!.add(values)
  }

  public mutating func observeHistogram(_ values: [Float]) {
    values.withUnsafeBufferPointer { observeHistogram($0) }
  }

  /// The range `method` chooses. `percentile` is used by `.percentile` only. Methods that
  /// need a histogram fall back to the observed range without one.
  public func range(_ method: CalibrationMethod, percentile: Double = 99.99) -> TensorRange {
    guard method.needsHistogram, let histogram else { return observedRange }
    let chosen: TensorRange
    switch method {
    case .minmax: chosen = observedRange
    case .percentile: chosen = histogram.percentileRange(percentile)
    case .entropy: chosen = histogram.entropyRange()
    case .mse: chosen = histogram.mseRange()
    }
    // Bin edges can overshoot the observed extremes by a rounding error: never go wider.
    let observed = observedRange
    return TensorRange(lower: Swift.max(chosen.lower, observed.lower),
                       upper: Swift.min(chosen.upper, observed.upper))
  }
}
