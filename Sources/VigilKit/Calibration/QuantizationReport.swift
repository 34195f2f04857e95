// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import VigilCore

/// How far an int8 model is from its fp32 network, layer by layer, over a set of images: what
/// `vigil quantize --report`, `--report-json` and `--report-html` show.
///
/// For every image both run in full: the fp32 network (normalized CHW floats) and the int8
/// model (the uint8 crop); each int8 op's output codes are dequantized with their tensor's
/// scale and zero point and compared, element by element (HWC against CHW), with the fp32
/// op's output; the head compares logits. Errors accumulate through the network, so a
/// layer's SQNR measures everything up to it. The layers are sorted worst first (exact
/// layers last, ties by op index).
///
///     let report = try QuantizationReport(network: fp32, model: model, images: heldOut,
///                                         imageSet: .heldOut)
///     let json = try report.jsonData()
///
/// The type is `Codable`; ``jsonData()`` is the one encoding the toolkit writes (sorted keys).
public struct QuantizationReport: Codable, Sendable, Equatable {
  /// Which images the figures were measured on.
  public enum ImageSet: String, Codable, Sendable, Equatable, CaseIterable {
    /// The calibration images themselves (flatters: the ranges were chosen on them).
    case calibration
    /// Images not used for calibration (`--report-images`).
    case heldOut = "held-out"
  }

  /// One int8 op.
  public struct Layer: Codable, Sendable, Equatable {
    /// Index of the op (the same in the fp32 network and the int8 model).
    public var op: Int
    /// The reference module, e.g. `backbone.1.1.mixer.graph_conv`; the head's is `head`.
    public var name: String
    /// The int8 op kind: `stem`, `conv`, `dwconv`, `mrconv`, `gap` or `head`.
    public var kind: String
    /// `10 log10(signal / noise)` in dB; nil when the op is exact (no noise at all).
    public var sqnr: Double?
    /// The output tensor's scale (real units per code); nil for the head (float logits).
    public var scale: Float?
    /// The output tensor's zero point; nil for the head.
    public var zeroPoint: Int32?
    /// Fraction of the fp32 output values outside the range the output's codes cover (more
    /// than half a step beyond code -128 or 127); 0 for the head.
    public var clippedFraction: Double
    /// fp32 output values compared (all images).
    public var values: Int
    /// Of those, the clipped ones.
    public var clipped: Int
    /// Sum over images and elements of fp32 value squared.
    public var signal: Double
    /// Sum over images and elements of (fp32 - dequantized int8) squared.
    public var noise: Double

    public init(op: Int, name: String, kind: String, scale: Float?, zeroPoint: Int32?,
                values: Int = 0, clipped: Int = 0, signal: Double = 0, noise: Double = 0) {
      self.op = op; self.name = name; self.kind = kind
      self.scale = scale; self.zeroPoint = zeroPoint
      self.values = values; self.clipped = clipped; self.signal = signal; self.noise = noise
      sqnr = nil
      clippedFraction = 0
      finish()
    }

    /// SQNR in dB with an exact op as `+infinity` (for sorting and charts).
    public var sqnrOrInfinity: Double { sqnr ?? .infinity }

    /// Recomputes ``sqnr`` and ``clippedFraction`` from the sums.
    mutating func finish() {
      sqnr = noise == 0 ? nil : 10 * Foundation.log10(signal / noise)
      clippedFraction = values == 0 ? 0 : Double(clipped) / Double(values)
    }
  }

  /// Images measured.
  public var images: Int
  public var imageSet: ImageSet
  /// The model's `calibration.method` metadata, when it has one.
  public var method: String?
  /// Every op, worst SQNR first.
  public var layers: [Layer]

  public init(images: Int, imageSet: ImageSet, method: String?, layers: [Layer]) {
    self.images = images; self.imageSet = imageSet; self.method = method
    self.layers = layers.sorted { a, b in
      a.sqnrOrInfinity != b.sqnrOrInfinity ? a.sqnrOrInfinity < b.sqnrOrInfinity : a.op < b.op
    }
  }

  /// The head's entry: how far the logits are from fp32.
  public var logits: Layer? { layers.first { $0.kind == "head" } }

  /// The median layer SQNR in dB (exact layers count as infinite; nil when all are exact).
  public var medianSQNR: Double? {
    guard !layers.isEmpty else { return nil }
    let m = layers[layers.count / 2].sqnrOrInfinity
    return m.isFinite ? m : nil
  }

  /// The JSON the toolkit writes: sorted keys, pretty printed, a final newline.
  public func jsonData() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    var data = try encoder.encode(self)
    data.append(0x0A)
    return data
  }

  /// Measures `model` against `network` on `images` (each the ``Preprocessing`` crop of its
  /// image, `S x S`); `progress(done, total)` after each image.
  public init(network: Fp32Network, model: QuantizedModel, images: [RGBImage],
              imageSet: ImageSet, progress: ((Int, Int) -> Void)? = nil) throws {
    let fp32 = try Fp32Engine(network)
    let int8 = try Int8Engine(model)
    let pre = Preprocessing(size: network.config.inputSize,
                            cropPct: Double(model.preprocessing.cropPct),
                            mean: (model.preprocessing.mean[0], model.preprocessing.mean[1],
                                   model.preprocessing.mean[2]),
                            std: (model.preprocessing.std[0], model.preprocessing.std[1],
                                  model.preprocessing.std[2]))
    var layers = model.ops.enumerated().map { i, op in
      let t = op.output.map { model.tensors[$0] }
      return Layer(op: i, name: op.name, kind: op.kind.name, scale: t?.scale,
                   zeroPoint: t?.zeroPoint)
    }
    for (done, image) in images.enumerated() {
      var reference = [[Float]](repeating: [], count: network.ops.count)
      let logits = try fp32.run(pre.normalize(image)) { op, values in reference[op] = Array(values) }
      let quantized = try int8.run(pixels: image.pixels) { op, tensor, codes in
        let t = model.tensors[tensor]
        let plane = t.height * t.width
        let ref = reference[op]
        let step = Double(t.scale), zero = Double(t.zeroPoint)
        // Codes -128 ... 127 cover [lo, hi]; a value more than half a step outside is clipped.
        let lo = step * (-128 - zero) - step / 2, hi = step * (127 - zero) + step / 2
        var signal = 0.0, noise = 0.0, clipped = 0
        for p in 0..<plane {
          for c in 0..<t.channels {
            let x = Double(ref[c * plane + p])
            let q = step * (Double(codes[p * t.channels + c]) - zero)
            signal += x * x
            noise += (x - q) * (x - q)
            if x < lo || x > hi { clipped += 1 }
          }
        }
        layers[op].signal += signal
        layers[op].noise += noise
        layers[op].clipped += clipped
        layers[op].values += plane * t.channels
      }
      let head = model.ops.count - 1
      for i in logits.indices {
        let x = Double(logits[i]), q = Double(quantized[i])
        layers[head].signal += x * x
        layers[head].noise += (x - q) * (x - q)
      }
      layers[head].values += logits.count
      progress?(done + 1, images.count)
    }
    for i in layers.indices { layers[i].finish() }
    self.init(images: images.count, imageSet: imageSet,
              method: model.metadata["calibration.method"], layers: layers)
  }
}

extension QuantizedModel.OpKind {
  /// The kind's name as `inspect` and the reports print it.
  public var name: String {
    switch self {
    case .stem: return "stem"
    case .conv: return "conv"
    case .dwconv: return "dwconv"
    case .mrconv: return "mrconv"
    case .gap: return "gap"
    case .head: return "head"
    }
  }
}

extension Quantizer {
  /// ``QuantizationReport`` on the calibration images.
  public func report(_ model: QuantizedModel, progress: ((Int, Int) -> Void)? = nil) throws
    -> QuantizationReport
  {
    try QuantizationReport(network: network, model: model, images: images,
                           imageSet: .calibration, progress: progress)
  }
}
