// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import VigilCore

/// One ranked class of a prediction.
public struct RankedClass: Codable, Sendable, Equatable {
  public var index: Int
  public var label: String?
  /// Softmax probability.
  public var score: Double
}

/// Softmax probabilities of `logits`, computed in Double with the maximum subtracted.
public func softmax(_ logits: [Float]) -> [Double] {
  guard let m = logits.max() else { return [] }
  let e = logits.map { exp(Double($0) - Double(m)) }
  let sum = e.reduce(0, +)
  return e.map { $0 / sum }
}

/// The `k` most probable classes, best first; ties go to the lower index.
public func topK(_ logits: [Float], k: Int, labels: [String]?) -> [RankedClass] {
  let p = softmax(logits)
  let order = p.indices.sorted { p[$0] != p[$1] ? p[$0] > p[$1] : $0 < $1 }
  return order.prefix(max(0, k)).map { i in
    RankedClass(index: i, label: labels.flatMap { i < $0.count ? $0[i] : nil }, score: p[i])
  }
}

/// Reads a labels file: one label per line, blank trailing lines ignored.
public func loadLabels(path: String, classes: Int) throws(InputError) -> [String] {
  let data = try InputFile.readData(path, maxBytes: 64 << 20)
  guard let text = String(data: data, encoding: .utf8)
  else { throw .unreadable(path: path, reason: "cannot read labels file as UTF-8 text") }
  var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
    String($0).trimmingCharacters(in: .whitespacesAndNewlines)
  }
  while let last = lines.last, last.isEmpty { lines.removeLast() }
  guard lines.count == classes else {
    throw .labelCount(path: path, found: lines.count, expected: classes)
  }
  return lines
}

/// A problem with one input file or a side file such as labels.
public enum InputError: Error, CustomStringConvertible, Equatable {
  case unreadable(path: String, reason: String)
  case labelCount(path: String, found: Int, expected: Int)
  case badTensor(path: String, reason: String)
  /// A file given where an int8 `.vigil` model is expected is something else.
  case notAModel(path: String, reason: String)

  public var description: String {
    switch self {
    case .unreadable(let path, let reason): return "\(path): \(reason)"
    case .labelCount(let path, let found, let expected):
      return "labels file \(path) has \(found) lines but the network has \(expected) classes: "
        + "give one label per line, in class order"
    case .badTensor(let path, let reason): return "\(path): \(reason)"
    case .notAModel(let path, let reason): return "\(path): \(reason)"
    }
  }
}

/// A network output that is not a number for every class: the input's error, never a result.
public struct NonFiniteOutput: Error, CustomStringConvertible, Equatable {
  public var nan: Int
  public var infinite: Int
  public var description: String {
    "the network's output is not finite for this input (\(nan) NaN and \(infinite) infinite of its "
      + "logits): the input's values are out of the range the network was trained on (a .npy must "
      + "be preprocessed: ImageNet-normalized, about -3 ... 3)"
  }
}

/// `logits` when every one is finite; throws ``NonFiniteOutput`` otherwise.
@inline(__always)
public func finiteLogits(_ logits: [Float]) throws(NonFiniteOutput) -> [Float] {
  var bad = false
  for v in logits where !v.isFinite { bad = true }
  guard bad else { return logits }
  let nan = logits.filter(\.isNaN).count
  throw NonFiniteOutput(nan: nan, infinite: logits.filter(\.isInfinite).count)
}

/// `s` made safe to print on a terminal: C0 and C1 control characters (escape sequences
/// start with ESC or CSI), DEL and the bidirectional overrides become `\u{...}` escapes, a
/// backslash is doubled so that the escaped form is unambiguous, and the bytes of a file name
/// that is not UTF-8 read `\xNN` (``PathBytes``). Other text is unchanged.
public func terminalSafe(_ s: String) -> String {
  func unsafe(_ u: Unicode.Scalar) -> Bool {
    u.value < 0x20 || (0x7f...0x9f).contains(u.value) || (0x202a...0x202e).contains(u.value)
      || (0x2066...0x2069).contains(u.value) || u == "\\"
  }
  guard s.unicodeScalars.contains(where: unsafe) else { return PathBytes.display(s) }
  var out = String.UnicodeScalarView()
  for u in s.unicodeScalars {
    if u == "\\" {
      out.append(contentsOf: "\\\\".unicodeScalars)
    } else if unsafe(u) {
      out.append(contentsOf: "\\u{\(String(u.value, radix: 16))}".unicodeScalars)
    } else {
      out.append(u)
    }
  }
  return PathBytes.display(String(out))
}

/// `value` as one line of JSON: keys sorted (the same value gives the same bytes), slashes
/// as they are.
public func jsonText<T: Encodable>(_ value: T) throws -> String {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
  return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// The NUL-terminated text in a C message buffer, decoded as UTF-8 (invalid bytes repaired).
func cString(_ buffer: [CChar]) -> String {
  String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
