// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CKernels
import Foundation
import Testing
import VigilCore
@testable import VigilKit

/// A small valid int8 network built by hand: input 3x16x16 -> STEM 3x3 s2 (+GELU) 8x8x8 ->
/// CONV 1x1 (+GELU) 8x8x8 -> MRCONV hop 2 (+residual) 8x8x8 -> GAP 8x1x1 -> HEAD 5 classes,
/// random weights from a fixed seed.
enum TinyModel {
  struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    mutating func int(_ range: ClosedRange<Int>) -> Int {
      range.lowerBound + Int(next() % UInt64(range.count))
    }
  }

  static func geluTable(inScale: Float, inZeroPoint: Int32, outScale: Float,
                        outZeroPoint: Int32) -> [Int8] {
    var table = [Int8](repeating: 0, count: 256)
    let status = table.withUnsafeMutableBufferPointer {
      vgl_qs8_gelu_table_init(inScale, inZeroPoint, outScale, outZeroPoint, $0.baseAddress)
    }
    precondition(status == VGL_OK)
    return table
  }

  static func make(seed: UInt64 = 42) -> QuantizedModel {
    var rng = SplitMix64(state: seed)
    func fill(_ op: inout QuantizedModel.Op, weights: Int, rows: Int, scale: Float) {
      op.weight = (0..<weights).map { _ in Int8(rng.int(-127...127)) }
      op.bias = (0..<rows).map { _ in Int32(rng.int(-2000...2000)) }
      op.scale = (0..<rows).map { _ in scale * (0.5 + Float(rng.int(0...100)) / 100) }
    }
    typealias T = QuantizedModel.TensorInfo
    let tensors = [
      T(channels: 3, height: 16, width: 16, offset: 0, scale: 1, zeroPoint: 0),
      T(channels: 8, height: 8, width: 8, offset: 768, scale: 0.05, zeroPoint: -20),
      T(channels: 8, height: 8, width: 8, offset: 1280, scale: 0.04, zeroPoint: -40),
      T(channels: 8, height: 8, width: 8, offset: 1792, scale: 0.06, zeroPoint: 5),
      T(channels: 8, height: 1, width: 1, offset: 2304, scale: 0.03, zeroPoint: -3),
    ]
    var stem = QuantizedModel.Op(name: "stem", kind: .stem, input: 0, output: 1)
    stem.kernel = 3; stem.stride = 2; stem.pad = 1
    fill(&stem, weights: 8 * 9 * 3, rows: 8, scale: 0.002)
    stem.geluTable = geluTable(inScale: 0.08, inZeroPoint: 0, outScale: 0.05, outZeroPoint: -20)
    stem.inputZeroPoints = [124, 116, 104]
    var conv = QuantizedModel.Op(name: "backbone.0.0.ffn", kind: .conv, input: 1, output: 2)
    conv.kernel = 1; conv.stride = 1
    fill(&conv, weights: 8 * 8, rows: 8, scale: 0.004)
    conv.geluTable = geluTable(inScale: 0.08, inZeroPoint: 0, outScale: 0.04, outZeroPoint: -40)
    var graph = QuantizedModel.Op(name: "backbone.0.0.graph", kind: .mrconv, input: 2, output: 3)
    graph.residual = 2
    graph.hop = 2
    fill(&graph, weights: 8 * 16, rows: 8, scale: 0.003)
    graph.requant = .init(zeroPoint: 5, residualZeroPoint: -40, residualScale: 0.04 / 0.06)
    var pool = QuantizedModel.Op(name: "pool", kind: .gap, input: 3, output: 4)
    pool.scale = [0.04 / (64 * 0.03)]
    pool.requant = .init(zeroPoint: -3)
    var head = QuantizedModel.Op(name: "head", kind: .head, input: 4, output: nil)
    head.classes = 5
    fill(&head, weights: 5 * 8, rows: 5, scale: 0.0005)

    let config = NetworkConfig(name: "tiny", channels: [8], blocks: [[0, 1]], k: [2],
                               embedding: 8, classes: 5, inputSize: 16)
    var preprocessing = QuantizedModel.Preprocessing(inputSize: 16)
    preprocessing.cropPct = 0.875
    return QuantizedModel(
      config: config, preprocessing: preprocessing,
      labels: ["cat", "dog", "café", "", "zebra"], tensors: tensors,
      ops: [stem, conv, graph, pool, head], inputTensor: 0, scratchOffset: 2368,
      scratchBytes: 64, arenaBytes: 2432,
      metadata: ["images": "4", "calibration": "minmax", "toolkit": "ModelFileTests"])
  }

  /// Deterministic pixels, 3 x 16 x 16 HWC.
  static let pixels: [UInt8] = (0..<768).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }

  /// The plan built directly from `m` in memory (``Int8Engine``, no file), for comparison.
  static func runDirect(_ m: QuantizedModel, pixels: [UInt8]) -> [Float] {
    do {
      return try Int8Engine(m).run(pixels: pixels)
    } catch {
      preconditionFailure("\(error)")
    }
  }

}

@Suite struct ModelFileTests {
  static let fixtureDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/model")

  @Test func encodeOpenRunMatchesDirectPlan() throws {
    let model = TinyModel.make()
    let bytes = ModelFile.encode(model)
    #expect(bytes.count % 64 == 0)
    #expect(Array(bytes[0..<8]) == Array("VIGIL".utf8) + [0, 0, 0])
    let opened = try Model(bytes: bytes)
    #expect(opened.arenaSize == 2432)
    #expect(opened.inputSize == 16)
    #expect(opened.classes == 5)
    #expect(opened.labels == ["cat", "dog", "café", "", "zebra"])
    #expect(opened.metadata("calibration") == "minmax")
    #expect(opened.metadata("missing") == nil)
    #expect(opened.preprocessing.crop_pct == 0.875)
    #expect(opened.contents.layers.count == 5)
    let instance = try Instance(opened)
    let logits = try TinyModel.pixels.withUnsafeBufferPointer { try instance.run(pixels: $0) }
    let direct = TinyModel.runDirect(model, pixels: TinyModel.pixels)
    #expect(logits.map(\.bitPattern) == direct.map(\.bitPattern))
    #expect(Set(logits).count > 1)
  }

  @Test func deterministic() {
    let a = ModelFile.encode(TinyModel.make())
    let b = ModelFile.encode(TinyModel.make())
    #expect(a == b)
    #expect(a != ModelFile.encode(TinyModel.make(seed: 43)))
  }

  @Test func checksumMatchesTheRuntime() {
    let bytes = ModelFile.encode(TinyModel.make())
    var crc: UInt32 = 0
    let status = bytes.withUnsafeBytes { vgl_model_checksum($0.baseAddress, $0.count, &crc) }
    #expect(status == VGL_OK)
    #expect(crc == ModelFile.checksum(bytes))
  }

  /// Tests/Fixtures/model/tiny.vigil is this file's model; the C tests (native and under qemu)
  /// load it and compare their logits with tiny.logits. VIGIL_UPDATE_FIXTURES=1 rewrites them.
  @Test func fixtureIsCurrent() throws {
    let model = TinyModel.make()
    let bytes = ModelFile.encode(model)
    let logits = TinyModel.runDirect(model, pixels: TinyModel.pixels)
    let logitBytes = logits.flatMap { f in (0..<4).map { UInt8(truncatingIfNeeded: f.bitPattern >> (8 * $0)) } }
    let dir = Self.fixtureDirectory
    if ProcessInfo.processInfo.environment["VIGIL_UPDATE_FIXTURES"] == "1" {
      try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
      try ModelFile.write(model, to: dir.appendingPathComponent("tiny.vigil").path)
      try Data(TinyModel.pixels).write(to: dir.appendingPathComponent("tiny.pixels"))
      try Data(logitBytes).write(to: dir.appendingPathComponent("tiny.logits"))
    }
    let stored = try [UInt8](Data(contentsOf: dir.appendingPathComponent("tiny.vigil")))
    #expect(stored == bytes, "tiny.vigil is stale: run VIGIL_UPDATE_FIXTURES=1 swift test --filter ModelFile")
    let storedLogits = try [UInt8](Data(contentsOf: dir.appendingPathComponent("tiny.logits")))
    #expect(storedLogits == logitBytes)
    // Through the mmap path too.
    let opened = try Model(path: dir.appendingPathComponent("tiny.vigil").path)
    let instance = try Instance(opened)
    let run = try TinyModel.pixels.withUnsafeBufferPointer { try instance.run(pixels: $0) }
    #expect(run.map(\.bitPattern) == logits.map(\.bitPattern))
  }

  static func expectError(_ bytes: [UInt8], _ matches: (VigilError) -> Bool,
                          sourceLocation: SourceLocation = #_sourceLocation) {
    do {
      _ = try Model(bytes: bytes)
      Issue.record("opened a corrupt file", sourceLocation: sourceLocation)
    } catch {
      #expect(matches(error), "\(error.description)", sourceLocation: sourceLocation)
      #expect(!error.description.isEmpty)
    }
  }

  static func withChecksum(_ bytes: [UInt8]) -> [UInt8] {
    var b = bytes
    let crc = ModelFile.checksum(b)
    for i in 0..<4 { b[24 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
    return b
  }

  @Test func corruptFilesThrowTheRightCase() throws {
    let good = ModelFile.encode(TinyModel.make())
    var b = good
    b[0] = UInt8(ascii: "X")
    Self.expectError(b) { if case .badMagic = $0 { true } else { false } }
    b = good
    b[8] = 9
    Self.expectError(Self.withChecksum(b)) {
      if case .version(let m) = $0 { m.contains("format version 9") } else { false }
    }
    Self.expectError(Array(good.prefix(good.count - 1))) {
      if case .truncated = $0 { true } else { false }
    }
    Self.expectError([]) { if case .truncated = $0 { true } else { false } }
    b = good
    b[good.count - 100] ^= 1
    Self.expectError(b) { if case .checksum = $0 { true } else { false } }
    b = good
    b[28] = 1  // weight layout 1: the unpacked files of earlier toolkits
    Self.expectError(Self.withChecksum(b)) {
      if case .unsupported(let m) = $0 { m.contains("weight layout 1") && m.contains("re-run `vigil quantize`") } else { false }
    }
    b[28] = 3  // a layout from the future
    Self.expectError(Self.withChecksum(b)) {
      if case .unsupported(let m) = $0 { m.contains("weight layout 3") } else { false }
    }
    b = good
    b[32] = 0  // section count
    Self.expectError(Self.withChecksum(b)) { if case .badModel = $0 { true } else { false } }

    // A plan inconsistency behind a valid structure: the head's weight set to -128.
    var model = TinyModel.make()
    model.ops[4].weight[0] = -128
    Self.expectError(ModelFile.encode(model)) {
      if case .badPlan(let m) = $0 { m.contains("-128") } else { false }
    }
    // A config inconsistency: labels for the wrong number of classes.
    model = TinyModel.make()
    model.labels = ["one"]
    Self.expectError(ModelFile.encode(model)) {
      if case .badModel(let m) = $0 { m.contains("1 labels for 5 classes") } else { false }
    }

    do {
      _ = try Model(path: "/nonexistent/tiny.vigil")
      Issue.record("opened a missing file")
    } catch {
      guard case .io(let m) = error else { Issue.record("\(error)"); return }
      #expect(m.contains("/nonexistent/tiny.vigil"))
    }
  }

  @Test func arenaOneByteShortAndBadBuffers() throws {
    let bytes = ModelFile.encode(TinyModel.make())
    let arena = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 64)
    defer { arena.deallocate() }
    do {
      _ = try Instance(try Model(bytes: bytes), arena: UnsafeMutableRawBufferPointer(rebasing: arena[0..<2431]))
      Issue.record("bound a short arena")
    } catch {
      #expect(error == .arenaTooSmall("arena: requested 2432 B, available 2431 B, missing 1 B"))
    }
    let instance = try Instance(try Model(bytes: bytes), arena: UnsafeMutableRawBufferPointer(rebasing: arena[0..<2432]))
    let logits = try TinyModel.pixels.withUnsafeBufferPointer { try instance.run(pixels: $0) }
    #expect(logits.count == 5)
    do {
      _ = try [UInt8](repeating: 0, count: 10).withUnsafeBufferPointer { try instance.run(pixels: $0) }
      Issue.record("ran on 10 pixels")
    } catch let error as VigilError {
      guard case .invalidArgument = error else { Issue.record("\(error)"); return }
    }
  }
}
