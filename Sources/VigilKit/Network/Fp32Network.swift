// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// A MobileViGv2 network folded into plain convolutions, ready for the C fp32 runtime.
///
/// Folding (all exact up to float rounding, computed in Double):
/// - every BatchNorm into the conv before it: `s = gamma / sqrt(var + eps)`,
///   `W' = s W`, `b' = s (b - mean) + beta`;
/// - each layer scale into the last conv of its branch: `W'' = ls W'`, `b'' = ls b'`;
/// - the CPE identity into the 7x7 depthwise centre tap (already there in `reparam_conv`);
/// - the two heads into one, their mean (the reference's inference output).
///
/// Tensors are numbered as they are produced; `blockOutputs` names the tensor that holds each
/// reference module's output (`stem`, `backbone.S.B`, `prediction`, `logits`) so tests can
/// compare them with the reference's activations.
public struct Fp32Network: Sendable {
  public enum OpKind: Sendable, Equatable { case conv, mrconv, globalPool, activation }

  public struct Shape: Sendable, Equatable {
    public var channels: Int, height: Int, width: Int
    public var count: Int { channels * height * width }
  }

  public struct Op: Sendable {
    public var name: String
    public var kind: OpKind
    public var input: Int
    public var output: Int
    public var residual: Int?
    public var kernel = 1, stride = 1, pad = 0, groups = 1
    public var hop = 0
    public var gelu = false
    /// CONV: [out][in / groups][k][k]; MRCONV: [C][2C]; empty for the pool.
    public var weight: [Float] = []
    public var bias: [Float] = []
  }

  public var config: NetworkConfig
  public var tensors: [Shape]
  public var ops: [Op]
  public var inputTensor: Int
  public var outputTensor: Int
  public var blockOutputs: [(name: String, tensor: Int)]

  /// Folds `weights` (a reference state dict) for `config`. Every missing, unexpected or
  /// mis-shaped key is reported in one error.
  public init(config: NetworkConfig, weights: StateDict) throws(FoldError) {
    try self.init(config: config, weights: weights, zeroFill: false)
  }

  init(config: NetworkConfig, weights: StateDict, zeroFill: Bool) throws(FoldError) {
    var builder = Builder(config: config, weights: weights)
    builder.zeroFill = zeroFill
    builder.build()
    if !builder.problems.isEmpty || !builder.unusedKeys.isEmpty || !builder.invalid.isEmpty {
      throw FoldError(source: weights.source, variant: config.name,
                      problems: builder.problems, unexpected: builder.unusedKeys, invalid: builder.invalid)
    }
    self.config = config
    self.tensors = builder.tensors
    self.ops = builder.ops
    self.inputTensor = 0
    self.outputTensor = builder.tensors.count - 1
    self.blockOutputs = builder.blockOutputs
  }

  /// The same network with every activation split off its op into a separate `.activation`
  /// op, so that an observer sees pre-activation values (calibration). Returns the network
  /// and, for each new op, the index of the op whose activation it carries. Results are
  /// bit-identical to the fused network.
  public func splittingActivations() -> (network: Fp32Network, preActivation: [Int: Int]) {
    var copy = self
    copy.ops = []
    var pre: [Int: Int] = [:]
    for op in ops {
      guard op.gelu else { copy.ops.append(op); continue }
      var first = op
      first.gelu = false
      first.residual = nil
      first.output = copy.tensors.count
      copy.tensors.append(tensors[op.output])
      pre[copy.ops.count] = copy.ops.count + 1
      copy.ops.append(first)
      var act = Op(name: op.name + ".act", kind: .activation, input: first.output, output: op.output,
                   residual: op.residual)
      act.gelu = true
      copy.ops.append(act)
    }
    return (copy, pre)
  }

  /// The number of weights and biases after folding.
  public var parameterCount: Int { ops.reduce(0) { $0 + $1.weight.count + $1.bias.count } }
}

/// The checkpoint does not match the configuration: everything wrong, listed by key.
public struct FoldError: Error, CustomStringConvertible {
  public var source: String
  public var variant: String
  /// Missing keys and shape mismatches, one line each.
  public var problems: [String]
  /// Keys the network does not use.
  public var unexpected: [String]
  /// Values the runtime cannot use (NaN or infinite weights, negative BatchNorm variances,
  /// folded weights that overflow float32), one line each.
  public var invalid: [String] = []

  public init(source: String, variant: String, problems: [String], unexpected: [String], invalid: [String] = []) {
    self.source = source
    self.variant = variant
    self.problems = problems
    self.unexpected = unexpected
    self.invalid = invalid
  }

  public var description: String {
    if problems.isEmpty && unexpected.isEmpty {
      var lines = ["checkpoint \(source) holds \(invalid.count) weight(s) the network cannot use:"]
      for p in invalid.prefix(200) { lines.append("  \(p)") }
      if invalid.count > 200 { lines.append("  ... and \(invalid.count - 200) more") }
      lines.append("The weights are damaged or the training diverged; use an earlier or the EMA checkpoint.")
      return lines.joined(separator: "\n")
    }
    var lines = ["checkpoint \(source) does not match network '\(variant)': "
      + "\(problems.count) missing or mis-shaped, \(unexpected.count) unexpected key(s)"]
    let shown = 200
    // Shape mismatches first: they say most about which network the checkpoint is for.
    let ordered = problems.filter { !$0.hasPrefix("missing") } + problems.filter { $0.hasPrefix("missing") }
    for p in ordered.prefix(shown) { lines.append("  \(p)") }
    if problems.count > shown { lines.append("  ... and \(problems.count - shown) more") }
    for u in unexpected.prefix(shown) { lines.append("  unexpected key \(u)") }
    if unexpected.count > shown { lines.append("  ... and \(unexpected.count - shown) more") }
    for p in invalid.prefix(shown) { lines.append("  \(p)") }
    lines.append("Check --variant / --config (channels, blocks, embedding, classes, "
      + "distillation) against the checkpoint.")
    return lines.joined(separator: "\n")
  }
}

private let bnEpsilon = 1e-5

/// Builds the op list while reading the state dict, collecting every problem.
private struct Builder {
  let config: NetworkConfig
  let weights: StateDict
  var problems: [String] = []
  /// Values the runtime cannot use: NaN or infinite weights, negative variances, overflow.
  var invalid: [String] = []
  /// Missing keys read as zeros instead of being problems (planning without weights).
  var zeroFill = false
  var used: Set<String> = []
  var tensors: [Fp32Network.Shape] = []
  var ops: [Fp32Network.Op] = []
  var blockOutputs: [(name: String, tensor: Int)] = []

  init(config: NetworkConfig, weights: StateDict) {
    self.config = config
    self.weights = weights
  }

  var unusedKeys: [String] {
    weights.keys.filter { key in
      !used.contains(key) && !key.hasSuffix("num_batches_tracked")
    }
  }

  /// Fetches `key` and checks its shape; on failure records a problem and returns zeros.
  mutating func tensor(_ key: String, _ shape: [Int]) -> [Float] {
    let count = shape.reduce(1, *)
    guard let t = weights.tensors[key] else {
      if zeroFill { return [Float](repeating: 0, count: count) }
      problems.append("missing \(key) \(shape)")
      return [Float](repeating: 0, count: count)
    }
    used.insert(key)
    guard t.shape == shape else {
      problems.append("\(key): shape \(t.shape), expected \(shape)")
      return [Float](repeating: 0, count: count)
    }
    if let i = t.data.firstIndex(where: { !$0.isFinite }) {
      let n = t.data.reduce(0) { $1.isFinite ? $0 : $0 + 1 }
      invalid.append("\(key): \(n) of \(t.data.count) values are NaN or infinite (the first, at index \(i), is \(t.data[i]))")
    }
    return t.data
  }

  /// Records a folded weight or bias that is no longer a finite float.
  mutating func checkFolded(_ name: String, _ values: [Float]) {
    if let i = values.firstIndex(where: { !$0.isFinite }) {
      invalid.append("\(name): folding gives \(values[i]) at index \(i) (a BatchNorm or layer scale "
        + "makes the weight overflow float32)")
    }
  }

  /// A conv's weight and bias followed by a BatchNorm, folded. `scale` is a layer scale key.
  mutating func convBN(_ conv: String, _ bn: String?, out: Int, inPerGroup: Int, kernel: Int,
                       layerScale: String? = nil) -> (weight: [Float], bias: [Float]) {
    var w = tensor("\(conv).weight", [out, inPerGroup, kernel, kernel]).map(Double.init)
    var b = tensor("\(conv).bias", [out]).map(Double.init)
    let perOut = inPerGroup * kernel * kernel
    if let bn {
      let gamma = tensor("\(bn).weight", [out]), beta = tensor("\(bn).bias", [out])
      let mean = tensor("\(bn).running_mean", [out]), variance = tensor("\(bn).running_var", [out])
      if weights.tensors["\(bn).num_batches_tracked"] != nil { used.insert("\(bn).num_batches_tracked") }
      if let o = variance.firstIndex(where: { $0 < 0 }) {
        invalid.append("\(bn).running_var: channel \(o) is \(variance[o]); a variance is never negative")
      }
      for o in 0..<out {
        let s = Double(gamma[o]) / (Double(variance[o]) + bnEpsilon).squareRoot()
        for i in 0..<perOut { w[o * perOut + i] *= s }
        b[o] = (b[o] - Double(mean[o])) * s + Double(beta[o])
      }
    }
    if let layerScale {
      let ls = tensor(layerScale, [out, 1, 1])
      for o in 0..<out {
        for i in 0..<perOut { w[o * perOut + i] *= Double(ls[o]) }
        b[o] *= Double(ls[o])
      }
    }
    let folded = (w.map(Float.init), b.map(Float.init))
    checkFolded("\(conv).weight", folded.0)
    checkFolded("\(conv).bias", folded.1)
    return folded
  }

  mutating func newTensor(_ c: Int, _ side: Int) -> Int {
    tensors.append(.init(channels: c, height: side, width: side))
    return tensors.count - 1
  }

  mutating func conv(_ name: String, input: Int, out: Int, side: Int, kernel: Int, stride: Int,
                     depthwise: Bool = false, gelu: Bool, residual: Int? = nil,
                     folded: (weight: [Float], bias: [Float])) -> Int {
    let t = newTensor(out, side)
    var op = Fp32Network.Op(name: name, kind: .conv, input: input, output: t, residual: residual)
    op.kernel = kernel
    op.stride = stride
    op.pad = kernel / 2
    op.groups = depthwise ? out : 1
    op.gelu = gelu
    op.weight = folded.weight
    op.bias = folded.bias
    ops.append(op)
    return t
  }

  mutating func build() {
    let c0 = config.channels[0], mid = config.stemMidChannels
    let input = newTensor(3, config.inputSize)
    let s1 = NetworkConfig.halve(config.inputSize), s0 = config.stemSize
    var x = conv("stem.stem.0", input: input, out: mid, side: s1, kernel: 3, stride: 2, gelu: true,
                 folded: convBN("stem.stem.0", "stem.stem.1", out: mid, inPerGroup: 3, kernel: 3))
    x = conv("stem.stem.3", input: x, out: c0, side: s0, kernel: 3, stride: 2, gelu: true,
             folded: convBN("stem.stem.3", "stem.stem.4", out: c0, inPerGroup: mid, kernel: 3))
    blockOutputs.append(("stem", x))

    let sizes = config.stageSizes
    for stage in 0..<config.channels.count {
      let c = config.channels[stage], side = sizes[stage]
      var block = 0
      if stage > 0 {
        let p = "backbone.\(stage).0"
        let cin = config.channels[stage - 1]
        x = conv("\(p).conv.0", input: x, out: c, side: side, kernel: 3, stride: 2, gelu: false,
                 folded: convBN("\(p).conv.0", "\(p).conv.1", out: c, inPerGroup: cin, kernel: 3))
        blockOutputs.append((p, x))
        block = 1
      }
      for _ in 0..<config.blocks[stage][0] {
        let p = "backbone.\(stage).\(block)"
        let e = newConv(p + ".dws.pw1", p + ".dws.norm1", x, out: 4 * c, inC: c, side: side,
                        kernel: 1, gelu: true)
        let d = conv(p + ".dws.dw", input: e, out: 4 * c, side: side, kernel: 3, stride: 1,
                     depthwise: true, gelu: true,
                     folded: convBN(p + ".dws.dw", p + ".dws.norm2", out: 4 * c, inPerGroup: 1,
                                    kernel: 3))
        x = conv(p + ".dws.pw2", input: d, out: c, side: side, kernel: 1, stride: 1, gelu: false,
                 residual: x,
                 folded: convBN(p + ".dws.pw2", p + ".dws.norm3", out: c, inPerGroup: 4 * c,
                                kernel: 1, layerScale: p + ".layer_scale_1"))
        blockOutputs.append((p, x))
        block += 1
      }
      for _ in 0..<config.blocks[stage][1] {
        let p = "backbone.\(stage).\(block)"
        x = mgc(p, x, c: c, side: side, hop: config.k[stage])
        blockOutputs.append((p, x))
        block += 1
      }
    }

    let cl = config.channels[config.channels.count - 1], e = config.embedding
    let pooled = newTensor(cl, 1)
    ops.append(.init(name: "prediction.0", kind: .globalPool, input: x, output: pooled))
    let emb = newConv("prediction.1", "prediction.2", pooled, out: e, inC: cl, side: 1,
                      kernel: 1, gelu: true)
    blockOutputs.append(("prediction", emb))
    let n = config.classes
    var hw = tensor("head.weight", [n, e, 1, 1]).map(Double.init)
    var hb = tensor("head.bias", [n]).map(Double.init)
    if config.distillation {
      let dw = tensor("dist_head.weight", [n, e, 1, 1]), db = tensor("dist_head.bias", [n])
      for i in hw.indices { hw[i] = (hw[i] + Double(dw[i])) / 2 }
      for i in hb.indices { hb[i] = (hb[i] + Double(db[i])) / 2 }
    }
    let head = (hw.map(Float.init), hb.map(Float.init))
    checkFolded("head.weight", head.0)
    checkFolded("head.bias", head.1)
    let logits = conv("head", input: emb, out: n, side: 1, kernel: 1, stride: 1, gelu: false,
                      folded: head)
    blockOutputs.append(("logits", logits))
  }

  mutating func newConv(_ conv: String, _ bn: String, _ input: Int, out: Int, inC: Int, side: Int,
                        kernel: Int, gelu: Bool, residual: Int? = nil,
                        layerScale: String? = nil) -> Int {
    let folded = convBN(conv, bn, out: out, inPerGroup: inC, kernel: kernel, layerScale: layerScale)
    return self.conv(conv, input: input, out: out, side: side, kernel: kernel, stride: 1,
                     gelu: gelu, residual: residual, folded: folded)
  }

  /// One MGC block: x + ls1 * fc2(mrconv(fc1(cpe(x)))), then + ls2 * ffn(.).
  mutating func mgc(_ p: String, _ x: Int, c: Int, side: Int, hop: Int) -> Int {
    // CPE: x + dw7x7(x) (the identity folded into the centre tap), or the reparameterized conv.
    var cpe: (weight: [Float], bias: [Float])
    if weights.tensors["\(p).mixer.cpe.reparam_conv.weight"] != nil {
      cpe = convBN("\(p).mixer.cpe.reparam_conv", nil, out: c, inPerGroup: 1, kernel: 7)
    } else {
      cpe = convBN("\(p).mixer.cpe.pe", nil, out: c, inPerGroup: 1, kernel: 7)
      for ch in 0..<c { cpe.weight[ch * 49 + 24] += 1 }
    }
    let a = conv("\(p).mixer.cpe", input: x, out: c, side: side, kernel: 7, stride: 1,
                 depthwise: true, gelu: false, folded: cpe)
    let b = newConv("\(p).mixer.fc1.0", "\(p).mixer.fc1.1", a, out: c, inC: c, side: side,
                    kernel: 1, gelu: false)
    let g = convBN("\(p).mixer.graph_conv.nn.0", "\(p).mixer.graph_conv.nn.1", out: c,
                   inPerGroup: 2 * c, kernel: 1)
    let m = newTensor(c, side)
    var op = Fp32Network.Op(name: "\(p).mixer.graph_conv", kind: .mrconv, input: b, output: m)
    op.hop = hop
    op.gelu = true
    op.weight = g.weight
    op.bias = g.bias
    ops.append(op)
    let x1 = newConv("\(p).mixer.fc2.0", "\(p).mixer.fc2.1", m, out: c, inC: c, side: side,
                     kernel: 1, gelu: false, residual: x, layerScale: "\(p).layer_scale_1")
    let h = newConv("\(p).ffn.0", "\(p).ffn.1", x1, out: 4 * c, inC: c, side: side, kernel: 1,
                    gelu: true)
    return newConv("\(p).ffn.3", "\(p).ffn.4", h, out: c, inC: 4 * c, side: side, kernel: 1,
                   gelu: false, residual: x1, layerScale: "\(p).layer_scale_2")
  }
}

extension Fp32Network {
  /// The network of `config` with every weight zero: for planning and tests, without a
  /// checkpoint.
  public static func zeroWeights(config: NetworkConfig) throws(FoldError) -> Fp32Network {
    try Fp32Network(config: config, weights: StateDict(tensors: [:], keys: [], source: "zeros"),
                    zeroFill: true)
  }
}
