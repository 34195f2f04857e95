// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CKernels
import VigilCore

/// Runs a ``QuantizedModel`` on the C int8 runtime, straight from memory (no `.vigil` file).
///
/// `init` packs the weights as the model file does (``QuantizedModel/Op/packed(inputChannels:)``)
/// and copies them, every bias, scale and table into buffers it owns, builds the
/// `vgl_q8_plan` pointing into them, checks it with `vgl_q8_plan_validate` (its message
/// becomes the thrown error) and allocates the arena once, 64-byte aligned. `run` copies
/// nothing into C but the pixels; it is not reentrant (one arena), so use one engine per
/// thread.
///
///     let engine = try Int8Engine(model)
///     let logits = try engine.run(pixels: crop.pixels)   // S x S x 3 uint8, HWC
public final class Int8Engine {
  public let model: QuantizedModel
  private let storage: Storage
  private let plan: vgl_q8_plan
  /// `arenaBytes` bytes, VGL_Q8_ALIGNMENT-aligned, reused by every run.
  private let arena: UnsafeMutableRawPointer
  /// The observed-run arena (`vgl_q8_plan_arena_bytes_observed`, one thread).
  private let arenaBytes: UInt64

  /// Owns the C arrays and the arena; frees them when the engine goes (also when `init`
  /// throws half way).
  private final class Storage {
    var blocks: [UnsafeMutableRawPointer] = []
    deinit { for b in blocks { b.deallocate() } }

    func allocate(bytes: Int) -> UnsafeMutableRawPointer {
      let p = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 1),
                                               alignment: Int(VGL_Q8_ALIGNMENT))
      blocks.append(p)
      return p
    }

    /// A copy of `values` (nil when empty).
    func keep<T>(_ values: [T]) -> UnsafePointer<T>? {
      guard !values.isEmpty else { return nil }
      let p = allocate(bytes: values.count * MemoryLayout<T>.stride)
        .bindMemory(to: T.self, capacity: values.count)
      p.initialize(from: values, count: values.count)
      return UnsafePointer(p)
    }
  }

  public init(_ model: QuantizedModel) throws(VigilError) {
    self.model = model
    let storage = Storage()
    self.storage = storage
    let tensors = model.tensors.map { t in
      vgl_q8_tensor(channels: UInt32(t.channels), height: UInt32(t.height),
                    width: UInt32(t.width), band: UInt32(t.band), offset: t.offset, scale: t.scale,
                    zero_point: t.zeroPoint)
    }
    var ops: [vgl_q8_op] = []
    for (index, op) in model.ops.enumerated() {
      var c = vgl_q8_op()
      c.kind = op.kind.rawValue
      c.input = UInt32(op.input)
      c.output = op.output.map(UInt32.init) ?? UInt32.max
      c.residual = op.residual.map(UInt32.init) ?? UInt32.max
      c.kernel = UInt32(op.kernel)
      c.stride = UInt32(op.stride)
      c.pad = UInt32(op.pad)
      c.hop = UInt32(op.hop)
      c.classes = UInt32(op.classes)
      let inputChannels = model.tensors.indices.contains(op.input) ? model.tensors[op.input].channels : 0
      let (weight, bias) = op.packed(inputChannels: inputChannels) ?? (op.weight, op.bias)
      c.weight = storage.keep(weight)
      c.bias = storage.keep(bias)
      c.scale = storage.keep(op.scale)
      c.gelu_table = op.geluTable.flatMap { storage.keep($0) }
      c.input_zero_points = op.inputZeroPoints.flatMap { storage.keep($0) }
      if op.kind != .head {
        let r = op.requant
        let status = vgl_qs8_requant_params_init_residual(
          r.zeroPoint, r.qmin, r.qmax, r.residualZeroPoint, r.residualScale, &c.requant)
        if status != VGL_OK {
          throw .badPlan("op \(index) (\(op.name)): requant params \(r) rejected")
        }
      }
      ops.append(c)
    }
    let cTensors = storage.keep(tensors)
    let cOps = storage.keep(ops)
    plan = vgl_q8_plan(tensor_count: UInt32(tensors.count), tensors: cTensors,
                       op_count: UInt32(ops.count), ops: cOps,
                       input_tensor: UInt32(model.inputTensor), reserved: 0,
                       scratch_offset: model.scratchOffset, scratch_bytes: model.scratchBytes,
                       arena_bytes: model.arenaBytes)
    var message = [CChar](repeating: 0, count: 1024)
    var copy = plan
    let status = vgl_q8_plan_validate(&copy, &message, message.count)
    if let error = VigilError(status: status, message: cString(message)) {
      throw error
    }
    // After validation: arena_bytes is then known to be addressable. Observed runs execute
    // fused blocks unfused, in the larger arena vgl_q8_plan_arena_bytes_observed gives.
    arenaBytes = vgl_q8_plan_arena_bytes_observed(&copy, 1)
    guard arenaBytes <= UInt64(Int.max) else {
      throw .badPlan("observed runs need \(arenaBytes) arena bytes")
    }
    arena = storage.allocate(bytes: Int(arenaBytes))
  }

  /// Bytes of uint8 input the network takes (S x S x 3).
  public var inputCount: Int {
    let t = model.tensors[model.inputTensor]
    return t.channels * t.height * t.width
  }

  /// Logits per run.
  public var classes: Int { model.ops.last?.classes ?? 0 }

  /// Runs one inference on `pixels` (H x W x C uint8, HWC: the crop's interleaved RGB).
  public func run(pixels: [UInt8]) throws(VigilError) -> [Float] {
    try run(pixels: pixels, observe: nil)
  }

  /// Runs one inference, calling `observe(opIndex, outputTensor, codes)` after every op
  /// but the head with the op's int8 output (HWC codes, valid during the call only).
  public func run(pixels: [UInt8],
                  observe: ((Int, Int, UnsafeBufferPointer<Int8>) -> Void)?) throws(VigilError)
    -> [Float]
  {
    guard pixels.count == inputCount else {
      let t = model.tensors[model.inputTensor]
      throw .invalidArgument("input has \(pixels.count) bytes, the model takes "
        + "\(t.height)x\(t.width)x\(t.channels) = \(inputCount)")
    }
    var logits = [Float](repeating: 0, count: classes)
    var plan = self.plan
    let status: vgl_status
    if let observe {
      final class Box {
        let f: (Int, Int, UnsafeBufferPointer<Int8>) -> Void
        let outputs: [Int]
        init(_ f: @escaping (Int, Int, UnsafeBufferPointer<Int8>) -> Void, outputs: [Int]) {
          self.f = f
          self.outputs = outputs
        }
      }
      let box = Box(observe, outputs: model.ops.map { $0.output ?? -1 })
      let context = Unmanaged.passRetained(box).toOpaque()
      defer { Unmanaged<Box>.fromOpaque(context).release() }
      status = vgl_q8_run(&plan, arena, arenaBytes, pixels, &logits, { ctx, op, tensor, data in
        guard let tensor, let data else { return }  // the head: logits go to the caller
        let box = Unmanaged<Box>.fromOpaque(ctx!).takeUnretainedValue()
        let t = tensor.pointee
        let count = Int(t.channels) * Int(t.height) * Int(t.width)
        box.f(Int(op), box.outputs[Int(op)], UnsafeBufferPointer(start: data, count: count))
      }, context)
    } else {
      status = vgl_q8_run(&plan, arena, arenaBytes, pixels, &logits, nil, nil)
    }
    if let error = VigilError(status: status, message: String(cString: vgl_status_string(status))) {
      throw error
    }
    return logits
  }
}
