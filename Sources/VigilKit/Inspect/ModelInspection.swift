// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CKernels
import Foundation
import VigilCore

/// What `vigil inspect` shows of a `.vigil` file, read through the C loader (so what it shows
/// is what the runtime will run).
public struct ModelInspection {
  public struct Layer {
    public var index: Int
    public var name: String
    public var kind: String
    public var input: [Int]   // C, H, W
    public var output: [Int]  // C, H, W (classes, 1, 1 for the head)
    public var macs: Int
    public var weightBytes: Int
    public var outputScale: Float?
    public var outputZeroPoint: Int32?
    public var residual: Int?
    public var gelu: Bool
    public var kernel: Int, stride: Int, hop: Int
  }

  public struct TensorSlot {
    public var index: Int
    public var shape: [Int]
    public var offset: UInt64
    public var bytes: UInt64
    public var scale: Float
    public var zeroPoint: Int32
    /// 0, or the band of a fused block's band-local intermediate (no arena region).
    public var band: Int = 0
  }

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
    let plan = model.plan.pointee
    arenaBytes = plan.arena_bytes
    arenaBytesByThreads = (1...4).map { vgl_model_arena_size_threads(model.handle, UInt32($0)) }
    observedArenaBytes = vgl_model_arena_size_observed(model.handle, 1)
    scratch = (plan.scratch_offset, plan.scratch_bytes)
    inputTensor = Int(plan.input_tensor)
    var slots: [TensorSlot] = []
    for i in 0..<Int(plan.tensor_count) {
      let t = plan.tensors[i]
      slots.append(TensorSlot(index: i, shape: [Int(t.channels), Int(t.height), Int(t.width)],
                              offset: t.offset, bytes: UInt64(t.channels) * UInt64(t.height) * UInt64(t.width),
                              scale: t.scale, zeroPoint: t.zero_point, band: Int(t.band)))
    }
    tensors = slots
    var layers: [Layer] = []
    for i in 0..<Int(plan.op_count) {
      let op = plan.ops[i]
      let input = slots[Int(op.input)].shape
      let isHead = op.kind == VGL_Q8_HEAD.rawValue
      let output = isHead ? [Int(op.classes), 1, 1] : slots[Int(op.output)].shape
      let (ci, co) = (input[0], output[0])
      let pixels = output[1] * output[2], k = Int(op.kernel)
      var macs = 0, weights = 0
      let kind: String
      switch op.kind {
      case VGL_Q8_STEM.rawValue: kind = "stem"; macs = pixels * co * k * k * ci; weights = co * k * k * ci
      case VGL_Q8_CONV.rawValue: kind = "conv"; macs = pixels * co * k * k * ci; weights = co * k * k * ci
      case VGL_Q8_DWCONV.rawValue: kind = "dwconv"; macs = pixels * co * k * k; weights = co * k * k
      case VGL_Q8_MRCONV.rawValue: kind = "mrconv"; macs = pixels * co * 2 * ci; weights = co * 2 * ci
      case VGL_Q8_GAP.rawValue: kind = "gap"; macs = input[1] * input[2] * ci
      case VGL_Q8_HEAD.rawValue: kind = "head"; macs = co * ci; weights = co * ci
      default: kind = "op\(op.kind)"
      }
      if op.bias != nil { weights += 4 * co }
      if op.scale != nil { weights += 4 * (op.kind == VGL_Q8_GAP.rawValue ? 1 : co) }
      if op.gelu_table != nil { weights += 256 }
      let out = isHead ? nil : slots[Int(op.output)]
      layers.append(Layer(
        index: i, name: stringFromC(vgl_model_op_name(model.handle, UInt32(i))) ?? "",
        kind: kind, input: input, output: output, macs: macs, weightBytes: weights,
        outputScale: out?.scale, outputZeroPoint: out?.zeroPoint,
        residual: op.residual == VGL_Q8_NO_TENSOR ? nil : Int(op.residual),
        gelu: op.gelu_table != nil, kernel: k, stride: Int(op.stride), hop: Int(op.hop)))
    }
    self.layers = layers
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
