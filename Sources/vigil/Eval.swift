// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import ArgumentParser
import Foundation
import VigilKit

struct Eval: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Measure accuracy, per-class precision, recall and F1, and the confusion matrix on a labelled dataset.",
    discussion: """
      SPEC is fashion-mnist:DIR[:train|:test] (the IDX files, gzipped or not; test split by \
      default) or folder:DIR (one subfolder per class, named after the model's labels, "_" \
      for "/"; images inside). Class indices are the model's label order. With --compare \
      OTHER (a .vigil model or a checkpoint), both models run on the same images and the \
      report gives their agreement and every image where their top-1 classes differ. \
      Progress goes to standard error.
      """)

  @Argument(help: ArgumentHelp("An int8 model (.vigil); or give --checkpoint.", valueName: "model"))
  var model: String?

  @Option(help: ArgumentHelp("PyTorch (.pth) or .safetensors checkpoint (fp32).", valueName: "file"))
  var checkpoint: String?

  @OptionGroup var network: NetworkOptions

  @OptionGroup var runtime: RuntimeOptions

  @Flag(help: "Use the EMA weights (state_dict_ema) of a training checkpoint.")
  var ema = false

  @Option(help: ArgumentHelp("Class labels of a checkpoint, one per line in class order (a .vigil "
    + "model carries its own; with --compare a checkpoint takes the other model's).", valueName: "file"))
  var labels: String?

  @Option(help: ArgumentHelp("The labelled images.", valueName: "spec"))
  var dataset: String

  @Option(help: "Evaluate only the first N images (1 ... 100000000).")
  var limit: Int?

  @Option(help: ArgumentHelp("A second model to run on the same images: a .vigil model, or a .pth "
    + "or .safetensors checkpoint (named by --variant or --config, else by its tensor shapes).", valueName: "other"))
  var compare: String?

  @Flag(help: "Print the report as one JSON object (classes, per-class metrics, confusion matrix, and each image's true and predicted class with the top score; with --compare, both reports, the agreement and the differing images).")
  var json = false

  @Option(help: ArgumentHelp("Also write the report as one self-contained HTML page (accuracy, confusion heat map, per-class bars, misclassified images; with --compare, of the first model).", valueName: "file"))
  var html: String?

  /// Whether `path` names a checkpoint (by its bytes or name), not a .vigil model.
  static func isCheckpoint(_ path: String) -> Bool { ModelPath.kind(path) == .checkpoint }

  func validate() throws {
    if (model == nil) == (checkpoint == nil) {
      throw ValidationError("Give either a .vigil model or --checkpoint FILE (with --variant or --config, or neither to infer the network).")
    }
    let usesCheckpoint = checkpoint != nil || compare.map(Self.isCheckpoint) == true
    if !usesCheckpoint && (network.isGiven || ema || labels != nil) {
      throw ValidationError("--variant, --config, --ema and --labels go with a checkpoint (--checkpoint, or --compare FILE.pth); a .vigil model carries its network and labels.")
    }
    if let limit { try OptionRange.check("--limit", limit, OptionRange.limit) }
  }

  /// The classifier for a model path: a checkpoint (fp32, with the network options and
  /// labels) or an int8 model.
  func classifier(_ path: String, checkpoint: Bool) throws -> ImageClassifier {
    guard checkpoint else {
      return try Int8Classifier(path: path, threads: runtime.threads, isa: runtime.isa.isa)
    }
    let config = try network.resolve(checkpoint: path, ema: ema)
    let c = try Fp32Classifier(checkpoint: path, config: config, ema: ema)
    if let labels { c.labels = try loadLabels(path: labels, classes: config.classes) }
    return c
  }

  func run() throws {
    let name = checkpoint ?? model!
    let first = try classifier(name, checkpoint: checkpoint != nil)
    let second = try compare.map { try classifier($0, checkpoint: Self.isCheckpoint($0)) }
    let data = try LabeledDataset.open(spec: dataset)
    let inputs = [("model", name)] + (compare.map { [("model", $0)] } ?? [])
      + (labels.map { [("labels file", $0)] } ?? []) + data.files.map { ("dataset file", $0) }
    if let html { try OutputFile.check(html, inputs: inputs, replaceLink: false) }
    // A checkpoint without labels takes the other model's, so both count classes alike.
    if let second {
      for (a, b) in [(first, second), (second, first)] {
        if let fp32 = a as? Fp32Classifier, fp32.labels.isEmpty, !b.labels.isEmpty { fp32.labels = b.labels }
      }
    }
    func evaluate(_ c: ImageClassifier, _ model: String) throws -> EvaluationReport {
      let start = Date()
      return try EvaluationReport.run(c, on: data, limit: limit, model: model) { done, total in
        let rate = Double(done) / max(Date().timeIntervalSince(start), 1e-9)
        printError("eval: \(done)/\(total) images, \(Int(rate)) images/s")
      }
    }
    let report = try evaluate(first, name)
    var failed = report.failed
    if let second, let compare {
      let other = try evaluate(second, compare)
      failed += other.failed
      let comparison = try EvaluationComparison(report, other)
      print(json ? try comparison.json() : comparison.text())
    } else {
      print(json ? try report.json() : report.text)
    }
    if let html {
      let page = EvaluationPage(report, dataset: data, provenance: try checkpoint == nil
        ? EvaluationPage.provenance(of: name) : EvaluationPage.provenance(checkpoint: name, ema: ema))
      try OutputFile.write(Array(page.html().utf8), to: html, inputs: inputs, replaceLink: false)
      printError("eval: wrote \(html)")
    }
    if failed > 0 {
      printError("\(failed) image(s) could not be read or classified")
      throw ExitCode(1)
    }
  }
}
