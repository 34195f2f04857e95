// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// Reads and writes NumPy `.npy` files (format versions 1.0, 2.0 and 3.0), C order only.
///
/// Used for already-preprocessed input tensors (shape `(1, 3, H, W)` or `(3, H, W)`: the
/// caller checks) and for golden test data.
///
///     let (shape, data) = try Npy.readFloat32(path: "input.npy")
///
/// ### See Also
/// - ``Preprocessing``
public enum Npy {
  /// The largest `.npy` file read by default: 1 GiB.
  public static let defaultMaxBytes = 1 << 30

  /// The element types the reader understands.
  enum DType {
    case float32, float64, uint8

    var size: Int {
      switch self {
      case .float32: return 4
      case .float64: return 8
      case .uint8: return 1
      }
    }

    /// Byte comparisons rather than String ones: String equality needs the Unicode tables,
    /// which Embedded firmware would otherwise have to link.
    init?(descr: [UInt8]) {
      if descr == Array("<f4".utf8) {
        self = .float32
      } else if descr == Array("<f8".utf8) {
        self = .float64
      } else if descr == Array("|u1".utf8) || descr == Array("<u1".utf8) || descr == Array("u1".utf8) {
        self = .uint8
      } else {
        return nil
      }
    }
  }

  /// A parsed header: element type, shape, and where the data starts.
  struct Header {
    var dtype: DType
    var shape: [Int]
    var dataOffset: Int
    var count: Int
  }

  /// Reads a float tensor: `<f4` as is; `<f8` and `|u1` converted to Float.
  ///
  /// - Parameters:
  ///   - path: a `.npy` file with `fortran_order: False`.
  ///   - maxBytes: the largest file accepted.
  /// - Returns: the shape and the elements in C order.
  public static func readFloat32(path: String, maxBytes: Int = defaultMaxBytes)
    throws(ImageError) -> (shape: [Int], data: [Float])
  {
    try parseFloat32(bytes: FileIO.readAll(path: path, maxBytes: maxBytes), source: path)
  }

  /// Parses a float `.npy` file held in memory (see ``readFloat32(path:maxBytes:)``).
  public static func parseFloat32(bytes: [UInt8], source: String = "<memory>")
    throws(ImageError) -> (shape: [Int], data: [Float])
  {
    let header = try parseHeader(bytes, source: source)
    var data = [Float](repeating: 0, count: header.count)
    var overflowAt: (Int, Double)? = nil
    bytes.withUnsafeBytes { raw in
      let base = header.dataOffset
      switch header.dtype {
      case .float32:
        for i in 0..<header.count {
          let bits = raw.loadUnaligned(fromByteOffset: base + 4 * i, as: UInt32.self)
          data[i] = Float(bitPattern: UInt32(littleEndian: bits))
        }
      case .float64:
        for i in 0..<header.count {
          let bits = raw.loadUnaligned(fromByteOffset: base + 8 * i, as: UInt64.self)
          let d = Double(bitPattern: UInt64(littleEndian: bits))
          let f = Float(d)
          // A finite double beyond float32's range would become infinity.
          if f.isInfinite && d.isFinite && overflowAt == nil { overflowAt = (i, d) }
          data[i] = f
        }
      case .uint8:
        for i in 0..<header.count { data[i] = Float(raw[base + i]) }
      }
    }
    if let (i, d) = overflowAt {
      throw .invalidNpy(source: source, reason: "element \(i) is \(d), beyond float32's range "
        + "(largest \(Float.greatestFiniteMagnitude))")
    }
    return (header.shape, data)
  }

  /// Reads an 8-bit unsigned tensor (`|u1`), such as an image saved as `(H, W, 3)`.
  public static func readUInt8(path: String, maxBytes: Int = defaultMaxBytes)
    throws(ImageError) -> (shape: [Int], data: [UInt8])
  {
    let bytes = try FileIO.readAll(path: path, maxBytes: maxBytes)
    let header = try parseHeader(bytes, source: path)
    guard header.dtype == .uint8 else {
      throw .invalidNpy(source: path, reason: "dtype is not '|u1' (uint8)")
    }
    return (header.shape, Array(bytes[header.dataOffset..<(header.dataOffset + header.count)]))
  }

  /// Writes a float tensor as a version 1.0 `.npy` file (`<f4`, C order).
  ///
  /// - Parameters:
  ///   - path: the file to create or replace.
  ///   - shape: dimensions; their product must equal `data.count`.
  ///   - data: the elements in C order.
  public static func writeFloat32(path: String, shape: [Int], data: [Float]) throws(ImageError) {
    try FileIO.write(path: path, bytes: encodeFloat32(shape: shape, data: data))
  }

  /// Encodes a float tensor as a version 1.0 `.npy` file (see ``writeFloat32(path:shape:data:)``).
  public static func encodeFloat32(shape: [Int], data: [Float]) throws(ImageError) -> [UInt8] {
    var product = 1
    for d in shape {
      guard d >= 0 else { throw .invalidArgument("negative dimension \(d) in the shape") }
      let (p, overflow) = product.multipliedReportingOverflow(by: d)
      guard !overflow else { throw .invalidArgument("the shape's element count overflows") }
      product = p
    }
    guard product == data.count else {
      throw .invalidArgument("shape holds \(product) elements but data has \(data.count)")
    }
    // Python's tuple syntax: "()", "(5,)", "(1, 3, 4)".
    var dims = ""
    for (i, d) in shape.enumerated() { dims += i == 0 ? "\(d)" : ", \(d)" }
    if shape.count == 1 { dims += "," }
    var dict = Array("{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }".utf8)
    // numpy pads with spaces and ends with '\n' so that the data starts on a 64-byte boundary.
    let unpadded = 10 + dict.count + 1
    let padding = (64 - unpadded % 64) % 64
    dict += [UInt8](repeating: 0x20, count: padding) + [0x0A]
    guard dict.count <= 0xFFFF else { throw .invalidArgument("the shape has too many dimensions") }
    var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0]  // "\x93NUMPY" v1.0
    bytes.append(UInt8(dict.count & 0xFF))
    bytes.append(UInt8(dict.count >> 8))
    bytes.append(contentsOf: dict)
    bytes.reserveCapacity(bytes.count + 4 * data.count)
    for v in data {
      let bits = v.bitPattern.littleEndian
      bytes.append(UInt8(truncatingIfNeeded: bits))
      bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
      bytes.append(UInt8(truncatingIfNeeded: bits >> 16))
      bytes.append(UInt8(truncatingIfNeeded: bits >> 24))
    }
    return bytes
  }

  // MARK: Header parsing

  static func parseHeader(_ bytes: [UInt8], source: String) throws(ImageError) -> Header {
    let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
    guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
      throw .invalidNpy(source: source, reason: "missing the \\x93NUMPY magic")
    }
    let major = bytes[6]
    let headerLength: Int
    let headerStart: Int
    switch major {
    case 1:
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
      headerStart = 10
    case 2, 3:
      guard bytes.count >= 12 else {
        throw .invalidNpy(source: source, reason: "truncated header length")
      }
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
      headerStart = 12
    default:
      throw .invalidNpy(source: source, reason: "unsupported format version \(major)")
    }
    guard headerLength <= bytes.count - headerStart else {
      throw .invalidNpy(source: source, reason: "header length \(headerLength) runs past the end of the file")
    }
    var parser = DictParser(bytes: bytes, position: headerStart, end: headerStart + headerLength)
    let fields = try parser.parse(source: source)
    guard let descr = fields.descr else {
      throw .invalidNpy(source: source, reason: "header has no 'descr'")
    }
    guard let dtype = DType(descr: descr) else {
      let text = String(decoding: descr, as: UTF8.self)
      throw .invalidNpy(source: source, reason: "dtype '\(text)' is not supported (use '<f4')")
    }
    guard let fortran = fields.fortranOrder else {
      throw .invalidNpy(source: source, reason: "header has no 'fortran_order'")
    }
    guard !fortran else {
      throw .invalidNpy(source: source, reason: "Fortran order is not supported (save a C-contiguous array)")
    }
    guard let shape = fields.shape else {
      throw .invalidNpy(source: source, reason: "header has no 'shape'")
    }
    var count = 1
    for d in shape {
      let (p, overflow) = count.multipliedReportingOverflow(by: d)
      guard !overflow else { throw .invalidNpy(source: source, reason: "shape is too large") }
      count = p
    }
    let dataOffset = headerStart + headerLength
    let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.size)
    guard !overflow, byteCount == bytes.count - dataOffset else {
      throw .invalidNpy(
        source: source,
        reason: "shape needs \(count) elements of \(dtype.size) bytes but the file holds \(bytes.count - dataOffset) data bytes")
    }
    return Header(dtype: dtype, shape: shape, dataOffset: dataOffset, count: count)
  }

  /// A parser for the Python dict literal of a `.npy` header, such as
  /// `{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 224, 224), }`.
  struct DictParser {
    var bytes: [UInt8]
    var position: Int
    var end: Int

    struct Fields {
      var descr: [UInt8]?
      var fortranOrder: Bool?
      var shape: [Int]?
    }

    mutating func parse(source: String) throws(ImageError) -> Fields {
      var fields = Fields()
      try expect(UInt8(ascii: "{"), source: source)
      while true {
        skipSpace()
        if peek() == UInt8(ascii: "}") { break }
        let key = try quoted(source: source)
        skipSpace()
        try expect(UInt8(ascii: ":"), source: source)
        skipSpace()
        if key == Array("descr".utf8) {
          fields.descr = try quoted(source: source)
        } else if key == Array("fortran_order".utf8) {
          fields.fortranOrder = try boolean(source: source)
        } else if key == Array("shape".utf8) {
          fields.shape = try tuple(source: source)
        } else {
          let text = String(decoding: key, as: UTF8.self)
          throw .invalidNpy(source: source, reason: "unexpected header key '\(text)'")
        }
        skipSpace()
        if peek() == UInt8(ascii: ",") {
          position += 1
        } else if peek() != UInt8(ascii: "}") {
          throw .invalidNpy(source: source, reason: "expected ',' or '}' in the header")
        }
      }
      return fields
    }

    func peek() -> UInt8? { position < end ? bytes[position] : nil }

    mutating func skipSpace() {
      while let c = peek(), c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { position += 1 }
    }

    mutating func expect(_ c: UInt8, source: String) throws(ImageError) {
      skipSpace()
      guard peek() == c else {
        throw .invalidNpy(source: source, reason: "malformed header (expected '\(String(decoding: [c], as: UTF8.self))')")
      }
      position += 1
    }

    mutating func quoted(source: String) throws(ImageError) -> [UInt8] {
      guard let q = peek(), q == UInt8(ascii: "'") || q == UInt8(ascii: "\"") else {
        throw .invalidNpy(source: source, reason: "malformed header (expected a quoted string)")
      }
      position += 1
      let start = position
      while let c = peek(), c != q { position += 1 }
      guard peek() == q else {
        throw .invalidNpy(source: source, reason: "malformed header (unterminated string)")
      }
      let text = Array(bytes[start..<position])
      position += 1
      return text
    }

    mutating func boolean(source: String) throws(ImageError) -> Bool {
      for (word, value) in [("True", true), ("False", false)] {
        let utf8 = Array(word.utf8)
        if end - position >= utf8.count && Array(bytes[position..<(position + utf8.count)]) == utf8 {
          position += utf8.count
          return value
        }
      }
      throw .invalidNpy(source: source, reason: "malformed header (expected True or False)")
    }

    mutating func tuple(source: String) throws(ImageError) -> [Int] {
      try expect(UInt8(ascii: "("), source: source)
      var dims: [Int] = []
      while true {
        skipSpace()
        if peek() == UInt8(ascii: ")") { position += 1; break }
        var value = 0
        var digits = 0
        while let c = peek(), c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
          let (m, o1) = value.multipliedReportingOverflow(by: 10)
          let (a, o2) = m.addingReportingOverflow(Int(c - UInt8(ascii: "0")))
          guard !o1 && !o2 else {
            throw .invalidNpy(source: source, reason: "a dimension in the shape is too large")
          }
          value = a
          digits += 1
          position += 1
        }
        // Python 2 era files may write long integers as 3L.
        if peek() == UInt8(ascii: "L") { position += 1 }
        guard digits > 0 else {
          throw .invalidNpy(source: source, reason: "malformed shape (expected a non-negative integer)")
        }
        dims.append(value)
        skipSpace()
        if peek() == UInt8(ascii: ",") {
          position += 1
        } else if peek() != UInt8(ascii: ")") {
          throw .invalidNpy(source: source, reason: "malformed shape (expected ',' or ')')")
        }
      }
      return dims
    }
  }
}
