// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Scores and labels, computed as the host CLI computes them (VigilKit/Classify/Prediction.swift)
// so the firmware prints the same JSON.

import CVigilBoard
import VigilCore

/// One ranked class of a prediction.
struct RankedClass {
  var index: Int
  var label: String?
  /// Softmax probability.
  var score: Double
}

/// Softmax probabilities of `logits`, in Double with the maximum subtracted (glibc's exp).
func softmax(_ logits: [Float]) -> [Double] {
  guard let m = logits.max() else { return [] }
  let e = logits.map { vgl_board_exp(Double($0) - Double(m)) }
  let sum = e.reduce(0, +)
  return e.map { $0 / sum }
}

/// The `k` most probable classes, best first; ties go to the lower index.
func topK(_ logits: [Float], k: Int, labels: [String]?) -> [RankedClass] {
  let p = softmax(logits)
  let order = p.indices.sorted { p[$0] != p[$1] ? p[$0] > p[$1] : $0 < $1 }
  return order.prefix(max(0, k)).map { i in
    RankedClass(index: i, label: labels.flatMap { i < $0.count ? $0[i] : nil }, score: p[i])
  }
}

/// Reads a labels file: one label per line in class order, surrounding white space trimmed,
/// blank trailing lines ignored. Fails with a sentence when the file cannot be read, is not
/// UTF-8 or has the wrong number of lines.
func loadLabels(path: String, classes: Int) -> (labels: [String], error: String?) {
  let bytes: [UInt8]
  do throws(ImageError) {
    bytes = try FileIO.readAll(path: path, maxBytes: 16 << 20)
  } catch {
    return ([], error.description)
  }
  guard let text = String(validating: bytes, as: UTF8.self) else {
    return ([], "\(path): cannot read labels file as UTF-8 text")
  }
  var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { trimmed($0) }
  while let last = lines.last, last.isEmpty { lines.removeLast() }
  guard lines.count == classes else {
    return ([], "labels file \(path) has \(lines.count) lines but the network has \(classes) "
      + "classes: give one label per line, in class order")
  }
  return (lines, nil)
}

/// `s` without leading and trailing white space (Unicode White_Space, newlines included).
private func trimmed(_ s: Substring) -> String {
  let scalars = s.unicodeScalars
  guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
  let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
  return String(scalars[first...last])
}
