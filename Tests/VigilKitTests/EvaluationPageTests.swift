// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CVigilIO
import Foundation
import Testing
import VigilCore
@testable import VigilKit

@Suite struct EvaluationPageTests {
  static let hostile = ["<script>alert(1)</script>", "a\"b'c&d", "T-shirt/top"]
  static let confusion = [[5, 1, 0], [2, 7, 3], [0, 0, 4]]

  static var report: EvaluationReport {
    var r = EvaluationReport(model: "/models/<img src=x onerror=alert(1)>.vigil",
                             dataset: "folder:/data/<b>", classNames: hostile)
    r.confusion = confusion
    r.images = 22
    r.failed = 1
    r.top1Correct = 16
    r.top5Correct = 22
    return r
  }

  static func prediction(_ index: Int, file: String? = nil, truth: Int, predicted: Int,
                         score: Double? = nil) -> ImagePrediction {
    ImagePrediction(index: index, file: file, trueClass: truth, trueLabel: hostile[truth],
                    predicted: predicted, predictedLabel: hostile[predicted], score: score,
                    error: nil)
  }

  static func page(misses: [EvaluationPage.Miss], total: Int) -> EvaluationPage {
    EvaluationPage(report, provenance: [("checkpoint", "\"><script>x</script>.pth")],
                   misses: misses, missedTotal: total)
  }

  @Test func hostileLabelsAndNamesStayText() throws {
    let gray = RGBImage(width: 4, height: 3, gray: Array(0..<12).map { UInt8($0 * 20) })
    let miss = EvaluationPage.Miss(Self.prediction(3, file: "/data/b/\"><svg onload=alert(1)>.png",
                                                   truth: 1, predicted: 0, score: 0.625),
                                   thumbnail: try Thumbnail(gray))
    let html = Self.page(misses: [miss], total: 6).html()
    PageChecks.expectSelfContained(html)
    #expect(!html.contains("<svg onload"))
    #expect(!html.contains("<img src=x"))
    #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    #expect(html.contains("a&quot;b&#39;c&amp;d"))
    #expect(html.contains("&quot;&gt;&lt;svg onload=alert(1)&gt;.png"))
    #expect(html.contains("predicted: &lt;script&gt;alert(1)&lt;/script&gt; (0.62)"))
  }

  @Test func heatMapCellsAndFiguresEqualTheData() {
    let html = Self.page(misses: [], total: 6).html()
    let cells = PageChecks.texts(html, tag: "td", classPrefix: "cell")
    #expect(cells.count == 9)
    #expect(cells == Self.confusion.flatMap { $0 }.map(String.init))
    #expect(PageChecks.texts(html, tag: "td", classPrefix: "total") == ["6", "12", "4"])
    #expect(PageChecks.count("class=\"cell diag\"", in: html) == 3)
    #expect(html.contains("<div class=\"figure\" id=\"top1\"><b>72.73 %</b>"))
    #expect(html.contains("<div class=\"figure\" id=\"failed\"><b>1</b>"))
    // Three bars per class; class 1: precision 7/8, recall 7/12.
    #expect(PageChecks.count("<rect class=\"bar ", in: html) == 9)
    #expect(html.contains("<rect class=\"bar precision\" x=\"0\" y=\"0\" height=\"10\" width=\"87.50\"/>"))
    #expect(html.contains("<rect class=\"bar recall\" x=\"0\" y=\"0\" height=\"10\" width=\"58.33\"/>"))
    #expect(html.contains("No image was misclassified.") == false)
  }

  @Test func theCapIsStatedOnThePage() {
    let misses = (0..<3).map { EvaluationPage.Miss(Self.prediction($0, truth: 0, predicted: 1)) }
    let html = Self.page(misses: misses, total: 40).html()
    #expect(PageChecks.count("<figure class=\"miss\"", in: html) == 3)
    #expect(html.contains("The first 3 of 40 misclassified images"))
  }

  /// The page of a report on the IDX test split: the misses are the images whose prediction
  /// is not their label, and their thumbnails are the IDX pixels, losslessly.
  @Test func idxMissesCarryTheirOwnPixels() throws {
    let data = try LabeledDataset.open(spec: "fashion-mnist:\(EvaluationTests.fashionMNIST)")
    var report = EvaluationReport(model: "m.vigil", dataset: data.spec, classNames: data.classNames)
    var wrong: [Int] = []
    for i in 0..<30 {
      let label = data.label(i)
      let predicted = i % 7 == 3 ? (label + 1) % 10 : label
      if predicted != label { wrong.append(i) }
      report.images += 1
      report.confusion[label][predicted] += 1
      report.predictions.append(ImagePrediction(
        index: i, file: nil, trueClass: label, trueLabel: data.classNames[label],
        predicted: predicted, predictedLabel: data.classNames[predicted], score: 0.5, error: nil))
    }
    let page = EvaluationPage(report, dataset: data, maxThumbnails: 3)
    #expect(page.missedTotal == wrong.count)
    #expect(page.misses.map(\.prediction.index) == Array(wrong.prefix(3)))
    for miss in page.misses {
      let t = try #require(miss.thumbnail)
      #expect(t.mime == "image/png" && t.width == 28 && t.height == 28)
      #expect(try ImageDecoder.decode(bytes: t.bytes) == data.sample(miss.prediction.index).image)
      #expect(miss.item == "#\(miss.prediction.index)")
    }
    let html = page.html()
    #expect(PageChecks.count("src=\"data:image/png;base64,", in: html) == 3)
    #expect(html.contains("The first 3 of \(wrong.count) misclassified images"))
  }

  @Test func aMissWithoutItsImageSaysWhy() {
    let miss = EvaluationPage.Miss(Self.prediction(0, file: "/d/a/gone.png", truth: 0, predicted: 1),
                                   thumbnailError: "/d/a/gone.png <does not exist>")
    let html = Self.page(misses: [miss], total: 1).html()
    #expect(html.contains("<span class=\"nothumb\">no thumbnail: /d/a/gone.png &lt;does not exist&gt;</span>"))
    #expect(!html.contains("<img"))
  }

  /// vgl_io_encode_png refuses what it cannot write, with the reason, and never overruns.
  @Test func pngEncoderErrors() {
    let gray = [UInt8](repeating: 7, count: 16 * 16)
    var out = [UInt8](repeating: 0, count: 8)
    var length = 99
    var msg = [CChar](repeating: 0, count: 200)
    func text() -> String { String(decoding: msg.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    #expect(vgl_io_encode_png(gray, 16, 16, 1, &out, out.count, &length, &msg, msg.count) == VGL_IO_E_TOO_BIG)
    #expect(text().contains("the buffer holds 8"), "\(text())")
    #expect(length == 0)
    #expect(vgl_io_encode_png(gray, 16, 16, 2, &out, out.count, &length, &msg, msg.count) == VGL_IO_E_ARGUMENT)
    #expect(vgl_io_encode_png(gray, 0, 16, 1, &out, out.count, &length, &msg, msg.count) == VGL_IO_E_DIMENSIONS)
    #expect(vgl_io_encode_png(gray, 16, 16, 1, nil, 0, &length, &msg, msg.count) == VGL_IO_E_ARGUMENT)
    out = [UInt8](repeating: 0, count: 1024)
    #expect(vgl_io_encode_png(gray, 16, 16, 1, &out, out.count, &length, &msg, msg.count) == VGL_IO_OK)
    #expect(length > 8 && length < 1024 && Array(out.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
  }

  @Test func colourPhotosAreDownscaledToJPEG() throws {
    var pixels = [UInt8](repeating: 0, count: 300 * 200 * 3)
    for i in pixels.indices { pixels[i] = UInt8(truncatingIfNeeded: i * 7) }
    let t = try Thumbnail(RGBImage(width: 300, height: 200, pixels: pixels), maxSide: 96)
    #expect(t.mime == "image/jpeg" && t.width == 96 && t.height == 96)
    let back = try ImageDecoder.decode(bytes: t.bytes)
    #expect(back.width == 96 && back.height == 96)
  }
}

/// `vigil eval --html` run as a user would, on a `folder:` dataset built from the bundled
/// samples (one folder per label, "_" for "/"), with one sample filed under the wrong class
/// and a colour photo filed under two classes, so both thumbnail kinds are on the page.
@Suite struct EvaluationPageCLITests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  static let model = root.appendingPathComponent("weights/fashion-mnist/mobilevigv2-fmnist.vigil").path

  @Test func folderDatasetPageHasEveryMissWithItsThumbnail() throws {
    let fm = FileManager.default
    let dir = fm.temporaryDirectory.appendingPathComponent("vigil-html-\(getpid())")
    try? fm.removeItem(at: dir)
    defer { try? fm.removeItem(at: dir) }
    let data = dir.appendingPathComponent("data")
    let labels = LabeledDataset.fashionMNISTClasses.map { $0.replacingOccurrences(of: "/", with: "_") }
    for l in labels { try fm.createDirectory(at: data.appendingPathComponent(l), withIntermediateDirectories: true) }
    let samples = Self.root.appendingPathComponent("Tests/Fixtures/samples")
    let index = try String(contentsOf: samples.appendingPathComponent("index.txt"), encoding: .utf8)
    for line in index.split(separator: "\n") {
      let f = line.split(separator: " ")
      let name = String(f[0]), label = Int(f[2])!
      // Test image 0 is an ankle boot: filed as a bag, it is a miss whatever the model says.
      let folder = name.hasPrefix("t10k-00000-") ? labels[8] : labels[label]
      try fm.copyItem(at: samples.appendingPathComponent(name),
                      to: data.appendingPathComponent(folder).appendingPathComponent(name))
    }
    let photo = Self.root.appendingPathComponent("Tests/Fixtures/images/chroma422.jpg")
    for (folder, name) in [(labels[3], "photo-a.jpg"), (labels[4], "photo-b.jpg")] {
      try fm.copyItem(at: photo, to: data.appendingPathComponent(folder).appendingPathComponent(name))
    }
    let page = dir.appendingPathComponent("report.html").path
    let r = try CLI.run(["eval", Self.model, "--dataset", "folder:" + data.path, "--json", "--html", page])
    #expect(r.status == 0, "\(r.stderr)")
    let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    let predictions = json["predictions"] as! [[String: Any]]
    let misses = predictions.filter { ($0["predicted"] as? Int) != ($0["true"] as! Int) }
    let html = try String(contentsOfFile: page, encoding: .utf8)
    PageChecks.expectSelfContained(html)
    #expect(PageChecks.count("<figure class=\"miss\"", in: html) == misses.count)
    #expect(html.contains("All \(misses.count) misclassified images, in dataset order."))
    for m in misses {
      let file = ((m["file"] as! String) as NSString).lastPathComponent
      #expect(html.contains("<span class=\"item\">\(file)</span>"), "\(file)")
    }
    #expect(html.contains("<span class=\"item\">t10k-00000-ankle-boot.png</span>"))
    #expect(PageChecks.count("src=\"data:image/jpeg;base64,", in: html) >= 1)
    #expect(PageChecks.count("src=\"data:image/png;base64,", in: html) >= 1)
    #expect(PageChecks.texts(html, tag: "td", classPrefix: "cell").map { Int($0)! }
              == (json["confusion"] as! [[Int]]).flatMap { $0 })
  }

  @Test func anHTMLOutputOverAnInputIsRefusedBeforeAnyWork() throws {
    let r = try CLI.run(["eval", Self.model, "--dataset", "fashion-mnist:\(EvaluationTests.fashionMNIST)",
                         "--limit", "5", "--html", Self.model])
    #expect(r.status != 0)
    #expect(r.stderr.contains("destroy an input"), "\(r.stderr)")
    #expect(!r.stderr.contains("eval: 5/5"), "evaluated before refusing: \(r.stderr)")
  }
}
