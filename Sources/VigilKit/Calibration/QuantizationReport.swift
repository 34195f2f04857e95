// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import VigilCore

/// How far one int8 op's output is from the fp32 network's, over a set of images.
public struct LayerSQNR: Sendable, Equatable {
  /// Index of the op (the same in the fp32 network and the int8 model).
  public var op: Int
  /// The reference module, e.g. `backbone.1.1.mixer.graph_conv`; the head's is `head`.
  public var name: String
  /// Sum over images and elements of fp32 value squared.
  public var signal: Double
  /// Sum over images and elements of (fp32 - dequantized int8) squared.
  public var noise: Double
  /// `10 log10(signal / noise)` in dB (infinite for an exact op).
  public var sqnr: Double {
    noise == 0 ? .infinity : 10 * Foundation.log10(signal / noise)
  }
}

/// Per-layer signal-to-quantization-noise ratio of an int8 model against its fp32 network.
///
/// For every image both run in full: the fp32 network (normalized CHW floats) and the int8
/// model (the uint8 crop); each int8 op's output codes are dequantized with their tensor's
/// scale and zero point and compared, element by element (HWC against CHW), with the fp32
/// op's output; the head compares logits. Errors accumulate through the network, so a
/// layer's SQNR measures everything up to it. Sorted worst first (ties by op index).
public enum QuantizationReport {
  public static func sqnr(network: Fp32Network, model: QuantizedModel, images: [RGBImage],
                          progress: ((Int, Int) -> Void)? = nil) throws -> [LayerSQNR] {
    let fp32 = try Fp32Engine(network)
    let int8 = try Int8Engine(model)
    let pre = Preprocessing(size: network.config.inputSize,
                            cropPct: Double(model.preprocessing.cropPct),
                            mean: (model.preprocessing.mean[0], model.preprocessing.mean[1],
                                   model.preprocessing.mean[2]),
                            std: (model.preprocessing.std[0], model.preprocessing.std[1],
                                  model.preprocessing.std[2]))
    var layers = model.ops.enumerated().map { i, op in
      LayerSQNR(op: i, name: op.name, signal: 0, noise: 0)
    }
    for (done, image) in images.enumerated() {
      var reference = [[Float]](repeating: [], count: network.ops.count)
      let logits = try fp32.run(pre.normalize(image)) { op, values in reference[op] = Array(values) }
      let quantized = try int8.run(pixels: image.pixels) { op, tensor, codes in
        let t = model.tensors[tensor]
        let plane = t.height * t.width
        let ref = reference[op]
        var signal = 0.0, noise = 0.0
        for p in 0..<plane {
          for c in 0..<t.channels {
            let x = Double(ref[c * plane + p])
            let q = Double(t.scale) * Double(Int32(codes[p * t.channels + c]) - t.zeroPoint)
            signal += x * x
            noise += (x - q) * (x - q)
          }
        }
        layers[op].signal += signal
        layers[op].noise += noise
      }
      let head = model.ops.count - 1
      for i in logits.indices {
        let x = Double(logits[i]), q = Double(quantized[i])
        layers[head].signal += x * x
        layers[head].noise += (x - q) * (x - q)
      }
      progress?(done + 1, images.count)
    }
    return layers.sorted { a, b in a.sqnr != b.sqnr ? a.sqnr < b.sqnr : a.op < b.op }
  }
}

extension Quantizer {
  /// ``QuantizationReport/sqnr(network:model:images:progress:)`` on the calibration images.
  public func report(_ model: QuantizedModel, progress: ((Int, Int) -> Void)? = nil) throws
    -> [LayerSQNR]
  {
    try QuantizationReport.sqnr(network: network, model: model, images: images,
                                progress: progress)
  }
}
