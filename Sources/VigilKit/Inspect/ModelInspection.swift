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
  /// The arena an instance needs on 1, 2, 3 and 4 threads (`vgl_model_arena_size_threads`).
  public var arenaBytesByThreads: [UInt64]
  /// The arena of observed runs on one thread, which execute fused blocks op by op.
  public var observedArenaBytes: UInt64
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
    arenaBytesByThreads = (1...4).map { vgl_model_arena_size_threads(model.handle, UInt32($0)) }
    observedArenaBytes = vgl_model_arena_size_observed(model.handle, 1)
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
    lines.append("arena by threads: " + arenaBytesByThreads.enumerated().map { "\($0.offset + 1): \($0.element) B" }
      .joined(separator: ", ") + "; observed runs (fused blocks op by op): \(observedArenaBytes) B")
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
      let note = t.index == inputTensor ? "  (input pixels)"
        : t.band != 0 ? "  (band-local, band \(t.band))" : ""
      lines.append(pad(String(t.index), 8) + pad(shape(t.shape), 13) + pad(String(t.offset), 12)
        + String(t.bytes) + note)
    }
    return lines.joined(separator: "\n")
  }

  /// The same as one JSON object (sorted keys, one line).
  public var json: String {
    (try? encodeJSON(JSONForm(self))) ?? "{}"
  }

  /// The `inspect --json` object.
  struct JSONForm: Encodable {
    struct Layer: Encodable {
      var index: Int, name: String, op: String, input: [Int], output: [Int], macs: Int
      var weight_bytes: Int, gelu: Bool, residual: Int?, kernel: Int, stride: Int, hop: Int
      var output_scale: Float?, output_zero_point: Int32?

      enum CodingKeys: String, CodingKey {
        case index, name, op, input, output, macs, weight_bytes, gelu, residual, kernel, stride
        case hop, output_scale, output_zero_point
      }

      // Written out so that the optional fields are null rather than left out.
      func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index); try c.encode(name, forKey: .name)
        try c.encode(op, forKey: .op); try c.encode(input, forKey: .input)
        try c.encode(output, forKey: .output); try c.encode(macs, forKey: .macs)
        try c.encode(weight_bytes, forKey: .weight_bytes); try c.encode(gelu, forKey: .gelu)
        try c.encode(residual, forKey: .residual); try c.encode(kernel, forKey: .kernel)
        try c.encode(stride, forKey: .stride); try c.encode(hop, forKey: .hop)
        try c.encode(output_scale, forKey: .output_scale)
        try c.encode(output_zero_point, forKey: .output_zero_point)
      }
    }
    struct Tensor: Encodable {
      var index: Int, shape: [Int], offset: UInt64, bytes: UInt64, scale: Float?, zero_point: Int32
      var band: Int
    }
    struct Preprocessing: Encodable {
      var input_size: Int, crop_pct: Float?, mean: [Float?], std: [Float?]
    }
    var file: String, file_bytes: Int, format_version: UInt32, weight_layout: UInt32
    var network: NetworkConfig
    var preprocessing: Preprocessing
    var labels: [String]
    var metadata: [String: String]
    var arena_bytes: UInt64, scratch_offset: UInt64, scratch_bytes: UInt64
    var arena_bytes_threads: [UInt64], arena_bytes_observed: UInt64
    var weight_bytes: Int, macs: Int, input_tensor: Int
    var layers: [Layer]
    var tensors: [Tensor]

    init(_ m: ModelInspection) {
      file = m.path; file_bytes = m.fileBytes; format_version = m.formatVersion
      weight_layout = m.weightLayout; network = m.network
      preprocessing = Preprocessing(input_size: m.preprocessing.size,
                                    crop_pct: finite(m.preprocessing.cropPct),
                                    mean: m.preprocessing.mean.map(finite),
                                    std: m.preprocessing.std.map(finite))
      labels = m.labels
      metadata = Dictionary(m.metadata, uniquingKeysWith: { first, _ in first })
      arena_bytes = m.arenaBytes; scratch_offset = m.scratch.offset; scratch_bytes = m.scratch.bytes
      arena_bytes_threads = m.arenaBytesByThreads; arena_bytes_observed = m.observedArenaBytes
      weight_bytes = m.weightBytes; macs = m.macs; input_tensor = m.inputTensor
      layers = m.layers.map { l in
        Layer(index: l.index, name: l.name, op: l.kind, input: l.input, output: l.output,
              macs: l.macs, weight_bytes: l.weightBytes, gelu: l.gelu, residual: l.residual,
              kernel: l.kernel, stride: l.stride, hop: l.hop,
              output_scale: l.outputScale.flatMap(finite), output_zero_point: l.outputZeroPoint)
      }
      tensors = m.tensors.map { t in
        Tensor(index: t.index, shape: t.shape, offset: t.offset, bytes: t.bytes,
               scale: finite(t.scale), zero_point: t.zeroPoint, band: t.band)
      }
    }
  }
}

/// `v` when finite, else nil (JSON has no NaN or infinity).
func finite(_ v: Float) -> Float? { v.isFinite ? v : nil }

/// `value` as one line of JSON with sorted keys: the toolkit's JSON output.
public func encodeJSON<T: Encodable>(_ value: T) throws -> String {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
  return String(decoding: try encoder.encode(value), as: UTF8.self)
}

private func stringFromC(_ p: UnsafePointer<CChar>?) -> String? { p.map { String(cString: $0) } }
