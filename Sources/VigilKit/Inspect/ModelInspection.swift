// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CKernels
import Foundation
import VigilCore

/// What `vigil inspect` shows of a `.vigil` file, read through the C loader (so what it shows
/// is what the runtime will run).
public struct ModelInspection {
  /// One op and one tensor, as VigilCore's ``ModelDescription`` (shared with the board's
  /// inspect) gives them.
  public typealias Layer = ModelDescription.Layer
  public typealias TensorSlot = ModelDescription.TensorSlot

  public var path: String
  public var fileBytes: Int
  public var formatVersion: UInt32
  public var weightLayout: UInt32
  public var network: NetworkConfig
  public var preprocessing: (size: Int, cropPct: Float, mean: [Float], std: [Float])
  public var labels: [String]
  public var metadata: [(String, String)]
  public var arenaBytes: UInt64
  public var scratch: (offset: UInt64, bytes: UInt64)
  public var layers: [Layer]
  public var tensors: [TensorSlot]
  public var inputTensor: Int

  public var weightBytes: Int { layers.reduce(0) { $0 + $1.weightBytes } }
  public var macs: Int { layers.reduce(0) { $0 + $1.macs } }

  public init(path: String) throws {
    try InputFile.requireRegular(path)
    let model = try Model(path: path)
    self.path = path
    fileBytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    formatVersion = UInt32(VGL_MODEL_FORMAT_VERSION)
    weightLayout = vgl_model_weight_layout(model.handle)
    let n = model.network
    let stages = Int(n.stage_count)
    func arr(_ t: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)) -> [Int] {
      Array([t.0, t.1, t.2, t.3, t.4, t.5, t.6, t.7].prefix(stages).map(Int.init))
    }
    let local = arr(n.local_blocks), global = arr(n.global_blocks)
    network = NetworkConfig(
      name: n.name.map { String(cString: $0) } ?? "", channels: arr(n.channels),
      blocks: zip(local, global).map { [$0, $1] }, k: arr(n.k), embedding: Int(n.embedding),
      classes: Int(n.classes), inputSize: Int(n.input_size), distillation: n.distillation != 0)
    let p = model.preprocessing
    preprocessing = (Int(p.input_size), p.crop_pct, [p.mean.0, p.mean.1, p.mean.2],
                     [p.std.0, p.std.1, p.std.2])
    labels = model.labels
    var meta: [(String, String)] = []
    for i in 0..<vgl_model_metadata_count(model.handle) {
      var k: UnsafePointer<CChar>?, v: UnsafePointer<CChar>?
      if vgl_model_metadata_at(model.handle, i, &k, &v) == VGL_OK, let k, let v {
        meta.append((String(cString: k), String(cString: v)))
      }
    }
    metadata = meta
    let d = model.contents
    arenaBytes = d.arenaBytes
    scratch = (d.scratchOffset, d.scratchBytes)
    inputTensor = d.inputTensor
    tensors = d.tensors
    layers = d.layers
  }

  private func shape(_ s: [Int]) -> String { s.map(String.init).joined(separator: "x") }

  /// A human-readable report.
  public var text: String {
    var lines: [String] = []
    lines.append("\(path): Vigil model format \(formatVersion), weight layout \(weightLayout), \(fileBytes) bytes")
    lines.append("network \(network.name): channels \(network.channels), blocks \(network.blocks), "
      + "k \(network.k), embedding \(network.embedding), classes \(network.classes), "
      + "distillation \(network.distillation)")
    lines.append("input \(preprocessing.size)x\(preprocessing.size) RGB uint8; preprocessing: "
      + "shorter side to size/\(preprocessing.cropPct) bicubic, centre crop, mean "
      + "\(preprocessing.mean), std \(preprocessing.std) (folded into the stem)")
    lines.append("labels: \(labels.isEmpty ? "none" : "\(labels.count) (\(labels.prefix(3).map(terminalSafe).joined(separator: ", "))\(labels.count > 3 ? ", ..." : ""))")")
    for (k, v) in metadata { lines.append("metadata \(terminalSafe(k)) = \(terminalSafe(v))") }
    lines.append("arena \(arenaBytes) B (scratch \(scratch.bytes) B at \(scratch.offset)), "
      + "weights \(weightBytes) B, \(macs) MACs, \(layers.count) ops, \(tensors.count) tensors")
    lines.append("")
    lines.append("op  kind    input        output       MACs        out scale    zp    name")
    func pad(_ s: String, _ n: Int) -> String { s.padding(toLength: max(n, s.count + 1), withPad: " ", startingAt: 0) }
    for l in layers {
      let scale: String = l.outputScale.map { "\($0)" } ?? "float"
      let tags: String = (l.gelu ? "+g" : "") + (l.residual != nil ? "+r" : "")
      let zp: String = l.outputZeroPoint.map { String($0) } ?? "-"
      var row = pad(String(l.index), 4) + pad(l.kind + tags, 8)
      row += pad(shape(l.input), 13) + pad(shape(l.output), 13)
      row += pad(String(l.macs), 12) + pad(String(scale.prefix(12)), 13) + pad(zp, 6) + l.name
      lines.append(row)
    }
    lines.append("")
    lines.append("tensor  shape        offset      bytes")
    for t in tensors {
      let note = t.index == inputTensor ? "  (input pixels)" : ""
      lines.append(pad(String(t.index), 8) + pad(shape(t.shape), 13) + pad(String(t.offset), 12)
        + String(t.bytes) + note)
    }
    return lines.joined(separator: "\n")
  }

  /// The same as one JSON object.
  public var json: String {
    func list(_ v: [Int]) -> String { "[" + v.map(String.init).joined(separator: ", ") + "]" }
    func flist(_ v: [Float]) -> String { "[" + v.map { jsonNumber($0) }.joined(separator: ", ") + "]" }
    let layerJSON = layers.map { l in
      "{\"index\": \(l.index), \"name\": \(jsonString(l.name)), \"op\": \(jsonString(l.kind)), "
        + "\"input\": \(list(l.input)), \"output\": \(list(l.output)), \"macs\": \(l.macs), "
        + "\"weight_bytes\": \(l.weightBytes), \"gelu\": \(l.gelu), "
        + "\"residual\": \(l.residual.map(String.init) ?? "null"), "
        + "\"kernel\": \(l.kernel), \"stride\": \(l.stride), \"hop\": \(l.hop), "
        + "\"output_scale\": \(l.outputScale.map { jsonNumber($0) } ?? "null"), "
        + "\"output_zero_point\": \(l.outputZeroPoint.map { String($0) } ?? "null")}"
    }
    let tensorJSON = tensors.map { t in
      "{\"index\": \(t.index), \"shape\": \(list(t.shape)), \"offset\": \(t.offset), "
        + "\"bytes\": \(t.bytes), \"scale\": \(jsonNumber(t.scale)), \"zero_point\": \(t.zeroPoint)}"
    }
    let meta = metadata.map { "\(jsonString($0.0)): \(jsonString($0.1))" }
    let cfg = "{\"name\": \(jsonString(network.name)), \"channels\": \(list(network.channels)), "
      + "\"blocks\": [\(network.blocks.map(list).joined(separator: ", "))], \"k\": \(list(network.k)), "
      + "\"embedding\": \(network.embedding), \"classes\": \(network.classes), "
      + "\"input_size\": \(network.inputSize), \"distillation\": \(network.distillation)}"
    return "{\"file\": \(jsonString(path)), \"file_bytes\": \(fileBytes), "
      + "\"format_version\": \(formatVersion), \"weight_layout\": \(weightLayout), "
      + "\"network\": \(cfg), "
      + "\"preprocessing\": {\"input_size\": \(preprocessing.size), \"crop_pct\": \(jsonNumber(preprocessing.cropPct)), "
      + "\"mean\": \(flist(preprocessing.mean)), \"std\": \(flist(preprocessing.std))}, "
      + "\"labels\": [\(labels.map(jsonString).joined(separator: ", "))], "
      + "\"metadata\": {\(meta.joined(separator: ", "))}, "
      + "\"arena_bytes\": \(arenaBytes), \"scratch_offset\": \(scratch.offset), "
      + "\"scratch_bytes\": \(scratch.bytes), \"weight_bytes\": \(weightBytes), \"macs\": \(macs), "
      + "\"input_tensor\": \(inputTensor), "
      + "\"layers\": [\(layerJSON.joined(separator: ", "))], "
      + "\"tensors\": [\(tensorJSON.joined(separator: ", "))]}"
  }
}

private func stringFromC(_ p: UnsafePointer<CChar>?) -> String? { p.map { String(cString: $0) } }
