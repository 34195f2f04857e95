// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// A MobileViGv2 network folded into plain convolutions, ready for the C fp32 runtime (the
/// folds are in Folding/, see ``Folding``).
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
      var error = FoldError(source: weights.source, variant: config.name,
                            problems: builder.problems, unexpected: builder.unusedKeys,
                            invalid: builder.invalid)
      error.shapes = try? NetworkShapes(weights: weights)
      throw error
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

  /// What the checkpoint's tensors say its network is, when they say (for the hint).
  public var shapes: NetworkShapes?
  /// Whether ``description`` lists every key (else the first ``summaryLines`` and a count).
  public var verbose = false
  /// Lines of keys a short description shows.
  public static let summaryLines = 5

  public var description: String {
    let shown = verbose ? Int.max : Self.summaryLines
    func list(_ lines: [String], into out: inout [String]) {
      for l in lines.prefix(shown) { out.append("  \(l)") }
      if lines.count > shown {
        out.append("  ... and \(lines.count - shown) more (--verbose lists them all)")
      }
    }
    if problems.isEmpty && unexpected.isEmpty {
      var lines = ["checkpoint \(source) holds \(invalid.count) weight(s) the network cannot use:"]
      list(invalid, into: &lines)
      lines.append("The weights are damaged or the training diverged; use an earlier or the EMA checkpoint.")
      return lines.joined(separator: "\n")
    }
    var lines = ["checkpoint \(source) does not match network '\(variant)': "
      + "\(problems.count) missing or mis-shaped, \(unexpected.count) unexpected key(s)"]
    // Shape mismatches first: they say most about which network the checkpoint is for.
    let ordered = problems.filter { !$0.hasPrefix("missing") } + problems.filter { $0.hasPrefix("missing") }
    list(ordered + unexpected.map { "unexpected key \($0)" } + invalid, into: &lines)
    if let shapes {
      let (name, differences) = shapes.closestVariant
      lines.append("The checkpoint's tensors give \(shapes).")
      lines.append(differences.isEmpty
        ? "That is variant \(name): give --variant \(name)."
        : "The closest published variant is \(name), which has "
          + differences.joined(separator: ", ") + ".")
    }
    lines.append("Check --variant / --config (channels, blocks, embedding, classes, "
      + "distillation) against the checkpoint, or give neither to infer the network from it.")
    return lines.joined(separator: "\n")
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
