// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import VigilCore

/// Classifies with an int8 `.vigil` model on the C runtime: decode, the model's own
/// preprocessing to uint8 pixels (resize + centre crop; normalization is folded into the stem),
/// one run in the model's fixed arena.
///
///     let classifier = try Int8Classifier(path: "weights/fashion-mnist/mobilevigv2-fmnist.vigil")
///     let logits = try classifier.logits(path: "frame.png")
public final class Int8Classifier: ImageClassifier {
  private let instance: Instance
  public let classes: Int
  public let labels: [String]
  public let preprocessing: Preprocessing

  public init(path: String) throws {
    try InputFile.requireRegular(path)
    let model = try Model(path: path)
    classes = model.classes
    labels = model.labels
    preprocessing = Preprocessing(model: model)
    try preprocessing.validate()
    instance = try Instance(model)
  }

  public func logits(image: RGBImage) throws -> [Float] {
    let crop = preprocessing.resizeAndCrop(image)
    return try finiteLogits(crop.pixels.withUnsafeBufferPointer { pixels throws(VigilError) in
      try instance.run(pixels: pixels)
    })
  }

  /// Logits for an image file.
  public func logits(path: String) throws -> [Float] {
    try InputFile.requireRegular(path)
    return try logits(image: ImageDecoder.decode(path: path))
  }
}
