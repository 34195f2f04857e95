// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CVigilBoard

/// Standard output and error for the firmware: whole lines through one write(2) each.
enum Output {
  /// Writes `line` and a newline to standard output.
  static func line(_ line: String) { write(1, line + "\n") }

  /// Writes `line` and a newline to standard error.
  static func error(_ line: String) { write(2, line + "\n") }

  private static func write(_ fd: Int32, _ text: String) {
    var text = text
    text.withUTF8 { bytes in _ = vgl_board_write(fd, bytes.baseAddress, bytes.count) }
  }
}

/// Escapes `s` as a JSON string literal (with quotes), exactly as the host CLI does.
func jsonString(_ s: String) -> String {
  var out = "\""
  for u in s.unicodeScalars {
    switch u.value {
    case 0x22: out += "\\\""
    case 0x5C: out += "\\\\"
    case 0x0A: out += "\\n"
    case 0x0D: out += "\\r"
    case 0x09: out += "\\t"
    case 0..<0x20:
      let hex = String(u.value, radix: 16)
      out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    default: out.unicodeScalars.append(u)
    }
  }
  return out + "\""
}

/// A float as JSON: Swift's shortest round-trip form (the host's `"\(v)"`); non-finite values
/// become null.
func jsonNumber(_ v: Float) -> String { v.isFinite ? "\(v)" : "null" }
func jsonNumber(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }

/// `[1, 2, 3]`, as full Swift prints an array of integers.
func listText(_ values: [Int]) -> String {
  "[" + values.map { String($0) }.joined(separator: ", ") + "]"
}

/// `[0.5, 0.25]`, as full Swift prints an array of floats.
func listText(_ values: [Float]) -> String {
  "[" + values.map { "\($0)" }.joined(separator: ", ") + "]"
}

/// A probability with four decimals (the host's formatScore).
func formatScore(_ p: Double) -> String {
  let scaled = Int((p * 10000).rounded())
  let whole = scaled / 10000, frac = scaled % 10000
  let digits = String(frac)
  return "\(whole)." + String(repeating: "0", count: 4 - digits.count) + digits
}

/// `x` with `digits` decimals (the host's formatFixed).
func formatFixed(_ x: Double, _ digits: Int) -> String {
  var scale = 1.0
  for _ in 0..<digits { scale *= 10 }
  let v = ((x < 0 ? -x : x) * scale).rounded()
  let whole = Int(v / scale), frac = Int(v.truncatingRemainder(dividingBy: scale))
  let f = String(frac)
  return (x < 0 ? "-" : "") + "\(whole)." + String(repeating: "0", count: digits - f.count) + f
}

/// The NUL-terminated UTF-8 text at `pointer` (invalid bytes repaired), or nil.
func stringFromC(_ pointer: UnsafePointer<CChar>?) -> String? {
  guard let pointer else { return nil }
  var length = 0
  while pointer[length] != 0 { length += 1 }
  return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
}
