// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CKernels

/// Where every int8 tensor lives in the one arena, computed offline.
///
/// Tensor sizes are HWC bytes (C x H x W); placement is ``MemoryPlan`` (liveness, first fit)
/// with 64-byte alignment (`VGL_Q8_ALIGNMENT`). The uint8 input region is live until the stem
/// has read it; the tensor the head reads is live to the end; an op's output never shares
/// bytes with its input or residual (it is placed while they are live). The graph op's scratch
/// (`scratchBytes`, the largest graph op's C) and thread 0's band buffers of fused blocks
/// (``BandPlan``) share one region after the tensors, since the runtime requires it to overlap
/// no tensor at all. A fused block's intermediates get no region (offset 0); its input stays
/// live to its last op, whose bands still read it.
public struct ArenaPlan: Sendable, Equatable {
  /// The tensors one op reads and the one it writes (nil for the head).
  public struct Access: Sendable, Equatable {
    public var reads: [Int]
    public var write: Int?
    public init(reads: [Int], write: Int?) { self.reads = reads; self.write = write }
  }

  public var offsets: [UInt64]
  public var scratchOffset: UInt64
  public var scratchBytes: UInt64
  public var arenaBytes: UInt64
  /// The largest sum of tensor bytes live at once (scratch not included): no placement of
  /// these tensors fits in less.
  public var largestLiveBytes: UInt64

  public static let alignment = Int(VGL_Q8_ALIGNMENT)

  public init(tensorBytes: [Int], ops: [Access], input: Int, scratchBytes: Int,
              bands: BandPlan? = nil) {
    var tensorBytes = tensorBytes, ops = ops, scratchBytes = scratchBytes
    if let bands {
      for (t, band) in bands.bands.enumerated() where band != 0 { tensorBytes[t] = 0 }
      for b in bands.blocks { ops[b.first + b.length - 1].reads += ops[b.first].reads }
      scratchBytes = max(scratchBytes, bands.scratchBytes)
    }
    // Ops with an output tensor, in order; the head's input stays live to the end.
    let producing = ops.filter { $0.write != nil }
    let lastRead = ops.last { $0.write == nil }?.reads.first ?? producing.last?.write ?? input
    let memory = MemoryPlan(sizes: tensorBytes, reads: producing.map(\.reads),
                            writes: producing.map { $0.write! }, input: input, output: lastRead,
                            alignment: Self.alignment)
    let a = UInt64(Self.alignment)
    offsets = memory.offsets.map(UInt64.init)
    let tensorsEnd = UInt64(memory.size)
    if scratchBytes > 0 {
      scratchOffset = (tensorsEnd + a - 1) / a * a
      self.scratchBytes = UInt64(scratchBytes)
      arenaBytes = scratchOffset + UInt64(scratchBytes)
    } else {
      scratchOffset = 0
      self.scratchBytes = 0
      arenaBytes = tensorsEnd
    }
    largestLiveBytes = UInt64(memory.lowerBound)
  }

  /// The plan a quantized model's ops and tensor shapes give (what ``Quantizer`` stored).
  public init(model: QuantizedModel) {
    self.init(tensorBytes: model.tensors.map { $0.channels * $0.height * $0.width },
              ops: model.ops.map { Access(reads: [$0.input] + ($0.residual.map { [$0] } ?? []),
                                          write: $0.output) },
              input: model.inputTensor,
              scratchBytes: model.ops.filter { $0.kind == .mrconv }
                .map { model.tensors[$0.input].channels }.max() ?? 0,
              bands: model.tensors.contains { $0.band != 0 }
                ? BandPlan(ops: model.ops,
                           shapes: model.tensors.map { ($0.channels, $0.height, $0.width) })
                : nil)
  }
}
