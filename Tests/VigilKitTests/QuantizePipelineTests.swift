// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

// `vigil quantize` without traps: a dataset spec must name its split (and the model records
// it), outputs are checked before any work, the network is inferred from the checkpoint when
// not named, a mismatch is summarized with the closest variant, progress is quiet when asked,
// and the report is short, in JSON and on held-out images when asked.

import Foundation
import Testing

@testable import VigilKit

@Suite struct QuantizePipelineTests {
  let tinyA = Golden.manifest.cases.first { $0.name == "tiny-a" }!
  static let images = Golden.directory.deletingLastPathComponent().appendingPathComponent("images").path
  static let shipped = ShippedModelTests.weights

  func scratch() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-qp-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
  }

  func tinyQuantize(_ out: String, _ extra: [String] = []) throws -> CLI.Result {
    try CLI.run(["quantize", "--checkpoint", Golden.path("tiny-a.full.pth"), "--config",
                 Golden.path(tinyA.config), "--calib", Self.images, "--method", "minmax",
                 "-o", out] + extra)
  }

  /// A Fashion-MNIST spec without a split is refused before anything is read, naming both
  /// splits; the split given is what the model's metadata records.
  @Test func calibrationSplitIsRequiredAndRecorded() throws {
    #expect(throws: CalibrationSourceError.noSplit("fashion-mnist:/nowhere")) {
      try CalibrationImages(source: "fashion-mnist:/nowhere", count: nil)
    }
    let r = try CLI.run(["quantize", "--checkpoint", Golden.path("tiny-a.full.pth"),
                         "--calib", "fashion-mnist:/nowhere", "-o", "/tmp/never-written.vigil"])
    #expect(r.status != 0)
    #expect(r.stderr.contains("names no split") && r.stderr.contains("fashion-mnist:/nowhere:train")
            && r.stderr.contains("fashion-mnist:/nowhere:test"), "\(r.stderr)")
    #expect(!FileManager.default.fileExists(atPath: "/tmp/never-written.vigil"))
    // The shipped model was calibrated on the training split and says so.
    let info = try CLI.run(["inspect", Self.shipped.appendingPathComponent("mobilevigv2-fmnist.vigil").path, "--json"])
    let json = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as! [String: Any]
    #expect((json["metadata"] as! [String: String])["calibration.source"] == "fashion-mnist:fashion-mnist:train")
    for (spec, name) in [("fashion-mnist:/a/b/fm:train", "fashion-mnist:fm:train"),
                         ("fashion-mnist:/a/b/fm/:test", "fashion-mnist:fm:test"),
                         ("folder:/x/calib", "folder:calib"), ("/x/y/list.txt", "list.txt")] {
      #expect(CalibrationImages.metadataName(of: spec) == name)
    }
  }

  /// `-o` (or `--report-json`) into a missing folder fails at once with a plain message: the
  /// checkpoint is not even read (it does not exist here, and that is not the error) and no
  /// calibration runs.
  @Test func outputIntoAMissingFolderFailsBeforeAnyWork() throws {
    let dir = try scratch()
    defer { try? FileManager.default.removeItem(at: dir) }
    let missing = dir.appendingPathComponent("no/such/folder/m.vigil").path
    let started = Date()
    for args in [["-o", missing], ["-o", dir.appendingPathComponent("m.vigil").path, "--report-json", missing]] {
      let r = try CLI.run(["quantize", "--checkpoint", dir.appendingPathComponent("absent.pth").path,
                           "--calib", Self.images] + args)
      #expect(r.status != 0)
      #expect(r.stderr.contains("its folder \(dir.path)/no/such/folder cannot take it")
              && r.stderr.contains("mkdir -p"), "\(r.stderr)")
      #expect(!r.stderr.contains("absent.pth") && !r.stderr.contains("calibrate:"), "\(r.stderr)")
      for foundation in ["NSCocoaErrorDomain", "The file", "doesn’t exist", "doesn't exist"] {
        #expect(!r.stderr.contains(foundation), "\(r.stderr)")
      }
    }
    print("two refused runs in \(Date().timeIntervalSince(started)) s")
    // A missing checkpoint (with a good output) is named plainly.
    let r = try CLI.run(["quantize", "--checkpoint", dir.appendingPathComponent("absent.pth").path,
                         "--calib", Self.images, "-o", dir.appendingPathComponent("m.vigil").path])
    #expect(r.status != 0 && r.stderr.contains("no such file: \(dir.path)/absent.pth (the checkpoint); check the path"), "\(r.stderr)")
    let labels = try CLI.run(["quantize", "--checkpoint", Golden.path("tiny-a.full.pth"), "--config", Golden.path(tinyA.config),
                              "--labels", dir.appendingPathComponent("absent.txt").path, "--calib", Self.images,
                              "-o", dir.appendingPathComponent("m.vigil").path])
    #expect(labels.status != 0 && labels.stderr.contains("no such file: \(dir.path)/absent.txt (the labels file)"), "\(labels.stderr)")
    #expect(!labels.stderr.contains("calibrate:"))
    #expect(!r.stderr.contains("NSCocoaErrorDomain") && !r.stderr.contains("calibrate:"), "\(r.stderr)")
  }

  /// Without --variant and --config, the shipped checkpoint's shapes (and the configuration
  /// its safetensors metadata carries) give the same file as --config, byte for byte.
  @Test func shapeInferredImportOfTheShippedCheckpointEqualsConfig() throws {
    let dir = try scratch()
    defer { try? FileManager.default.removeItem(at: dir) }
    let ckpt = Self.shipped.appendingPathComponent("mobilevigv2-fmnist.safetensors").path
    let config = Self.shipped.appendingPathComponent("mobilevigv2-fmnist.config.json").path
    var outputs: [Data] = []
    for network in [["--config", config], []] {
      let out = dir.appendingPathComponent("m\(outputs.count).vigil").path
      let r = try CLI.run(["quantize", "--checkpoint", ckpt, "--calib", "\(ShippedModelTests.dataset):train",
                           "--calib-count", "16", "--method", "minmax", "-o", out] + network)
      #expect(r.status == 0, "\(r.stderr)")
      if network.isEmpty { #expect(r.stderr.contains("network inferred from the checkpoint"), "\(r.stderr)") }
      outputs.append(try Data(contentsOf: URL(fileURLWithPath: out)))
    }
    #expect(outputs[0] == outputs[1] && outputs[0].count > 1000)
    let weights = try Checkpoint.load(path: ckpt)
    #expect(try NetworkConfig.infer(from: weights) == NetworkConfig.load(path: config))
  }

  /// A checkpoint with a published variant's widths and depths is that variant (with the
  /// checkpoint's classes and distillation); one with neither a variant's shapes nor a stored
  /// configuration gets a message saying what --config must add.
  @Test func inferenceFromShapes() throws {
    var ti = try NetworkConfig.variant("ti")
    ti.classes = 10
    ti.distillation = false
    let weights = try Self.zeroStateDict(ti)
    #expect(try NetworkShapes(weights: weights) == NetworkShapes(ti))
    #expect(try NetworkConfig.infer(from: weights) == ti)

    let tiny = try Checkpoint.load(path: Golden.path("tiny-a.full.pth"))
    let expected = try NetworkConfig.load(path: Golden.path(tinyA.config))
    #expect(try NetworkShapes(weights: tiny) == NetworkShapes(expected))
    do {
      _ = try NetworkConfig.infer(from: tiny)
      Issue.record("tiny-a has no K or input size, yet it was inferred")
    } catch {
      let text = "\(error)"
      #expect(text.contains("K (the graph hop distance per stage) and the input size"), "\(text)")
      #expect(text.contains("\"channels\":[8,16,24,32]") && text.contains("--config FILE"), "\(text)")
    }
    var broken = tiny
    broken.tensors["head.weight"] = nil
    #expect(throws: ConfigError.self) { try NetworkShapes(weights: broken) }
  }

  /// `--variant ti` on another network's checkpoint: a summary (the first few keys and a
  /// count) and the closest variant, every key with --verbose.
  @Test func variantMismatchIsSummarizedWithTheClosestVariant() throws {
    let dir = try scratch()
    defer { try? FileManager.default.removeItem(at: dir) }
    var args = ["quantize", "--checkpoint", Golden.path("tiny-a.full.pth"), "--variant", "ti",
                "--calib", Self.images, "-o", dir.appendingPathComponent("m.vigil").path]
    let short = try CLI.run(args)
    #expect(short.status != 0)
    let lines = short.stderr.split(separator: "\n")
    #expect(lines.count <= 12, "\(short.stderr)")
    #expect(short.stderr.contains("does not match network 'ti'")
            && short.stderr.contains("more (--verbose lists them all)")
            && short.stderr.contains("The closest published variant is ti"), "\(short.stderr)")
    #expect(!short.stderr.contains("calibrate:"))
    args.append("--verbose")
    let long = try CLI.run(args)
    #expect(long.status != 0 && long.stderr.split(separator: "\n").count > 100)
    #expect(!long.stderr.contains("--verbose lists them all"))
    // classify shares the options.
    let classify = try CLI.run(["classify", "--checkpoint", Golden.path("tiny-a.full.pth"),
                                "--variant", "ti", Golden.path("photo.jpg")])
    #expect(classify.status != 0 && classify.stderr.contains("The closest published variant is ti"))
    #expect(classify.stderr.split(separator: "\n").count <= 12, "\(classify.stderr)")
  }

  /// Progress on a pipe is a few plain lines; --quiet prints none; the text report is short
  /// and --verbose lists every layer; --report-json holds every layer; --report-images
  /// measures on other images.
  @Test func progressAndReports() throws {
    let dir = try scratch()
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("m.vigil").path
    let json = dir.appendingPathComponent("report.json").path
    let heldOut = dir.appendingPathComponent("held-out")
    try FileManager.default.createDirectory(at: heldOut, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: Golden.path("photo.jpg"), toPath: heldOut.appendingPathComponent("p.jpg").path)

    let plain = try tinyQuantize(out, ["--report", "--report-json", json])
    #expect(plain.status == 0, "\(plain.stderr)")
    let progress = plain.stderr.split(separator: "\n").filter { $0.hasPrefix("calibrate: pass 1") }
    #expect(progress.count >= 1 && progress.count <= 11 && progress.last == "calibrate: pass 1, 28/28 images",
            "\(plain.stderr)")
    #expect(!plain.stderr.contains("\r"))
    let reportLines = plain.stdout.split(separator: "\n").filter { $0.hasPrefix("  ") && !$0.contains("SQNR dB") }
    #expect(reportLines.count == 10, "\(plain.stdout)")
    let report = try JSONDecoder().decode(QuantizationReport.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
    #expect(report.imageSet == .calibration && report.images == 26 && report.method == "minmax")
    let model = try CLI.run(["inspect", out, "--json"])
    let ops = (try JSONSerialization.jsonObject(with: Data(model.stdout.utf8)) as! [String: Any])["layers"] as! [Any]
    #expect(report.layers.count == ops.count && ops.count > 10)

    let quiet = try tinyQuantize(out, ["--quiet", "--report", "--verbose", "--report-images", heldOut.path,
                                       "--report-json", json])
    #expect(quiet.status == 0, "\(quiet.stderr)")
    #expect(!quiet.stderr.contains("calibrate: pass") && !quiet.stderr.contains("report,"), "\(quiet.stderr)")
    #expect(quiet.stdout.contains("on 1 held-out image(s)") && quiet.stdout.contains("every layer, worst first"))
    let all = quiet.stdout.split(separator: "\n").filter { $0.hasPrefix("  ") && !$0.contains("SQNR dB") }
    #expect(all.count == ops.count, "\(quiet.stdout)")
    let heldOutReport = try JSONDecoder().decode(QuantizationReport.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
    #expect(heldOutReport.imageSet == .heldOut && heldOutReport.images == 1)
    #expect(heldOutReport.layers != report.layers)

    let needsReport = try tinyQuantize(out, ["--report-images", heldOut.path])
    #expect(needsReport.status != 0 && needsReport.stderr.contains("give --report, --report-json or --report-html"))
  }

  /// On a terminal (a pseudo-terminal from util-linux's `script`), each pass is one line
  /// redrawn in place that ends with the rate; nothing of it reaches a pipe.
  @Test func progressOnATerminalIsRedrawnInPlace() throws {
    let dir = try scratch()
    defer { try? FileManager.default.removeItem(at: dir) }
    let vigil = CLI.productsDirectory.appendingPathComponent("vigil").path
    let args = [vigil, "quantize", "--checkpoint", Golden.path("tiny-a.full.pth"), "--config",
                Golden.path(tinyA.config), "--calib", Self.images, "--method", "mse",
                "-o", dir.appendingPathComponent("m.vigil").path]
    // Standard output to /dev/null: what comes back through the terminal is standard error.
    let command = args.map { "'\($0)'" }.joined(separator: " ") + " >/dev/null"
    let r = try CLI.run([], executable: "/usr/bin/script", prefix: ["-qefc", command, "/dev/null"])
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    // 28 files, 2 of them corrupt: pass 2 runs over the 26 crops pass 1 kept.
    for (pass, n) in [("calibrate: pass 1", 28), ("calibrate: pass 2", 26)] {
      #expect(r.stdout.contains("\r\u{1B}[K\(pass), \(n)/\(n) images, "), "\(r.stdout.debugDescription)")
    }
    #expect(r.stdout.contains("\r\ncalibrate: skipping \(Self.images)/corrupt-truncated-header.jpg: corrupt"),
            "\(r.stdout.debugDescription)")
    #expect(r.stdout.contains(" images/s, "), "\(r.stdout.debugDescription)")
    #expect(!r.stdout.contains("calibrate: pass 1, 2/28 images\r\n"), "\(r.stdout.debugDescription)")
  }

  /// The meter: plain lines at each tenth and the end; on a terminal one line redrawn with
  /// the rate and time left, ended at the end of the pass.
  @Test func progressMeterText() {
    var lines = ProgressMeter(style: .lines)
    let texts = (1...20).compactMap { lines.update("pass", done: $0, total: 20, now: Double($0)) }
    #expect(texts.count == 10 && texts.first == "pass, 2/20 images\n" && texts.last == "pass, 20/20 images\n")
    var terminal = ProgressMeter(style: .terminal)
    #expect(terminal.update("pass", done: 1, total: 100, now: 0) == "\r\u{1B}[Kpass, 1/100 images")
    #expect(terminal.update("pass", done: 2, total: 100, now: 0.05) == nil)
    #expect(terminal.update("pass", done: 11, total: 100, now: 1)
            == "\r\u{1B}[Kpass, 11/100 images, 10.0 images/s, 0:09 left")
    #expect(terminal.update("pass", done: 100, total: 100, now: 9.9)
            == "\r\u{1B}[Kpass, 100/100 images, 10.0 images/s, 0:10\n")
    #expect(ProgressMeter.duration(3725) == "1:02:05")
  }

  /// A malformed configuration is described in Vigil's words (where, what was expected),
  /// never with Foundation's decoder text.
  @Test func configurationErrorsAreInVigilsWords() throws {
    let dir = try scratch()
    defer { try? FileManager.default.removeItem(at: dir) }
    let cases: [(String, String)] = [
      (#"{"channels": [8,"#, "not valid JSON: unexpected end at offset 16"),
      ("", "not valid JSON: unexpected end at offset 0"),
      (#"{"channels": "x"}"#, #"wrong type at "channels": expected a list"#),
      ("[1]", "wrong type at the top level: expected a JSON object"),
      (#"{"channels": [8], "blocks": [[1, 0]], "k": [0], "embedding": 4, "classes": 2, "distillation": 3}"#,
       #"wrong type at "distillation": expected true or false"#),
      (#"{"channels": [8]}"#, #"missing key "blocks""#),
    ]
    for (i, (text, expected)) in cases.enumerated() {
      let path = dir.appendingPathComponent("c\(i).json").path
      try Data(text.utf8).write(to: URL(fileURLWithPath: path))
      do {
        _ = try NetworkConfig.load(path: path)
        Issue.record("\(text): accepted")
      } catch {
        #expect(error.description.contains(expected), "\(text): \(error)")
        for foundation in ["The given data", "Expected to decode", "couldn’t be read", "NSCocoaErrorDomain"] {
          #expect(!error.description.contains(foundation), "\(text): \(error)")
        }
      }
    }
  }

  /// classify and eval share the inference: the shipped checkpoint without --config gives
  /// the same output as with it.
  @Test func classifyAndEvalInferTheNetworkToo() throws {
    let ckpt = Self.shipped.appendingPathComponent("mobilevigv2-fmnist.safetensors").path
    let config = Self.shipped.appendingPathComponent("mobilevigv2-fmnist.config.json").path
    let image = try ShippedModelTests.sampleFiles(".png").first!
    let named = try CLI.run(["classify", "--checkpoint", ckpt, "--config", config, "--json", "--logits", image])
    let inferred = try CLI.run(["classify", "--checkpoint", ckpt, "--json", "--logits", image])
    #expect(named.status == 0 && inferred.status == 0, "\(inferred.stderr)")
    #expect(named.stdout == inferred.stdout && !named.stdout.isEmpty)
    let eval = try CLI.run(["eval", "--checkpoint", ckpt, "--dataset", "\(ShippedModelTests.dataset):test",
                            "--limit", "8"])
    #expect(eval.status == 0, "\(eval.stderr)")
  }

  /// A state dict of zeros with every key and shape `config` reads (from the fold error of
  /// an empty one, which lists each missing key with its shape).
  static func zeroStateDict(_ config: NetworkConfig) throws -> StateDict {
    var error = FoldError(source: "", variant: "", problems: [], unexpected: [])
    do {
      _ = try Fp32Network(config: config, weights: StateDict(tensors: [:], keys: [], source: "empty"))
    } catch let e {
      error = e
    }
    var tensors: [String: Tensor] = [:], keys: [String] = []
    for line in error.problems where line.hasPrefix("missing ") {
      let parts = line.dropFirst("missing ".count).split(separator: " ", maxSplits: 1)
      let key = String(parts[0])
      let shape = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        .split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces))! }
      tensors[key] = Tensor(shape: shape, data: [Float](repeating: 0, count: shape.reduce(1, *)))
      keys.append(key)
    }
    return StateDict(tensors: tensors, keys: keys, source: "zeros")
  }
}
