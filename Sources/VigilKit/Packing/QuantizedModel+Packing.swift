// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CKernels

extension QuantizedModel.Op {
  /// The weight and bias arrays as the model file stores them and every kernel reads them:
  /// STEM, CONV, MRCONV and HEAD weights packed in blocks of 16 rows by 4 reduction bytes,
  /// their bias arrays followed by the weight sums (vigil_q8.h, "packed weights", through
  /// `vgl_q8_pack`); DWCONV and GAP as they are. nil when the shapes do not fit the kind
  /// (the loader then refuses the plan with its message).
  public func packed(inputChannels: Int) -> (weight: [Int8], bias: [Int32])? {
    let taps: Int
    switch kind {
    case .stem, .conv: taps = kernel * kernel
    case .mrconv: taps = 2
    case .head: taps = 1
    case .dwconv, .gap: return (weight, bias)
    }
    let rows = bias.count
    guard rows > 0, taps > 0, inputChannels > 0, weight.count == rows * taps * inputChannels else {
      return nil
    }
    let bytes = vgl_q8_packed_weight_bytes(UInt64(rows), UInt64(taps), UInt64(inputChannels))
    guard bytes != UInt64.max, bytes <= UInt64(Int.max / 2) else { return nil }
    var packedWeight = [Int8](repeating: 0, count: Int(bytes))
    var packedBias = [Int32](repeating: 0, count: 2 * rows)
    let zeroPoints = inputZeroPoints ?? []
    if kind == .stem && zeroPoints.count != inputChannels { return nil }
    let status = weight.withUnsafeBufferPointer { w in
      bias.withUnsafeBufferPointer { b in
        zeroPoints.withUnsafeBufferPointer { z in
          packedWeight.withUnsafeMutableBufferPointer { pw in
            packedBias.withUnsafeMutableBufferPointer { pb in
              vgl_q8_pack(kind.rawValue, rows, taps, inputChannels, w.baseAddress, b.baseAddress,
                          z.baseAddress, pw.baseAddress, pb.baseAddress)
            }
          }
        }
      }
    }
    return status == VGL_OK ? (packedWeight, packedBias) : nil
  }
}
