// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Testing
import VigilCore
@testable import VigilKit

@Suite struct EvaluationTests {
  static let fashionMNIST = "/usr/share/datasets/fashion-mnist"
  static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/samples")

  @Test func fashionMNISTTestSplitLoads() throws {
    let data = try LabeledDataset.open(spec: "fashion-mnist:\(Self.fashionMNIST)")
    #expect(data.count == 10_000)
    #expect(data.classNames.count == 10)
    let (image, label, _) = try data.sample(0)
    #expect(image.width == 28 && image.height == 28)
    // The bundled sample of test image 0 was written from the same file by Tools/make-samples.py.
    let png = try ImageDecoder.decode(path: Self.samples.appendingPathComponent("t10k-00000-ankle-boot.png").path)
    #expect(png.pixels == image.pixels)
    #expect(label == 9)
    let train = try LabeledDataset.open(spec: "fashion-mnist:\(Self.fashionMNIST):train")
    #expect(train.count == 60_000)
  }

  @Test func badSpecsAndMalformedFilesSaySo() throws {
    #expect(throws: DatasetError.self) { try LabeledDataset.open(spec: "mnist") }
    #expect(throws: DatasetError.self) { try LabeledDataset.open(spec: "imagenet:/x") }
    do {
      _ = try LabeledDataset.open(spec: "fashion-mnist:/nonexistent")
      Issue.record("opened a missing dataset")
    } catch {
      #expect("\(error)".contains("dataset-fashion-mnist"))
    }
    // An IDX header that promises more data than the file holds.
    var bytes: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28]
    bytes += [UInt8](repeating: 0, count: 28 * 28)
    #expect(throws: DatasetError.self) {
      try LabeledDataset.parseIDX(bytes, path: "x", dims: 3)
    }
    #expect(try LabeledDataset.parseIDX(bytes + [UInt8](repeating: 0, count: 784), path: "x", dims: 3).shape == [2, 28, 28])
    #expect(throws: DatasetError.self) { try LabeledDataset.parseIDX([0, 0, 9, 1], path: "x", dims: 1) }
  }

  @Test func idxSizesWhoseProductWrapsAreRefused() throws {
    // 2^22 x 2^21 x 2^21 = 2^64, which wraps to 0 = the data bytes of a header-only file.
    let header: [UInt8] = [0, 0, 8, 3, 0, 0x40, 0, 0, 0, 0x20, 0, 0, 0, 0x20, 0, 0]
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-idx-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try Data(header).write(to: dir.appendingPathComponent("t10k-images-idx3-ubyte"))
    try Data([0, 0, 8, 1, 0, 0x40, 0, 0]).write(to: dir.appendingPathComponent("t10k-labels-idx1-ubyte"))
    do {
      _ = try LabeledDataset.open(spec: "fashion-mnist:" + dir.path)
      Issue.record("opened a dataset whose sizes overflow")
    } catch {
      // Refused by the C reader's 64-bit size check, before the Swift parser's checked product.
      #expect("\(error)".contains("IDX header declares more than"), "\(error)")
    }
    // Through the CLI too: a clean error, exit 1, no trap.
    let model = Golden.directory.deletingLastPathComponent().appendingPathComponent("model/tiny.vigil").path
    let r = try CLI.run(["eval", model, "--dataset", "fashion-mnist:" + dir.path])
    #expect(r.status == 1 && r.stderr.contains("IDX header declares more than"), "\(r.status) \(r.stderr)")
  }

  @Test func folderDatasetSortsClassesAndFiles() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-folder-\(UUID())")
    let fm = FileManager.default
    for (cls, files) in [("b-sandal", ["t10k-00011-sandal.png"]), ("a-trouser", ["t10k-00003-trouser.png", "t10k-00002-trouser.png"])] {
      try fm.createDirectory(at: dir.appendingPathComponent(cls), withIntermediateDirectories: true)
      for f in files {
        try fm.copyItem(at: Self.samples.appendingPathComponent(f), to: dir.appendingPathComponent(cls).appendingPathComponent(f))
      }
    }
    try "not an image".write(to: dir.appendingPathComponent("a-trouser/notes.txt"), atomically: true, encoding: .utf8)
    let data = try LabeledDataset.open(spec: "folder:\(dir.path)")
    #expect(data.classNames == ["a-trouser", "b-sandal"])
    #expect(data.count == 3)
    #expect(try data.sample(0).name.hasSuffix("a-trouser/t10k-00002-trouser.png"))
    #expect(try data.sample(2).label == 1)
  }

  @Test func reportCountsTopKAndConfusion() throws {
    final class Fixed: ImageClassifier {
      var classes: Int { 10 }
      var labels: [String] { [] }
      // Predicts class (label of image + shift) by reading nothing: ranks classes by index.
      func logits(image: RGBImage) throws -> [Float] { (0..<10).map { Float(-$0) } }
    }
    let data = try LabeledDataset.open(spec: "fashion-mnist:\(Self.fashionMNIST)")
    let report = try EvaluationReport.run(Fixed(), on: data, limit: 100)
    #expect(report.images == 100)
    // Always predicts class 0 (top-5: 0...4): accuracy equals the share of those labels.
    var labels: [Int] = []
    for i in 0..<100 { labels.append(try data.sample(i).label) }
    #expect(report.top1Correct == labels.filter { $0 == 0 }.count)
    #expect(report.top5Correct == labels.filter { $0 < 5 }.count)
    #expect(report.confusion.map { $0[0] }.reduce(0, +) == 100)
    let json = try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as! [String: Any]
    #expect(json["images"] as? Int == 100)
    #expect((json["confusion"] as? [[Int]])?.count == 10)
    // Every image: its index (no file in an IDX dataset), true and predicted class, top score.
    let predictions = json["predictions"] as! [[String: Any]]
    #expect(predictions.count == 100)
    #expect(predictions[0]["index"] as? Int == 0 && predictions[0]["file"] == nil)
    #expect(predictions[0]["true"] as? Int == labels[0] && predictions[0]["predicted"] as? Int == 0)
    #expect(predictions[0]["true_label"] as? String == LabeledDataset.fashionMNISTClasses[labels[0]])
    #expect(predictions[0]["predicted_label"] as? String == "T-shirt/top")
    #expect(abs((predictions[0]["score"] as! Double) - softmax((0..<10).map { Float(-$0) })[0]) < 1e-12)
    // Class 0 is predicted for all: precision = its share, recall 1; other classes: recall 0.
    let perClass = json["per_class"] as! [[String: Any]]
    let zeros = labels.filter { $0 == 0 }.count
    #expect(perClass[0]["precision"] as? Double == Double(zeros) / 100)
    #expect(perClass[0]["recall"] as? Double == 1)
    #expect(perClass[1]["precision"] is NSNull && perClass[1]["recall"] as? Double == 0)
    // The JSON reads back into the same report.
    let back = try JSONDecoder().decode(EvaluationReport.self, from: Data(report.json().utf8))
    #expect(back.predictions == report.predictions && back.confusion == report.confusion)
    #expect(try back.json() == report.json())
  }
}

@Suite struct EvaluationLabelOrderTests {
  /// Always answers its class 0 ("zebra"), with labels not in sorted order.
  final class Unsorted: ImageClassifier {
    var classes: Int { 3 }
    var labels: [String] { ["zebra", "ant", "moth/fly"] }
    func logits(image: RGBImage) throws -> [Float] { [2, 1, 0] }
  }

  @Test func classIndicesFollowTheModelsLabelOrder() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-order-\(UUID())")
    defer { try? FileManager.default.removeItem(at: dir) }
    // Sorted folder names: ant, moth_fly, zebra (the model's 1, 2, 0).
    for (cls, n) in [("ant", 1), ("moth_fly", 2), ("zebra", 3)] {
      let sub = dir.appendingPathComponent(cls)
      try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
      for i in 0..<n {
        try FileManager.default.copyItem(at: EvaluationTests.samples.appendingPathComponent("t10k-00000-ankle-boot.png"),
                                         to: sub.appendingPathComponent("\(i).png"))
      }
    }
    let data = try LabeledDataset.open(spec: "folder:" + dir.path)
    #expect(data.classNames == ["ant", "moth_fly", "zebra"])
    let report = try EvaluationReport.run(Unsorted(), on: data, model: "unsorted")
    #expect(report.classNames == ["zebra", "ant", "moth/fly"])
    // Every image is predicted zebra (0): the matrix's column 0 holds each class's count.
    #expect(report.confusion == [[3, 0, 0], [1, 0, 0], [2, 0, 0]])
    #expect(report.predictions.map(\.trueClass) == [1, 2, 2, 0, 0, 0])
    #expect(report.predictions[0].file?.hasSuffix("ant/0.png") == true)
    #expect(report.predictions.allSatisfy { $0.predicted == 0 && $0.predictedLabel == "zebra" })
    #expect(report.perClass.map(\.recall) == [1, 0, 0])
    #expect(report.perClass[0].precision == 0.5 && report.perClass[0].f1 == 2 * 0.5 / 1.5)
    #expect(report.text.contains("0  zebra") && report.text.contains("2  moth/fly"))

    // Compared with itself: full agreement; with another model: the differing images.
    final class Second: ImageClassifier {
      var classes: Int { 3 }
      var labels: [String] { ["zebra", "ant", "moth/fly"] }
      func logits(image: RGBImage) throws -> [Float] { [0, 1, 0] }
    }
    let same = try EvaluationComparison(report, report)
    #expect(same.agree == 6 && same.differences.isEmpty && same.agreement == 1)
    let other = try EvaluationReport.run(Second(), on: data, model: "second")
    let diff = try EvaluationComparison(report, other)
    #expect(diff.agree == 0 && diff.images == 6 && diff.differences.count == 6)
    #expect(diff.differences[0].a == 0 && diff.differences[0].b == 1 && diff.differences[0].bLabel == "ant")
    #expect(diff.text().contains("agreement 0.00 %: the same top-1 class on 0 of 6 images; 6 differ"))
    let json = try JSONSerialization.jsonObject(with: Data(diff.json().utf8)) as! [String: Any]
    #expect(json["agree"] as? Int == 0 && (json["differences"] as! [Any]).count == 6)
  }
}

@Suite struct CalibrationSourceTests {
  static let images = EvaluationTests.samples.path

  @Test func listFilesMayUseCRLFAndRelativePaths() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-list-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let list = dir.appendingPathComponent("calib.txt")
    let files = ["t10k-00000-ankle-boot.png", "t10k-00001-pullover.png", "t10k-00012-sneaker.jpg"]
    for f in files {
      try FileManager.default.copyItem(at: EvaluationTests.samples.appendingPathComponent(f),
                                       to: dir.appendingPathComponent(f))
    }
    try ("# calibration\r\n" + files.joined(separator: "\r\n") + "\r\n\r\n")
      .write(to: list, atomically: true, encoding: .utf8)
    let source = try CalibrationImages(source: list.path, count: nil)
    #expect(source.count == 3)
    #expect(try source.image(2).width == 28)
  }

  @Test func oneImageCountsAndEvenSpacingCoversTheFolder() throws {
    let one = try CalibrationImages(source: Self.images + "/t10k-00000-ankle-boot.png", count: nil)
    #expect(one.count == 1)
    let some = try CalibrationImages(source: Self.images, count: 4)
    // 24 sorted samples, every sixth: indices 0, 6, 12, 18.
    #expect(some.count == 4)
    #expect(some.name(1).hasSuffix("t10k-00006-coat.png"))
    #expect(some.name(2).hasSuffix("t10k-00012-sneaker.jpg"))
    let dataset = try CalibrationImages(source: "fashion-mnist:\(EvaluationTests.fashionMNIST):train", count: nil)
    #expect(dataset.limited && dataset.count == CalibrationImages.defaultLimit && dataset.available == 60_000)
  }

  @Test func aMissingSourceSaysSo() {
    do {
      _ = try CalibrationImages(source: "/nonexistent/photos", count: nil)
      Issue.record("accepted a missing folder")
    } catch {
      #expect("\(error)".contains("does not exist"))
    }
  }
}

@Suite struct GzipTests {
  @Test func gzipAndPlainFilesReadAlikeAndTruncationIsAnError() throws {
    let src = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"
    let plain = try FileIO.readAll(path: src, maxBytes: 1 << 20, gunzip: true)
    #expect(plain.count == 10_008)
    #expect(plain.prefix(4) == [0, 0, 8, 1])
    // The same bytes uncompressed pass through unchanged.
    let raw = FileManager.default.temporaryDirectory.appendingPathComponent("labels-\(UUID())")
    try Data(plain).write(to: raw)
    #expect(try FileIO.readAll(path: raw.path, maxBytes: 1 << 20, gunzip: true) == plain)
    // Half a gzip stream is refused, not silently short.
    let gz = try Data(contentsOf: URL(fileURLWithPath: src))
    let cut = FileManager.default.temporaryDirectory.appendingPathComponent("cut-\(UUID()).gz")
    try gz.prefix(gz.count / 2).write(to: cut)
    do throws(ImageError) {
      _ = try FileIO.readAll(path: cut.path, maxBytes: 1 << 20, gunzip: true)
      Issue.record("truncated gzip accepted")
    } catch {
      #expect(error.description.contains("truncated gzip"), "\(error.description)")
    }
    // The decompressed size is capped.
    #expect(throws: ImageError.self) { try FileIO.readAll(path: src, maxBytes: 1000, gunzip: true) }
  }
}
