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
