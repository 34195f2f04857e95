// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import ArgumentParser
import Foundation
import VigilKit

struct Classify: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Classify images or preprocessed .npy tensors.",
    discussion: """
      Inputs are JPEG, PNG or binary PPM/PGM images, preprocessed like the reference \
      evaluation (shorter side to size/0.9 bicubic, centre crop, ImageNet normalization), or \
      .npy float32 tensors of shape (1,3,S,S) or (3,S,S) that are already preprocessed. A bad \
      input is reported and the others still run; the exit status is then 1.
      """)

  @Option(help: ArgumentHelp("PyTorch (.pth) or .safetensors checkpoint.", valueName: "file"))
  var checkpoint: String

  @OptionGroup var network: NetworkOptions

  @Flag(help: "Use the EMA weights (state_dict_ema) of a training checkpoint.")
  var ema = false

  @Option(help: ArgumentHelp("Class labels, one per line in class order.", valueName: "file"))
  var labels: String?

  @Option(help: "How many classes to report per input.")
  var top = 5

  @Flag(help: "Print one JSON object per input and line.")
  var json = false

  @Flag(help: "Include all logits (with --json), or print them (without).")
  var logits = false

  @Argument(help: ArgumentHelp("Images or .npy tensors.", valueName: "input"))
  var inputs: [String]

  func validate() throws {
    if top < 1 { throw ValidationError("--top must be at least 1.") }
    if inputs.isEmpty { throw ValidationError("Give at least one input file.") }
  }

  func run() throws {
    let config = try network.resolve()
    let classifier = try Fp32Classifier(checkpoint: checkpoint, config: config, ema: ema)
    let labelList = try labels.map { try loadLabels(path: $0, classes: config.classes) }
    var failures = 0
    for input in inputs {
      do {
        let l = try classifier.logits(path: input)
        let ranked = topK(l, k: min(top, config.classes), labels: labelList)
        print(json ? jsonLine(input, ranked, l) : textLine(input, ranked, l))
      } catch {
        failures += 1
        if json {
          print("{\"input\": \(jsonString(input)), \"error\": \(jsonString("\(error)"))}")
        } else {
          printError("\(input): error: \(error)")
        }
      }
    }
    if failures > 0 {
      printError("\(failures) of \(inputs.count) input(s) failed")
      throw ExitCode(1)
    }
  }

  private func jsonLine(_ input: String, _ ranked: [RankedClass], _ l: [Float]) -> String {
    let items = ranked.map { r in
      "{\"index\": \(r.index)" + (r.label.map { ", \"label\": \(jsonString($0))" } ?? "")
        + ", \"score\": \(jsonNumber(r.score))}"
    }
    var line = "{\"input\": \(jsonString(input)), \"top\": [\(items.joined(separator: ", "))]"
    if logits { line += ", \"logits\": [\(l.map { jsonNumber($0) }.joined(separator: ", "))]" }
    return line + "}"
  }

  private func textLine(_ input: String, _ ranked: [RankedClass], _ l: [Float]) -> String {
    var parts = ranked.map { r in
      "\(r.label ?? "class \(r.index)") (\(r.index)) \(formatScore(r.score))"
    }
    if logits { parts.append("logits [\(l.map { "\($0)" }.joined(separator: ", "))]") }
    return "\(input): " + parts.joined(separator: ", ")
  }
}

/// A probability with four decimals, without Foundation's formatter.
func formatScore(_ p: Double) -> String {
  let scaled = Int((p * 10000).rounded())
  let whole = scaled / 10000, frac = scaled % 10000
  let digits = String(frac)
  return "\(whole)." + String(repeating: "0", count: 4 - digits.count) + digits
}

/// Writes a line to standard error.
func printError(_ line: String) {
  FileHandle.standardError.write(Data((line + "\n").utf8))
}
