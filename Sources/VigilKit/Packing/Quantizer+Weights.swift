// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

extension Quantizer {
  /// Per output channel symmetric quantization of `rows` rows of weights (any layout with
  /// rows outermost) and their biases at `inputScale * s_w[row]`. Returns the codes (same
  /// layout), each row's `s_w` and the int32 biases.
  static func quantizeChannels(weight: [Double], bias: [Double], rows: Int, inputScale: Double,
                               terms: Int, name: String) throws
    -> (codes: [Int8], scales: [Double], bias: [Int32])
  {
    let perRow = weight.count / rows
    // The loader's bound: terms * 255 * 127 + |bias| <= INT32_MAX.
    let biasLimit = Double(Int32.max) - Double(terms) * 255 * 127
    guard biasLimit >= 0 else {
      throw QuantizeError.outOfRange("\(name): a reduction of \(terms) terms can overflow int32")
    }
    var codes = [Int8](repeating: 0, count: weight.count)
    var scales = [Double](repeating: 1, count: rows)
    var biasCodes = [Int32](repeating: 0, count: rows)
    for row in 0..<rows {
      let slice = weight[(row * perRow)..<((row + 1) * perRow)]
      let maxAbs = slice.reduce(0) { Swift.max($0, abs($1)) }
      var scale = maxAbs / 127
      if maxAbs == 0 {
        // All-zero weights: any step works; pick one that keeps the bias (the channel's only
        // signal) to about 2^22 codes, exact after the runtime's int32 -> float conversion.
        scale = bias[row] == 0 ? 1 : abs(bias[row]) / (inputScale * 4_194_304)
      }
      // Widen the step when the bias alone would overflow the accumulator's headroom.
      let needed = abs(bias[row]) / (inputScale * Swift.max(biasLimit - 1, 1))
      if scale < needed { scale = needed }
      scales[row] = scale
      for i in slice.indices {
        codes[i] = Int8(Swift.max(-127, Swift.min(127, (weight[i] / scale).rounded())))
      }
      let b = (bias[row] / (inputScale * scale)).rounded()
      guard abs(b) <= biasLimit else {
        throw QuantizeError.outOfRange("\(name): bias[\(row)] = \(bias[row]) quantizes to \(b), "
          + "beyond the int32 headroom \(biasLimit)")
      }
      biasCodes[row] = Int32(b)
    }
    return (codes, scales, biasCodes)
  }

  /// From the fp32 layouts (conv `[out][in][k][k]`, depthwise `[C][1][k][k]`) to the int8
  /// ones (conv `[out][k][k][in]`, depthwise `[k][k][C]`); the graph op and head keep theirs.
  static func relayout(_ codes: [Int8], kind: QuantizedModel.OpKind, rows: Int, perRow: Int,
                       kernel: Int) -> [Int8] {
    let taps = kernel * kernel
    switch kind {
    case .stem, .conv:
      let inC = perRow / taps
      var out = [Int8](repeating: 0, count: codes.count)
      for o in 0..<rows {
        for c in 0..<inC {
          for k in 0..<taps { out[(o * taps + k) * inC + c] = codes[(o * inC + c) * taps + k] }
        }
      }
      return out
    case .dwconv:
      var out = [Int8](repeating: 0, count: codes.count)
      for c in 0..<rows { for k in 0..<taps { out[k * rows + c] = codes[c * taps + k] } }
      return out
    case .mrconv, .head, .gap:
      return codes
    }
  }
}
