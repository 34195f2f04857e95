// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Testing
@testable import VigilKit

@Suite struct QuantizationPageTests {
  static func layer(_ op: Int, _ name: String, _ kind: String, sqnr: Double?, scale: Float?,
                    values: Int, clipped: Int) -> QuantizationReport.Layer {
    var l = QuantizationReport.Layer(op: op, name: name, kind: kind, scale: scale,
                                     zeroPoint: scale == nil ? nil : 0, values: values,
                                     clipped: clipped, signal: 1, noise: 1)
    l.sqnr = sqnr
    return l
  }

  static let report = QuantizationReport(images: 4, imageSet: .calibration, method: "mse", layers: [
    layer(0, "stem.stem.0", "stem", sqnr: 34, scale: 0.017, values: 10_000, clipped: 2),
    layer(1, "<script>alert('x')</script>", "conv", sqnr: 12.5, scale: 0.02, values: 100, clipped: 0),
    layer(2, "gap", "gap", sqnr: nil, scale: 0.5, values: 100, clipped: 0),
    layer(3, "head", "head", sqnr: 21, scale: nil, values: 40, clipped: 0),
  ])

  @Test func oneBarPerLayerWorstFirstAndEscaped() {
    let page = QuantizationPage(Self.report, model: "\"><b>.vigil", summary: [("method", "<i>mse</i>")])
    let html = page.html()
    PageChecks.expectSelfContained(html)
    #expect(!html.contains("<b>.vigil") && !html.contains("<i>mse"))
    #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
    #expect(html.contains("on the 4 calibration images"))
    #expect(PageChecks.count("<rect class=\"bar ", in: html) == 4)
    // Worst first, the exact op last with a full bar; the full scale is 40 dB.
    let ops = html.components(separatedBy: "data-op=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
    #expect(ops == ["1", "3", "0", "2"])
    #expect(PageChecks.texts(html, tag: "span", classPrefix: "db")
              == ["", "12.50 dB", "21.00 dB", "34.00 dB", "exact"])
    #expect(html.contains("<rect class=\"bar poor\" x=\"0\" y=\"0\" height=\"10\" width=\"31.25\"/>"))
    #expect(html.contains("<rect class=\"bar fair\" x=\"0\" y=\"0\" height=\"10\" width=\"52.50\"/>"))
    #expect(html.contains("<rect class=\"bar good\" x=\"0\" y=\"0\" height=\"10\" width=\"100.00\"/>"))
    #expect(PageChecks.texts(html, tag: "span", classPrefix: "scale")
              == ["scale", "0.02", "-", "0.017", "0.5"])
    #expect(PageChecks.texts(html, tag: "span", classPrefix: "clip")
              == ["clipped", "0.00 %", "-", "0.02 %", "0.00 %"])
    #expect(html.contains("<div class=\"figure\" id=\"worst\"><b>12.50 dB</b>"))
    #expect(html.contains("<div class=\"figure\" id=\"median\"><b>34.00 dB</b>"))
  }

  @Test func heldOutImagesAreNamed() {
    var r = Self.report
    r.imageSet = .heldOut
    r.images = 1
    #expect(QuantizationPage(r, model: "m.vigil", summary: []).html()
              .contains("on 1 held-out image (not used for calibration)"))
  }
}

/// `vigil quantize --report-html` run as a user would, on the shipped checkpoint.
@Suite struct QuantizationPageCLITests {
  static let weights = EvaluationPageCLITests.root.appendingPathComponent("weights/fashion-mnist")
  static func arguments(output: String, page: String) -> [String] {
    ["quantize", "--checkpoint", weights.appendingPathComponent("mobilevigv2-fmnist.safetensors").path,
     "--config", weights.appendingPathComponent("mobilevigv2-fmnist.config.json").path,
     "--calib", "fashion-mnist:\(EvaluationTests.fashionMNIST):train", "--calib-count", "4",
     "-o", output, "--report-html", page]
  }

  @Test func thePageHasOneBarPerOpOfTheModelWritten() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-qhtml-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let output = dir.appendingPathComponent("m.vigil").path, page = dir.appendingPathComponent("q.html").path
    let r = try CLI.run(Self.arguments(output: output, page: page))
    #expect(r.status == 0, "\(r.stderr)")
    let ops = try #require(r.stdout.firstMatch(of: /(\d+) ops/).map { Int($0.1)! })
    let html = try String(contentsOfFile: page, encoding: .utf8)
    PageChecks.expectSelfContained(html)
    #expect(PageChecks.count("<rect class=\"bar ", in: html) == ops)
    #expect(html.contains("on the 4 calibration images"))
    #expect(html.contains("<dt>method</dt><dd>mse</dd>"))
  }

  @Test func aPageOverTheModelIsRefusedBeforeAnyWork() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-qhtml2-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let output = dir.appendingPathComponent("m.vigil").path
    let r = try CLI.run(Self.arguments(output: output, page: output))
    #expect(r.status != 0)
    #expect(!FileManager.default.fileExists(atPath: output), "the model was written: \(r.stderr)")
  }
}
