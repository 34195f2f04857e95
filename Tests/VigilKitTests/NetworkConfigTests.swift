// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Testing
@testable import VigilKit

@Suite struct NetworkConfigTests {
  /// MACs per variant as measured on the reference code (docs: mobilevigv2.md), in GMACs.
  @Test(arguments: [("ti", 0.63), ("s", 0.91), ("m", 1.62), ("b", 3.56)])
  func variantMacsMatchThePaperTable(name: String, gmacs: Double) throws {
    let c = try NetworkConfig.variant(name)
    try c.validate()
    #expect(abs(Double(c.macs) / 1e9 - gmacs) < 0.006, "\(name): \(c.macs) MACs")
    #expect(c.stageSizes == [56, 28, 14, 7])
    #expect(c.warnings.isEmpty)
  }

  @Test func unknownVariantIsRefusedWithTheChoices() {
    #expect(throws: ConfigError.unknownVariant("xl")) { try NetworkConfig.variant("xl") }
    #expect(ConfigError.unknownVariant("xl").description.contains("ti, s, m, b"))
  }

  private func write(_ json: String) throws -> String {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("vigil-config-\(UUID().uuidString).json").path
    try json.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test func customConfigLoadsWithDefaults() throws {
    let path = try write("""
      {"channels": [8, 16, 24, 32], "blocks": [[1, 0], [1, 1], [1, 1], [1, 1]],
       "k": [0, 2, 1, 2], "embedding": 48, "classes": 10, "input_size": 64}
      """)
    let c = try NetworkConfig.load(path: path)
    #expect(c.name == "custom")
    #expect(c.distillation)
    #expect(c.stageSizes == [16, 8, 4, 2])
    // Stage 3 has K = 2 on a 2x2 map: the graph op connects nothing.
    #expect(c.warnings.count == 1)
    #expect(c.warnings[0].contains("stage 3") && c.warnings[0].contains("K = 2"))
  }

  @Test(arguments: [
    (#"{"channels": [8], "blocks": [[1,0],[1,1]], "k": [0], "embedding": 4, "classes": 2}"#, "blocks"),
    (#"{"channels": [8, 0], "blocks": [[1,0],[1,1]], "k": [0, 1], "embedding": 4, "classes": 2}"#, "channels[1]"),
    (#"{"channels": [8], "blocks": [[1]], "k": [0], "embedding": 4, "classes": 2}"#, "blocks[0]"),
    (#"{"channels": [8], "blocks": [[1,0]], "k": [-1], "embedding": 4, "classes": 2}"#, "k[0]"),
    (#"{"channels": [8], "blocks": [[1,0]], "k": [0], "embedding": 4, "classes": 0}"#, "classes"),
    (#"{"channels": [8], "blocks": [[1,0]], "k": [0], "embedding": 4, "classes": 2, "input_size": 2}"#, "input_size"),
    (#"{"channels": [1], "blocks": [[1,0]], "k": [0], "embedding": 4, "classes": 2}"#, "channels[0]"),
    (#"{"channels": [8], "blocks": [[1,0]], "embedding": 4, "classes": 2}"#, "\"k\""),
    (#"{"channels": "8"}"#, "channels"),
    (#"{"channels": [8], "#, "JSON"),
  ])
  func impossibleConfigsAreRefusedNamingTheField(json: String, field: String) throws {
    let path = try write(json)
    do {
      _ = try NetworkConfig.load(path: path)
      Issue.record("accepted \(json)")
    } catch {
      #expect(error.description.contains(field), "\(error.description)")
    }
  }

  @Test func missingFileSaysSo() {
    #expect(throws: ConfigError.unreadable(path: "/nonexistent/c.json")) {
      try NetworkConfig.load(path: "/nonexistent/c.json")
    }
  }
}

@Suite struct MemoryPlannerTests {
  /// Builds the op graph of a network config without weights (zero tensors).
  static func graph(_ name: String) throws -> (sizes: [Int], reads: [[Int]], writes: [Int], out: Int) {
    let net = try Fp32Network.zeroWeights(config: NetworkConfig.variant(name))
    return (net.tensors.map(\.count),
            net.ops.map { [$0.input] + ($0.residual.map { [$0] } ?? []) },
            net.ops.map(\.output), net.outputTensor)
  }

  @Test(arguments: ["ti", "b"])
  func liveTensorsNeverOverlap(name: String) throws {
    let g = try Self.graph(name)
    let plan = MemoryPlan(sizes: g.sizes, reads: g.reads, writes: g.writes, input: 0, output: g.out)
    var lastUse = [Int](repeating: -1, count: g.sizes.count)
    for (i, r) in g.reads.enumerated() { for t in r { lastUse[t] = max(lastUse[t], i) } }
    lastUse[g.out] = g.writes.count
    var firstDef = [Int](repeating: -1, count: g.sizes.count)
    for (i, w) in g.writes.enumerated() { firstDef[w] = i }
    for a in 0..<g.sizes.count {
      #expect(plan.offsets[a] % 16 == 0)
      #expect(plan.offsets[a] + g.sizes[a] <= plan.size)
      for b in (a + 1)..<g.sizes.count {
        // Lifetimes [def, lastUse] that intersect must get disjoint ranges.
        let live = max(firstDef[a], firstDef[b]) <= min(max(lastUse[a], firstDef[a]), max(lastUse[b], firstDef[b]))
        guard live else { continue }
        let disjoint = plan.offsets[a] + g.sizes[a] <= plan.offsets[b]
          || plan.offsets[b] + g.sizes[b] <= plan.offsets[a]
        #expect(disjoint, "tensors \(a) and \(b) overlap while both live")
      }
    }
    #expect(plan.size >= plan.lowerBound)
    // On MobileViGv2 the planner's search reaches the largest live set: no plan can be smaller.
    #expect(plan.size == plan.lowerBound, "\(plan.size) vs \(plan.lowerBound)")
  }

  /// The int8 arena of MobileViGv2-Ti at 224 (one byte per element, 64-byte offsets, the graph
  /// op's scratch) fits in 1 MiB and equals the largest live set plus the scratch.
  @Test func tiInt8ArenaFitsInOneMebibyte() throws {
    let net = try Fp32Network.zeroWeights(config: NetworkConfig.variant("ti"))
    let plan = ArenaPlan(
      tensorBytes: net.tensors.map(\.count),
      ops: net.ops.map { ArenaPlan.Access(reads: [$0.input] + ($0.residual.map { [$0] } ?? []), write: $0.output) },
      input: net.inputTensor,
      scratchBytes: net.ops.filter { $0.kind == .mrconv }.map { net.tensors[$0.input].channels }.max() ?? 0)
    #expect(plan.arenaBytes <= 1 << 20, "\(plan.arenaBytes) B")
    #expect(plan.largestLiveBytes == 903_168)  // stage 0: x + 4C + 4C at 56x56 = 32+128+128 ch
    #expect(plan.arenaBytes == plan.largestLiveBytes + 256)
  }

  /// With the inverted-residual and FFN blocks fused (``BandPlan``), the Ti arena at 224 is at
  /// most 512 KiB, on 1 to 4 threads: the largest live set is then the stem's (pixels +
  /// 16 x 112 x 112), and one band scratch per thread follows it.
  @Test func tiFusedInt8ArenaFitsIn512KiB() throws {
    let net = try Fp32Network.zeroWeights(config: NetworkConfig.variant("ti"))
    let ops = net.ops.map { op -> QuantizedModel.Op in
      let inShape = net.tensors[op.input], outShape = net.tensors[op.output]
      let kind: QuantizedModel.OpKind = op.output == net.outputTensor ? .head
        : op.kind == .mrconv ? .mrconv : op.kind == .globalPool ? .gap
        : op.groups > 1 && op.groups == inShape.channels && op.groups == outShape.channels ? .dwconv : .conv
      var q = QuantizedModel.Op(name: op.name, kind: kind, input: op.input, output: op.output)
      q.residual = op.residual
      q.kernel = op.kernel; q.stride = op.stride; q.pad = op.pad
      return q
    }
    let bands = BandPlan(ops: ops, shapes: net.tensors.map { ($0.channels, $0.height, $0.width) })
    #expect(bands.blocks.filter { $0.length == 3 }.count == 12)  // every InvertedResidual
    #expect(bands.blocks.filter { $0.length == 2 }.count == 6)   // every FFN (MGC blocks)
    // Rows of 7 KiB at every stage of Ti (W x 4C = 56 x 128 = ... = 7 x 1024): 1-row bands of
    // 28,672 B scratch (3 expanded rows, 1 depthwise row).
    #expect(bands.blocks.filter { $0.length == 3 }.allSatisfy { $0.band == 1 && $0.scratchBytes == 28_672 })
    #expect(bands.blocks.filter { $0.length == 2 }.allSatisfy { $0.scratchBytes <= BandPlan.scratchBudget })
    #expect(bands.scratchBytes == 28_672)
    let plan = ArenaPlan(
      tensorBytes: net.tensors.map(\.count),
      ops: net.ops.map { ArenaPlan.Access(reads: [$0.input] + ($0.residual.map { [$0] } ?? []), write: $0.output) },
      input: net.inputTensor,
      scratchBytes: net.ops.filter { $0.kind == .mrconv }.map { net.tensors[$0.input].channels }.max() ?? 0,
      bands: bands)
    #expect(plan.largestLiveBytes == 351_232)  // 3 x 224 x 224 pixels + 16 x 112 x 112
    #expect(plan.arenaBytes == plan.largestLiveBytes + UInt64(bands.scratchBytes))
    #expect(plan.arenaBytes == 379_904)
    #expect(plan.arenaBytes + 3 * UInt64(bands.scratchBytes) <= 512 * 1024)  // 4 threads
  }
}

