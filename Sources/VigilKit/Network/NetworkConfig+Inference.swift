// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation

/// What a checkpoint's tensor shapes say about its network: everything but the graph hop
/// distances K and the input size, which no weight depends on.
public struct NetworkShapes: Sendable, Equatable, CustomStringConvertible {
  public var channels: [Int]
  public var blocks: [[Int]]
  public var embedding: Int
  public var classes: Int
  public var distillation: Bool

  public init(channels: [Int], blocks: [[Int]], embedding: Int, classes: Int, distillation: Bool) {
    self.channels = channels; self.blocks = blocks; self.embedding = embedding
    self.classes = classes; self.distillation = distillation
  }

  /// The shapes a configuration gives its weights.
  public init(_ c: NetworkConfig) {
    self.init(channels: c.channels, blocks: c.blocks, embedding: c.embedding, classes: c.classes,
              distillation: c.distillation)
  }

  /// Reads the shapes off the reference's key names (docs/mobilevigv2.md): stage S's blocks
  /// are `backbone.S.B`, stages after the first start with a Downsample (`B = 0`,
  /// `conv.0`), InvertedResidual blocks have `dws.pw1`, MGC blocks `mixer.fc1`.
  public init(weights: StateDict) throws(ConfigError) {
    func shape(_ key: String) throws(ConfigError) -> [Int] {
      guard let t = weights[key], !t.shape.isEmpty else {
        throw .notInferable(source: weights.source, reason: "it has no tensor \(key)")
      }
      return t.shape
    }
    var blockCount: [Int: Int] = [:]
    for key in weights.keys where key.hasPrefix("backbone.") {
      let parts = key.split(separator: ".")
      guard parts.count > 3, let s = Int(parts[1]), let b = Int(parts[2]), s >= 0, s < 64,
            b >= 0, b <= NetworkConfig.maxBlocksPerStage + 1 else { continue }
      blockCount[s] = Swift.max(blockCount[s] ?? 0, b + 1)
    }
    guard let last = blockCount.keys.max() else {
      throw .notInferable(source: weights.source, reason: "it has no backbone.* tensors")
    }
    var channels: [Int] = [], blocks: [[Int]] = []
    for s in 0...last {
      let first = s == 0 ? 0 : 1
      if s == 0 {
        channels.append(try shape("stem.stem.3.weight")[0])
      } else {
        channels.append(try shape("backbone.\(s).0.conv.0.weight")[0])
      }
      var local = 0, global = 0
      for b in first..<Swift.max(first, blockCount[s] ?? 0) {
        let p = "backbone.\(s).\(b)."
        if weights[p + "dws.pw1.weight"] != nil {
          guard global == 0 else {
            throw .notInferable(source: weights.source, reason: "stage \(s) has an "
              + "InvertedResidual block (\(p)dws) after an MGC block, which MobileViGv2 never has")
          }
          local += 1
        } else if weights[p + "mixer.fc1.0.weight"] != nil {
          global += 1
        } else {
          throw .notInferable(source: weights.source, reason: "block \(p.dropLast()) is neither an "
            + "InvertedResidual (dws.pw1) nor an MGC block (mixer.fc1)")
        }
      }
      blocks.append([local, global])
    }
    self.init(channels: channels, blocks: blocks, embedding: try shape("prediction.1.weight")[0],
              classes: try shape("head.weight")[0], distillation: weights["dist_head.weight"] != nil)
  }

  public var description: String {
    "channels \(channels), blocks \(blocks), embedding \(embedding), \(classes) classes, "
      + (distillation ? "with" : "without") + " distillation head"
  }

  /// How `other` differs, one phrase per field (empty when equal).
  public func differences(from other: NetworkShapes) -> [String] {
    var out: [String] = []
    if channels != other.channels { out.append("channels \(other.channels) instead of \(channels)") }
    if blocks != other.blocks { out.append("blocks \(other.blocks) instead of \(blocks)") }
    if embedding != other.embedding { out.append("embedding \(other.embedding) instead of \(embedding)") }
    if classes != other.classes { out.append("\(other.classes) classes instead of \(classes)") }
    if distillation != other.distillation {
      out.append(other.distillation ? "a distillation head it lacks" : "no distillation head")
    }
    return out
  }

  /// The published variant nearest these shapes: fewest differing fields, then the smallest
  /// total channel difference.
  public var closestVariant: (name: String, differences: [String]) {
    let ranked = NetworkConfig.variantNames.map { name -> (String, [String], Int) in
      let v = NetworkShapes(try! NetworkConfig.variant(name))
      let d = zip(v.channels + [v.embedding], channels + [embedding]).reduce(0) { $0 + abs($1.0 - $1.1) }
        + abs(v.channels.count - channels.count) * 1000
      return (name, differences(from: v), d)
    }
    let best = ranked.min { ($0.1.count, $0.2) < ($1.1.count, $1.2) }!
    return (best.0, best.1)
  }
}

extension NetworkConfig {
  /// The network of a checkpoint given without `--variant` or `--config`.
  ///
  /// The tensor shapes give the widths, depths, embedding, classes and distillation
  /// (``NetworkShapes/init(weights:)``). K and the input size come from the configuration a
  /// safetensors file made by Tools/train-fashion-mnist.py carries (`__metadata__.config`,
  /// used only when it agrees with the shapes), or from the published variant with the
  /// same widths and depths (K 0, 8, 4, 2 at 224x224, the class count as the shapes say);
  /// otherwise the error says what to write into a `--config` file.
  public static func infer(from weights: StateDict) throws(ConfigError) -> NetworkConfig {
    let shapes = try NetworkShapes(weights: weights)
    if let text = weights.metadata["config"],
       let stored = try? JSONDecoder().decode(NetworkConfig.self, from: Data(text.utf8)),
       (try? stored.validate()) != nil, NetworkShapes(stored) == shapes {
      return stored
    }
    for name in variantNames {
      var v = try! variant(name)
      guard v.channels == shapes.channels, v.blocks == shapes.blocks,
            v.embedding == shapes.embedding else { continue }
      v.classes = shapes.classes
      v.distillation = shapes.distillation
      try v.validate()
      return v
    }
    let partial = NetworkConfig(name: "custom", channels: shapes.channels, blocks: shapes.blocks,
                                k: shapes.channels.map { _ in 0 }, embedding: shapes.embedding,
                                classes: shapes.classes, inputSize: 224,
                                distillation: shapes.distillation)
    try partial.validate()
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let template = (try? encoder.encode(partial)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    throw .kNotInferable(source: weights.source, shapes: shapes, template: template)
  }
}
