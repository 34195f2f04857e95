// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

let bnEpsilon = 1e-5

/// Builds the op list while reading the state dict, collecting every problem.
struct Builder {
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
