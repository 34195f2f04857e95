// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Testing
import VigilCore
@testable import VigilKit

/// The CLI's conventions: --version, exit statuses, classify's folder and standard-input
/// inputs, the errors for a checkpoint or an image where a model belongs, eval's text report
/// and --compare.
@Suite struct CLIConventionTests {
  static let weights = ShippedModelTests.weights
  static let model = ShippedModelTests.model
  static let checkpoint = weights.appendingPathComponent("mobilevigv2-fmnist.safetensors").path
  static let config = weights.appendingPathComponent("mobilevigv2-fmnist.config.json").path
  static let samples = ShippedModelTests.samples

  static func tempDirectory(_ name: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-\(name)-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
  }

  @Test func versionIsTheConstantAndEveryModelRecordsIt() throws {
    let r = try CLI.run(["--version"])
    #expect(r.status == 0 && r.stdout == "vigil \(VigilVersion.string)\n", "\(r.stdout)")
    // The shipped model was written by this version's quantize; the loader and inspect show it.
    #expect(try Model(path: Self.model).toolkitVersion == VigilVersion.string)
    let inspect = try CLI.run(["inspect", Self.model])
    #expect(inspect.stdout.contains("metadata toolkit.version = \(VigilVersion.string)"), "\(inspect.stdout)")
  }

  @Test func exitStatusesAreTheDocumentedOnes() throws {
    let png = Self.samples.appendingPathComponent("t10k-00000-ankle-boot.png").path
    #expect(try CLI.run(["classify", Self.model, png]).status == 0)
    // 64: usage errors (unknown option, bad value, value outside its range, missing argument).
    #expect(try CLI.run(["classify", "--no-such-option", Self.model, png]).status == 64)
    #expect(try CLI.run(["classify", "--isa", "mmx", Self.model, png]).status == 64)
    #expect(try CLI.run(["classify", "--top", "0", Self.model, png]).status == 64)
    #expect(try CLI.run(["eval", Self.model]).status == 64)
    // 1: a runtime error, or some inputs failed while the others were reported.
    #expect(try CLI.run(["classify", "/nonexistent/m.vigil", png]).status == 1)
    let partial = try CLI.run(["classify", Self.model, png, "/nonexistent/x.png"])
    #expect(partial.status == 1 && partial.stdout.contains("t10k-00000-ankle-boot.png"))
  }

  @Test func enumOptionsListTheirValues() throws {
    // The help text wrapped to one line per paragraph.
    func help(_ command: String) throws -> String {
      try CLI.run([command, "--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
    let quantize = try help("quantize")
    #expect(quantize.contains("(values: minmax, percentile, entropy, mse; default: mse)"), "\(quantize)")
    #expect(quantize.contains("(values: ti, s, m, b)"))
    #expect(try help("eval").contains("(values: auto, scalar, avx2, avx512vnni, neon, neondot; default: auto)"))
    #expect(try help("serve").contains("(values: auto, mjpeg, yuyv, grey, nv12)"))
    let bad = try CLI.run(["classify", "--checkpoint", "x.pth", "--variant", "xl", "a.png"])
    #expect(bad.status == 64 && bad.stderr.contains("Please provide one of 'ti', 's', 'm' or 'b'"), "\(bad.stderr)")
    // Variants in any letter case, as before.
    let upper = try CLI.run(["classify", "--checkpoint", "/nonexistent/x.pth", "--variant", "TI", "a.png"])
    #expect(upper.status == 1 && upper.stderr.contains("/nonexistent/x.pth"), "\(upper.stderr)")
  }

  @Test func classifyTakesFoldersSortedRecursiveAndStandardInput() throws {
    let dir = try Self.tempDirectory("classify-folder")
    defer { try? FileManager.default.removeItem(at: dir) }
    let fm = FileManager.default
    let files = ["t10k-00001-pullover.png", "t10k-00000-ankle-boot.png", "t10k-00002-trouser.png"]
    try fm.copyItem(at: Self.samples.appendingPathComponent(files[0]), to: dir.appendingPathComponent("b.png"))
    try fm.copyItem(at: Self.samples.appendingPathComponent(files[1]), to: dir.appendingPathComponent("a.png"))
    try fm.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
    try fm.copyItem(at: Self.samples.appendingPathComponent(files[2]), to: dir.appendingPathComponent("sub/c.png"))
    try "notes".write(to: dir.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)

    let flat = try CLI.run(["classify", Self.model, "--json", "--top", "1", dir.path])
    #expect(flat.status == 0, "\(flat.stderr)")
    let flatInputs = try CLI.jsonLines(flat.stdout).map { $0["input"] as! String }
    #expect(flatInputs == [dir.path + "/a.png", dir.path + "/b.png"])
    let deep = try CLI.run(["classify", Self.model, "--json", "--top", "1", "--recursive", dir.path])
    let deepLines = try CLI.jsonLines(deep.stdout)
    #expect(deepLines.map { $0["input"] as! String } == [dir.path + "/a.png", dir.path + "/b.png", dir.path + "/sub/c.png"])
    // The trouser in the subfolder is classified as the file itself is.
    let direct = try CLI.run(["classify", Self.model, "--json", "--top", "1", "--logits",
                              Self.samples.appendingPathComponent(files[2]).path])
    #expect(((deepLines[2]["top"] as! [[String: Any]])[0]["label"] as? String) == "Trouser")

    // "-": one image on standard input, the same logits bit for bit as from the file.
    let bytes = try Data(contentsOf: Self.samples.appendingPathComponent(files[2]))
    let stdin = try CLI.run(["classify", Self.model, "--json", "--top", "1", "--logits", "-"], input: bytes)
    #expect(stdin.status == 0, "\(stdin.stderr)")
    let fromStdin = try CLI.jsonLines(stdin.stdout)[0]
    #expect(fromStdin["input"] as? String == "-")
    #expect(fromStdin["logits"] as? [Double] == (try CLI.jsonLines(direct.stdout)[0]["logits"] as? [Double]))
    let garbage = try CLI.run(["classify", Self.model, "-"], input: Data("not an image".utf8))
    #expect(garbage.status == 1 && garbage.stderr.contains("standard input"), "\(garbage.stderr)")
    let twice = try CLI.run(["classify", Self.model, "-", "-"], input: bytes)
    #expect(twice.status == 64 && twice.stderr.contains("at most once"))

    // A folder without images is an error for that input, and says how to look deeper.
    let empty = try Self.tempDirectory("classify-empty")
    defer { try? FileManager.default.removeItem(at: empty) }
    try fm.createDirectory(at: empty.appendingPathComponent("inner"), withIntermediateDirectories: true)
    let none = try CLI.run(["classify", Self.model, empty.path])
    #expect(none.status == 1 && none.stderr.contains("holds no JPEG") && none.stderr.contains("--recursive"),
            "\(none.stderr)")
  }

  @Test func aCheckpointOrAnImageWhereTheModelBelongsSaysWhatToDo() throws {
    let png = Self.samples.appendingPathComponent("t10k-00000-ankle-boot.png").path
    let ckpt = try CLI.run(["classify", Self.checkpoint, png])
    #expect(ckpt.status == 1 && ckpt.stderr.contains("did you mean `--checkpoint \(Self.checkpoint)`"),
            "\(ckpt.stderr)")
    let pth = try CLI.run(["eval", Golden.path("tiny-a.full.pth"), "--dataset", "fashion-mnist:/x"])
    #expect(pth.status == 1 && pth.stderr.contains("did you mean `--checkpoint"), "\(pth.stderr)")
    let image = try CLI.run(["classify", png, Self.model])
    #expect(image.status == 1 && image.stderr.contains("the model comes first"), "\(image.stderr)")
    let folder = try CLI.run(["classify", Self.samples.path, png])
    #expect(folder.status == 64 && folder.stderr.contains("the model comes first"), "\(folder.stderr)")
    // A .vigil model among a checkpoint's inputs.
    let swapped = try CLI.run(["classify", "--checkpoint", Self.checkpoint, "--config", Self.config, Self.model, png])
    #expect(swapped.status == 1 && swapped.stderr.contains("is an int8 .vigil model, not an input")
              && swapped.stdout.contains("t10k-00000-ankle-boot.png"), "\(swapped.stderr)")
    // By name when the file cannot be read.
    #expect(ModelPath.kind("/nonexistent/a.safetensors") == .checkpoint)
    #expect(ModelPath.kind("/nonexistent/a.jpg") == .image)
    #expect(ModelPath.kind(Self.model) == .vigil && ModelPath.kind(Self.checkpoint) == .checkpoint)
    #expect(ModelPath.kind(Golden.path("tiny-a.full.pth")) == .checkpoint && ModelPath.kind(png) == .image)
  }

  @Test func evalPrintsTheReportAndComparesTwoModels() throws {
    let dataset = ShippedModelTests.dataset
    let text = try CLI.run(["eval", Self.model, "--dataset", dataset, "--limit", "40"])
    #expect(text.status == 0, "\(text.stderr)")
    for part in ["top-1 ", "precision", "recall", "F1", "9  Ankle boot", "confusion matrix (rows: true class"] {
      #expect(text.stdout.contains(part), "eval's text lacks \(part): \(text.stdout)")
    }

    // The fp32 checkpoint against the int8 model: the checkpoint takes the model's labels.
    let args = ["eval", "--checkpoint", Self.checkpoint, "--config", Self.config, "--dataset", dataset,
                "--limit", "100", "--compare", Self.model]
    let json = try CLI.run(args + ["--json"])
    #expect(json.status == 0, "\(json.stderr)")
    let c = try JSONDecoder().decode(EvaluationComparison.self, from: Data(json.stdout.utf8))
    #expect(c.a.model == Self.checkpoint && c.b.model == Self.model && c.images == 100)
    #expect(c.a.classNames == LabeledDataset.fashionMNISTClasses && c.b.classNames == c.a.classNames)
    let differ = zip(c.a.predictions, c.b.predictions).filter { $0.predicted != $1.predicted }
    #expect(c.differences.map(\.index) == differ.map(\.0.index))
    #expect(c.agree == 100 - differ.count && c.agree >= 95)
    for d in c.differences {
      #expect(d.a == c.a.predictions[d.index].predicted && d.b == c.b.predictions[d.index].predicted)
    }
    let plain = try CLI.run(args)
    #expect(plain.stdout.contains("agreement ") && plain.stdout.contains("of 100 images; \(differ.count) differ"),
            "\(plain.stdout)")
    // The same comparison the other way round: int8 first, the checkpoint second.
    let swapped = try CLI.run(["eval", Self.model, "--dataset", dataset, "--limit", "100", "--compare",
                               Self.checkpoint, "--config", Self.config, "--json"])
    #expect(swapped.status == 0, "\(swapped.stderr)")
    let s = try JSONDecoder().decode(EvaluationComparison.self, from: Data(swapped.stdout.utf8))
    #expect(s.agree == c.agree && s.differences.map(\.index) == c.differences.map(\.index))
    // Network options without any checkpoint are a usage error.
    let stray = try CLI.run(["eval", Self.model, "--dataset", dataset, "--compare", Self.model, "--variant", "ti"])
    #expect(stray.status == 64, "\(stray.stderr)")
  }
}
