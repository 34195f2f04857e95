// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation

/// The shape of a MobileViGv2 network: the published variants or a custom configuration.
///
/// A custom configuration is a JSON file:
///
///     {"name": "tiny", "channels": [8, 16, 24, 32], "blocks": [[1, 0], [1, 1], [1, 1], [1, 1]],
///      "k": [0, 2, 1, 2], "embedding": 48, "classes": 10, "input_size": 64,
///      "distillation": true}
///
/// `blocks[i]` is `[local, global]`: InvertedResidual then MGC blocks of stage `i`; `k[i]` is the
/// graph hop distance of stage `i`; `distillation` says whether the checkpoint has a
/// `dist_head` (default true, as in the reference).
public struct NetworkConfig: Equatable, Sendable, Codable {
  public var name: String
  public var channels: [Int]
  public var blocks: [[Int]]
  public var k: [Int]
  public var embedding: Int
  public var classes: Int
  public var inputSize: Int
  public var distillation: Bool

  public init(name: String, channels: [Int], blocks: [[Int]], k: [Int], embedding: Int,
              classes: Int, inputSize: Int, distillation: Bool = true) {
    self.name = name
    self.channels = channels
    self.blocks = blocks
    self.k = k
    self.embedding = embedding
    self.classes = classes
    self.inputSize = inputSize
    self.distillation = distillation
  }

  enum CodingKeys: String, CodingKey {
    case name, channels, blocks, k, embedding, classes
    case inputSize = "input_size"
    case distillation
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    name = try c.decodeIfPresent(String.self, forKey: .name) ?? "custom"
    channels = try c.decode([Int].self, forKey: .channels)
    blocks = try c.decode([[Int]].self, forKey: .blocks)
    k = try c.decode([Int].self, forKey: .k)
    embedding = try c.decode(Int.self, forKey: .embedding)
    classes = try c.decode(Int.self, forKey: .classes)
    inputSize = try c.decodeIfPresent(Int.self, forKey: .inputSize) ?? 224
    distillation = try c.decodeIfPresent(Bool.self, forKey: .distillation) ?? true
  }

  /// The published variants, exactly as the reference's factory functions build them.
  public static let variantNames = ["ti", "s", "m", "b"]

  /// One of the published variants at 224x224 with 1000 classes.
  public static func variant(_ name: String) throws(ConfigError) -> NetworkConfig {
    let deep: [[Int]] = [[3, 0], [3, 3], [9, 3], [3, 3]]
    switch name.lowercased() {
    case "ti":
      return NetworkConfig(name: "ti", channels: [32, 64, 128, 256],
                           blocks: [[2, 0], [2, 2], [6, 2], [2, 2]], k: [0, 8, 4, 2],
                           embedding: 512, classes: 1000, inputSize: 224)
    case "s":
      return NetworkConfig(name: "s", channels: [32, 64, 128, 256], blocks: deep,
                           k: [0, 8, 4, 2], embedding: 512, classes: 1000, inputSize: 224)
    case "m":
      return NetworkConfig(name: "m", channels: [32, 64, 192, 384], blocks: deep,
                           k: [0, 8, 4, 2], embedding: 512, classes: 1000, inputSize: 224)
    case "b":
      return NetworkConfig(name: "b", channels: [64, 128, 256, 512], blocks: deep,
                           k: [0, 8, 4, 2], embedding: 768, classes: 1000, inputSize: 224)
    default:
      throw .unknownVariant(name)
    }
  }

  /// Reads and validates a JSON configuration file.
  public static func load(path: String) throws(ConfigError) -> NetworkConfig {
    if let kind = InputFile.irregularKind(path) { throw .malformed(path: path, reason: InputFile.reason(kind)) }
    guard let data = try? InputFile.readData(path, maxBytes: 1 << 20) else {
      throw .unreadable(path: path)
    }
    let config: NetworkConfig
    do {
      config = try JSONDecoder().decode(NetworkConfig.self, from: data)
    } catch {
      throw .malformed(path: path, reason: Self.describe(decodingError: error, data: data))
    }
    try config.validate()
    return config
  }

  /// Vigil's words for a decoding failure (never Foundation's text): where and what.
  private static func describe(decodingError error: Error, data: Data) -> String {
    func at(_ ctx: DecodingError.Context) -> String {
      ctx.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
    func kind(_ type: Any.Type) -> String {
      switch type {
      case is Int.Type: return "a whole number"
      case is Bool.Type: return "true or false"
      case is String.Type: return "a string"
      case is [Int].Type: return "a list of whole numbers"
      case is [[Int]].Type: return "a list of [local, global] pairs"
      case is [Any].Type: return "a list"
      case is [String: Any].Type: return "a JSON object"
      default: return "a value of another type"
      }
    }
    switch error {
    case DecodingError.keyNotFound(let key, _):
      return "missing key \"\(key.stringValue)\""
    case DecodingError.typeMismatch(let type, let ctx), DecodingError.valueNotFound(let type, let ctx):
      let place = ctx.codingPath.isEmpty ? "at the top level" : "at \"\(at(ctx))\""
      return "wrong type \(place): expected \(kind(type))"
    case DecodingError.dataCorrupted(let ctx) where ctx.codingPath.isEmpty:
      var parser = JSONParser([UInt8](data))
      do {
        _ = try parser.parseDocument()
        return "not a JSON object"
      } catch {
        return "not valid JSON: \(error.reason)"
      }
    case DecodingError.dataCorrupted(let ctx):
      return "bad value at \"\(at(ctx))\""
    default:
      return "cannot be decoded"
    }
  }

  // MARK: Geometry

  /// Output side of a 3x3 stride-2 pad-1 convolution.
  static func halve(_ n: Int) -> Int { (n + 2 - 3) / 2 + 1 }

  /// Side of the stem output (stage 0's feature map).
  public var stemSize: Int { Self.halve(Self.halve(inputSize)) }

  /// Side of each stage's (square) feature map.
  public var stageSizes: [Int] {
    var sizes: [Int] = []
    var side = stemSize
    for i in 0..<channels.count {
      if i > 0 { side = Self.halve(side) }
      sizes.append(side)
    }
    return sizes
  }

  /// Channels of the first stem conv (the reference's `output_dim // 2`).
  public var stemMidChannels: Int { channels[0] / 2 }

  /// Limits that keep a configuration's tensors within what a 64-bit host can plan.
  public static let maxChannels = 8192
  public static let maxInputSize = 2048
  public static let maxBlocksPerStage = 64
  public static let maxClasses = 100_000

  /// Rejects impossible configurations with a message naming the field.
  public func validate() throws(ConfigError) {
    func bad(_ field: String, _ why: String) -> ConfigError { .invalid(field: field, reason: why) }
    let n = channels.count
    guard n >= 1 && n <= 8 else { throw bad("channels", "needs 1 to 8 stages, got \(n)") }
    guard blocks.count == n else {
      throw bad("blocks", "has \(blocks.count) stages but channels has \(n)")
    }
    guard k.count == n else { throw bad("k", "has \(k.count) stages but channels has \(n)") }
    for (i, c) in channels.enumerated() where c < 1 || c > Self.maxChannels {
      throw bad("channels[\(i)]", "must be 1...\(Self.maxChannels), got \(c)")
    }
    guard channels[0] >= 2 else {
      throw bad("channels[0]", "must be at least 2 (the stem's first conv has channels[0] / 2)")
    }
    for (i, b) in blocks.enumerated() {
      guard b.count == 2 else {
        throw bad("blocks[\(i)]", "must be [local, global], got \(b.count) numbers")
      }
      for v in b where v < 0 || v > Self.maxBlocksPerStage {
        throw bad("blocks[\(i)]", "counts must be 0...\(Self.maxBlocksPerStage), got \(b)")
      }
    }
    for (i, v) in k.enumerated() where v < 0 || v > Self.maxInputSize {
      throw bad("k[\(i)]", "must be 0...\(Self.maxInputSize), got \(v)")
    }
    guard embedding >= 1 && embedding <= Self.maxChannels else {
      throw bad("embedding", "must be 1...\(Self.maxChannels), got \(embedding)")
    }
    guard classes >= 1 && classes <= Self.maxClasses else {
      throw bad("classes", "must be 1...\(Self.maxClasses), got \(classes)")
    }
    guard inputSize >= 4 && inputSize <= Self.maxInputSize else {
      throw bad("input_size", "must be 4...\(Self.maxInputSize), got \(inputSize)")
    }
  }

  /// Stages whose graph op connects nothing (K = 0 or K >= the feature-map size); the reference
  /// then computes xj = 0, and so does Vigil, but a user probably meant something else.
  public var warnings: [String] {
    var out: [String] = []
    for (i, side) in stageSizes.enumerated() where blocks[i][1] > 0 {
      if k[i] == 0 {
        out.append("stage \(i) has \(blocks[i][1]) MGC block(s) with K = 0: the graph op connects "
          + "nothing (xj = 0), as in the reference")
      } else if k[i] >= side {
        out.append("stage \(i) has K = \(k[i]) >= its \(side)x\(side) feature map: the graph op "
          + "connects nothing (xj = 0), as in the reference")
      }
    }
    return out
  }

  /// Multiply-accumulates of one inference, all convs (both heads when distillation is on).
  public var macs: Int {
    var total = 0
    let s0 = stemSize
    let s1 = Self.halve(inputSize)
    total += s1 * s1 * stemMidChannels * 3 * 9
    total += s0 * s0 * channels[0] * stemMidChannels * 9
    let sizes = stageSizes
    for i in 0..<channels.count {
      let c = channels[i]
      let hw = sizes[i] * sizes[i]
      if i > 0 { total += hw * c * channels[i - 1] * 9 }
      total += blocks[i][0] * hw * (c * 4 * c * 2 + 4 * c * 9)
      total += blocks[i][1] * hw * (c * 49 + c * c * 2 + 2 * c * c + 8 * c * c)
    }
    total += channels[channels.count - 1] * embedding
    total += embedding * classes * (distillation ? 2 : 1)
    return total
  }
}

/// A configuration that cannot be used, with what to do about it.
public enum ConfigError: Error, CustomStringConvertible, Equatable {
  case unknownVariant(String)
  case unreadable(path: String)
  case malformed(path: String, reason: String)
  case invalid(field: String, reason: String)
  /// The checkpoint's tensors do not give a MobileViGv2's shapes.
  case notInferable(source: String, reason: String)
  /// The shapes are clear, but no weight says the graph hop distances or the input size.
  case kNotInferable(source: String, shapes: NetworkShapes, template: String)

  public var description: String {
    switch self {
    case .unknownVariant(let name):
      return "unknown variant '\(name)': use one of ti, s, m, b, or --config FILE for a custom "
        + "network"
    case .unreadable(let path):
      return "cannot read configuration file '\(path)': check the path and permissions"
    case .malformed(let path, let reason):
      return "configuration '\(path)' is malformed: \(reason); see docs/config.md for the format"
    case .invalid(let field, let reason):
      return "configuration field \(field) \(reason)"
    case .notInferable(let source, let reason):
      return "cannot tell the network of \(source) from its tensors: \(reason); give --variant "
        + "ti|s|m|b or --config FILE"
    case .kNotInferable(let source, let s, let template):
      return "\(source) has \(s), which is no published variant; K (the graph hop distance per "
        + "stage) and the input size are in no weight, so give them with --config FILE: "
        + "\(template) with \"k\" and \"input_size\" set (docs/config.md)"
    }
  }
}
