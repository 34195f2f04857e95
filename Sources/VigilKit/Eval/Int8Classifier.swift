// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CKernels
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

  /// - Parameters:
  ///   - threads: threads per inference (1...64); every count gives the same logits.
  ///   - isa: the kernel path (`VGL_ISA_AUTO`: `VIGIL_ISA` or the best); every path gives the
  ///     same logits.
  public init(path: String, threads: Int = 1, isa: vgl_isa = VGL_ISA_AUTO) throws {
    try InputFile.requireRegular(path)
    try ModelPath.requireModel(path)
    let model = try Model(path: path)
    classes = model.classes
    labels = model.labels
    preprocessing = Preprocessing(model: model)
    try preprocessing.validate()
    instance = try Instance(model, isa: isa, threads: threads)
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
