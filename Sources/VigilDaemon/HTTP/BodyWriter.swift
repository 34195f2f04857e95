// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// Writes a response body into a fixed buffer the server owns (one per connection slot): no
/// allocation, and a body that would not fit sets ``overflowed`` instead of growing.
///
///     var w = BodyWriter(base: body, capacity: cap)
///     w.text("vigil_uptime_seconds "); w.fixed(12.5, digits: 3); w.byte(10)
struct BodyWriter {
  let base: UnsafeMutablePointer<UInt8>
  let capacity: Int
  private(set) var count = 0
  private(set) var overflowed = false

  init(base: UnsafeMutablePointer<UInt8>, capacity: Int) {
    self.base = base
    self.capacity = capacity
  }

  mutating func byte(_ b: UInt8) {
    if count < capacity { base[count] = b; count += 1 } else { overflowed = true }
  }

  mutating func text(_ s: StaticString) {
    let p = s.utf8Start
    for i in 0..<s.utf8CodeUnitCount { byte(p[i]) }
  }

  mutating func text(_ s: String) { for b in s.utf8 { byte(b) } }

  mutating func bytes(_ a: [UInt8]) { for b in a { byte(b) } }

  mutating func bytes(_ p: UnsafeRawBufferPointer) { for b in p { byte(b) } }

  mutating func uint(_ value: UInt64) {
    if value == 0 { byte(48); return }
    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                 UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
      (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var n = 0
    var v = value
    withUnsafeMutableBytes(of: &digits) { d in
      while v > 0 { d[n] = UInt8(48 + v % 10); v /= 10; n += 1 }
      while n > 0 { n -= 1; byte(d[n]) }
    }
  }

  mutating func int(_ value: Int) {
    if value < 0 { byte(45); uint(UInt64(-(value + 1)) + 1) } else { uint(UInt64(value)) }
  }

  /// `value` with exactly `digits` decimals (rounded half up); "NaN", "+Inf", "-Inf" as
  /// Prometheus writes them.
  mutating func fixed(_ value: Double, digits: Int) {
    if value.isNaN { text("NaN"); return }
    if value.isInfinite { text(value > 0 ? "+Inf" : "-Inf"); return }
    var v = value
    if v < 0 { byte(45); v = -v }
    var scale: UInt64 = 1
    for _ in 0..<digits { scale *= 10 }
    if v >= 1e15 { uint(UInt64(v)); return }
    let scaled = UInt64(v * Double(scale) + 0.5)
    uint(scaled / scale)
    if digits > 0 {
      byte(46)
      var frac = scaled % scale
      var div = scale / 10
      while div > 0 { byte(UInt8(48 + frac / div)); frac %= div; div /= 10 }
    }
  }

  /// A JSON string literal with quotes.
  mutating func json(_ s: String) {
    byte(34)
    for b in s.utf8 {
      switch b {
      case 34: text("\\\"")
      case 92: text("\\\\")
      case 10: text("\\n")
      case 13: text("\\r")
      case 9: text("\\t")
      case 0..<32:
        text("\\u00"); hex(b >> 4); hex(b & 15)
      default: byte(b)
      }
    }
    byte(34)
  }

  /// A Prometheus label value (inside its quotes): backslash, quote and newline escaped.
  mutating func label(_ s: String) {
    for b in s.utf8 {
      switch b {
      case 34: text("\\\"")
      case 92: text("\\\\")
      case 10: text("\\n")
      default: byte(b)
      }
    }
  }

  /// Text for HTML element content or a quoted attribute.
  mutating func html(_ s: String) {
    for b in s.utf8 {
      switch b {
      case 38: text("&amp;")
      case 60: text("&lt;")
      case 62: text("&gt;")
      case 34: text("&quot;")
      case 39: text("&#39;")
      default: byte(b)
      }
    }
  }

  private mutating func hex(_ nibble: UInt8) { byte(nibble < 10 ? 48 + nibble : 87 + nibble) }
}
