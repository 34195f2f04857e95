// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CKernels
import VigilCore

/// Runs a folded network on the C fp32 runtime.
///
/// Owns one buffer with every folded weight and one scratch buffer laid out by `MemoryPlan`;
/// both are allocated once, here, and freed in `deinit`. `run` allocates nothing in C; on the
/// Swift side it only creates the returned arrays.
///
///     let engine = try Fp32Engine(network)
///     let logits = try engine.run(input)   // input: 3 x S x S floats, CHW, normalized
public final class Fp32Engine {
  public let network: Fp32Network
  public let memory: MemoryPlan
  private let weights: UnsafeMutableBufferPointer<Float>
  private let scratch: UnsafeMutableBufferPointer<Float>
  private let cTensors: UnsafeMutableBufferPointer<vgl_f32_tensor>
  private let cOps: UnsafeMutableBufferPointer<vgl_f32_op>

  public init(_ network: Fp32Network) throws(VigilError) {
    self.network = network
    memory = MemoryPlan(
      sizes: network.tensors.map(\.count),
      reads: network.ops.map { [$0.input] + ($0.residual.map { [$0] } ?? []) },
      writes: network.ops.map(\.output), input: network.inputTensor,
      output: network.outputTensor)

    let weightCount = network.ops.reduce(0) { $0 + $1.weight.count + $1.bias.count }
    weights = .allocate(capacity: max(weightCount, 1))
    scratch = .allocate(capacity: max(memory.size, 1))
    scratch.initialize(repeating: 0)
    cTensors = .allocate(capacity: network.tensors.count)
    cOps = .allocate(capacity: max(network.ops.count, 1))

    for (i, t) in network.tensors.enumerated() {
      cTensors[i] = vgl_f32_tensor(channels: UInt32(t.channels), height: UInt32(t.height),
                                   width: UInt32(t.width), offset: UInt64(memory.offsets[i]))
    }
    var cursor = 0
    let base = weights.baseAddress!
    for (i, op) in network.ops.enumerated() {
      var c = vgl_f32_op()
      switch op.kind {
      case .conv: c.kind = VGL_F32_CONV.rawValue
      case .mrconv: c.kind = VGL_F32_MRCONV.rawValue
      case .globalPool: c.kind = VGL_F32_GAP.rawValue
      case .activation: c.kind = VGL_F32_ACT.rawValue
      }
      c.input = UInt32(op.input)
      c.output = UInt32(op.output)
      c.residual = op.residual.map(UInt32.init) ?? UInt32.max
      c.kernel = UInt32(op.kernel)
      c.stride = UInt32(op.stride)
      c.pad = UInt32(op.pad)
      c.groups = UInt32(op.groups)
      c.hop = UInt32(op.hop)
      c.activation = op.gelu ? VGL_ACT_GELU.rawValue : VGL_ACT_NONE.rawValue
      if !op.weight.isEmpty {
        (base + cursor).initialize(from: op.weight, count: op.weight.count)
        c.weight = UnsafePointer(base + cursor)
        cursor += op.weight.count
        (base + cursor).initialize(from: op.bias, count: op.bias.count)
        c.bias = UnsafePointer(base + cursor)
        cursor += op.bias.count
      }
      cOps[i] = c
    }
    var message = [CChar](repeating: 0, count: 512)
    var plan = cPlan
    let status = vgl_f32_plan_validate(&plan, &message, message.count)
    if let error = VigilError(status: status, message: cString(message)) {
      weights.deallocate(); scratch.deallocate(); cTensors.deallocate(); cOps.deallocate()
      throw error
    }
  }

  deinit {
    weights.deallocate()
    scratch.deallocate()
    cTensors.deallocate()
    cOps.deallocate()
  }

  private var cPlan: vgl_f32_plan {
    vgl_f32_plan(tensor_count: UInt32(network.tensors.count),
                 tensors: UnsafePointer(cTensors.baseAddress),
                 op_count: UInt32(network.ops.count), ops: UnsafePointer(cOps.baseAddress),
                 input_tensor: UInt32(network.inputTensor),
                 output_tensor: UInt32(network.outputTensor),
                 scratch_floats: UInt64(memory.size))
  }

  /// Elements of the input tensor (3 x S x S).
  public var inputCount: Int { network.tensors[network.inputTensor].count }

  /// Runs one inference. `input` is CHW, normalized; returns the logits.
  public func run(_ input: [Float]) throws(VigilError) -> [Float] {
    try run(input, observe: nil)
  }

  /// Runs one inference and returns the output of every op whose output tensor is in
  /// `tensorsToKeep`, keyed by tensor id, besides the logits.
  public func run(_ input: [Float], keeping tensorsToKeep: Set<Int>)
    throws(VigilError) -> (logits: [Float], kept: [Int: [Float]])
  {
    var kept: [Int: [Float]] = [:]
    let logits = try run(input) { op, data in
      let t = self.network.ops[op].output
      if tensorsToKeep.contains(t) { kept[t] = Array(data) }
    }
    if tensorsToKeep.contains(network.inputTensor) { kept[network.inputTensor] = input }
    return (logits, kept)
  }

  /// Runs one inference, calling `observe(opIndex, output)` after each op.
  public func run(_ input: [Float], observe: ((Int, UnsafeBufferPointer<Float>) -> Void)?)
    throws(VigilError) -> [Float]
  {
    guard input.count == inputCount else {
      let s = network.tensors[network.inputTensor]
      throw .invalidArgument("input has \(input.count) floats, the network takes "
        + "\(s.channels)x\(s.height)x\(s.width) = \(inputCount)")
    }
    var output = [Float](repeating: 0, count: network.tensors[network.outputTensor].count)
    var plan = cPlan
    let status: vgl_status
    if let observe {
      final class Box { let f: (Int, UnsafeBufferPointer<Float>) -> Void; init(_ f: @escaping (Int, UnsafeBufferPointer<Float>) -> Void) { self.f = f } }
      let box = Box(observe)
      let context = Unmanaged.passRetained(box).toOpaque()
      defer { Unmanaged<Box>.fromOpaque(context).release() }
      status = vgl_f32_run(&plan, scratch.baseAddress, UInt64(scratch.count), input, &output,
                           { ctx, op, data, c, h, w in
                             let box = Unmanaged<Box>.fromOpaque(ctx!).takeUnretainedValue()
                             box.f(Int(op), UnsafeBufferPointer(start: data, count: Int(c * h * w)))
                           }, context)
    } else {
      status = vgl_f32_run(&plan, scratch.baseAddress, UInt64(scratch.count), input, &output,
                           nil, nil)
    }
    if let error = VigilError(status: status, message: String(cString: vgl_status_string(status))) {
      throw error
    }
    return output
  }
}
