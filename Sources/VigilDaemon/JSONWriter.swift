// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// Builds one JSON object per line into a reused byte buffer (the Embedded core has no
/// Codable). Keys are written in call order; strings are escaped per RFC 8259 (quote,
/// backslash, every control character, and invalid UTF-8 replaced by U+FFFD since a String
/// never holds it); numbers are integers or fixed-point decimals, and non-finite floats become
/// `null` (JSON has no NaN).
///
///     var json = JSONWriter()
///     json.begin(); json.key("type"); json.string("result"); json.key("seq"); json.int(3)
///     json.end()      // {"type":"result","seq":3}\n in json.bytes
public struct JSONWriter {
  /// The line being built, ending in "\n" after ``end()``.
  public private(set) var bytes: [UInt8] = []
  private var needsComma = false

  public init(capacity: Int = 4096) { bytes.reserveCapacity(capacity) }

  /// Starts a new line with `{` (keeping the buffer's capacity).
  public mutating func begin() {
    bytes.removeAll(keepingCapacity: true)
    bytes.append(UInt8(ascii: "{"))
    needsComma = false
  }

  /// Closes the object and the line.
  public mutating func end() {
    bytes.append(UInt8(ascii: "}"))
    bytes.append(UInt8(ascii: "\n"))
  }

  /// The next key of the current object or a nested one.
  public mutating func key(_ name: String) {
    comma()
    needsComma = false
    string(name)
    bytes.append(UInt8(ascii: ":"))
    needsComma = false
  }

  public mutating func beginObject() { comma(); bytes.append(UInt8(ascii: "{")); needsComma = false }
  public mutating func endObject() { bytes.append(UInt8(ascii: "}")); needsComma = true }
  public mutating func beginArray() { comma(); bytes.append(UInt8(ascii: "[")); needsComma = false }
  public mutating func endArray() { bytes.append(UInt8(ascii: "]")); needsComma = true }

  public mutating func null() { comma(); append("null"); needsComma = true }
  public mutating func bool(_ value: Bool) { comma(); append(value ? "true" : "false"); needsComma = true }

  public mutating func int(_ value: Int) { comma(); append(String(value)); needsComma = true }
  public mutating func uint(_ value: UInt64) { comma(); append(String(value)); needsComma = true }

  /// A decimal with `digits` places after the point (0.123457 for 6), or `null` if not finite.
  public mutating func fixed(_ value: Double, digits: Int = 6) {
    comma()
    needsComma = true
    guard value.isFinite, abs(value) < 1e15 else { append("null"); return }
    var scale: Double = 1
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = UInt64(scaled / scale)
    let fraction = UInt64(scaled - Double(whole) * scale)
    if value < 0 && scaled != 0 { bytes.append(UInt8(ascii: "-")) }
    append(String(whole))
    if digits > 0 {
      bytes.append(UInt8(ascii: "."))
      let text = String(fraction)
      for _ in 0..<max(0, digits - text.utf8.count) { bytes.append(UInt8(ascii: "0")) }
      append(text)
    }
  }

  /// A string, escaped.
  public mutating func string(_ value: String) {
    comma()
    needsComma = true
    bytes.append(UInt8(ascii: "\""))
    let hex: [UInt8] = Array("0123456789abcdef".utf8)
    for byte in value.utf8 {
      switch byte {
      case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
      case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
      case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
      case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
      case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
      case 0x00..<0x20, 0x7F:
        // \u00XX for the other control characters (DEL too, for terminals).
        for c in "\\u00".utf8 { bytes.append(c) }
        bytes.append(hex[Int(byte >> 4)])
        bytes.append(hex[Int(byte & 0xF)])
      default:
        bytes.append(byte)  // String.utf8 is valid UTF-8: multi-byte sequences pass as they are
      }
    }
    bytes.append(UInt8(ascii: "\""))
  }

  private mutating func comma() {
    if needsComma { bytes.append(UInt8(ascii: ",")) }
  }

  private mutating func append(_ text: String) {
    for byte in text.utf8 { bytes.append(byte) }
  }
}
