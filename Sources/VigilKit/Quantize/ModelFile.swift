// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CKernels
import Foundation

/// The `.vigil` writer: packs a ``QuantizedModel`` into the file format of
/// docs/model-format.md, which the C loader (`vgl_model_open`) validates and runs in place.
///
///     let bytes = ModelFile.encode(model)
///     try ModelFile.write(model, to: "tiny.vigil")
///
/// Deterministic: the same model gives the same bytes (no timestamps; metadata sorted by the
/// keys' UTF-8 bytes; strings, records and weight arrays in model order; padding zero).
/// The writer does not validate: the loader does, once, with messages; `Model(bytes:)` in
/// VigilCore opens the result for a check.
public enum ModelFile {
  /// The format version written (header bytes 8..11).
  public static let formatVersion: UInt32 = 1
  /// The weight layout written: 2, the packed layout of vigil_q8.h ("packed weights") that
  /// every path reads in place.
  public static let packedLayout: UInt32 = 2
  static let alignment = 64
  static let noTensor = UInt32.max

  /// The file's bytes.
  public static func encode(_ m: QuantizedModel) -> [UInt8] {
    var strings = ByteWriter()
    func string(_ s: String, into record: inout ByteWriter) {
      let bytes = Array(s.utf8)
      record.u32(UInt32(truncatingIfNeeded: strings.count))
      record.u32(UInt32(truncatingIfNeeded: bytes.count))
      strings.bytes(bytes)
      strings.u8(0)
    }

    // network (160 bytes)
    let config = m.config
    var network = ByteWriter()
    network.u32(UInt32(truncatingIfNeeded: config.channels.count))
    network.u32(UInt32(truncatingIfNeeded: config.embedding))
    network.u32(UInt32(truncatingIfNeeded: config.classes))
    network.u32(UInt32(truncatingIfNeeded: config.inputSize))
    network.u32(config.distillation ? 1 : 0)
    string(config.name, into: &network)
    network.u32(0)
    func stages(_ values: [Int]) {
      for i in 0..<8 { network.u32(i < values.count ? UInt32(truncatingIfNeeded: values[i]) : 0) }
    }
    stages(config.channels)
    stages(config.blocks.map { $0.count > 0 ? $0[0] : 0 })
    stages(config.blocks.map { $0.count > 1 ? $0[1] : 0 })
    stages(config.k)

    // preprocessing (32 bytes)
    var preprocessing = ByteWriter()
    let pre = m.preprocessing
    preprocessing.u32(UInt32(truncatingIfNeeded: pre.inputSize))
    preprocessing.f32(pre.cropPct)
    for c in 0..<3 { preprocessing.f32(c < pre.mean.count ? pre.mean[c] : 0) }
    for c in 0..<3 { preprocessing.f32(c < pre.std.count ? pre.std[c] : 0) }

    // labels, metadata (string references)
    var labels = ByteWriter()
    for label in m.labels ?? [] { string(label, into: &labels) }
    var metadata = ByteWriter()
    let keys = m.metadata.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    for key in keys {
      string(key, into: &metadata)
      string(m.metadata[key]!, into: &metadata)
    }

    // tensors (32 bytes each)
    var tensors = ByteWriter()
    for t in m.tensors {
      tensors.u32(UInt32(truncatingIfNeeded: t.channels))
      tensors.u32(UInt32(truncatingIfNeeded: t.height))
      tensors.u32(UInt32(truncatingIfNeeded: t.width))
      tensors.u32(UInt32(truncatingIfNeeded: t.band))
      tensors.u64(t.offset)
      tensors.f32(t.scale)
      tensors.i32(t.zeroPoint)
    }

    // ops (160 bytes each) and the weights blob
    var ops = ByteWriter()
    var weights = ByteWriter()
    func array(_ bytes: [UInt8]) {
      guard !bytes.isEmpty else { ops.u64(0); ops.u64(0); return }
      ops.u64(UInt64(truncatingIfNeeded: weights.count))
      ops.u64(UInt64(truncatingIfNeeded: bytes.count))
      weights.bytes(bytes)
      weights.pad(to: alignment)
    }
    for op in m.ops {
      ops.u32(op.kind.rawValue)
      ops.u32(UInt32(truncatingIfNeeded: op.input))
      ops.u32(op.output.map { UInt32(truncatingIfNeeded: $0) } ?? noTensor)
      ops.u32(op.residual.map { UInt32(truncatingIfNeeded: $0) } ?? noTensor)
      for v in [op.kernel, op.stride, op.pad, op.hop, op.classes] { ops.u32(UInt32(truncatingIfNeeded: v)) }
      ops.u32(0)
      ops.i32(op.requant.zeroPoint)
      ops.i32(op.requant.qmin)
      ops.i32(op.requant.qmax)
      ops.i32(op.requant.residualZeroPoint)
      ops.f32(op.requant.residualScale)
      string(op.name, into: &ops)
      ops.u32(0)
      // The packing step: what the kernels read in place. Shapes that do not fit the kind are
      // written as they are, for the loader to refuse with its message.
      let inputChannels = m.tensors.indices.contains(op.input) ? m.tensors[op.input].channels : 0
      let (weight, bias) = op.packed(inputChannels: inputChannels) ?? (op.weight, op.bias)
      array(weight.map { UInt8(bitPattern: $0) })
      array(bias.flatMap { littleEndian(UInt32(bitPattern: $0)) })
      array(op.scale.flatMap { littleEndian($0.bitPattern) })
      array((op.geluTable ?? []).map { UInt8(bitPattern: $0) })
      array(op.inputZeroPoints ?? [])
      ops.u64(0)
    }

    // arena (32 bytes)
    var arena = ByteWriter()
    arena.u32(UInt32(truncatingIfNeeded: m.inputTensor))
    arena.u32(0)
    arena.u64(m.scratchOffset)
    arena.u64(m.scratchBytes)
    arena.u64(m.arenaBytes)

    // kind, record count, bytes; optional sections (labels, metadata) only when non-empty.
    var sections: [(kind: UInt32, count: UInt32, bytes: [UInt8])] = [
      (1, 0, network.data), (2, 0, preprocessing.data),
    ]
    if let l = m.labels, !l.isEmpty { sections.append((3, UInt32(truncatingIfNeeded: l.count), labels.data)) }
    if !keys.isEmpty { sections.append((4, UInt32(truncatingIfNeeded: keys.count), metadata.data)) }
    sections += [
      (5, 0, strings.data), (6, UInt32(truncatingIfNeeded: m.tensors.count), tensors.data),
      (7, UInt32(truncatingIfNeeded: m.ops.count), ops.data), (8, 0, arena.data), (9, 0, weights.data),
    ]

    var file = ByteWriter()
    file.bytes(Array("VIGIL".utf8) + [0, 0, 0])
    file.u32(formatVersion)
    file.u32(64)  // header bytes
    file.u64(0)  // file bytes, patched below
    file.u32(0)  // checksum, patched below
    file.u32(packedLayout)
    file.u32(UInt32(truncatingIfNeeded: sections.count))
    file.u32(32)  // section entry bytes
    file.u64(64)  // section table offset
    file.u64(0)
    file.u64(0)
    let tableAt = file.count
    file.bytes([UInt8](repeating: 0, count: 32 * sections.count))
    file.pad(to: alignment)
    var table = ByteWriter()
    for s in sections {
      let offset = file.count
      file.bytes(s.bytes)
      file.pad(to: alignment)
      table.u32(s.kind)
      table.u32(s.count)
      table.u64(UInt64(truncatingIfNeeded: offset))
      table.u64(UInt64(truncatingIfNeeded: s.bytes.count))
      table.u64(0)
    }
    var bytes = file.data
    bytes.replaceSubrange(tableAt..<tableAt + table.count, with: table.data)
    bytes.replaceSubrange(16..<24, with: littleEndian(UInt64(truncatingIfNeeded: bytes.count)))
    bytes.replaceSubrange(24..<28, with: littleEndian(checksum(bytes)))
    return bytes
  }

  /// Writes `encode(m)` to `path` (created or replaced, a symbolic link too).
  public static func write(_ m: QuantizedModel, to path: String) throws(OutputFileError) {
    // Atomic (a temporary file renamed over the target): a process that has the old model
    // mapped keeps its pages, and a crash or a full disk never leaves half a model behind.
    try OutputFile.write(encode(m), to: path, inputs: [], replaceLink: true)
  }

  /// CRC-32C (Castagnoli) of a file with header bytes 24..27 counted as zero, the value
  /// stored there: the loader's own `vgl_model_checksum` (0 for a file shorter than 28 bytes,
  /// which no encoder writes).
  public static func checksum(_ file: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0
    let status = file.withUnsafeBytes { vgl_model_checksum($0.baseAddress, $0.count, &crc) }
    return status == VGL_OK ? crc : 0
  }

  private static func littleEndian<T: FixedWidthInteger>(_ v: T) -> [UInt8] {
    (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) }
  }
}

/// Little-endian appends.
struct ByteWriter {
  private(set) var data: [UInt8] = []
  var count: Int { data.count }
  mutating func u8(_ v: UInt8) { data.append(v) }
  mutating func u32(_ v: UInt32) { for i in 0..<4 { data.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
  mutating func i32(_ v: Int32) { u32(UInt32(bitPattern: v)) }
  mutating func u64(_ v: UInt64) { for i in 0..<8 { data.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
  mutating func f32(_ v: Float) { u32(v.bitPattern) }
  mutating func bytes(_ b: [UInt8]) { data += b }
  mutating func pad(to alignment: Int) {
    while data.count % alignment != 0 { data.append(0) }
  }
}
