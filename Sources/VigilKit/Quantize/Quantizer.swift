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
  public private(set) var images: [RGBImage] = []

  /// `network` with GELU split into separate ops: what calibration runs.
  let split: Fp32Network
  /// For each tensor of `network`: the tensor of `split` that holds its producing op's
  /// pre-activation values when that op ends in GELU, else nil.
  let preActivationTensor: [Int?]
  private let engine: Fp32Engine
  private let preprocessing: Preprocessing
  /// Pass-1 state, by tensor of `split` (whose first ids are `network`'s).
  private var observers: [TensorObserver]

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

  /// Pass 1 on one calibration image: `pixels` is the ``Preprocessing/resizeAndCrop(_:)``
  /// output (`S x S`, S the network's input size). Keeps the crop for pass 2 and reports.
  public mutating func observe(pixels: RGBImage) throws {
    let size = network.config.inputSize
    guard pixels.width == size, pixels.height == size else {
      throw QuantizeError.imageSize(expected: size, width: pixels.width, height: pixels.height)
    }
    var local = observers
    let ops = split.ops
    _ = try engine.run(preprocessing.normalize(pixels)) { op, values in
      local[ops[op].output].observeRange(values)
    }
    observers = local
    images.append(pixels)
  }

  /// The ranges chosen for every quantization point (runs pass 2 when the method needs
  /// histograms; `progress(done, total)` after each image).
  public func calibrate(progress: ((Int, Int) -> Void)? = nil) throws -> CalibrationResult {
    guard !images.isEmpty else { throw QuantizeError.noCalibrationImages }
    guard bins >= 256 else {
      throw QuantizeError.outOfRange("\(bins) histogram bins: at least 256 (one per int8 code)")
    }
    var local = observers
    let names = Quantizer.producerNames(split)
    // Refuse non-finite activations before pass 2: a histogram over an infinite range has no
    // meaningful bins.
    for t in local.indices where t != split.inputTensor && local[t].count > 0 && !local[t].isFinite {
      throw QuantizeError.nonFiniteActivation(tensor: names[t], min: local[t].min, max: local[t].max)
    }
    if method.needsHistogram {
      for i in local.indices where i != split.inputTensor { local[i].beginHistogram(bins: bins) }
      let ops = split.ops
      for (done, image) in images.enumerated() {
        _ = try engine.run(preprocessing.normalize(image)) { op, values in
          local[ops[op].output].observeHistogram(values)
        }
        progress?(done + 1, images.count)
      }
    } else {
      progress?(images.count, images.count)
    }
    func range(_ t: Int) throws -> TensorRange {
      guard local[t].isFinite else {
        throw QuantizeError.nonFiniteActivation(tensor: names[t], min: local[t].min,
                                                max: local[t].max)
      }
      return local[t].range(method, percentile: percentile)
    }
    var ranges = [TensorRange?](repeating: nil, count: network.tensors.count)
    var preRanges = [TensorRange?](repeating: nil, count: network.tensors.count)
    for t in 0..<network.tensors.count where t != network.inputTensor && t != network.outputTensor {
      ranges[t] = try range(t)
      if let p = preActivationTensor[t] { preRanges[t] = try range(p) }
    }
    return CalibrationResult(method: method, percentile: percentile, imageCount: images.count,
                             ranges: ranges, preActivationRanges: preRanges)
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

/// The ranges calibration chose, by tensor of the fused ``Fp32Network``.
public struct CalibrationResult: Sendable, Equatable {
  public var method: CalibrationMethod
  public var percentile: Double
  public var imageCount: Int
  /// The range of each stored tensor; nil for the network's input (uint8 pixels) and its
  /// logits (float).
  public var ranges: [TensorRange?]
  /// For each tensor produced by an op that ends in GELU: the range of that op's
  /// pre-activation values (the GELU table's input); nil otherwise.
  public var preActivationRanges: [TensorRange?]

  public init(method: CalibrationMethod, percentile: Double, imageCount: Int,
              ranges: [TensorRange?], preActivationRanges: [TensorRange?]) {
    self.method = method; self.percentile = percentile; self.imageCount = imageCount
    self.ranges = ranges; self.preActivationRanges = preActivationRanges
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
  /// - STEM: ImageNet's `(p / 255 - mean_c) / std_c` is folded in. With the pixel zero point
  ///   `pz_c = round(255 mean_c)`, `p / 255 - mean_c = (p - pz_c) / 255 + (pz_c - 255 mean_c) / 255`:
  ///   the weights become `w / std_c` at input scale 1/255 on the codes `p - pz_c`, and the
  ///   constant second term goes into the bias. Padded pixels count as `pz_c` (code 0), like the
  ///   reference's zero padding after normalization, except that the reference's padding also
  ///   lacks the constant term: a difference of at most 0.5 / (255 std_c) per padded tap.
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
      let zeroPoints = preprocessing.mean.map { (255 * Double($0)).rounded() }
      q.inputZeroPoints = zeroPoints.map { UInt8($0) }
      for o in 0..<rows {
        for c in 0..<inC {
          let std = Double(preprocessing.std[c])
          let shift = (zeroPoints[c] - 255 * Double(preprocessing.mean[c])) / (255 * std)
          for k in 0..<taps {
            let at = (o * inC + c) * taps + k
            bias[o] += weight[at] * shift
            weight[at] /= std
          }
        }
      }
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

// MARK: - The arena

/// Where every int8 tensor lives in the one arena, computed offline.
///
/// Tensor sizes are HWC bytes (C x H x W); placement is ``MemoryPlan`` (liveness, first fit)
/// with 64-byte alignment (`VGL_Q8_ALIGNMENT`). The uint8 input region is live until the stem
/// has read it; the tensor the head reads is live to the end; an op's output never shares
/// bytes with its input or residual (it is placed while they are live). The graph op's scratch
/// (`scratchBytes`, the largest graph op's C) and thread 0's band buffers of fused blocks
/// (``BandPlan``) share one region after the tensors, since the runtime requires it to overlap
/// no tensor at all. A fused block's intermediates get no region (offset 0); its input stays
/// live to its last op, whose bands still read it.
public struct ArenaPlan: Sendable, Equatable {
  /// The tensors one op reads and the one it writes (nil for the head).
  public struct Access: Sendable, Equatable {
    public var reads: [Int]
    public var write: Int?
    public init(reads: [Int], write: Int?) { self.reads = reads; self.write = write }
  }

  public var offsets: [UInt64]
  public var scratchOffset: UInt64
  public var scratchBytes: UInt64
  public var arenaBytes: UInt64
  /// The largest sum of tensor bytes live at once (scratch not included): no placement of
  /// these tensors fits in less.
  public var largestLiveBytes: UInt64

  public static let alignment = Int(VGL_Q8_ALIGNMENT)

  public init(tensorBytes: [Int], ops: [Access], input: Int, scratchBytes: Int,
              bands: BandPlan? = nil) {
    var tensorBytes = tensorBytes, ops = ops, scratchBytes = scratchBytes
    if let bands {
      for (t, band) in bands.bands.enumerated() where band != 0 { tensorBytes[t] = 0 }
      for b in bands.blocks { ops[b.first + b.length - 1].reads += ops[b.first].reads }
      scratchBytes = max(scratchBytes, bands.scratchBytes)
    }
    // Ops with an output tensor, in order; the head's input stays live to the end.
    let producing = ops.filter { $0.write != nil }
    let lastRead = ops.last { $0.write == nil }?.reads.first ?? producing.last?.write ?? input
    let memory = MemoryPlan(sizes: tensorBytes, reads: producing.map(\.reads),
                            writes: producing.map { $0.write! }, input: input, output: lastRead,
                            alignment: Self.alignment)
    let a = UInt64(Self.alignment)
    offsets = memory.offsets.map(UInt64.init)
    let tensorsEnd = UInt64(memory.size)
    if scratchBytes > 0 {
      scratchOffset = (tensorsEnd + a - 1) / a * a
      self.scratchBytes = UInt64(scratchBytes)
      arenaBytes = scratchOffset + UInt64(scratchBytes)
    } else {
      scratchOffset = 0
      self.scratchBytes = 0
      arenaBytes = tensorsEnd
    }
    largestLiveBytes = UInt64(memory.lowerBound)
  }

  /// The plan a quantized model's ops and tensor shapes give (what ``Quantizer`` stored).
  public init(model: QuantizedModel) {
    self.init(tensorBytes: model.tensors.map { $0.channels * $0.height * $0.width },
              ops: model.ops.map { Access(reads: [$0.input] + ($0.residual.map { [$0] } ?? []),
                                          write: $0.output) },
              input: model.inputTensor,
              scratchBytes: model.ops.filter { $0.kind == .mrconv }
                .map { model.tensors[$0.input].channels }.max() ?? 0,
              bands: model.tensors.contains { $0.band != 0 }
                ? BandPlan(ops: model.ops,
                           shapes: model.tensors.map { ($0.channels, $0.height, $0.width) })
                : nil)
  }
}
