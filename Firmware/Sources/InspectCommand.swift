// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CKernels
import VigilCore

/// `vigil-board inspect MODEL.vigil`: the host's `vigil inspect`, the same text and JSON, read
/// through the same C loader (so what it shows is what the board will run).
enum InspectCommand {
  static let usage = "usage: vigil-board inspect [--json] MODEL.vigil"

  static let help = """
    Show a .vigil model: format, network, preprocessing, arena plan and layers.

    \(usage)

    MODEL.vigil is a model file, or @embedded for the model linked into this binary.

    options:
      --json          print one JSON object (arena_bytes, layers, tensors, ...)
      -h, --help      show this help
    """

  static func run(_ args: ArraySlice<String>) throws(UsageError) -> Int32 {
    let a = try Arguments(args, flags: ["--json"], options: [])
    if a.help { Output.line(help); return 0 }
    guard a.positional.count == 1 else { throw UsageError("give exactly one model") }
    let path = a.positional[0]
    let model: Model
    do throws(VigilError) {
      model = try openModel(path)
    } catch {
      Output.error("Error: \(path): \(error.description)")
      return 1
    }
    let info = Inspection(model, path: path)
    if a.flag("--json") {
      Output.line(info.json)
    } else {
      Output.line(info.text)
      if let report = embeddedModelReport(path, model) { Output.line(report) }
    }
    return 0
  }
}

/// What inspect shows of a model (the host's ModelInspection, without Foundation; the layers
/// and tensors come from VigilCore's ModelDescription, shared with the host).
struct Inspection {
  typealias Layer = ModelDescription.Layer
  typealias TensorSlot = ModelDescription.TensorSlot

  var path: String
  var fileBytes: Int
  var formatVersion: UInt32
  var weightLayout: UInt32
  var name: String
  var channels: [Int], local: [Int], global: [Int], k: [Int]
  var embedding: Int, classes: Int, inputSize: Int, distillation: Bool
  var size: Int, cropPct: Float, mean: [Float], std: [Float]
  var labels: [String]
  var metadata: [(String, String)]
  var arenaBytes: UInt64
  var arenaBytesByThreads: [UInt64]  // 1...4 threads
  var observedArenaBytes: UInt64
  var scratchOffset: UInt64, scratchBytes: UInt64
  var layers: [Layer]
  var tensors: [TensorSlot]
  var inputTensor: Int

  var weightBytes: Int { layers.reduce(0) { $0 + $1.weightBytes } }
  var macs: Int { layers.reduce(0) { $0 + $1.macs } }

  init(_ model: borrowing Model, path: String) {
    self.path = path
    fileBytes = modelFileBytes(path)
    formatVersion = UInt32(VGL_MODEL_FORMAT_VERSION)
    weightLayout = vgl_model_weight_layout(model.handle)
    let n = model.network
    let stages = Int(n.stage_count)
    func arr(_ t: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)) -> [Int] {
      Array([t.0, t.1, t.2, t.3, t.4, t.5, t.6, t.7].prefix(stages).map { Int($0) })
    }
    name = stringFromC(n.name) ?? ""
    channels = arr(n.channels)
    local = arr(n.local_blocks)
    global = arr(n.global_blocks)
    k = arr(n.k)
    embedding = Int(n.embedding)
    classes = Int(n.classes)
    inputSize = Int(n.input_size)
    distillation = n.distillation != 0
    let p = model.preprocessing
    size = Int(p.input_size)
    cropPct = p.crop_pct
    mean = [p.mean.0, p.mean.1, p.mean.2]
    std = [p.std.0, p.std.1, p.std.2]
    labels = model.labels
    var meta: [(String, String)] = []
    for i in 0..<vgl_model_metadata_count(model.handle) {
      var key: UnsafePointer<CChar>? = nil, value: UnsafePointer<CChar>? = nil
      if vgl_model_metadata_at(model.handle, i, &key, &value) == VGL_OK, let key, let value {
        meta.append((stringFromC(key) ?? "", stringFromC(value) ?? ""))
      }
    }
    metadata = meta
    let d = model.contents
    arenaBytes = d.arenaBytes
    arenaBytesByThreads = (1...4).map { vgl_model_arena_size_threads(model.handle, UInt32($0)) }
    observedArenaBytes = vgl_model_arena_size_observed(model.handle, 1)
    scratchOffset = d.scratchOffset
    scratchBytes = d.scratchBytes
    inputTensor = d.inputTensor
    tensors = d.tensors
    layers = d.layers
  }

  private func shape(_ s: [Int]) -> String { s.map { String($0) }.joined(separator: "x") }

  private var blocksText: String {
    "[" + (0..<local.count).map { listText([local[$0], global[$0]]) }.joined(separator: ", ") + "]"
  }

  /// The host's text report, line for line.
  var text: String {
    var lines: [String] = []
    lines.append("\(path): Vigil model format \(formatVersion), weight layout \(weightLayout), \(fileBytes) bytes")
    lines.append("network \(name): channels \(listText(channels)), blocks \(blocksText), "
      + "k \(listText(k)), embedding \(embedding), classes \(classes), "
      + "distillation \(distillation)")
    lines.append("input \(size)x\(size) RGB uint8; preprocessing: "
      + "shorter side to size/\(cropPct) bicubic, centre crop, mean "
      + "\(listText(mean)), std \(listText(std)) (folded into the stem)")
    let shown = labels.prefix(3).joined(separator: ", ") + (labels.count > 3 ? ", ..." : "")
    lines.append("labels: \(labels.isEmpty ? "none" : "\(labels.count) (\(shown))")")
    for (key, value) in metadata { lines.append("metadata \(key) = \(value)") }
    lines.append("arena \(arenaBytes) B (scratch \(scratchBytes) B at \(scratchOffset)), "
      + "weights \(weightBytes) B, \(macs) MACs, \(layers.count) ops, \(tensors.count) tensors")
    lines.append("arena by threads: " + arenaBytesByThreads.enumerated().map { "\($0.offset + 1): \($0.element) B" }
      .joined(separator: ", ") + "; observed runs (fused blocks op by op): \(observedArenaBytes) B")
    lines.append("")
    lines.append("op  kind    input        output       MACs        out scale    zp    name")
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

  /// The host's JSON object, key for key.
  var json: String {
    func flist(_ v: [Float]) -> String { "[" + v.map { jsonNumber($0) }.joined(separator: ", ") + "]" }
    let layerJSON = layers.map { l in
      "{\"index\": \(l.index), \"name\": \(jsonString(l.name)), \"op\": \(jsonString(l.kind)), "
        + "\"input\": \(listText(l.input)), \"output\": \(listText(l.output)), \"macs\": \(l.macs), "
        + "\"weight_bytes\": \(l.weightBytes), \"gelu\": \(l.gelu), "
        + "\"residual\": \(l.residual.map { String($0) } ?? "null"), "
        + "\"kernel\": \(l.kernel), \"stride\": \(l.stride), \"hop\": \(l.hop), "
        + "\"output_scale\": \(l.outputScale.map { jsonNumber($0) } ?? "null"), "
        + "\"output_zero_point\": \(l.outputZeroPoint.map { String($0) } ?? "null")}"
    }
    let tensorJSON = tensors.map { t in
      "{\"index\": \(t.index), \"shape\": \(listText(t.shape)), \"offset\": \(t.offset), "
        + "\"bytes\": \(t.bytes), \"scale\": \(jsonNumber(t.scale)), \"zero_point\": \(t.zeroPoint), "
        + "\"band\": \(t.band)}"
    }
    let meta = metadata.map { "\(jsonString($0.0)): \(jsonString($0.1))" }
    let cfg = "{\"name\": \(jsonString(name)), \"channels\": \(listText(channels)), "
      + "\"blocks\": \(blocksText), \"k\": \(listText(k)), "
      + "\"embedding\": \(embedding), \"classes\": \(classes), "
      + "\"input_size\": \(inputSize), \"distillation\": \(distillation)}"
    return "{\"file\": \(jsonString(path)), \"file_bytes\": \(fileBytes), "
      + "\"format_version\": \(formatVersion), \"weight_layout\": \(weightLayout), "
      + "\"network\": \(cfg), "
      + "\"preprocessing\": {\"input_size\": \(size), \"crop_pct\": \(jsonNumber(cropPct)), "
      + "\"mean\": \(flist(mean)), \"std\": \(flist(std))}, "
      + "\"labels\": [\(labels.map { jsonString($0) }.joined(separator: ", "))], "
      + "\"metadata\": {\(meta.joined(separator: ", "))}, "
      + "\"arena_bytes\": \(arenaBytes), \"scratch_offset\": \(scratchOffset), "
      + "\"scratch_bytes\": \(scratchBytes), "
      + "\"arena_bytes_threads\": \(listText(arenaBytesByThreads.map { Int($0) })), "
      + "\"arena_bytes_observed\": \(observedArenaBytes), "
      + "\"weight_bytes\": \(weightBytes), \"macs\": \(macs), "
      + "\"input_tensor\": \(inputTensor), "
      + "\"layers\": [\(layerJSON.joined(separator: ", "))], "
      + "\"tensors\": [\(tensorJSON.joined(separator: ", "))]}"
  }
}

/// `s` padded with spaces to `n` characters, and always followed by at least one space (the
/// host's `padding(toLength: max(n, s.count + 1), ...)`).
private func pad(_ s: String, _ n: Int) -> String {
  s + String(repeating: " ", count: max(n, s.count + 1) - s.count)
}
