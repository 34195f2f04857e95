// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import VigilCore

extension Quantizer {
  /// Pass 1 on one calibration image: `pixels` is the ``Preprocessing/resizeAndCrop(_:)``
  /// output (`S x S`, S the network's input size). Keeps the crop for pass 2 and reports.
  public mutating func observe(pixels: RGBImage) throws {
    let size = network.config.inputSize
    guard pixels.width == size, pixels.height == size else {
      throw QuantizeError.imageSize(expected: size, width: pixels.width, height: pixels.height)
    }
    var local = observers
    let ops = split.ops
    _ = try engine.run(preprocessing.normalize(pixels)) { op, values in
      local[ops[op].output].observeRange(values)
    }
    observers = local
    images.append(pixels)
  }

  /// The ranges chosen for every quantization point (runs pass 2 when the method needs
  /// histograms; `progress(done, total)` after each image).
  public func calibrate(progress: ((Int, Int) -> Void)? = nil) throws -> CalibrationResult {
    guard !images.isEmpty else { throw QuantizeError.noCalibrationImages }
    guard bins >= 256 else {
      throw QuantizeError.outOfRange("\(bins) histogram bins: at least 256 (one per int8 code)")
    }
    var local = observers
    let names = Quantizer.producerNames(split)
    // Refuse non-finite activations before pass 2: a histogram over an infinite range has no
    // meaningful bins.
    for t in local.indices where t != split.inputTensor && local[t].count > 0 && !local[t].isFinite {
      throw QuantizeError.nonFiniteActivation(tensor: names[t], min: local[t].min, max: local[t].max)
    }
    if method.needsHistogram {
      for i in local.indices where i != split.inputTensor { local[i].beginHistogram(bins: bins) }
      let ops = split.ops
      for (done, image) in images.enumerated() {
        _ = try engine.run(preprocessing.normalize(image)) { op, values in
          local[ops[op].output].observeHistogram(values)
        }
        progress?(done + 1, images.count)
      }
    } else {
      progress?(images.count, images.count)
    }
    func range(_ t: Int) throws -> TensorRange {
      guard local[t].isFinite else {
        throw QuantizeError.nonFiniteActivation(tensor: names[t], min: local[t].min,
                                                max: local[t].max)
      }
      return local[t].range(method, percentile: percentile)
    }
    var ranges = [TensorRange?](repeating: nil, count: network.tensors.count)
    var preRanges = [TensorRange?](repeating: nil, count: network.tensors.count)
    for t in 0..<network.tensors.count where t != network.inputTensor && t != network.outputTensor {
      ranges[t] = try range(t)
      if let p = preActivationTensor[t] { preRanges[t] = try range(p) }
    }
    return CalibrationResult(method: method, percentile: percentile, imageCount: images.count,
                             ranges: ranges, preActivationRanges: preRanges)
  }
}

/// The ranges calibration chose, by tensor of the fused ``Fp32Network``.
public struct CalibrationResult: Sendable, Equatable {
  public var method: CalibrationMethod
  public var percentile: Double
  public var imageCount: Int
  /// The range of each stored tensor; nil for the network's input (uint8 pixels) and its
  /// logits (float).
  public var ranges: [TensorRange?]
  /// For each tensor produced by an op that ends in GELU: the range of that op's
  /// pre-activation values (the GELU table's input); nil otherwise.
  public var preActivationRanges: [TensorRange?]

  public init(method: CalibrationMethod, percentile: Double, imageCount: Int,
              ranges: [TensorRange?], preActivationRanges: [TensorRange?]) {
    self.method = method; self.percentile = percentile; self.imageCount = imageCount
    self.ranges = ranges; self.preActivationRanges = preActivationRanges
  }
}
