// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Testing
@testable import VigilKit

@Suite struct QuantizationPageTests {
  static let layers = [
    QuantizationPage.Layer(op: 0, name: "stem.stem.0", kind: "stem", sqnr: 34, scale: 0.017,
                           clipping: 0.0002),
    QuantizationPage.Layer(op: 1, name: "<script>alert('x')</script>", kind: "conv", sqnr: 12.5,
                           scale: 0.02, clipping: nil),
    QuantizationPage.Layer(op: 2, name: "gap", kind: "gap", sqnr: .infinity, scale: nil,
                           clipping: 0),
    QuantizationPage.Layer(op: 3, name: "head", kind: "head", sqnr: 21, scale: nil, clipping: nil),
  ]

  @Test func oneBarPerLayerWorstFirstAndEscaped() {
    let page = QuantizationPage(model: "\"><b>.vigil", summary: [("method", "<i>mse</i>")],
                                measuredOn: "the 4 calibration images", layers: Self.layers)
    let html = page.html()
    PageChecks.expectSelfContained(html)
    #expect(!html.contains("<b>.vigil") && !html.contains("<i>mse"))
    #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
    #expect(PageChecks.count("<rect class=\"bar ", in: html) == 4)
    // Worst first; the exact op last with a full bar; the full scale is 40 dB.
    let ops = html.components(separatedBy: "data-op=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
    #expect(ops == ["1", "3", "0", "2"])
    #expect(PageChecks.texts(html, tag: "span", classPrefix: "db")
              == ["", "12.50 dB", "21.00 dB", "34.00 dB", "exact"])
    #expect(html.contains("<rect class=\"bar poor\" x=\"0\" y=\"0\" height=\"10\" width=\"31.25\"/>"))
    #expect(html.contains("<rect class=\"bar good\" x=\"0\" y=\"0\" height=\"10\" width=\"100.00\"/>"))
    #expect(PageChecks.texts(html, tag: "span", classPrefix: "clip") == ["clipped", "-", "-", "0.02 %", "0.00 %"])
    #expect(html.contains("<div class=\"figure\" id=\"worst\"><b>12.50 dB</b>"))
  }
}
