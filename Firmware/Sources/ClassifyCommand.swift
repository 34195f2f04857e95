// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CVigilBoard
import VigilCore

/// `vigil-board classify MODEL.vigil FILE...`: the host's `vigil classify` for int8 models,
/// with the same text and JSON lines (and logits, byte for byte).
enum ClassifyCommand {
  static let usage =
    "usage: vigil-board classify [--json] [--logits] [--top N] [--labels FILE] MODEL.vigil FILE..."

  static let help = """
    Classify images with an int8 .vigil model.

    \(usage)

    Inputs are JPEG, PNG or binary PPM/PGM images, preprocessed as the model file says
    (shorter side to size/crop_pct bicubic, centre crop). MODEL.vigil is a model file, or
    @embedded for the model linked into this binary. A bad input is reported and the others
    still run; the exit status is then 1.

    options:
      --json          print one JSON object per input and line
      --logits        include all logits (with --json), or print them (without)
      --top N         how many classes to report per input (default 5)
      --labels FILE   class labels, one per line in class order (the model carries its own)
      -h, --help      show this help
    """

  /// One input's result: its logits, or what went wrong.
  private enum Outcome {
    case logits([Float])
    case failure(String)
  }

  static func run(_ args: ArraySlice<String>) throws(UsageError) -> Int32 {
    let a = try Arguments(args, flags: ["--json", "--logits"], options: ["--top", "--labels"])
    if a.help { Output.line(help); return 0 }
    let top = try a.integer("--top", default: 5, minimum: 1)
    let json = a.flag("--json"), withLogits = a.flag("--logits")
    guard a.positional.count >= 2 else {
      throw UsageError("give a model (MODEL.vigil or @embedded) and at least one input file")
    }
    var files = a.positional
    let modelArgument = files.removeFirst()

    do throws(VigilError) {
      let model = try openModel(modelArgument)
      let classes = model.classes
      var labels: [String]? = model.labels.isEmpty ? nil : model.labels
      let preprocessing = preprocessingOf(model)
      if let path = a.value("--labels") {
        let loaded = loadLabels(path: path, classes: classes)
        if let error = loaded.error { Output.error("Error: \(error)"); return 1 }
        labels = loaded.labels
      }
      let instance = try Instance(model)
      return classifyAll(files, instance: instance, preprocessing: preprocessing, labels: labels,
                         top: min(top, classes), json: json, withLogits: withLogits)
    } catch {
      Output.error("Error: \(modelArgument): \(error.description)")
      return 1
    }
  }

  /// Classifies each file in turn and prints its line; returns the exit status.
  private static func classifyAll(
    _ files: [String], instance: borrowing Instance, preprocessing: Preprocessing,
    labels: [String]?, top: Int, json: Bool, withLogits: Bool
  ) -> Int32 {
    var failures = 0
    for input in files {
      switch classify(input, instance: instance, preprocessing: preprocessing) {
      case .logits(let l):
        let ranked = topK(l, k: top, labels: labels)
        Output.line(json ? jsonLine(input, ranked, l, withLogits)
          : textLine(input, ranked, l, withLogits))
      case .failure(let message):
        failures += 1
        if json {
          Output.line("{\"input\": \(jsonString(input)), \"error\": \(jsonString(message))}")
        } else {
          Output.error("\(input): error: \(message)")
        }
      }
    }
    if failures > 0 {
      Output.error("\(failures) of \(files.count) input(s) failed")
      return 1
    }
    return 0
  }

  /// The model's preprocessing, as the host's Int8Classifier builds it.
  static func preprocessingOf(_ model: borrowing Model) -> Preprocessing {
    let p = model.preprocessing
    // The file stores crop_pct as a float; its shortest decimal form is what the user gave
    // (the host parses "\(p.crop_pct)" the same way; strtod and Swift both round correctly).
    var cropPct = Double(p.crop_pct)
    _ = vgl_board_parse_double("\(p.crop_pct)", &cropPct)
    return Preprocessing(size: Int(p.input_size), cropPct: cropPct,
                         mean: (p.mean.0, p.mean.1, p.mean.2), std: (p.std.0, p.std.1, p.std.2))
  }

  private static func classify(_ path: String, instance: borrowing Instance,
                               preprocessing: Preprocessing) -> Outcome
  {
    if path.lowercased().hasSuffix(".npy") {
      return .failure("\(path): an int8 model takes images (its stem reads uint8 pixels), not "
        + "preprocessed float tensors; classify .npy inputs with --checkpoint")
    }
    let image: RGBImage
    do throws(ImageError) {
      image = try ImageDecoder.decode(path: path)
    } catch {
      return .failure(error.description)
    }
    let crop = preprocessing.resizeAndCrop(image)
    var outcome = Outcome.failure("")
    crop.pixels.withUnsafeBufferPointer { pixels in
      do throws(VigilError) {
        outcome = .logits(try instance.run(pixels: pixels))
      } catch {
        outcome = .failure(error.description)
      }
    }
    return outcome
  }

  private static func jsonLine(_ input: String, _ ranked: [RankedClass], _ l: [Float],
                               _ withLogits: Bool) -> String
  {
    let items = ranked.map { r in
      "{\"index\": \(r.index)" + (r.label.map { ", \"label\": \(jsonString($0))" } ?? "")
        + ", \"score\": \(jsonNumber(r.score))}"
    }
    var line = "{\"input\": \(jsonString(input)), \"top\": [\(items.joined(separator: ", "))]"
    if withLogits {
      line += ", \"logits\": [\(l.map { jsonNumber($0) }.joined(separator: ", "))]"
    }
    return line + "}"
  }

  private static func textLine(_ input: String, _ ranked: [RankedClass], _ l: [Float],
                               _ withLogits: Bool) -> String
  {
    var parts = ranked.map { r in
      "\(r.label ?? "class \(r.index)") (\(r.index)) \(formatScore(r.score))"
    }
    if withLogits { parts.append("logits [\(l.map { "\($0)" }.joined(separator: ", "))]") }
    return "\(input): " + parts.joined(separator: ", ")
  }
}
