// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// A dense tensor imported from a checkpoint: row-major, values widened to `Float`.
///
///     let sd = try Checkpoint.load(path: "mobilevigv2_ti.pth")
///     let w = sd["stem.stem.0.weight"]!   // shape [C_out, C_in, 3, 3]
///     print(w.shape, w.data.count)
///
/// - `shape`: sizes, outermost first; `[]` for a scalar (then `data.count == 1`).
/// - `data`: `shape.reduce(1, *)` values in row-major order, whatever the strides were on disk.
/// - `dtype`: the element type stored in the file before widening (integer tensors such as
///   BatchNorm's `num_batches_tracked` are widened too; int64 values above 2^24 round).
///
/// ### See Also
/// - ``Checkpoint/load(path:ema:)``
public struct Tensor: Sendable, Equatable {
  public var shape: [Int]
  public var data: [Float]
  public var dtype: DType

  public init(shape: [Int], data: [Float], dtype: DType = .float32) {
    precondition(data.count == shape.reduce(1, *), "Tensor: \(data.count) values for shape \(shape)")
    self.shape = shape
    self.data = data
    self.dtype = dtype
  }

  /// Number of elements (`shape.reduce(1, *)`).
  public var count: Int { data.count }
}

/// Element types a checkpoint may store. All of them are widened to `Float` on import.
public enum DType: String, Sendable, CaseIterable {
  case float32, float16, bfloat16, float64
  case int64, int32, int16, int8, uint8, uint16, uint32, uint64, bool

  /// Bytes per element on disk.
  public var size: Int {
    switch self {
    case .float64, .int64, .uint64: 8
    case .float32, .int32, .uint32: 4
    case .float16, .bfloat16, .int16, .uint16: 2
    case .int8, .uint8, .bool: 1
    }
  }

  /// True for the floating-point types (the ones a network's weights use).
  public var isFloatingPoint: Bool {
    switch self {
    case .float32, .float16, .bfloat16, .float64: true
    default: false
    }
  }
}

/// The tensors of one state dict, as selected by ``Checkpoint/load(path:ema:)``.
public struct StateDict: Sendable {
  /// Tensors by key (after stripping a `module.` prefix).
  public var tensors: [String: Tensor]
  /// Keys in file order.
  public var keys: [String]
  /// Where the tensors came from, for messages: `"state_dict_ema in ckpt.pth"`.
  public var source: String
  /// Keys of the selected dict whose values were not tensors (and so were left out).
  public var skipped: [String]
  /// A safetensors file's `__metadata__` strings (empty for other formats). The training
  /// script stores the network configuration under `config` (``NetworkConfig/infer(from:)``).
  public var metadata: [String: String] = [:]

  public init(tensors: [String: Tensor], keys: [String], source: String, skipped: [String] = []) {
    self.tensors = tensors
    self.keys = keys
    self.source = source
    self.skipped = skipped
  }

  public subscript(key: String) -> Tensor? { tensors[key] }
  public var count: Int { keys.count }
}

// MARK: - Element conversion

/// IEEE-754 binary16 bits to Float (exact: every half value is a float value).
@inline(__always)
func floatFromHalfBits(_ h: UInt16) -> Float {
  let sign: UInt32 = UInt32(h & 0x8000) << 16
  let exp = UInt32((h >> 10) & 0x1f)
  let mant = UInt32(h & 0x3ff)
  if exp == 0 {
    // Zero or subnormal: mant * 2^-24, exact in Float.
    let v = Float(mant) * 0x1p-24
    return sign != 0 ? -v : v
  }
  if exp == 31 { return Float(bitPattern: sign | 0x7f80_0000 | (mant << 13)) }
  return Float(bitPattern: sign | ((exp + 112) << 23) | (mant << 13))
}

/// Reads element `i` of a little-endian buffer of `dtype` and widens it to Float.
/// The caller has checked `(i + 1) * dtype.size <= raw.count`.
@inline(__always)
func loadElement(_ raw: UnsafeRawBufferPointer, _ i: Int, _ dtype: DType) -> Float {
  switch dtype {
  case .float32:
    return Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self)))
  case .float16:
    return floatFromHalfBits(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self)))
  case .bfloat16:
    let b = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self))
    return Float(bitPattern: UInt32(b) << 16)
  case .float64:
    return Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self))))
  case .int64:
    return Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i &* 8, as: Int64.self)))
  case .uint64:
    return Float(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self)))
  case .int32:
    return Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: i &* 4, as: Int32.self)))
  case .uint32:
    return Float(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self)))
  case .int16:
    return Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: i &* 2, as: Int16.self)))
  case .uint16:
    return Float(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self)))
  case .int8:
    return Float(Int8(bitPattern: raw[i]))
  case .uint8:
    return Float(raw[i])
  case .bool:
    return raw[i] != 0 ? 1 : 0
  }
}

/// Shape, strides and offset of a (possibly non-contiguous) view into a storage, checked.
struct TensorLayout: Equatable {
  var shape: [Int]
  var stride: [Int]
  var offset: Int

  /// Elements a view with more logical elements than its storage (stride 0, overlap) may have.
  static let maxExpandedCount = 1 << 26

  /// Logical element count.
  var count: Int { shape.reduce(1, *) }

  /// Checks the view against a storage of `numel` elements: non-negative sizes, strides and
  /// offset; `offset + sum((size - 1) * stride) < numel` when non-empty; no overflow.
  /// Returns a sentence saying what is wrong, or nil.
  static func problem(shape: [Int], stride: [Int], offset: Int, numel: Int) -> String? {
    if shape.count != stride.count {
      return "size has \(shape.count) dimensions but stride has \(stride.count)"
    }
    if shape.count > 64 { return "\(shape.count) dimensions" }
    if offset < 0 { return "negative storage offset \(offset)" }
    if let bad = shape.first(where: { $0 < 0 }) { return "negative size \(bad) in \(shape)" }
    if let bad = stride.first(where: { $0 < 0 }) { return "negative stride \(bad) in \(stride)" }
    var count = 1
    for s in shape {
      let (c, o) = count.multipliedReportingOverflow(by: s)
      if o { return "size \(shape) overflows" }
      count = c
    }
    if count == 0 {
      return offset <= numel ? nil : "storage offset \(offset) is past the storage's \(numel) elements"
    }
    var last = offset
    for (s, st) in zip(shape, stride) {
      let (m, o1) = (s - 1).multipliedReportingOverflow(by: st)
      let (a, o2) = last.addingReportingOverflow(m)
      if o1 || o2 { return "size \(shape) with stride \(stride) overflows" }
      last = a
    }
    if last >= numel {
      return "size \(shape), stride \(stride) and offset \(offset) reach element \(last) "
        + "but the storage has \(numel) elements"
    }
    if count > numel && count > maxExpandedCount {
      return "\(count) elements viewed from a storage of \(numel) (limit \(maxExpandedCount) for expanded views)"
    }
    return nil
  }

  /// Gathers the view from `raw` (a storage of `dtype` elements) into row-major Floats.
  /// The layout must have passed `problem(...)` for a storage no larger than `raw`.
  func gather(_ raw: UnsafeRawBufferPointer, _ dtype: DType) -> [Float] {
    let n = count
    if n == 0 { return [] }
    let rank = shape.count
    if rank == 0 { return [loadElement(raw, offset, dtype)] }
    var out = [Float](repeating: 0, count: n)
    out.withUnsafeMutableBufferPointer { o in
      let innerN = shape[rank - 1]
      let innerS = stride[rank - 1]
      var counter = [Int](repeating: 0, count: rank)
      var base = offset
      var w = 0
      while true {
        var e = base
        for _ in 0..<innerN {
          o[w] = loadElement(raw, e, dtype)
          w += 1
          e += innerS
        }
        // Advance the odometer over the outer dimensions.
        var d = rank - 2
        while d >= 0 {
          counter[d] += 1
          base += stride[d]
          if counter[d] < shape[d] { break }
          base -= stride[d] * shape[d]
          counter[d] = 0
          d -= 1
        }
        if d < 0 { break }
      }
    }
    return out
  }
}
