// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// How calibration turns what it saw of a tensor into the real range its int8 codes cover.
///
/// Every method returns a range `[lower, upper]` that contains 0; ``QuantParams`` turns it into
/// an asymmetric int8 scale and zero point. All but `minmax` need a histogram, which takes a
/// second pass over the calibration images (see ``TensorObserver``).
public enum CalibrationMethod: String, CaseIterable, Sendable {
  /// The observed minimum and maximum: nothing is clipped, outliers stretch the step.
  case minmax
  /// Clips each tail to the given percentile of the values (default 99.99: the lowest and
  /// the highest 0.01 % are clipped), read off the histogram at bin resolution.
  case percentile
  /// TensorRT's KL-divergence search, adapted to asymmetric ranges (``Histogram/entropyRange``).
  case entropy
  /// The range with the least expected squared quantization error (``Histogram/mseRange``).
  case mse

  /// Whether the method reads a histogram (and so needs the second calibration pass).
  public var needsHistogram: Bool { self != .minmax }
}

/// A real range chosen for a tensor: `lower <= 0 <= upper`.
public struct TensorRange: Sendable, Equatable, CustomStringConvertible {
  public var lower: Double
  public var upper: Double

  /// Widens `[lower, upper]` to contain 0 (an int8 code must stand for real 0 exactly:
  /// zero padding and the graph op's `max(0, .)` rely on it).
  public init(lower: Double, upper: Double) {
    self.lower = Swift.min(lower, 0)
    self.upper = Swift.max(upper, 0)
  }

  public var width: Double { upper - lower }

  /// Whether `other` lies inside this range.
  public func contains(_ other: TensorRange) -> Bool {
    other.lower >= lower && other.upper <= upper
  }

  /// The asymmetric int8 parameters for this range.
  public var params: QuantParams { QuantParams(self) }

  public var description: String { "[\(lower), \(upper)]" }
}

/// Asymmetric per-tensor int8 parameters: `real = scale * (q - zeroPoint)`, q in [-128, 127].
///
/// For a range `[min, max]` containing 0: `scale = (max - min) / 255` (rounded to Float) and
/// `zeroPoint = round(-128 - min / scale)` (half away from zero, computed with the Float
/// scale), clamped to [-128, 127]. Code -128 then stands for about `min`, 127 for about `max`,
/// and `zeroPoint` for real 0 exactly. A range of (almost) zero width, a tensor that was 0 on
/// every calibration image, gets the range [0, 1]: any positive scale represents it, and
/// this one keeps the requantization factors of neighbouring ops moderate.
public struct QuantParams: Sendable, Equatable {
  public var scale: Float
  public var zeroPoint: Int32

  public init(scale: Float, zeroPoint: Int32) {
    self.scale = scale
    self.zeroPoint = zeroPoint
  }

  public init(_ range: TensorRange) {
    var lower = range.lower, upper = range.upper
    // Below this the Float scale would be subnormal or zero.
    if !(upper - lower >= 1e-30) { lower = 0; upper = 1 }
    let scale = Float((upper - lower) / 255)
    let zero = (-128 - lower / Double(scale)).rounded()
    self.scale = scale
    self.zeroPoint = Int32(Swift.max(-128, Swift.min(127, zero)))
  }

  /// The real value of code `q`.
  public func dequantize(_ q: Int8) -> Float { scale * Float(Int32(q) - zeroPoint) }

  /// The code of real value `x` (round half away from zero, clamped).
  public func quantize(_ x: Float) -> Int8 {
    let q = (Double(x) / Double(scale)).rounded() + Double(zeroPoint)
    return Int8(Swift.max(-128, Swift.min(127, q)))
  }
}
