// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CKernels
import Foundation
import Testing
import VigilCore
@testable import VigilKit

/// The model Vigil ships (weights/fashion-mnist, made by Tools/train-fashion-mnist.py and
/// Tools/make-shipped-model.sh) and the bundled sample frames.
@Suite struct ShippedModelTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  static let weights = root.appendingPathComponent("weights/fashion-mnist")
  static let model = weights.appendingPathComponent("mobilevigv2-fmnist.vigil").path
  static let samples = root.appendingPathComponent("Tests/Fixtures/samples")
  static let dataset = "fashion-mnist:/usr/share/datasets/fashion-mnist"

  static func sampleFiles(_ ext: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: samples.path).filter { $0.hasSuffix(ext) }
      .sorted().map { samples.appendingPathComponent($0).path }
  }

  /// The PNG samples are test images 0..11 written losslessly: classifying the files gives the
  /// same logits, bit for bit, as `eval` on the dataset gives for those images.
  @Test func filePathAndDatasetPathAgree() throws {
    let classifier = try Int8Classifier(path: Self.model)
    let data = try LabeledDataset.open(spec: Self.dataset)
    let pngs = try Self.sampleFiles(".png")
    #expect(pngs.count == 12)
    let report = try EvaluationReport.run(classifier, on: data, limit: pngs.count)
    for (i, png) in pngs.enumerated() {
      let fromFile = try classifier.logits(path: png)
      let fromDataset = try classifier.logits(image: data.sample(i).image)
      #expect(fromFile == fromDataset, "\(png)")
      #expect(Golden.argmax(fromFile) == report.predictions[i].predicted)
    }
  }

  /// `vigil classify` on every bundled frame (PNG and JPEG) answers as `vigil eval` does on a
  /// folder dataset of the same files.
  @Test func classifyAndEvalAgreeOnTheBundledFrames() throws {
    let files = try Self.sampleFiles(".png") + Self.sampleFiles(".jpg")
    let classify = try CLI.run(["classify", Self.model, "--json", "--top", "1"] + files)
    #expect(classify.status == 0, "\(classify.stderr)")
    let lines = try CLI.jsonLines(classify.stdout)
    try #require(lines.count == files.count)
    // A folder dataset: one subfolder per label, named as the model's labels.
    let labels = try Int8Classifier(path: Self.model).labels
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-frames-\(UUID())")
    let index = try String(contentsOf: Self.samples.appendingPathComponent("index.txt"), encoding: .utf8)
    var truth: [String: Int] = [:]
    for line in index.split(separator: "\n") {
      let parts = line.split(separator: " ")
      truth[String(parts[0])] = Int(parts[2])!
    }
    for file in files {
      let name = (file as NSString).lastPathComponent
      let label = labels[truth[name]!]
      let sub = dir.appendingPathComponent(label.replacingOccurrences(of: "/", with: "_"))
      try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
      try FileManager.default.copyItem(atPath: file, toPath: sub.appendingPathComponent(name).path)
    }
    let eval = try CLI.run(["eval", Self.model, "--dataset", "folder:\(dir.path)", "--json"])
    #expect(eval.status == 0, "\(eval.stderr)")
    let report = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as! [String: Any]
    // Each prediction names its file and its classes by the model's labels.
    let predictions = report["predictions"] as! [[String: Any]]
    #expect(report["classes"] as? [String] == labels)
    var byFile: [String: String] = [:]
    for p in predictions {
      let name = ((p["file"] as! String) as NSString).lastPathComponent
      // The model's labels are not sorted (T-shirt/top, Trouser, ...; the folders sort Ankle
      // boot first): indices are the model's, as classify prints them.
      #expect(p["true"] as? Int == truth[name] && p["true_label"] as? String == labels[truth[name]!])
      byFile[name] = p["predicted_label"] as? String
    }
    for (file, line) in zip(files, lines) {
      let top = (line["top"] as! [[String: Any]])[0]
      #expect(top["label"] as? String == byFile[(file as NSString).lastPathComponent], "\(file)")
    }
  }

  /// The logits of every bundled frame, bit for bit, as recorded in
  /// Tests/Fixtures/samples/logits.txt (one line per file: name, then each logit's IEEE bits in
  /// hex). Recorded from the scalar reference before the packed weight layout existed, so a
  /// re-quantized model, any kernel and any thread count must reproduce them exactly.
  /// VIGIL_UPDATE_FIXTURES=1 rewrites the file.
  @Test func logitsMatchTheRecordedOnes() throws {
    let classifier = try Int8Classifier(path: Self.model)
    let files = try Self.sampleFiles(".png") + Self.sampleFiles(".jpg")
    var lines: [String] = []
    for file in files {
      let bits = try classifier.logits(path: file).map { String(format: "%08x", $0.bitPattern) }
      lines.append(([(file as NSString).lastPathComponent] + bits).joined(separator: " "))
    }
    let text = lines.joined(separator: "\n") + "\n"
    let fixture = Self.samples.appendingPathComponent("logits.txt")
    if ProcessInfo.processInfo.environment["VIGIL_UPDATE_FIXTURES"] == "1" {
      try Data(text.utf8).write(to: fixture)
    }
    let stored = try String(contentsOf: fixture, encoding: .utf8)
    #expect(stored == text)
    // Every kernel path this CPU runs and 1...4 threads: the same bits.
    for isa in [VGL_ISA_SCALAR, VGL_ISA_AVX2, VGL_ISA_AVX512VNNI, VGL_ISA_NEON, VGL_ISA_NEONDOT]
    where vgl_isa_supported(isa) != 0 {
      for threads in 1...4 {
        let other = try Int8Classifier(path: Self.model, threads: threads, isa: isa)
        for (file, line) in zip(files, lines) {
          let bits = try other.logits(path: file).map { String(format: "%08x", $0.bitPattern) }
          #expect(([(file as NSString).lastPathComponent] + bits).joined(separator: " ") == line,
                  "isa \(String(cString: vgl_isa_name(isa))) threads \(threads)")
        }
      }
    }
  }

  /// The shipped .vigil is exactly what its README's command makes from the shipped checkpoint.
  @Test func theShippedModelIsReproducible() throws {
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-\(UUID()).vigil").path
    let r = try CLI.run([
      "quantize", "--checkpoint", Self.weights.appendingPathComponent("mobilevigv2-fmnist.safetensors").path,
      "--config", Self.weights.appendingPathComponent("mobilevigv2-fmnist.config.json").path,
      "--calib", "\(Self.dataset):train", "--calib-count", "512", "--method", "mse",
      "--labels", Self.weights.appendingPathComponent("labels.txt").path, "-o", out,
    ])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == Data(contentsOf: URL(fileURLWithPath: Self.model)))
  }

  /// int8 and fp32 agree on the first 500 test images and both are accurate there (the full
  /// 10,000-image figures are in weights/README.md).
  @Test func int8AgreesWithFp32() throws {
    let data = try LabeledDataset.open(spec: Self.dataset)
    let config = try NetworkConfig.load(path: Self.weights.appendingPathComponent("mobilevigv2-fmnist.config.json").path)
    let fp32 = try Fp32Classifier(checkpoint: Self.weights.appendingPathComponent("mobilevigv2-fmnist.safetensors").path,
                                  config: config)
    let a = try EvaluationReport.run(fp32, on: data, limit: 500)
    let b = try EvaluationReport.run(Int8Classifier(path: Self.model), on: data, limit: 500)
    let agree = zip(a.predictions, b.predictions).filter { $0.predicted == $1.predicted }.count
    #expect(agree >= 490, "top-1 agreement \(agree)/500")
    #expect(a.top1 >= 0.9 && b.top1 >= 0.9, "fp32 \(a.top1), int8 \(b.top1)")
  }
}
