// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import VigilCore

/// What a file given as a model is, from its first bytes (or, when it cannot be read, its
/// name), so that a checkpoint or an image in the model's place gets an error that says what
/// to do instead of "bad magic".
public enum ModelPath {
  public enum Kind: Equatable, Sendable {
    /// An int8 model (starts with `VIGIL`).
    case vigil
    /// A PyTorch (zip or legacy pickle) or safetensors checkpoint.
    case checkpoint
    /// A JPEG, PNG or PPM/PGM image.
    case image
    /// Anything else (the model loader says why it is not a model).
    case other
  }

  static let checkpointExtensions: Set<String> = ["pth", "pt", "ckpt", "bin", "safetensors"]

  /// The kind of `path`: by its leading bytes when it is readable, else by its extension.
  public static func kind(_ path: String) -> Kind {
    let ext = path.split(separator: "/").last.flatMap { name in
      name.contains(".") ? name.split(separator: ".").last.map { $0.lowercased() } : nil
    } ?? ""
    guard let head = try? InputFile.readPrefix(path, count: 16), !head.isEmpty else {
      if ext == "vigil" { return .vigil }
      if checkpointExtensions.contains(ext) { return .checkpoint }
      if LabeledDataset.imageExtensions.contains(ext) { return .image }
      return .other
    }
    if head.starts(with: Array("VIGIL".utf8)) { return .vigil }
    // torch.save: a zip archive, or (before PyTorch 1.6) a pickle from protocol 2 on.
    if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || (head[0] == 0x80 && head.count > 1 && (2...5).contains(head[1])) {
      return .checkpoint
    }
    // safetensors: a little-endian 64-bit header length, then the JSON header.
    if head.count > 8 && head[8] == UInt8(ascii: "{") { return .checkpoint }
    if ImageFormat.detect(head) != nil { return .image }
    return .other
  }

  /// Throws ``InputError/notAModel(path:reason:)`` when `path` is a checkpoint or an image; a
  /// model or anything else passes (the loader then checks it).
  public static func requireModel(_ path: String, command: String = "classify") throws(InputError) {
    switch kind(path) {
    case .checkpoint:
      throw .notAModel(path: path, reason: "is a checkpoint, not an int8 .vigil model: did you mean "
        + "`--checkpoint \(path)` (with --variant or --config)? Or make a .vigil with vigil quantize")
    case .image:
      throw .notAModel(path: path, reason: "is an image, not an int8 .vigil model: the model comes "
        + "first (vigil \(command) MODEL.vigil ...), or give --checkpoint FILE")
    case .vigil, .other:
      return
    }
  }
}
