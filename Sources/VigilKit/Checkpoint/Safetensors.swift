// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation

/// Reads a safetensors file: an 8-byte little-endian header length, a JSON header mapping
/// names to `{dtype, shape, data_offsets}` (offsets relative to the end of the header), then
/// the data. `__metadata__`'s string values become ``StateDict/metadata``. Keys come back in data order (by start offset).
enum Safetensors {
  /// Largest header accepted (the reference implementation's limit).
  static let maxHeader = 100_000_000

  static let dtypes: [String: DType] = [
    "F32": .float32, "F16": .float16, "BF16": .bfloat16, "F64": .float64,
    "I64": .int64, "I32": .int32, "I16": .int16, "I8": .int8, "U8": .uint8,
    "U16": .uint16, "U32": .uint32, "U64": .uint64, "BOOL": .bool,
  ]

  /// True when `data` starts like a safetensors file (a plausible header length and `{`).
  static func looksLike(_ data: Data) -> Bool {
    guard data.count >= 10 else { return false }
    let n = headerLength(data)
    return n >= 2 && n <= UInt64(data.count - 8) && data[data.startIndex + 8] == UInt8(ascii: "{")
  }

  static func headerLength(_ data: Data) -> UInt64 {
    var n: UInt64 = 0
    for i in (0..<8).reversed() { n = n << 8 | UInt64(data[data.startIndex + i]) }
    return n
  }

  static func load(_ data: Data, path: String, name: String) throws(CheckpointError) -> StateDict {
    func fail(_ reason: String) -> CheckpointError { .badSafetensors(path: path, reason: reason) }
    guard data.count >= 8 else { throw fail("the file is \(data.count) bytes, shorter than the 8-byte header length") }
    let n = headerLength(data)
    guard n <= UInt64(data.count - 8) else {
      throw fail("header length \(n) is larger than the \(data.count - 8) bytes after it")
    }
    guard n <= UInt64(maxHeader) else { throw fail("header length \(n) exceeds the \(maxHeader)-byte limit") }
    let headerBytes = [UInt8](data[(data.startIndex + 8)..<(data.startIndex + 8 + Int(n))])
    let header: JSON
    do {
      var parser = JSONParser(headerBytes)
      header = try parser.parseDocument()
    } catch {
      throw fail("header is not valid JSON: \(error.reason)")
    }
    guard case .object(let entries) = header else { throw fail("header is not a JSON object") }
    let dataStart = 8 + Int(n)
    let dataSize = data.count - dataStart

    struct Entry { var key: String; var dtype: DType; var shape: [Int]; var begin: Int; var end: Int }
    var list: [Entry] = []
    var seen = Set<String>()
    for (key, value) in entries where key != "__metadata__" {
      guard seen.insert(key).inserted else { throw fail("tensor \(key) appears twice") }
      guard case .object(let fields) = value else { throw fail("entry \(key) is not an object") }
      func field(_ f: String) -> JSON? { fields.first { $0.0 == f }?.1 }
      guard case .string(let dt)? = field("dtype") else { throw fail("entry \(key) has no dtype") }
      guard let dtype = dtypes[dt] else {
        throw CheckpointError.unsupportedDType(key: key, dtype: dt)
      }
      guard case .array(let dims)? = field("shape") else { throw fail("entry \(key) has no shape") }
      var shape: [Int] = []
      var count = 1
      for d in dims {
        guard case .int(let v) = d, v >= 0 else { throw fail("entry \(key) has a shape entry that is not a size") }
        let (c, o) = count.multipliedReportingOverflow(by: v)
        guard !o else { throw fail("entry \(key) has shape \(dims.count) dimensions that overflow") }
        shape.append(v)
        count = c
      }
      guard case .array(let offs)? = field("data_offsets"), offs.count == 2,
        case .int(let begin) = offs[0], case .int(let end) = offs[1]
      else { throw fail("entry \(key) has no [begin, end] data_offsets") }
      guard begin >= 0, begin <= end, end <= dataSize else {
        throw fail("entry \(key) has data_offsets [\(begin), \(end)] outside the \(dataSize) data bytes")
      }
      let (bytes, o) = count.multipliedReportingOverflow(by: dtype.size)
      guard !o, bytes == end - begin else {
        throw fail("entry \(key): shape \(shape) of \(dt) needs \(o ? "too many" : String(bytes)) bytes, "
          + "data_offsets span \(end - begin)")
      }
      list.append(Entry(key: key, dtype: dtype, shape: shape, begin: begin, end: end))
    }
    list.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
    for (a, b) in zip(list, list.dropFirst()) where b.begin < a.end {
      throw fail("tensors \(a.key) and \(b.key) overlap")
    }
    if list.isEmpty { throw CheckpointError.noStateDict(path: path, candidates: entries.map(\.0)) }

    var tensors: [String: Tensor] = [:]
    data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
      for e in list {
        let region = UnsafeRawBufferPointer(rebasing: raw[(dataStart + e.begin)..<(dataStart + e.end)])
        let layout = TensorLayout(shape: e.shape, stride: contiguousStrides(e.shape), offset: 0)
        tensors[e.key] = Tensor(shape: e.shape, data: layout.gather(region, e.dtype), dtype: e.dtype)
      }
    }
    var state = StateDict(tensors: tensors, keys: list.map(\.key), source: "safetensors \(name)")
    if case .object(let meta)? = entries.first(where: { $0.0 == "__metadata__" })?.1 {
      for (key, value) in meta { if case .string(let v) = value { state.metadata[key] = v } }
    }
    return state
  }
}

/// Row-major strides; an empty shape (a zero size) may have a huge product of the other sizes,
/// and its strides are never used, so they wrap instead of trapping.
func contiguousStrides(_ shape: [Int]) -> [Int] {
  var strides = [Int](repeating: 1, count: shape.count)
  var s = 1
  for i in shape.indices.reversed() {
    strides[i] = s
    s = s &* max(shape[i], 1)
  }
  return strides
}

// MARK: - A small JSON reader (order-preserving, exact integers, bounded depth)

enum JSON {
  case null
  case bool(Bool)
  case int(Int)
  case double(Double)
  case string(String)
  case array([JSON])
  case object([(String, JSON)])
}

struct JSONError: Error {
  var reason: String
}

struct JSONParser {
  let b: [UInt8]
  var i = 0
  var depth = 0
  static let maxDepth = 64

  init(_ bytes: [UInt8]) { b = bytes }

  mutating func parseDocument() throws(JSONError) -> JSON {
    let v = try value()
    skipSpace()
    guard i == b.count else { throw JSONError(reason: "extra bytes after the value at offset \(i)") }
    return v
  }

  private mutating func skipSpace() {
    while i < b.count, b[i] == 0x20 || b[i] == 0x0a || b[i] == 0x0d || b[i] == 0x09 { i += 1 }
  }

  private func err(_ s: String) -> JSONError { JSONError(reason: "\(s) at offset \(i)") }

  private mutating func value() throws(JSONError) -> JSON {
    skipSpace()
    guard i < b.count else { throw err("unexpected end") }
    switch b[i] {
    case UInt8(ascii: "{"):
      depth += 1
      defer { depth -= 1 }
      guard depth <= Self.maxDepth else { throw err("nesting deeper than \(Self.maxDepth)") }
      i += 1
      var members: [(String, JSON)] = []
      skipSpace()
      if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
      while true {
        skipSpace()
        let k = try string()
        skipSpace()
        guard i < b.count, b[i] == UInt8(ascii: ":") else { throw err("expected ':'") }
        i += 1
        members.append((k, try value()))
        skipSpace()
        guard i < b.count else { throw err("unexpected end") }
        if b[i] == UInt8(ascii: ",") { i += 1; continue }
        if b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
        throw err("expected ',' or '}'")
      }
    case UInt8(ascii: "["):
      depth += 1
      defer { depth -= 1 }
      guard depth <= Self.maxDepth else { throw err("nesting deeper than \(Self.maxDepth)") }
      i += 1
      var items: [JSON] = []
      skipSpace()
      if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
      while true {
        items.append(try value())
        skipSpace()
        guard i < b.count else { throw err("unexpected end") }
        if b[i] == UInt8(ascii: ",") { i += 1; continue }
        if b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        throw err("expected ',' or ']'")
      }
    case UInt8(ascii: "\""):
      return .string(try string())
    case UInt8(ascii: "t"): try literal("true"); return .bool(true)
    case UInt8(ascii: "f"): try literal("false"); return .bool(false)
    case UInt8(ascii: "n"): try literal("null"); return .null
    default:
      return try number()
    }
  }

  private mutating func literal(_ word: String) throws(JSONError) {
    let w = Array(word.utf8)
    guard b.count - i >= w.count, Array(b[i..<(i + w.count)]) == w else { throw err("bad literal") }
    i += w.count
  }

  private mutating func number() throws(JSONError) -> JSON {
    let start = i
    while i < b.count, (b[i] >= 0x30 && b[i] <= 0x39) || [0x2d, 0x2b, 0x2e, 0x65, 0x45].contains(b[i]) { i += 1 }
    let text = String(decoding: b[start..<i], as: UTF8.self)
    guard !text.isEmpty else { throw err("unexpected character") }
    if let v = Int(text) { return .int(v) }
    guard let d = Double(text) else { throw err("bad number \(text.prefix(32))") }
    return .double(d)
  }

  private mutating func hex4() throws(JSONError) -> UInt32 {
    guard b.count - i >= 4, let v = UInt32(String(decoding: b[i..<(i + 4)], as: UTF8.self), radix: 16) else {
      throw err("bad \\u escape")
    }
    i += 4
    return v
  }

  private mutating func string() throws(JSONError) -> String {
    guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw err("expected a string") }
    i += 1
    var out: [UInt8] = []
    while true {
      guard i < b.count else { throw err("unterminated string") }
      let c = b[i]
      i += 1
      if c == UInt8(ascii: "\"") { break }
      if c < 0x20 { throw err("control character in string") }
      guard c == UInt8(ascii: "\\") else { out.append(c); continue }
      guard i < b.count else { throw err("unterminated string") }
      let e = b[i]
      i += 1
      switch e {
      case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
      case UInt8(ascii: "b"): out.append(0x08)
      case UInt8(ascii: "f"): out.append(0x0c)
      case UInt8(ascii: "n"): out.append(0x0a)
      case UInt8(ascii: "r"): out.append(0x0d)
      case UInt8(ascii: "t"): out.append(0x09)
      case UInt8(ascii: "u"):
        var v = try hex4()
        if (0xd800..<0xdc00).contains(v), b.count - i >= 6, b[i] == 0x5c, b[i + 1] == UInt8(ascii: "u") {
          i += 2
          let lo = try hex4()
          guard (0xdc00..<0xe000).contains(lo) else { throw err("unpaired surrogate") }
          v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00)
        }
        guard let s = Unicode.Scalar(v) else { throw err("unpaired surrogate") }
        out.append(contentsOf: Array(String(Character(s)).utf8))
      default: throw err("bad escape")
      }
    }
    guard let s = String(validating: out, as: UTF8.self) else { throw err("string is not UTF-8") }
    return s
  }
}
