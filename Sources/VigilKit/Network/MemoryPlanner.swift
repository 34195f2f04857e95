// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// Places tensors in one buffer by liveness, lowest offset first, trying several orders.
///
/// A tensor is live from the op that produces it to the last op that reads it (the network's
/// input from before the first op, its output to after the last). Two tensors whose lifetimes
/// intersect must get disjoint ranges; an op's output is live at that op, as are its inputs, so
/// it never overlaps them. Tensors are placed one at a time, each at the lowest aligned offset
/// where it overlaps no already-placed tensor it is live with, in two orders: largest first
/// (the greedy-by-size heuristic of TFLite Micro's planner) and production order (which lets a
/// block's output reuse the space of the block's dead expansion). The smaller plan wins; ties go
/// to the first. Placement is NP-hard in general; on MobileViGv2 this reaches the largest live
/// set, which `lowerBound` reports so callers can see any gap. Deterministic.
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

    func place(_ order: [Int]) -> (offsets: [Int], size: Int) {
      var offsets = [Int](repeating: 0, count: n)
      var placed: [Int] = []
      var size = 0
      for t in order {
        let need = aligned(sizes[t])
        let conflicts = placed.filter { first[$0] <= last[t] && first[t] <= last[$0] }
          .map { (start: offsets[$0], end: offsets[$0] + aligned(sizes[$0])) }
          .sorted { $0.start < $1.start }
        var candidate = 0
        for c in conflicts {
          if candidate + need <= c.start { break }
          candidate = max(candidate, c.end)
        }
        offsets[t] = candidate
        placed.append(t)
        size = max(size, candidate + need)
      }
      return (offsets, size)
    }
    let bySize = place(used.sorted {
      sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : first[$0] < first[$1]
    })
    let byProduction = place(used.sorted { first[$0] != first[$1] ? first[$0] < first[$1] : $0 < $1 })
    let best = byProduction.size < bySize.size ? byProduction : bySize
    self.offsets = best.offsets
    self.size = best.size
    self.lowerBound = lowerBound
  }
}
