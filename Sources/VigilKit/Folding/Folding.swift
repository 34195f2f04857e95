// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// Every fold the toolkit does lives in this folder:
///
/// - fp32, at checkpoint load (``Fp32Network/init(config:weights:)``,
///   Fp32Network+Folding.swift): each BatchNorm into the conv before it, each layer scale
///   into the last conv of its branch, the CPE identity into the 7x7 depthwise centre tap,
///   the two heads into their mean;
/// - int8, at quantization (``foldStemNormalization(weight:bias:rows:inputChannels:taps:mean:std:)``):
///   the ImageNet normalization into the stem, which then reads uint8 pixels.
public enum Folding {
  /// Folds `(p / 255 - mean_c) / std_c` into the stem's weights (`[out][in][k][k]`, `taps`
  /// = k * k) and biases, in place, and returns the pixel zero points `pz_c = round(255 mean_c)`.
  ///
  /// `p / 255 - mean_c = (p - pz_c) / 255 + (pz_c - 255 mean_c) / 255`: the weights become
  /// `w / std_c` at input scale 1/255 on the codes `p - pz_c`, and the constant second term
  /// goes into the bias. Padded pixels count as `pz_c` (code 0), like the reference's zero
  /// padding after normalization, except that the reference's padding also lacks the constant
  /// term: a difference of at most 0.5 / (255 std_c) per padded tap.
  static func foldStemNormalization(weight: inout [Double], bias: inout [Double], rows: Int,
                                    inputChannels inC: Int, taps: Int, mean: [Float],
                                    std stds: [Float]) -> [UInt8] {
    let zeroPoints = mean.map { (255 * Double($0)).rounded() }
    for o in 0..<rows {
      for c in 0..<inC {
        let std = Double(stds[c])
        let shift = (zeroPoints[c] - 255 * Double(mean[c])) / (255 * std)
        for k in 0..<taps {
          let at = (o * inC + c) * taps + k
          bias[o] += weight[at] * shift
          weight[at] /= std
        }
      }
    }
    return zeroPoints.map { UInt8($0) }
  }
}
