// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CKernels

/// What a model runs, described through the C loader's description API (vigil_model.h:
/// `vgl_model_get_layout`, `_get_tensor`, `_get_op`): the arena layout, every tensor and every
/// op with its MACs and weight bytes. The host's `vigil inspect` and the board's share it.
public struct ModelDescription {
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
    public var band: Int
  }

  public var arenaBytes: UInt64
  public var scratchOffset: UInt64
  public var scratchBytes: UInt64
  public var inputTensor: Int
  public var layers: [Layer]
  public var tensors: [TensorSlot]

  public var weightBytes: Int { layers.reduce(0) { $0 + $1.weightBytes } }
  public var macs: Int { layers.reduce(0) { $0 + $1.macs } }

  /// The op kind's name as inspect and bench print it ("stem", "conv", ...).
  public static func kindName(_ kind: UInt32) -> String {
    switch kind {
    case UInt32(VGL_Q8_STEM.rawValue): "stem"
    case UInt32(VGL_Q8_CONV.rawValue): "conv"
    case UInt32(VGL_Q8_DWCONV.rawValue): "dwconv"
    case UInt32(VGL_Q8_MRCONV.rawValue): "mrconv"
    case UInt32(VGL_Q8_GAP.rawValue): "gap"
    case UInt32(VGL_Q8_HEAD.rawValue): "head"
    default: "op\(kind)"
    }
  }

  public init(_ model: borrowing Model) {
    let handle = model.handle
    var layout = vgl_model_layout()
    _ = vgl_model_get_layout(handle, &layout)
    arenaBytes = layout.arena_bytes
    scratchOffset = layout.scratch_offset
    scratchBytes = layout.scratch_bytes
    inputTensor = Int(layout.input_tensor)
    var slots: [TensorSlot] = []
    for i in 0..<layout.tensor_count {
      var t = vgl_model_tensor_info()
      _ = vgl_model_get_tensor(handle, i, &t)
      slots.append(TensorSlot(
        index: Int(i), shape: [Int(t.channels), Int(t.height), Int(t.width)], offset: t.offset,
        bytes: UInt64(t.channels) * UInt64(t.height) * UInt64(t.width), scale: t.scale,
        zeroPoint: t.zero_point, band: Int(t.band)))
    }
    tensors = slots
    var layers: [Layer] = []
    // VGL_Q8_NO_TENSOR (UINT32_MAX) does not import for the bare-metal Swift targets.
    let none = UInt32.max
    let head = UInt32(VGL_Q8_HEAD.rawValue), gap = UInt32(VGL_Q8_GAP.rawValue)
    for i in 0..<layout.op_count {
      var op = vgl_model_op_info()
      _ = vgl_model_get_op(handle, i, &op)
      let input = slots[Int(op.input)].shape
      let isHead = op.kind == head
      let output = isHead ? [Int(op.classes), 1, 1] : slots[Int(op.output)].shape
      let ci = input[0], co = output[0]
      let pixels = output[1] * output[2], kk = Int(op.kernel)
      var macs = 0, weights = 0
      switch op.kind {
      case UInt32(VGL_Q8_STEM.rawValue), UInt32(VGL_Q8_CONV.rawValue):
        macs = pixels * co * kk * kk * ci; weights = co * kk * kk * ci
      case UInt32(VGL_Q8_DWCONV.rawValue): macs = pixels * co * kk * kk; weights = co * kk * kk
      case UInt32(VGL_Q8_MRCONV.rawValue): macs = pixels * co * 2 * ci; weights = co * 2 * ci
      case gap: macs = input[1] * input[2] * ci
      case head: macs = co * ci; weights = co * ci
      default: break
      }
      let gelu = op.arrays & UInt32(VGL_MODEL_OP_HAS_GELU) != 0
      if op.arrays & UInt32(VGL_MODEL_OP_HAS_BIAS) != 0 { weights += 4 * co }
      if op.arrays & UInt32(VGL_MODEL_OP_HAS_SCALE) != 0 { weights += 4 * (op.kind == gap ? 1 : co) }
      if gelu { weights += 256 }
      let out: TensorSlot? = isHead ? nil : slots[Int(op.output)]
      layers.append(Layer(
        index: Int(i), name: stringFromC(vgl_model_op_name(handle, i)) ?? "",
        kind: Self.kindName(op.kind), input: input, output: output, macs: macs,
        weightBytes: weights, outputScale: out?.scale, outputZeroPoint: out?.zeroPoint,
        residual: op.residual == none ? nil : Int(op.residual),
        gelu: gelu, kernel: kk, stride: Int(op.stride), hop: Int(op.hop)))
    }
    self.layers = layers
  }
}
