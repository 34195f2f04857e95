// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// File names are bytes. Linux allows any byte but NUL and `/` in a name, and a name that is not
/// UTF-8 (a Latin-1 photo folder, say) must still open, list and be written under its own name.
/// Vigil keeps paths as Swift strings, losslessly: bytes that are valid UTF-8 are their
/// characters, and each byte of an invalid sequence becomes one private-use scalar
/// U+10FC80 ... U+10FCFF (byte 0x80 ... 0xFF). ``decode(_:)`` makes such a string from bytes
/// (raw arguments, directory entries), ``withCString(_:_:)`` gives the original bytes back to the
/// system. A name that really holds one of those private-use characters decodes as its four
/// escaped bytes, so it round-trips too; only a string typed into the code with them would not.
///
/// Shown to a person, an escaped byte reads `\xNN` (``display(_:)``).
public enum PathBytes {
  static let escapeBase: UInt32 = 0x10FC00

  /// The string for the bytes of a path (or argument): lossless for every byte sequence.
  public static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    var out = String.UnicodeScalarView()
    var i = 0
    let n = bytes.count
    while i < n {
      let b0 = bytes[i]
      if b0 < 0x80 {
        out.append(Unicode.Scalar(b0))
        i += 1
        continue
      }
      // The length and smallest scalar of a sequence led by b0 (RFC 3629: no overlongs, no
      // surrogates, nothing above U+10FFFF).
      var length = 0
      var value: UInt32 = 0
      var minimum: UInt32 = 0
      if b0 & 0xE0 == 0xC0 {
        length = 2; value = UInt32(b0 & 0x1F); minimum = 0x80
      } else if b0 & 0xF0 == 0xE0 {
        length = 3; value = UInt32(b0 & 0x0F); minimum = 0x800
      } else if b0 & 0xF8 == 0xF0 {
        length = 4; value = UInt32(b0 & 0x07); minimum = 0x10000
      }
      var valid = length > 0 && i + length <= n
      if valid {
        for k in 1..<length {
          let b = bytes[i + k]
          if b & 0xC0 != 0x80 { valid = false; break }
          value = value << 6 | UInt32(b & 0x3F)
        }
      }
      if valid, value >= minimum, value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value),
        !(escapeBase + 0x80...escapeBase + 0xFF).contains(value), let s = Unicode.Scalar(value)
      {
        out.append(s)
        i += length
      } else {
        out.append(Unicode.Scalar(escapeBase + UInt32(b0))!)
        i += 1
      }
    }
    return String(out)
  }

  /// The string for the bytes of a path held in an array.
  public static func decode(_ bytes: [UInt8]) -> String {
    bytes.withUnsafeBufferPointer { decode($0) }
  }

  /// The string for a NUL-terminated C string (an `argv` entry, a `d_name`).
  public static func decode(cString: UnsafePointer<CChar>) -> String {
    var n = 0
    while cString[n] != 0 { n += 1 }
    return cString.withMemoryRebound(to: UInt8.self, capacity: n) { decode(UnsafeBufferPointer(start: $0, count: n)) }
  }

  /// The bytes a path string stands for (escapes turned back into their bytes), without NUL.
  public static func bytes(_ path: String) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(path.utf8.count)
    for s in path.unicodeScalars {
      if s.value >= escapeBase + 0x80 && s.value <= escapeBase + 0xFF {
        out.append(UInt8(s.value - escapeBase))
      } else {
        out.append(contentsOf: String(s).utf8)
      }
    }
    return out
  }

  /// Calls `body` with the path's original bytes as a NUL-terminated C string.
  public static func withCString<R>(_ path: String, _ body: (UnsafePointer<CChar>) -> R) -> R {
    var raw = bytes(path).map { CChar(bitPattern: $0) }
    raw.append(0)
    return raw.withUnsafeBufferPointer { body($0.baseAddress!) }
  }

  /// Whether `path` holds escaped bytes (it is not UTF-8 on disk).
  public static func hasEscapes(_ path: String) -> Bool {
    path.unicodeScalars.contains { $0.value >= escapeBase + 0x80 && $0.value <= escapeBase + 0xFF }
  }

  /// `path` for a person: each escaped byte as `\xNN`.
  public static func display(_ path: String) -> String {
    guard hasEscapes(path) else { return path }
    var out = ""
    let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
    for s in path.unicodeScalars {
      if s.value >= escapeBase + 0x80 && s.value <= escapeBase + 0xFF {
        let b = Int(s.value - escapeBase)
        out += "\\x"
        out.append(digits[b >> 4])
        out.append(digits[b & 15])
      } else {
        out.unicodeScalars.append(s)
      }
    }
    return out
  }
}
