// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import ArgumentParser
import Foundation
import VigilKit

struct Eval: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Measure top-1, top-5 and per-class accuracy on a labelled dataset.",
    discussion: """
      SPEC is fashion-mnist:DIR[:train|:test] (the IDX files, gzipped or not; test split by \
      default) or folder:DIR (one subfolder per class, sorted class names, images inside). \
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

  @Option(help: ArgumentHelp("The labelled images.", valueName: "spec"))
  var dataset: String

  @Option(help: "Evaluate only the first N images (1 ... 100000000).")
  var limit: Int?

  @Flag(help: "Print the report as one JSON object (with the confusion matrix and each image's top-1 class, -1 for an unreadable one).")
  var json = false

  @Option(help: ArgumentHelp("Also write the report as one self-contained HTML page (accuracy, confusion heat map, per-class bars, misclassified images).", valueName: "file"))
  var html: String?

  func validate() throws {
    if (model == nil) == (checkpoint == nil) {
      throw ValidationError("Give either a .vigil model or --checkpoint FILE with --variant or --config.")
    }
    if checkpoint != nil {
      try network.requireNetwork()
    } else if network.isGiven || ema {
      throw ValidationError("--variant, --config and --ema go with --checkpoint; a .vigil model carries its network.")
    }
    if let limit { try OptionRange.check("--limit", limit, OptionRange.limit) }
  }

  func run() throws {
    let data = try LabeledDataset.open(spec: dataset)
    let inputs = [("model", model ?? checkpoint!)] + data.files.map { ("dataset file", $0) }
    if let html { try OutputFile.check(html, inputs: inputs, replaceLink: false) }
    let classifier: ImageClassifier
    let name: String
    if let checkpoint {
      let cfg = try network.resolve()
      classifier = try Fp32Classifier(checkpoint: checkpoint, config: cfg, ema: ema)
      name = checkpoint
    } else {
      classifier = try Int8Classifier(path: model!, threads: runtime.threads, isa: runtime.isa.isa)
      name = model!
    }
    let start = Date()
    let report = try EvaluationReport.run(classifier, on: data, limit: limit) { done, total in
      let rate = Double(done) / max(Date().timeIntervalSince(start), 1e-9)
      printError("eval: \(done)/\(total) images, \(Int(rate)) images/s")
    }
    if json {
      print(report.json(model: name, dataset: dataset))
    } else {
      print("model \(name), dataset \(dataset): \(report.images) images, \(report.failed) failed")
      print("top-1 \(percent(report.top1)), top-5 \(percent(report.top5))")
      for (i, c) in report.perClass.enumerated() {
        print("  \(i) \(terminalSafe(c.name)): \(c.accuracy.map(percent) ?? "-") of \(c.images)")
      }
    }
    if let html {
      let provenance = try model.map { try EvaluationPage.provenance(of: $0) }
        ?? [("model", "fp32 checkpoint"), ("checkpoint.weights", ema ? "state_dict_ema" : "state_dict")]
      let page = try EvaluationPage(report, dataset: data, model: (name as NSString).lastPathComponent,
                                    provenance: provenance)
      try OutputFile.write(Array(page.html().utf8), to: html, inputs: inputs, replaceLink: false)
      printError("eval: wrote \(html)")
    }
    if report.failed > 0 {
      printError("\(report.failed) image(s) could not be read or classified")
      throw ExitCode(1)
    }
  }
}

/// A fraction as a percentage with two decimals.
func percent(_ x: Double) -> String {
  let hundredths = Int((x * 10000).rounded())
  let frac = String(hundredths % 100)
  return "\(hundredths / 100)." + String(repeating: "0", count: 2 - frac.count) + frac + " %"
}
