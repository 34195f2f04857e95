// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CKernels
import VigilCore

/// Runs a ``QuantizedModel`` on the C int8 runtime through the one way in: the model file.
///
/// `init` encodes the model as the `.vigil` file `vigil quantize` would write
/// (``ModelFile/encode(_:)``), opens that in-memory image with the C loader (`vgl_model_open`:
/// every check a file gets, the loader's or plan validation's message becomes the thrown
/// error) and binds an instance with its arena, allocated once. `run` copies nothing into C but
/// the pixels; it is not reentrant (one arena), so use one engine per thread.
///
///     let engine = try Int8Engine(model)
///     let logits = try engine.run(pixels: crop.pixels)   // S x S x 3 uint8, HWC
public final class Int8Engine {
  public let model: QuantizedModel
  private let instance: Instance

  /// - Parameters:
  ///   - isa: the kernel path (`VGL_ISA_AUTO`: `VIGIL_ISA` or the best this CPU has).
  ///   - threads: threads per inference (1...64). Neither changes a bit of the output.
  public init(_ model: QuantizedModel, isa: vgl_isa = VGL_ISA_AUTO, threads: Int = 1)
    throws(VigilError)
  {
    self.model = model
    // Observed runs execute fused blocks unfused, in the larger arena
    // (`vgl_model_arena_size_observed`) the instance then holds.
    instance = try Instance(Model(bytes: ModelFile.encode(model)), isa: isa, threads: threads,
                            observed: true)
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
      status = logits.withUnsafeMutableBufferPointer { out in
        instance.run(pixels: pixels, logits: out.baseAddress!, observer: { ctx, op, data, bytes in
          guard let data else { return }  // the head: logits go to the caller
          let box = Unmanaged<Box>.fromOpaque(ctx!).takeUnretainedValue()
          box.f(Int(op), box.outputs[Int(op)], UnsafeBufferPointer(start: data, count: Int(bytes)))
        }, context: context)
      }
    } else {
      status = logits.withUnsafeMutableBufferPointer { out in
        instance.run(pixels: pixels, logits: out.baseAddress!, observer: nil, context: nil)
      }
    }
    if let error = VigilError(status: status, message: String(cString: vgl_status_string(status))) {
      throw error
    }
    return logits
  }
}
