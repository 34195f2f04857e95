// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// Places tensors in one buffer by liveness.
///
/// A tensor is live from the op that produces it to the last op that reads it (the network's
/// input from before the first op, its output to after the last). Two tensors whose lifetimes
/// intersect must get disjoint ranges; an op's output is live at that op, as are its inputs, so
/// it never overlaps them.
///
/// Tensors are placed one at a time, each in the lowest gap (between already-placed tensors it
/// is live with) that holds it, at the gap's bottom or, for a gap bounded above, its top. Two
/// deterministic passes come first: largest first, bottom of gap (the greedy-by-size heuristic
/// of TFLite Micro's planner) and production order, bottom of gap. Then a fixed number of
/// seeded random variations of production order (a few adjacent swaps, a random bottom/top
/// choice per tensor) search for a smaller plan; the smallest wins, ties to the earliest. The
/// search matters on MobileViGv2's stage 0, where a block's output may not reuse its input's
/// space and the expansion tensors must alternate around the residual stream to fit in the
/// largest live set. Placement is NP-hard in general: `lowerBound` (the largest live set)
/// says how close a plan is. Deterministic: the same graph always gives the same plan.
public struct MemoryPlan: Sendable, Equatable {
  /// Random variations tried after the deterministic passes (stops early at the lower bound).
  static let searchRounds = 400

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
    let n = sizes.count, opCount = writes.count
    // Lifetime [first, last] in op indices; -1 = before the first op, opCount = after the last.
    var first = [Int](repeating: Int.max, count: n)
    var last = [Int](repeating: Int.min, count: n)
    first[input] = -1
    for (i, w) in writes.enumerated() { first[w] = min(first[w], i) }
    for (i, r) in reads.enumerated() { for t in r { last[t] = max(last[t], i) } }
    last[output] = opCount
    for t in 0..<n where first[t] != Int.max { last[t] = max(last[t], first[t]) }
    func aligned(_ v: Int) -> Int { (v + alignment - 1) / alignment * alignment }

    let used = (0..<n).filter { first[$0] != Int.max }
    var lowerBound = 0
    for step in -1...opCount {
      let live = used.filter { first[$0] <= step && step <= last[$0] }.reduce(0) { $0 + sizes[$1] }
      lowerBound = max(lowerBound, live)
    }

    /// Places `order`; `top(t)` says whether tensor t goes to the top of a bounded gap.
    func place(_ order: [Int], top: (Int) -> Bool) -> (offsets: [Int], size: Int) {
      var offsets = [Int](repeating: 0, count: n)
      var placed: [Int] = []
      var size = 0
      for t in order {
        let need = aligned(sizes[t])
        let conflicts = placed.filter { first[$0] <= last[t] && first[t] <= last[$0] }
          .map { (start: offsets[$0], end: offsets[$0] + aligned(sizes[$0])) }
          .sorted { $0.start < $1.start }
        var candidate = 0
        var gapEnd: Int? = nil
        for c in conflicts {
          if candidate + need <= c.start { gapEnd = c.start; break }
          candidate = max(candidate, c.end)
        }
        if let gapEnd, top(t) { candidate = (gapEnd - need) / alignment * alignment }
        offsets[t] = candidate
        placed.append(t)
        size = max(size, candidate + need)
      }
      return (offsets, size)
    }
    let production = used.sorted { first[$0] != first[$1] ? first[$0] < first[$1] : $0 < $1 }
    var best = place(used.sorted {
      sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : first[$0] < first[$1]
    }, top: { _ in false })
    let byProduction = place(production, top: { _ in false })
    if byProduction.size < best.size { best = byProduction }
    let target = aligned(lowerBound)
    var rng = PlannerRandom(seed: 0x5EED_1A7E)
    for _ in 0..<Self.searchRounds where best.size > target {
      var order = production
      for _ in 0..<max(1, order.count / 16) where order.count > 1 {
        let i = Int(rng.next() % UInt64(order.count - 1))
        order.swapAt(i, i + 1)
      }
      var tops = [Bool](repeating: false, count: n)
      for t in used { tops[t] = rng.next() & 1 == 1 }
      let trial = place(order, top: { tops[$0] })
      if trial.size < best.size { best = trial }
    }
    self.offsets = best.offsets
    self.size = best.size
    self.lowerBound = lowerBound
  }
}

/// SplitMix64: the planner's private, seeded random numbers (never the system's).
struct PlannerRandom {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
