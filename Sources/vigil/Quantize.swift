// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import ArgumentParser
import Foundation
import VigilCore
import VigilKit

struct Quantize: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Calibrate a checkpoint on images and write an int8 .vigil model.",
    discussion: """
      --calib names a folder of images (searched recursively, sorted), a text file with one \
      image path per line, or a dataset spec (fashion-mnist:DIR:train, folder:DIR; a \
      Fashion-MNIST spec must name its split). --calib-count takes that many evenly spaced \
      images. Without --variant and --config the network is inferred from the checkpoint's \
      tensor shapes. The same checkpoint, images and options always give the same file, byte \
      for byte. Progress goes to standard error: one line updated in place on a terminal, \
      plain lines otherwise, none with --quiet.
      """)

  @Option(help: ArgumentHelp("PyTorch (.pth) or .safetensors checkpoint.", valueName: "file"))
  var checkpoint: String

  @OptionGroup var network: NetworkOptions

  @Flag(help: "Use the EMA weights (state_dict_ema) of a training checkpoint.")
  var ema = false

  @Option(help: ArgumentHelp("Calibration images: folder, list file or dataset spec.", valueName: "source"))
  var calib: String

  @Option(help: "Use this many evenly spaced calibration images (1 ... 100000; default: all, at most 1000).")
  var calibCount: Int?

  @Option(help: "Calibration method. mse kept the most accuracy on every model measured (docs/calibration.md); entropy clips the tails of GELU outputs hard.")
  var method: CalibrationMethod = .mse

  @Option(help: "With --method percentile: the percentile kept at each tail, in (50, 100].")
  var percentile: Double = 99.99

  @Option(help: ArgumentHelp("Class labels to store in the model, one per line.", valueName: "file"))
  var labels: String?

  @Flag(help: "Print the layers with the worst fp32-vs-int8 signal-to-noise ratio and a summary (every layer with --verbose).")
  var report = false

  @Option(help: ArgumentHelp("Write the per-layer report (SQNR, scale, clipping of every layer) as JSON to this file.", valueName: "file"))
  var reportJson: String?

  @Option(help: ArgumentHelp("Measure the report on these held-out images (folder, list file or dataset spec) instead of the calibration images, which flatter it.", valueName: "source"))
  var reportImages: String?

  @Option(help: "With --report-images: use this many evenly spaced images (1 ... 100000; default: all, at most 1000).")
  var reportCount: Int?

  @Option(help: ArgumentHelp("Write the per-layer report as one self-contained HTML page (SQNR bars worst first, each layer's scale and clipping).", valueName: "file"))
  var reportHtml: String?

  @Flag(name: .shortAndLong, help: "Print no progress.")
  var quiet = false

  @Option(name: [.customShort("o"), .long], help: ArgumentHelp("The .vigil file to write (never one of the inputs; an existing file keeps its permissions).", valueName: "file"))
  var output: String

  @Flag(help: "When -o names a symbolic link, replace the link by the new file (without it, a link is refused).")
  var replaceLink = false

  @Flag(help: "Keep every tensor whole: no inverted-residual or FFN block runs in bands (a bigger arena; for comparisons).")
  var noFusion = false

  /// Layers the text report lists without --verbose.
  static let reportLayers = 10

  func validate() throws {
    if let calibCount { try OptionRange.check("--calib-count", calibCount, OptionRange.calibCount) }
    if let reportCount { try OptionRange.check("--report-count", reportCount, OptionRange.calibCount) }
    if reportCount != nil && reportImages == nil {
      throw ValidationError("--report-count goes with --report-images.")
    }
    if reportImages != nil && !report && reportJson == nil && reportHtml == nil {
      throw ValidationError("--report-images chooses the images of the report: give --report, --report-json or --report-html too.")
    }
    if let reportHtml, URL(fileURLWithPath: reportHtml).standardizedFileURL
      == URL(fileURLWithPath: output).standardizedFileURL {
      throw ValidationError("--report-html and -o both name \(reportHtml): give the page another file.")
    }
    if !(percentile > 50 && percentile <= 100) {
      throw ValidationError("--percentile must be in (50, 100], got \(percentile).")
    }
  }

  func run() throws {
    var request = QuantizeRequest(checkpoint: checkpoint, calibration: calib, output: output)
    request.ema = ema
    request.network = network.source
    request.calibrationCount = calibCount
    request.method = method
    request.percentile = percentile
    request.labels = labels
    request.replaceLink = replaceLink
    request.fusion = !noFusion
    request.report = report || reportHtml != nil
    request.reportImages = reportImages
    request.reportImageCount = reportCount
    request.reportJSON = reportJson
    request.verbose = network.verbose
    let pipeline = try QuantizePipeline(request)
    // The page's file, checked before any work against every file the command reads or writes.
    var pageInputs: [(role: String, path: String)] = [("checkpoint", checkpoint), ("model output", output)]
    if let labels { pageInputs.append(("labels file", labels)) }
    if let reportJson { pageInputs.append(("report JSON", reportJson)) }
    pageInputs += pipeline.images.files.map { ("calibration file", $0) }
    pageInputs += (pipeline.reportImages?.files ?? []).map { ("report image", $0) }
    if let reportHtml { try OutputFile.check(reportHtml, inputs: pageInputs, replaceLink: replaceLink) }
    var progress = ProgressOutput(quiet: quiet)
    let result = try pipeline.run { event in
      switch event {
      case .warning(let text): progress.line("warning: \(text)")
      case .note(let text): progress.line(text)
      case .skipped(let stage, let image, let reason):
        let what = stage == .report ? "report" : "calibrate"
        // Image errors usually start with the path already.
        progress.line("\(what): skipping " + (reason.hasPrefix(image) ? reason : "\(image): \(reason)"))
      case .progress(let stage, let done, let total): progress.update(stage.rawValue, done: done, total: total)
      }
    }
    print("wrote \(output): \(result.model.ops.count) ops, arena \(result.plan.arenaBytes) B "
      + "(largest live set \(result.plan.largestLiveBytes) B), method \(method), "
      + "\(result.calibrationImages) calibration images")
    if let json = reportJson { print("wrote \(json): the per-layer report") }
    if let reportHtml, let r = result.report {
      let page = QuantizationPage(r, model: result.model, name: (output as NSString).lastPathComponent)
      try OutputFile.write(Array(page.html().utf8), to: reportHtml, inputs: pageInputs, replaceLink: replaceLink)
      print("wrote \(reportHtml): the per-layer report page")
    }
    if report, let r = result.report {
      print(Self.text(r, layers: network.verbose ? r.layers.count : Self.reportLayers),
            terminator: "")
    }
  }

  /// The text report: a summary line, then the `layers` worst layers.
  static func text(_ r: QuantizationReport, layers: Int) -> String {
    let on = r.imageSet == .heldOut ? "held-out" : "calibration"
    var out = "per-layer SQNR on \(r.images) \(on) image(s): median \(decibels(r.medianSQNR)), "
      + "logits \(decibels(r.logits?.sqnr)), worst \(decibels(r.layers.first?.sqnr))"
    let clipped = r.layers.filter { $0.clipped > 0 }.count
    out += ", \(clipped) of \(r.layers.count) layer(s) clip\n"
    let shown = min(layers, r.layers.count)
    out += shown == r.layers.count
      ? "every layer, worst first:\n"
      : "the \(shown) worst of \(r.layers.count) layers (--verbose lists all; --report-json writes all):\n"
    out += "  SQNR dB  clipped  scale         op  kind    name\n"
    for l in r.layers.prefix(shown) {
      let scale = l.scale.map { String(format: "%.4g", Double($0)) } ?? "-"
      out += "  " + padLeft(decibels(l.sqnr, unit: false), 7)
        + "  " + padLeft(String(format: "%.3f%%", 100 * l.clippedFraction), 7)
        + "  " + padRight(scale, 11) + "  " + padLeft(String(l.op), 3) + "  "
        + padRight(l.kind, 6) + "  " + terminalSafe(l.name) + "\n"
    }
    return out
  }

  /// An SQNR in dB with two decimals; `inf` for an exact layer.
  static func decibels(_ x: Double?, unit: Bool = true) -> String {
    guard let x else { return unit ? "inf dB" : "inf" }
    return String(format: unit ? "%.2f dB" : "%.2f", x)
  }
}
