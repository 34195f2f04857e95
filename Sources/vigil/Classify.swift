// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import ArgumentParser
import Foundation
import VigilCore
import VigilKit

struct Classify: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Classify images or preprocessed .npy tensors.",
    discussion: """
      Inputs are JPEG, PNG or binary PPM/PGM images, preprocessed like the reference \
      evaluation (shorter side to size/0.9 bicubic, centre crop, ImageNet normalization), or \
      (fp32 checkpoints only) .npy float32 tensors of shape (1,3,S,S) or (3,S,S) that are \
      already preprocessed. A folder stands for the images and .npy files in it, sorted (with \
      --recursive, those in its subfolders too); - reads one image from standard input. The \
      model is an int8 .vigil file (first argument) or a checkpoint (--checkpoint; --variant or \
      --config names its network, else its tensor shapes do). A bad input is reported and the \
      others still run; the exit status is then 1.
      """)

  @Option(help: ArgumentHelp("PyTorch (.pth) or .safetensors checkpoint (fp32); without it the "
    + "first argument is an int8 .vigil model.", valueName: "file"))
  var checkpoint: String?

  @OptionGroup var network: NetworkOptions

  @OptionGroup var runtime: RuntimeOptions

  @Flag(help: "Use the EMA weights (state_dict_ema) of a training checkpoint.")
  var ema = false

  @Option(help: ArgumentHelp("Class labels, one per line in class order (a .vigil model "
    + "carries its own).", valueName: "file"))
  var labels: String?

  @Option(help: "How many classes to report per input (1 ... 100000; at most the classes).")
  var top = 5

  @Flag(help: "Print one JSON object per input and line.")
  var json = false

  @Flag(help: "Include all logits (with --json), or print them (without).")
  var logits = false

  @Flag(help: "Classify the images in the subfolders of a folder input too.")
  var recursive = false

  @Argument(help: ArgumentHelp("[MODEL.vigil] then images, .npy tensors, folders of them, or - for an image on standard input.",
                               valueName: "input"), completion: .file())
  var inputs: [String]

  func validate() throws {
    try OptionRange.check("--top", top, OptionRange.top)
    if checkpoint != nil {
      if inputs.isEmpty { throw ValidationError("Give at least one input file.") }
    } else {
      if network.isGiven || ema {
        throw ValidationError("--variant, --config and --ema go with --checkpoint; a .vigil model carries its network.")
      }
      if inputs.count < 2 {
        throw ValidationError("Give a model (MODEL.vigil, or --checkpoint FILE with --variant or --config) and at least one input file.")
      }
      if inputs[0] == "-" || InputFile.kind(inputs[0]).isDirectory {
        throw ValidationError("\(inputs[0]) is not a model: the model comes first (vigil classify MODEL.vigil IMAGE...), or give --checkpoint FILE.")
      }
    }
    if inputs.dropFirst(checkpoint == nil ? 1 : 0).filter({ $0 == "-" }).count > 1 {
      throw ValidationError("Give - (standard input) at most once: it holds one image.")
    }
  }

  func run() throws {
    let classify: (String) throws -> [Float]
    let classifyImage: (RGBImage) throws -> [Float]
    let classes: Int
    var labelList: [String]?
    var files = inputs
    if let checkpoint {
      let config = try network.resolve(checkpoint: checkpoint, ema: ema)
      let classifier = try Fp32Classifier(checkpoint: checkpoint, config: config, ema: ema)
      classify = classifier.logits(path:)
      classifyImage = classifier.logits(image:)
      classes = config.classes
    } else {
      let classifier = try Int8Classifier(path: files.removeFirst(), threads: runtime.threads, isa: runtime.isa.isa)
      classify = { path in
        if path.lowercased().hasSuffix(".npy") {
          throw InputError.badTensor(path: path, reason: "an int8 model takes images (its stem "
            + "reads uint8 pixels), not preprocessed float tensors; classify .npy inputs with "
            + "--checkpoint")
        }
        return try classifier.logits(path: path)
      }
      classifyImage = classifier.logits(image:)
      classes = classifier.classes
      labelList = classifier.labels.isEmpty ? nil : classifier.labels
    }
    if let labels { labelList = try loadLabels(path: labels, classes: classes) }
    var failures = 0
    let items = try InputList.expand(files, recursive: recursive)
    for item in items {
      let input = switch item {
      case .file(let path), .emptyFolder(let path, _): path
      case .standardInput: "-"
      }
      do {
        let l: [Float]
        switch item {
        case .file(let path):
          if checkpoint != nil && InputFile.kind(path).exists && ModelPath.kind(path) == .vigil {
            throw InputError.notAModel(path: path, reason: "is an int8 .vigil model, not an input: give "
              + "it as the first argument, without --checkpoint")
          }
          l = try classify(path)
        case .standardInput:
          l = try classifyImage(ImageDecoder.decode(bytes: readStandardInput(), source: "standard input"))
        case .emptyFolder(let path, let reason):
          throw InputError.unreadable(path: path, reason: reason)
        }
        let ranked = topK(l, k: min(top, classes), labels: labelList)
        print(json ? try jsonLine(input, ranked, l) : textLine(input, ranked, l))
      } catch {
        failures += 1
        if json {
          print((try? jsonText(ErrorLine(input: input, error: "\(error)"))) ?? "{}")
        } else {
          printError("\(terminalSafe(input)): error: \(terminalSafe("\(error)"))")
        }
      }
    }
    if failures > 0 {
      printError("\(failures) of \(items.count) input(s) failed")
      throw ExitCode(1)
    }
  }

  /// One JSON line (keys sorted; Tools/firmware-check.sh compares it with the board
  /// firmware's line value for value).
  private func jsonLine(_ input: String, _ ranked: [RankedClass], _ l: [Float]) throws -> String {
    try jsonText(ResultLine(input: input, top: ranked, logits: logits ? l : nil))
  }

  /// `classify --json`'s line for a classified input.
  struct ResultLine: Encodable {
    var input: String
    var top: [RankedClass]
    var logits: [Float]?
  }

  /// `classify --json`'s line for an input that failed.
  struct ErrorLine: Encodable {
    var input: String
    var error: String
  }

  private func textLine(_ input: String, _ ranked: [RankedClass], _ l: [Float]) -> String {
    var parts = ranked.map { r in
      "\(r.label.map(terminalSafe) ?? "class \(r.index)") (\(r.index)) \(formatScore(r.score))"
    }
    if logits { parts.append("logits [\(l.map { "\($0)" }.joined(separator: ", "))]") }
    return "\(terminalSafe(input)): " + parts.joined(separator: ", ")
  }
}

/// Standard input, whole, at most the image decoder's file limit.
func readStandardInput() throws -> [UInt8] {
  var bytes: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 1 << 16)
  while true {
    let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress!, $0.count) }
    if n < 0 && errno == EINTR { continue }
    if n < 0 {
      throw InputError.unreadable(path: "standard input", reason: String(cString: strerror(errno)))
    }
    if n == 0 { return bytes }
    bytes += chunk[0..<n]
    guard bytes.count <= FileIO.defaultMaxBytes else {
      throw InputError.unreadable(path: "standard input", reason: "holds more than \(FileIO.defaultMaxBytes) "
        + "bytes, the limit for an image")
    }
  }
}
