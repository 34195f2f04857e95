// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import VigilCore

/// Everything `vigil quantize` is asked to do.
public struct QuantizeRequest: Sendable {
  /// The `.pth` or `.safetensors` checkpoint.
  public var checkpoint: String
  /// Take the EMA weights (`state_dict_ema`).
  public var ema = false
  public var network: NetworkSource = .inferred
  /// Calibration images: folder, list file or dataset spec (``CalibrationImages``).
  public var calibration: String
  /// Evenly spaced images to take (nil: all, at most ``CalibrationImages/defaultLimit``).
  public var calibrationCount: Int?
  public var method: CalibrationMethod = .mse
  public var percentile = 99.99
  /// Class labels to store, one per line.
  public var labels: String?
  /// The `.vigil` file to write.
  public var output: String
  /// Replace a symbolic link at `output` (and at `reportJSON`) by the new file.
  public var replaceLink = false
  /// Run the inverted-residual and FFN blocks in bands (``BandPlan``); false keeps every
  /// tensor whole.
  public var fusion = true
  /// Measure a ``QuantizationReport`` after quantizing.
  public var report = false
  /// Measure the report on these images (same forms as `calibration`) instead of the
  /// calibration images; implies `report`.
  public var reportImages: String?
  /// Evenly spaced report images to take (nil: all, at most the default limit).
  public var reportImageCount: Int?
  /// Also write the report as JSON to this file (``QuantizationReport/jsonData()``); implies
  /// `report`.
  public var reportJSON: String?
  /// List every key of a checkpoint that does not fit the network.
  public var verbose = false

  public init(checkpoint: String, calibration: String, output: String) {
    self.checkpoint = checkpoint
    self.calibration = calibration
    self.output = output
  }

  /// Whether a report is measured.
  public var wantsReport: Bool { report || reportImages != nil || reportJSON != nil }
}

/// What a running ``QuantizePipeline`` tells its caller.
public enum QuantizeEvent: Sendable, Equatable {
  /// Something the user should know that does not stop the work.
  case warning(String)
  /// A fact about the run (how many images were taken).
  case note(String)
  /// An image of `stage`'s pass that could not be read, left out.
  case skipped(QuantizeStage, image: String, reason: String)
  /// `done` of `total` images through `stage`.
  case progress(QuantizeStage, done: Int, total: Int)
}

/// The passes over images a quantization makes.
public enum QuantizeStage: String, Sendable, Equatable, CaseIterable {
  /// Calibration pass 1: minima and maxima.
  case ranges = "calibrate: pass 1"
  /// Calibration pass 2: histograms (methods other than `minmax`).
  case histograms = "calibrate: pass 2"
  /// The per-layer report.
  case report = "report"
}

/// What ``QuantizePipeline/run(events:)`` made.
public struct QuantizeResult: Sendable {
  public var model: QuantizedModel
  public var plan: ArenaPlan
  /// The file's bytes as written.
  public var bytes: Int
  /// Calibration images used (read successfully).
  public var calibrationImages: Int
  /// Calibration images left out because they could not be read.
  public var skipped: Int
  public var report: QuantizationReport?
}

/// `vigil quantize` as a library call: checks every input and output, loads and folds the
/// checkpoint, calibrates, quantizes, writes the model and measures the report.
///
///     var request = QuantizeRequest(checkpoint: "ti.pth", calibration: "calib/", output: "ti.vigil")
///     request.network = .variant("ti")
///     let pipeline = try QuantizePipeline(request)      // cheap checks, before any work
///     let result = try pipeline.run { event in print(event) }
///
/// `init` does everything that can fail quickly: the network configuration, the calibration
/// and report sources (listed, not decoded), the labels file, and both outputs (their folders
/// exist and are writable; neither names an input). `run` does the work and writes the files.
public struct QuantizePipeline {
  public let request: QuantizeRequest
  public let images: CalibrationImages
  public let reportImages: CalibrationImages?
  /// The configuration when it does not depend on the checkpoint.
  let config: NetworkConfig?
  /// Every file read, so that no output can name one of them.
  let inputs: [(role: String, path: String)]

  public init(_ request: QuantizeRequest) throws {
    self.request = request
    guard request.percentile > 50, request.percentile <= 100 else {
      throw QuantizeError.invalidPercentile(request.percentile)
    }
    // The outputs' folders first: a typo in -o costs nothing.
    try OutputFile.check(request.output, inputs: [], replaceLink: request.replaceLink)
    if let json = request.reportJSON {
      try OutputFile.check(json, inputs: [], replaceLink: request.replaceLink)
    }
    guard InputFile.kind(request.checkpoint).exists else {
      throw QuantizePipelineError.missing(role: "checkpoint", path: request.checkpoint)
    }
    config = try request.network.configWithoutWeights()
    if let labels = request.labels {
      guard InputFile.kind(labels).exists else {
        throw QuantizePipelineError.missing(role: "labels file", path: labels)
      }
      try InputFile.requireRegular(labels)
    }
    images = try CalibrationImages(source: request.calibration, count: request.calibrationCount)
    reportImages = try request.reportImages.map {
      try CalibrationImages(source: $0, count: request.reportImageCount)
    }
    var inputs: [(role: String, path: String)] = [("checkpoint", request.checkpoint)]
    if case .config(let path) = request.network { inputs.append(("network configuration", path)) }
    if let labels = request.labels { inputs.append(("labels file", labels)) }
    inputs += images.files.map { ("calibration file", $0) }
    inputs += (reportImages?.files ?? []).map { ("report image", $0) }
    self.inputs = inputs
    try OutputFile.check(request.output, inputs: inputs, replaceLink: request.replaceLink)
    if let json = request.reportJSON {
      guard json != request.output else {
        throw QuantizeError.unsupported("the report JSON and the model are both \(json): give "
          + "--report-json another file")
      }
      try OutputFile.check(json, inputs: inputs, replaceLink: request.replaceLink)
    }
  }

  /// Loads, calibrates, quantizes and writes; reports through `events` as it goes.
  public func run(events: (QuantizeEvent) -> Void = { _ in }) throws -> QuantizeResult {
    try withoutActuallyEscaping(events) { try run(reporting: $0) }
  }

  private func run(reporting events: @escaping (QuantizeEvent) -> Void) throws -> QuantizeResult {
    let weights = try Checkpoint.load(path: request.checkpoint, ema: request.ema)
    let config = try self.config ?? request.network.resolve(weights: weights)
    if self.config == nil { events(.note("network inferred from the checkpoint: \(NetworkShapes(config)), K \(config.k), input \(config.inputSize)x\(config.inputSize)")) }
    for w in config.warnings { events(.warning(w)) }
    let fp32: Fp32Network
    do {
      fp32 = try Fp32Network(config: config, weights: weights)
    } catch var error {
      error.verbose = request.verbose
      throw error
    }
    let labels = try request.labels.map { try loadLabels(path: $0, classes: config.classes) }
    if images.limited {
      events(.note("calibrate: using \(images.count) evenly spaced of \(images.available) images "
        + "(--calib-count sets another number)"))
    }
    if let reportImages {
      let overlap = Set(reportImages.files).intersection(images.files).count
      if overlap > 0 {
        events(.warning("\(overlap) of the report's files are calibration files too: the "
          + "report flatters the model"))
      }
    }

    var quantizer = try Quantizer(network: fp32, method: request.method,
                                  percentile: request.percentile)
    let preprocessing = Preprocessing.imagenet(size: config.inputSize)
    var skipped = 0
    for i in 0..<images.count {
      do {
        try quantizer.observe(pixels: preprocessing.resizeAndCrop(images.image(i)))
      } catch {
        skipped += 1
        events(.skipped(.ranges, image: images.name(i), reason: "\(error)"))
      }
      events(.progress(.ranges, done: i + 1, total: images.count))
    }
    guard !quantizer.images.isEmpty else { throw QuantizePipelineError.noReadableImages(images.count) }
    var metadata = [
      "calibration.source": images.metadataName,
      "checkpoint": (request.checkpoint as NSString).lastPathComponent,
      "checkpoint.weights": request.ema ? "state_dict_ema" : "state_dict",
      "toolkit": "vigil quantize",
      VigilVersion.metadataKey: VigilVersion.string,
    ]
    if skipped > 0 { metadata["calibration.skipped"] = "\(skipped)" }
    let model = try quantizer.quantize(labels: labels, metadata: metadata, fusion: request.fusion) { done, total in
      if request.method.needsHistogram { events(.progress(.histograms, done: done, total: total)) }
    }
    let bytes = ModelFile.encode(model)
    try OutputFile.write(bytes, to: request.output, inputs: inputs, replaceLink: request.replaceLink)
    var result = QuantizeResult(model: model, plan: ArenaPlan(model: model), bytes: bytes.count,
                                calibrationImages: quantizer.images.count, skipped: skipped)
    guard request.wantsReport else { return result }

    let report: QuantizationReport
    if let reportImages {
      var crops: [RGBImage] = []
      for i in 0..<reportImages.count {
        do {
          crops.append(try preprocessing.resizeAndCrop(reportImages.image(i)))
        } catch {
          events(.skipped(.report, image: reportImages.name(i), reason: "\(error)"))
        }
      }
      guard !crops.isEmpty else { throw QuantizePipelineError.noReadableReportImages(reportImages.count) }
      report = try QuantizationReport(network: fp32, model: model, images: crops,
                                      imageSet: .heldOut) { done, total in
        events(.progress(.report, done: done, total: total))
      }
    } else {
      report = try quantizer.report(model) { done, total in
        events(.progress(.report, done: done, total: total))
      }
    }
    if let json = request.reportJSON {
      try OutputFile.write([UInt8](report.jsonData()), to: json, inputs: inputs,
                           replaceLink: request.replaceLink)
    }
    result.report = report
    return result
  }
}

/// Why the pipeline stopped after starting.
public enum QuantizePipelineError: Error, CustomStringConvertible, Equatable {
  case noReadableImages(Int)
  case noReadableReportImages(Int)
  /// An input file that does not exist.
  case missing(role: String, path: String)

  public var description: String {
    switch self {
    case .missing(let role, let path):
      return "no such file: \(path) (the \(role)); check the path"
    case .noReadableImages(let n):
      return "none of the \(n) calibration image(s) could be read (see the messages above); give "
        + "JPEG, PNG or PPM/PGM images"
    case .noReadableReportImages(let n):
      return "none of the \(n) report image(s) could be read (see the messages above); give "
        + "JPEG, PNG or PPM/PGM images"
    }
  }
}
