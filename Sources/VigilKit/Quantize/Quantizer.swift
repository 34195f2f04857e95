// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CKernels
import VigilCore

/// Calibrates a folded fp32 network on images and quantizes it to the int8 contract
/// (CKernels/include/vigil_q8.h): a ``QuantizedModel`` ready to pack or to run with
/// ``Int8Engine``.
///
///     var quantizer = try Quantizer(network: network, method: .entropy)
///     let pre = Preprocessing.imagenet(size: network.config.inputSize)
///     for path in images { try quantizer.observe(pixels: pre.resizeAndCrop(ImageDecoder.decode(path: path))) }
///     let model = try quantizer.quantize(labels: labels, metadata: ["checkpoint": "ti.pth"])
///
/// Calibration watches every tensor the int8 plan stores (each op's output) and, for ops that
/// end in GELU, the pre-activation too (through ``Fp32Network/splittingActivations()``): the
/// int8 op requantizes its accumulator to the pre-activation's scale and a 256-entry table maps
/// that code to the output's. `observe` runs pass 1 (exact minimum and maximum) on each image
/// and keeps the crop; `quantize` runs pass 2 (histograms) over the kept crops when the method
/// needs one (see ``TensorObserver``). Everything is sequential over images and ops and reads no
/// dictionary order, so the same images in the same order with the same options give an
/// equal model.
public struct Quantizer {
  public let network: Fp32Network
  public let method: CalibrationMethod
  /// `.percentile` only: the percentile kept at each tail, in (50, 100].
  public let percentile: Double
  /// Histogram bins per tensor (methods other than `minmax`).
  public var bins = Histogram.defaultBins
  /// The calibration crops observed so far (`S x S`), in order.
  public internal(set) var images: [RGBImage] = []

  /// `network` with GELU split into separate ops: what calibration runs.
  let split: Fp32Network
  /// For each tensor of `network`: the tensor of `split` that holds its producing op's
  /// pre-activation values when that op ends in GELU, else nil.
  let preActivationTensor: [Int?]
  let engine: Fp32Engine
  let preprocessing: Preprocessing
  /// Pass-1 state, by tensor of `split` (whose first ids are `network`'s).
  var observers: [TensorObserver]

  public init(network: Fp32Network, method: CalibrationMethod, percentile: Double = 99.99) throws {
    guard percentile > 50, percentile <= 100 else { throw QuantizeError.invalidPercentile(percentile) }
    self.network = network
    self.method = method
    self.percentile = percentile
    let (split, pre) = network.splittingActivations()
    self.split = split
    var preTensor = [Int?](repeating: nil, count: network.tensors.count)
    for first in pre.keys.sorted() {
      preTensor[split.ops[pre[first]!].output] = split.ops[first].output
    }
    preActivationTensor = preTensor
    engine = try Fp32Engine(split)
    preprocessing = Preprocessing.imagenet(size: network.config.inputSize)
    observers = [TensorObserver](repeating: TensorObserver(), count: split.tensors.count)
  }

  /// Calibrates (``calibrate(progress:)``) and builds the int8 model. `metadata` is copied
  /// into the model with the calibration facts added (`calibration.method`,
  /// `calibration.images`, and `calibration.percentile` or `calibration.bins` when they apply).
  /// `fusion: false` keeps every tensor whole (no ``BandPlan``).
  public func quantize(labels: [String]?, metadata: [String: String] = [:], fusion: Bool = true,
                       progress: ((Int, Int) -> Void)? = nil) throws -> QuantizedModel {
    let calibration = try calibrate(progress: progress)
    var meta = metadata
    meta["calibration.method"] = method.rawValue
    meta["calibration.images"] = String(images.count)
    if method == .percentile { meta["calibration.percentile"] = String(percentile) }
    if method.needsHistogram { meta["calibration.bins"] = String(bins) }
    return try Quantizer.makeModel(network: network, calibration: calibration, labels: labels,
                                   metadata: meta, fusion: fusion)
  }

  /// The name of the op producing each tensor of `network` ("input" for the input).
  static func producerNames(_ network: Fp32Network) -> [String] {
    var names = [String](repeating: "input", count: network.tensors.count)
    for op in network.ops { names[op.output] = op.name }
    return names
  }
}

/// Why a network could not be calibrated or quantized.
public enum QuantizeError: Error, CustomStringConvertible, Equatable {
  case noCalibrationImages
  case imageSize(expected: Int, width: Int, height: Int)
  case invalidPercentile(Double)
  case nonFiniteActivation(tensor: String, min: Float, max: Float)
  /// The network has an op the int8 plan cannot express.
  case unsupported(String)
  /// A derived number left the range the int8 contract allows.
  case outOfRange(String)

  public var description: String {
    switch self {
    case .noCalibrationImages:
      return "no calibration images: observe at least one image before quantizing"
    case .imageSize(let s, let w, let h):
      return "calibration image is \(w)x\(h), the network takes \(s)x\(s): pass the output of "
        + "Preprocessing.resizeAndCrop"
    case .invalidPercentile(let p):
      return "percentile \(p) is not in (50, 100]"
    case .nonFiniteActivation(let t, let lo, let hi):
      return "the output of \(t) is not finite on the calibration images (range \(lo) ... \(hi)): "
        + "check the checkpoint's weights"
    case .unsupported(let m): return "cannot quantize: \(m)"
    case .outOfRange(let m): return "cannot quantize: \(m)"
    }
  }
}

// MARK: - Building the model

extension Quantizer {
  /// Quantizes `network` with the ranges in `calibration`, following docs/int8.md:
  ///
  /// - Tensors: each stored tensor gets the asymmetric parameters of its range; the input is
  ///   uint8 pixels (recorded with scale 1/255, zero point 0, which the runtime ignores).
  /// - Weights: per output channel symmetric int8, `s_w = max|w| / 127`, `q = round(w / s_w)`
  ///   (half away from zero) in [-127, 127]; biases `round(b / (s_in * s_w))` in int32. A
  ///   channel whose bias would not fit next to the largest possible reduction
  ///   (`terms * 255 * 127 + |bias| <= INT32_MAX`, checked by the loader) gets a wider `s_w`
  ///   until it fits; an all-zero channel gets a step that puts its bias near 2^22 codes
  ///   (or 1 without bias).
  /// - STEM: ImageNet's `(p / 255 - mean_c) / std_c` is folded in
  ///   (``Folding/foldStemNormalization(weight:bias:rows:inputChannels:taps:mean:std:)``).
  /// - Requantization: `scale[o] = s_in * s_w[o] / s_target` where the target is the output
  ///   tensor, or for GELU ops the pre-activation, whose table
  ///   (`vgl_qs8_gelu_table_init`, the runtime's own code) maps to the output tensor. Residual
  ///   ops add the residual at `s_r / s_out`. GAP: `s_in / (H * W * s_out)`. HEAD:
  ///   `s_in * s_w[o]`, float logits.
  /// - Layouts: conv and stem `[out][k][k][in]`, depthwise `[k][k][C]`, graph op `[C][2C]`,
  ///   head `[classes][E]`.
  /// - Arena: ``ArenaPlan``; with `fusion`, the inverted-residual and FFN blocks run in bands
  ///   (``BandPlan``) and their intermediates take no arena region.
  public static func makeModel(network: Fp32Network, calibration: CalibrationResult,
                               labels: [String]?, metadata: [String: String],
                               fusion: Bool = true) throws
    -> QuantizedModel
  {
    let tensorCount = network.tensors.count - 1
    guard network.outputTensor == tensorCount, network.inputTensor != network.outputTensor else {
      throw QuantizeError.unsupported("the logits must be the network's last tensor")
    }
    guard calibration.ranges.count == network.tensors.count,
          calibration.preActivationRanges.count == network.tensors.count else {
      throw QuantizeError.unsupported("calibration is for a network with "
        + "\(calibration.ranges.count) tensors, this one has \(network.tensors.count)")
    }
    let preprocessing = QuantizedModel.Preprocessing(inputSize: network.config.inputSize)
    var params = [QuantParams](repeating: QuantParams(scale: 1 / 255, zeroPoint: 0),
                               count: tensorCount)
    for t in 0..<tensorCount where t != network.inputTensor {
      guard let range = calibration.ranges[t] else {
        throw QuantizeError.unsupported("no calibration range for tensor \(t)")
      }
      params[t] = range.params
    }

    var ops: [QuantizedModel.Op] = []
    for (index, op) in network.ops.enumerated() {
      ops.append(try quantizeOp(op, index: index, network: network, params: params,
                                preActivation: calibration.preActivationRanges[op.output],
                                preprocessing: preprocessing))
    }

    let bands = fusion
      ? BandPlan(ops: ops, shapes: (0..<tensorCount).map {
          (network.tensors[$0].channels, network.tensors[$0].height, network.tensors[$0].width) })
      : BandPlan(tensorCount: tensorCount)
    let arena = ArenaPlan(
      tensorBytes: (0..<tensorCount).map { network.tensors[$0].count },
      ops: ops.map { ArenaPlan.Access(reads: [$0.input] + ($0.residual.map { [$0] } ?? []),
                                      write: $0.output) },
      input: network.inputTensor,
      scratchBytes: ops.filter { $0.kind == .mrconv }.map { network.tensors[$0.input].channels }
        .max() ?? 0, bands: bands)
    let tensors = (0..<tensorCount).map { t in
      let s = network.tensors[t]
      return QuantizedModel.TensorInfo(channels: s.channels, height: s.height, width: s.width,
                                       offset: arena.offsets[t], scale: params[t].scale,
                                       zeroPoint: params[t].zeroPoint, band: bands.bands[t])
    }
    return QuantizedModel(config: network.config, preprocessing: preprocessing, labels: labels,
                          tensors: tensors, ops: ops, inputTensor: network.inputTensor,
                          scratchOffset: arena.scratchOffset, scratchBytes: arena.scratchBytes,
                          arenaBytes: arena.arenaBytes, metadata: metadata)
  }

  private static func quantizeOp(_ op: Fp32Network.Op, index: Int, network: Fp32Network,
                                 params: [QuantParams], preActivation: TensorRange?,
                                 preprocessing: QuantizedModel.Preprocessing) throws
    -> QuantizedModel.Op
  {
    let isStem = op.input == network.inputTensor
    let isHead = op.output == network.outputTensor
    let inShape = network.tensors[op.input], outShape = network.tensors[op.output]
    let kind: QuantizedModel.OpKind
    switch op.kind {
    case .conv where isStem: kind = .stem
    case .conv where isHead:
      guard op.kernel == 1, op.groups == 1, inShape.height == 1, inShape.width == 1 else {
        throw QuantizeError.unsupported("\(op.name): the head must be a 1x1 conv on a pooled vector")
      }
      kind = .head
    case .conv where op.groups == 1: kind = .conv
    case .conv where op.groups == inShape.channels && op.groups == outShape.channels: kind = .dwconv
    case .conv: throw QuantizeError.unsupported("\(op.name): grouped conv with \(op.groups) groups")
    case .mrconv: kind = .mrconv
    case .globalPool: kind = .gap
    case .activation: throw QuantizeError.unsupported("\(op.name): a separate activation op")
    }
    if isHead && kind != .head || isStem && kind != .stem {
      throw QuantizeError.unsupported("\(op.name): the first op must be a conv on the pixels "
        + "and the last a 1x1 conv to the logits")
    }
    if op.gelu && (op.residual != nil || kind == .head || kind == .gap) {
      throw QuantizeError.unsupported("\(op.name): GELU together with a residual, pool or head")
    }

    var q = QuantizedModel.Op(name: op.name, kind: kind, input: op.input,
                              output: isHead ? nil : op.output)
    q.residual = op.residual
    let sIn = isStem ? 1.0 / 255 : Double(params[op.input].scale)

    if kind == .gap {
      let out = params[op.output]
      let scale = sIn / Double(inShape.height * inShape.width) / Double(out.scale)
      q.scale = [try checkedScale(scale, op.name)]
      q.requant = QuantizedModel.Requant(zeroPoint: out.zeroPoint)
      return q
    }

    // Weights in the fp32 layout, as Double; the stem gets the normalization folded in.
    let rows = outShape.channels
    let perRow = op.weight.count / rows
    var weight = op.weight.map(Double.init)
    var bias = op.bias.map(Double.init)
    if kind == .stem {
      let inC = inShape.channels, taps = op.kernel * op.kernel
      guard inC == preprocessing.mean.count else {
        throw QuantizeError.unsupported("\(op.name): the stem reads \(inC) channels, "
          + "preprocessing has \(preprocessing.mean.count)")
      }
      q.inputZeroPoints = Folding.foldStemNormalization(
        weight: &weight, bias: &bias, rows: rows, inputChannels: inC, taps: taps,
        mean: preprocessing.mean, std: preprocessing.std)
    }
    let terms = kind == .dwconv ? op.kernel * op.kernel : perRow
    let (codes, weightScales, biasCodes) = try quantizeChannels(
      weight: weight, bias: bias, rows: rows, inputScale: sIn, terms: terms, name: op.name)
    q.weight = relayout(codes, kind: kind, rows: rows, perRow: perRow, kernel: op.kernel)
    q.bias = biasCodes

    switch kind {
    case .stem, .conv, .dwconv:
      q.kernel = op.kernel; q.stride = op.stride; q.pad = op.pad
    case .mrconv:
      q.hop = op.hop
    case .head:
      q.classes = rows
      q.scale = try weightScales.map { try checkedScale(sIn * $0, op.name) }
      return q
    case .gap:
      break
    }

    let out = params[op.output]
    var target = out
    if op.gelu {
      guard let preActivation else {
        throw QuantizeError.unsupported("\(op.name): no calibration range for its pre-activation")
      }
      target = preActivation.params
      var table = [Int8](repeating: 0, count: 256)
      let status = vgl_qs8_gelu_table_init(target.scale, target.zeroPoint, out.scale,
                                           out.zeroPoint, &table)
      guard status == VGL_OK else {
        throw QuantizeError.outOfRange("\(op.name): GELU table for scales \(target.scale) -> "
          + "\(out.scale) rejected by the runtime")
      }
      q.geluTable = table
    }
    q.scale = try weightScales.map { try checkedScale(sIn * $0 / Double(target.scale), op.name) }
    q.requant = QuantizedModel.Requant(zeroPoint: target.zeroPoint)
    if let r = op.residual {
      let residualScale = Float(Double(params[r].scale) / Double(out.scale))
      guard residualScale > 0, residualScale <= VGL_QS8_MAX_RESIDUAL_SCALE else {
        throw QuantizeError.outOfRange("\(op.name): residual scale \(params[r].scale) is "
          + "\(residualScale) times the output's, the runtime allows (0, \(VGL_QS8_MAX_RESIDUAL_SCALE)]")
      }
      q.requant.residualZeroPoint = params[r].zeroPoint
      q.requant.residualScale = residualScale
    }
    return q
  }

  private static func checkedScale(_ value: Double, _ name: String) throws -> Float {
    let f = Float(value)
    guard f.isFinite, f > 0 else {
      throw QuantizeError.outOfRange("\(name): requantization scale \(value) is not a positive "
        + "finite float")
    }
    return f
  }
}
