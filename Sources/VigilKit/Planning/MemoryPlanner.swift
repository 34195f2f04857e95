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

/// The fused blocks of an int8 plan and their band sizes (vigil_q8.h, "fused blocks").
///
/// Two op patterns run piece by piece, so that their expanded (4C) intermediates are never
/// whole in the arena: the inverted residual (1x1 conv -> depthwise kxk with stride 1 and
/// "same" padding -> 1x1 conv) in bands of output rows, and the FFN (1x1 conv -> 1x1 conv) in
/// tiles of pixels. Each intermediate becomes band-local: no region of its own, only a thread's
/// band buffers in the scratch region. A pattern fuses only when its intermediates are read by
/// nothing but the next op and the ops before the last add no residual.
///
/// The band rule: a thread's band scratch stays within ``scratchBudget`` (32 KiB, the L1 data
/// cache of the boards' Cortex-A53/A72 cores; the x86-64 host has 48 KiB), so the expanded rows a
/// band writes are still in L1 when the depthwise and the projection read them back, and the
/// whole arena (one scratch per thread) stays small. The inverted residual takes the tallest
/// band of rows whose scratch (`align64((R + 2 pad) W C4) + R W C4`) fits, at least
/// 1 row (Ti: W x C4 is 7 KiB at every stage, so R = 1 and 28,672 B), the FFN the largest
/// multiple of 16 pixels whose tile (`P C4`) fits, at least 16; both capped so that a map has at
/// least 4 bands (ceil(H / 4) rows) or 8 tiles (maps of 128 pixels and more; 16-pixel tiles
/// below), which keeps every thread of a 2- to 4-thread instance busy on the small late-stage
/// maps. The depthwise's halo rows are kept from the thread's previous band (2 pad rows moved
/// to the buffer's start) rather than recomputed: with 1-row bands recomputing would triple
/// the expansion's work. The bits do not depend on the band: every output element is computed
/// by the same kernel from the same inputs.
public struct BandPlan: Sendable, Equatable {
  public static let scratchBudget = 32 * 1024

  /// One fused block: ops `first ..< first + length` (3: inverted residual, 2: FFN).
  public struct Block: Sendable, Equatable {
    public var first: Int
    public var length: Int
    /// Rows per band (inverted residual) or pixels per tile (FFN).
    public var band: Int
    /// Band scratch bytes per thread.
    public var scratchBytes: Int
  }

  public var blocks: [Block]
  /// Per tensor: 0, or the band of the block whose intermediate it is.
  public var bands: [Int]
  /// The largest block's band scratch (0 without blocks).
  public var scratchBytes: Int { blocks.map(\.scratchBytes).max() ?? 0 }

  /// No fused blocks (every tensor whole).
  public init(tensorCount: Int) {
    blocks = []
    bands = [Int](repeating: 0, count: tensorCount)
  }

  /// Finds the blocks of `ops` over tensors of `shapes` (channels, height, width).
  public init(ops: [QuantizedModel.Op], shapes: [(channels: Int, height: Int, width: Int)]) {
    self.init(tensorCount: shapes.count)
    var readers = [Int](repeating: 0, count: shapes.count)
    for op in ops {
      readers[op.input] += 1
      if let r = op.residual { readers[r] += 1 }
    }
    func gemm(_ op: QuantizedModel.Op) -> Bool {
      op.kind == .conv && op.kernel == 1 && op.stride == 1 && op.pad == 0
    }
    // An intermediate: written by ops[i], read once, as the input of ops[i + 1].
    func intermediate(_ i: Int) -> Int? {
      guard i + 1 < ops.count, let t = ops[i].output, ops[i + 1].input == t, readers[t] == 1,
            ops[i].residual == nil else { return nil }
      return t
    }
    var i = 0
    while i + 2 < ops.count {
      guard gemm(ops[i]), let t1 = intermediate(i) else { i += 1; continue }
      let (c4, height, width) = shapes[t1]
      let next = ops[i + 1]
      if next.kind == .dwconv, next.stride == 1, next.pad * 2 + 1 == next.kernel,
         let t2 = intermediate(i + 1), gemm(ops[i + 2]) {
        func scratch(_ rows: Int) -> Int {
          let a = ArenaPlan.alignment
          return ((rows + 2 * next.pad) * width * c4 + a - 1) / a * a + rows * width * c4
        }
        var rows = 1
        let cap = max(1, (height + 3) / 4)
        while rows < min(height, cap) && scratch(rows + 1) <= Self.scratchBudget { rows += 1 }
        blocks.append(Block(first: i, length: 3, band: rows, scratchBytes: scratch(rows)))
        bands[t1] = rows
        bands[t2] = rows
        i += 3
      } else if gemm(next) {
        let pixels = height * width
        var tile = max(16, Self.scratchBudget / max(c4, 1) / 16 * 16)
        if pixels >= 8 * 16 { tile = min(tile, ((pixels + 7) / 8 + 15) / 16 * 16) }
        else { tile = min(tile, 16) }
        tile = min(tile, pixels)
        blocks.append(Block(first: i, length: 2, band: tile, scratchBytes: tile * c4))
        bands[t1] = tile
        i += 2
      } else {
        i += 1
      }
    }
  }
}
