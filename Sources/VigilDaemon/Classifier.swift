// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import VigilCore

/// A loaded model ready to classify frames: the instance (which owns the model and its arena),
/// the model file's own preprocessing, labels, and the logit and probability buffers, all
/// allocated once.
///
/// The pixels come from ``Preprocessing/init(model:)`` and ``Preprocessing/resizeAndCrop(_:)``,
/// the code `vigil classify` runs, so a file through `serve` gives the same logits.
public final class Classifier {
  public let instance: Instance
  public let path: String
  public let preprocessing: Preprocessing
  public let labels: [String]
  public let classes: Int
  public let inputSize: Int
  /// The last run's logits and their softmax.
  public private(set) var logits: [Float]
  public private(set) var probabilities: [Float]

  /// Loads and validates `path` completely: the C loader checks every field, then one run on a
  /// grey frame proves the plan executes, so a reload never swaps in a model that fails later.
  public init(path: String) throws(VigilError) {
    let model = try Model(path: path)
    guard model.classes >= 1 && model.inputSize >= 1 else {
      throw .badModel("\(path): \(model.classes) classes, input \(model.inputSize) pixels")
    }
    preprocessing = Preprocessing(model: model)
    var names = model.labels
    if names.count != model.classes {
      names = (0..<model.classes).map { "class \($0)" }
    }
    labels = names
    classes = model.classes
    inputSize = model.inputSize
    instance = try Instance(model)
    self.path = path
    logits = [Float](repeating: 0, count: classes)
    probabilities = [Float](repeating: 0, count: classes)
    let grey = [UInt8](repeating: 128, count: 3 * inputSize * inputSize)
    try run(pixels: grey)
  }

  /// The model's uint8 input for `image`: resize and centre crop.
  public func pixels(_ image: RGBImage) -> RGBImage {
    preprocessing.resizeAndCrop(image)
  }

  /// One inference on preprocessed pixels; fills ``logits`` and ``probabilities``.
  public func run(pixels: [UInt8]) throws(VigilError) {
    var failure: VigilError? = nil
    pixels.withUnsafeBufferPointer { input in
      logits.withUnsafeMutableBufferPointer { output in
        do throws(VigilError) {
          try self.instance.run(pixels: input, logits: output)
        } catch {
          failure = error
        }
      }
    }
    if let failure { throw failure }
    softmax()
  }

  /// Probabilities from logits, max-subtracted so large logits cannot overflow; a non-finite
  /// logit makes every probability 0 (reported as such rather than NaN).
  private func softmax() {
    var peak = -Float.infinity
    for value in logits where value > peak { peak = value }
    guard peak.isFinite else {
      for c in 0..<classes { probabilities[c] = 0 }
      return
    }
    var sum: Float = 0
    for c in 0..<classes {
      let e = exp(logits[c] - peak)
      probabilities[c] = e
      sum += e
    }
    for c in 0..<classes { probabilities[c] /= sum }
  }
}

/// e^x for the softmax without Foundation: exp(x) = 2^k * e^r with |r| <= ln2/2, and a
/// degree-8 Taylor polynomial, in Double for e^r (relative error below 1e-7 in Float).
func exp(_ x: Float) -> Float {
  if x < -87 { return 0 }
  if x > 88 { return .infinity }
  let ln2 = 0.6931471805599453
  let k = (Double(x) / ln2).rounded()
  let r = Double(x) - k * ln2
  var term = 1.0
  var sum = 1.0
  for n in 1...8 {
    term *= r / Double(n)
    sum += term
  }
  return Float(sum * Double(sign: .plus, exponent: Int(k), significand: 1))
}
