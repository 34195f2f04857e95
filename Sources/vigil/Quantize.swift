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
      image path per line, or a dataset spec (fashion-mnist:DIR[:train], folder:DIR). \
      --calib-count takes that many evenly spaced images. The same checkpoint, images and \
      options always give the same file, byte for byte.
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

  @Option(help: "Calibration method: minmax, percentile, entropy or mse. mse kept the most accuracy on every model measured (docs/calibration.md); entropy clips the tails of GELU outputs hard.")
  var method: String = "mse"

  @Option(help: "With --method percentile: the percentile kept at each tail, in (50, 100].")
  var percentile: Double = 99.99

  @Option(help: ArgumentHelp("Class labels to store in the model, one per line.", valueName: "file"))
  var labels: String?

  @Flag(help: "Print each layer's fp32-vs-int8 signal-to-noise ratio on the calibration images, worst first.")
  var report = false

  @Option(name: [.customShort("o"), .long], help: ArgumentHelp("The .vigil file to write (never one of the inputs; an existing file keeps its permissions).", valueName: "file"))
  var output: String

  @Flag(help: "When -o names a symbolic link, replace the link by the new file (without it, a link is refused).")
  var replaceLink = false

  @Flag(help: "Keep every tensor whole: no inverted-residual or FFN block runs in bands (a bigger arena; for comparisons).")
  var noFusion = false

  func validate() throws {
    try network.requireNetwork()
    if CalibrationMethod(rawValue: method) == nil {
      throw ValidationError("Unknown --method '\(method)': use minmax, percentile, entropy or mse.")
    }
    if let calibCount { try OptionRange.check("--calib-count", calibCount, OptionRange.calibCount) }
    if !(percentile > 50 && percentile <= 100) {
      throw ValidationError("--percentile must be in (50, 100], got \(percentile).")
    }
  }

  func run() throws {
    let config = try network.resolve()
    let images = try CalibrationImages(source: calib, count: calibCount)
    // Every file read, so that -o can never name one of them (checked now and before writing).
    var inputs: [(role: String, path: String)] = [("checkpoint", checkpoint)]
    if let c = network.config { inputs.append(("network configuration", c)) }
    if let labels { inputs.append(("labels file", labels)) }
    inputs += images.files.map { ("calibration file", $0) }
    try OutputFile.check(output, inputs: inputs, replaceLink: replaceLink)
    let weights = try Checkpoint.load(path: checkpoint, ema: ema)
    let fp32 = try Fp32Network(config: config, weights: weights)
    let labelList = try labels.map { try loadLabels(path: $0, classes: config.classes) }
    if images.limited {
      printError("calibrate: using \(images.count) evenly spaced of \(images.available) images "
        + "(--calib-count sets another number)")
    }
    var quantizer = try Quantizer(network: fp32, method: CalibrationMethod(rawValue: method)!,
                                  percentile: percentile)
    let preprocessing = Preprocessing.imagenet(size: config.inputSize)
    var skipped = 0
    for i in 0..<images.count {
      do {
        try quantizer.observe(pixels: preprocessing.resizeAndCrop(images.image(i)))
      } catch {
        skipped += 1
        printError("calibrate: skipping \(images.name(i)): \(error)")
      }
      if (i + 1) % 16 == 0 || i + 1 == images.count {
        printError("calibrate: pass 1, \(i + 1)/\(images.count) images")
      }
    }
    guard quantizer.images.count > 0 else {
      printError("error: none of the \(images.count) calibration image(s) could be read (see the "
        + "messages above); give JPEG, PNG or PPM/PGM images")
      throw ExitCode(1)
    }
    var metadata = [
      "calibration.source": describeSource(calib),
      "checkpoint": (checkpoint as NSString).lastPathComponent,
      "checkpoint.weights": ema ? "state_dict_ema" : "state_dict",
      "toolkit": "vigil quantize",
    ]
    if skipped > 0 { metadata["calibration.skipped"] = "\(skipped)" }
    let model = try quantizer.quantize(labels: labelList, metadata: metadata, fusion: !noFusion) { done, total in
      if done % 16 == 0 || done == total { printError("calibrate: pass 2, \(done)/\(total) images") }
    }
    try OutputFile.write(ModelFile.encode(model), to: output, inputs: inputs, replaceLink: replaceLink)
    let plan = ArenaPlan(model: model)
    print("wrote \(output): \(model.ops.count) ops, arena \(plan.arenaBytes) B (largest live set "
      + "\(plan.largestLiveBytes) B), method \(method), \(quantizer.images.count) calibration images")
    if report {
      let layers = try quantizer.report(model) { done, total in
        printError("report: \(done)/\(total) images")
      }
      print("per-layer SQNR (dB), worst first:")
      for layer in layers {
        let db = layer.sqnr.isFinite ? formatFixed(layer.sqnr, 2) : (layer.sqnr > 0 ? "inf" : "-inf")
        print("  \(db.padding(toLength: 8, withPad: " ", startingAt: 0)) op \(layer.op) \(layer.name)")
      }
    }
  }
}

/// The calibration source for the model's metadata: the kind, the folder's or file's name and a
/// dataset's split, without the machine's directories.
func describeSource(_ source: String) -> String {
  for kind in ["fashion-mnist:", "folder:"] where source.hasPrefix(kind) {
    var rest = String(source.dropFirst(kind.count)), split = ""
    for s in [":train", ":test"] where rest.hasSuffix(s) {
      rest = String(rest.dropLast(s.count))
      split = s
    }
    return kind + (rest as NSString).lastPathComponent + split
  }
  return (source as NSString).lastPathComponent
}

/// `x` with `digits` decimals, without Foundation's formatter.
func formatFixed(_ x: Double, _ digits: Int) -> String {
  var scale = 1.0
  for _ in 0..<digits { scale *= 10 }
  let v = (abs(x) * scale).rounded()
  let whole = Int(v / scale), frac = Int(v.truncatingRemainder(dividingBy: scale))
  let f = String(frac)
  return (x < 0 ? "-" : "") + "\(whole)." + String(repeating: "0", count: digits - f.count) + f
}
