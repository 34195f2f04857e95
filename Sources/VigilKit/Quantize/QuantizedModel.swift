// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CKernels

/// An int8 network ready to be packed into a `.vigil` file: the Swift mirror of
/// `vgl_q8_plan` (CKernels/runtime/q8-plan.h) plus what the file carries around it.
///
/// The quantizer builds it; `ModelFile.encode` packs it; the C loader turns the file back into
/// a `vgl_q8_plan` whose arrays point into the file.
public struct QuantizedModel: Sendable, Equatable {
  /// One int8 tensor (HWC bytes at `offset` in the arena).
  public struct TensorInfo: Sendable, Equatable {
    public var channels: Int, height: Int, width: Int
    public var offset: UInt64
    public var scale: Float
    public var zeroPoint: Int32
    /// 0, or band-local: the band (rows or pixels) of the fused block whose intermediate this
    /// is (``BandPlan``; `vgl_q8_tensor.band`).
    public var band: Int
    public init(channels: Int, height: Int, width: Int, offset: UInt64, scale: Float,
                zeroPoint: Int32, band: Int = 0) {
      self.channels = channels; self.height = height; self.width = width
      self.offset = offset; self.scale = scale; self.zeroPoint = zeroPoint; self.band = band
    }
  }

  /// `vgl_q8_op_kind`, same raw values.
  public enum OpKind: UInt32, Sendable, Equatable {
    case stem = 1, conv = 2, dwconv = 3, mrconv = 4, gap = 5, head = 6
  }

  /// `vgl_qs8_requant_params` without its derived float fields.
  public struct Requant: Sendable, Equatable {
    public var zeroPoint: Int32
    public var qmin: Int32 = -128
    public var qmax: Int32 = 127
    public var residualZeroPoint: Int32 = 0
    public var residualScale: Float = 1
    public init(zeroPoint: Int32, qmin: Int32 = -128, qmax: Int32 = 127,
                residualZeroPoint: Int32 = 0, residualScale: Float = 1) {
      self.zeroPoint = zeroPoint; self.qmin = qmin; self.qmax = qmax
      self.residualZeroPoint = residualZeroPoint; self.residualScale = residualScale
    }
  }

  public struct Op: Sendable, Equatable {
    /// The reference module this op computes, e.g. `backbone.1.3.ffn.0` (for inspect).
    public var name: String
    public var kind: OpKind
    public var input: Int
    /// nil for the head (its output is the caller's logits).
    public var output: Int?
    public var residual: Int?
    public var kernel = 0, stride = 0, pad = 0, hop = 0, classes = 0
    /// The reference layout per kind (vigil_q8.h: `[out][ky][kx][in]`, `[k][k][C]`, `[C][2C]`,
    /// `[classes][E]`); empty for GAP. The writer packs it (``packed(inputChannels:)``).
    public var weight: [Int8] = []
    /// Per output channel; empty for GAP.
    public var bias: [Int32] = []
    /// Per output channel (one value for GAP).
    public var scale: [Float] = []
    /// 256 entries or nil.
    public var geluTable: [Int8]? = nil
    /// STEM only: per input channel pixel zero points.
    public var inputZeroPoints: [UInt8]? = nil
    /// Unused for HEAD.
    public var requant = Requant(zeroPoint: 0)
    public init(name: String, kind: OpKind, input: Int, output: Int?) {
      self.name = name; self.kind = kind; self.input = input; self.output = output
    }
  }

  /// How images become the network's uint8 input (the reference evaluation transform).
  public struct Preprocessing: Sendable, Equatable {
    public var inputSize: Int
    public var cropPct: Float = 0.9
    public var mean: [Float] = [0.485, 0.456, 0.406]
    public var std: [Float] = [0.229, 0.224, 0.225]
    public init(inputSize: Int) { self.inputSize = inputSize }
  }

  public var config: NetworkConfig
  public var preprocessing: Preprocessing
  public var labels: [String]?
  public var tensors: [TensorInfo]
  public var ops: [Op]
  public var inputTensor: Int
  public var scratchOffset: UInt64
  public var scratchBytes: UInt64
  public var arenaBytes: UInt64
  /// Free-form provenance: calibration method, image count, checkpoint, toolkit version.
  public var metadata: [String: String]

  public init(config: NetworkConfig, preprocessing: Preprocessing, labels: [String]?,
              tensors: [TensorInfo], ops: [Op], inputTensor: Int, scratchOffset: UInt64,
              scratchBytes: UInt64, arenaBytes: UInt64, metadata: [String: String]) {
    self.config = config; self.preprocessing = preprocessing; self.labels = labels
    self.tensors = tensors; self.ops = ops; self.inputTensor = inputTensor
    self.scratchOffset = scratchOffset; self.scratchBytes = scratchBytes
    self.arenaBytes = arenaBytes; self.metadata = metadata
  }
}
