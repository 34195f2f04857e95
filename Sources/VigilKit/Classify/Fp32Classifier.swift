// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import VigilCore

/// Classifies images and `.npy` tensors with a checkpoint on the fp32 runtime.
///
///     let classifier = try Fp32Classifier(checkpoint: "ti.pth", config: .variant("ti"))
///     let logits = try classifier.logits(path: "cat.jpg")
public final class Fp32Classifier {
  public let config: NetworkConfig
  public let engine: Fp32Engine
  public let preprocessing: Preprocessing
  /// Class names in class order (a checkpoint has none; give them from a labels file).
  public var labels: [String] = []

  /// Imports `checkpoint` (`.pth` or `.safetensors`), folds it for `config` and prepares the
  /// runtime. `ema` selects `state_dict_ema` in a training checkpoint.
  public init(checkpoint: String, config: NetworkConfig, ema: Bool = false) throws {
    try config.validate()
    let weights = try Checkpoint.load(path: checkpoint, ema: ema)
    let network = try Fp32Network(config: config, weights: weights)
    self.config = config
    self.engine = try Fp32Engine(network)
    self.preprocessing = Preprocessing.imagenet(size: config.inputSize)
  }

  /// The network input for `path`: a `.npy` float tensor of shape (1,3,S,S) or (3,S,S), used
  /// as it is, or an image (JPEG, PNG, PPM/PGM) decoded and preprocessed like the reference
  /// evaluation.
  public func input(path: String) throws -> [Float] {
    let s = config.inputSize
    try InputFile.requireRegular(path)
    if path.lowercased().hasSuffix(".npy") {
      let (shape, data) = try Npy.readFloat32(path: path)
      guard shape == [1, 3, s, s] || shape == [3, s, s] else {
        throw InputError.badTensor(
          path: path, reason: "tensor shape \(shape) does not fit the network: expected "
            + "(1, 3, \(s), \(s)) or (3, \(s), \(s)), already preprocessed")
      }
      guard data.allSatisfy(\.isFinite) else {
        throw InputError.badTensor(path: path, reason: "tensor holds NaN or infinite values")
      }
      return data
    }
    let image = try ImageDecoder.decode(path: path)
    return preprocessing.apply(image)
  }

  /// The logits (one per class) for the input at `path`.
  public func logits(path: String) throws -> [Float] {
    try finiteLogits(engine.run(try input(path: path)))
  }
}
