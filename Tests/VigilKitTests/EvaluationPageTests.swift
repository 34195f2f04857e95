// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Testing
import VigilCore
@testable import VigilKit

@Suite struct EvaluationPageTests {
  static let hostile = ["<script>alert(1)</script>", "a\"b'c&d", "T-shirt/top"]
  static let confusion = [[5, 1, 0], [2, 7, 3], [0, 0, 4]]

  static func page(misses: [EvaluationPage.Miss], total: Int) -> EvaluationPage {
    EvaluationPage(model: "<img src=x onerror=alert(1)>.vigil",
                   provenance: [("checkpoint", "\"><script>x</script>.pth")],
                   dataset: "folder:/data/<b>", classNames: hostile, confusion: confusion,
                   images: 22, failed: 1, top1: 16.0 / 22, top5: 1, misses: misses,
                   missedTotal: total)
  }

  @Test func hostileLabelsAndNamesStayText() throws {
    let gray = RGBImage(width: 4, height: 3, gray: Array(0..<12).map { UInt8($0 * 20) })
    let miss = EvaluationPage.Miss(index: 3, item: "\"><svg onload=alert(1)>.png", truth: 1,
                                   predicted: 0, score: 0.625, thumbnail: try Thumbnail(gray))
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

  @Test func classScoresFromTheConfusionMatrix() {
    let s = EvaluationPage.classScores([[3, 1], [0, 0]])
    #expect(s[0].precision == 1 && s[0].recall == 0.75)
    #expect(s[0].f1! == 2 * 0.75 / 1.75)
    #expect(s[1].precision == 0 && s[1].recall == nil && s[1].f1 == nil)
  }

  @Test func theCapIsStatedOnThePage() {
    let misses = (0..<3).map { EvaluationPage.Miss(index: $0, item: "#\($0)", truth: 0, predicted: 1) }
    let html = Self.page(misses: misses, total: 40).html()
    #expect(PageChecks.count("<figure class=\"miss\"", in: html) == 3)
    #expect(html.contains("The first 3 of 40 misclassified images"))
  }

  /// The page of a report on the IDX test split: the misses are the images whose prediction
  /// is not their label, and their thumbnails are the IDX pixels, losslessly.
  @Test func idxMissesCarryTheirOwnPixels() throws {
    let data = try LabeledDataset.open(spec: "fashion-mnist:\(EvaluationTests.fashionMNIST)")
    var report = EvaluationReport(classNames: data.classNames)
    var wrong: [Int] = []
    for i in 0..<30 {
      let label = try data.sample(i).label
      let predicted = i % 7 == 3 ? (label + 1) % 10 : label
      if predicted != label { wrong.append(i) }
      report.images += 1
      report.confusion[label][predicted] += 1
      report.predictions.append(predicted)
    }
    let page = try EvaluationPage(report, dataset: data, model: "m.vigil", maxThumbnails: 3)
    #expect(page.missedTotal == wrong.count)
    #expect(page.misses.map(\.index) == Array(wrong.prefix(3)))
    for miss in page.misses {
      let t = try #require(miss.thumbnail)
      #expect(t.mime == "image/png" && t.width == 28 && t.height == 28)
      #expect(try ImageDecoder.decode(bytes: t.bytes) == data.sample(miss.index).image)
      #expect(miss.item == "#\(miss.index)")
    }
    let html = page.html()
    #expect(PageChecks.count("src=\"data:image/png;base64,", in: html) == 3)
    #expect(html.contains("The first 3 of \(wrong.count) misclassified images"))
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
