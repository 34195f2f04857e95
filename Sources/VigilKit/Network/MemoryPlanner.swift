// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// Places tensors in one buffer by liveness, first fit.
///
/// A tensor is live from the op that produces it to the last op that reads it (the network's
/// input from before the first op, its output to after the last). Ops are visited in order; an
/// op's output is placed while its inputs are still live, so it never overlaps them, then every
/// tensor whose last reader was this op is released. Placement takes the lowest aligned offset
/// whose range overlaps no live tensor. This is not optimal (placement is NP-hard in general)
/// but on a chain-shaped network like MobileViGv2 it lands close to the largest live set, which
/// `lowerBound` reports so callers can see the gap.
public struct MemoryPlan: Sendable, Equatable {
  /// Offset of each tensor, in elements.
  public var offsets: [Int]
  /// Elements the buffer must hold.
  public var size: Int
  /// The largest sum of live tensor sizes at any op: no placement can use less.
  public var lowerBound: Int

  /// - Parameters:
  ///   - sizes: elements of each tensor.
  ///   - reads: for each op, the tensors it reads; `writes`: the tensor each op produces.
  ///   - input / output: tensors live before the first op / after the last.
  ///   - alignment: offsets are multiples of this many elements.
  public init(sizes: [Int], reads: [[Int]], writes: [Int], input: Int, output: Int,
              alignment: Int = 16) {
    let opCount = writes.count
    var lastUse = [Int](repeating: -1, count: sizes.count)
    for (i, r) in reads.enumerated() { for t in r { lastUse[t] = max(lastUse[t], i) } }
    lastUse[output] = opCount
    func aligned(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }

    var offsets = [Int](repeating: 0, count: sizes.count)
    var live: [(tensor: Int, start: Int, end: Int)] = []
    var size = 0, lowerBound = 0
    func place(_ t: Int) {
      let need = aligned(sizes[t])
      var candidate = 0
      for block in live.sorted(by: { $0.start < $1.start }) {
        if candidate + need <= block.start { break }
        candidate = max(candidate, block.end)
      }
      offsets[t] = candidate
      live.append((t, candidate, candidate + need))
      size = max(size, candidate + need)
      lowerBound = max(lowerBound, live.reduce(0) { $0 + sizes[$1.tensor] })
    }
    place(input)
    for i in 0..<opCount {
      place(writes[i])
      live.removeAll { lastUse[$0.tensor] <= i }
    }
    self.offsets = offsets
    self.size = size
    self.lowerBound = lowerBound
  }
}
