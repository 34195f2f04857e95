// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Testing
@testable import VigilKit

/// What a report page may never hold: markup from outside, or a reference off the page.
enum PageChecks {
  /// The text of every element matching `class="CLASS..."` of tag `tag`, in order.
  static func texts(_ html: String, tag: String, classPrefix: String) -> [String] {
    let pattern = "<\(tag) class=\"\(classPrefix)[^\"]*\"[^>]*>([^<]*)</\(tag)>"
    let regex = try! NSRegularExpression(pattern: pattern)
    return regex.matches(in: html, range: NSRange(html.startIndex..., in: html)).map {
      String(html[Range($0.range(at: 1), in: html)!])
    }
  }

  static func count(_ needle: String, in html: String) -> Int {
    html.components(separatedBy: needle).count - 1
  }

  /// No script, no event handler, nothing fetched: every src is a data: URI.
  static func expectSelfContained(_ html: String) {
    #expect(!html.lowercased().contains("<script"), "the page holds a <script>")
    #expect(!html.contains("http:") && !html.contains("https:"), "the page names a URL")
    // Outside text is escaped (no raw "<", ">" or quote), so every raw tag is the page's own
    // and its attributes are name="value" pairs: no name may be an event handler.
    let tags = try! NSRegularExpression(pattern: "<[a-zA-Z][^>]*>")
    let attribute = try! NSRegularExpression(pattern: "\\s([a-zA-Z:-]+)=\"[^\"]*\"")
    for tag in tags.matches(in: html, range: NSRange(html.startIndex..., in: html)) {
      let text = String(html[Range(tag.range, in: html)!])
      for a in attribute.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
        let name = String(text[Range(a.range(at: 1), in: text)!]).lowercased()
        #expect(!name.hasPrefix("on"), "the page holds an event handler: \(text)")
      }
    }
    let srcs = html.components(separatedBy: " src=\"").dropFirst()
    #expect(srcs.allSatisfy { $0.hasPrefix("data:image/") }, "an image is not a data: URI")
  }
}

@Suite struct HTMLWriterTests {
  @Test func escapeCoversMarkupQuotesAndControls() {
    #expect(HTMLWriter.escape("<script>alert(\"x\")&'</script>")
              == "&lt;script&gt;alert(&quot;x&quot;)&amp;&#39;&lt;/script&gt;")
    #expect(HTMLWriter.escape("a\u{0}b\u{1B}[31mc\u{85}d\te\nf") == "a\u{FFFD}b\u{FFFD}[31mc\u{FFFD}d\te\nf")
    #expect(HTMLWriter.escape("T-shirt/top é 日本") == "T-shirt/top é 日本")
  }

  @Test func attributesAndTextAreEscapedAndElementsClosed() {
    var w = HTMLWriter(title: "</title><script>", style: "")
    w.open("div", ["title": "\" onmouseover=\"alert(1)"])
    w.element("p", text: "<b>bold</b>")
    w.void("img", ["src": "data:image/png;base64,AAAA", "alt": "'><script>"])
    let page = w.finish()
    #expect(page.contains("<title>&lt;/title&gt;&lt;script&gt;</title>"))
    #expect(page.contains("title=\"&quot; onmouseover=&quot;alert(1)\""))
    #expect(page.contains("<p>&lt;b&gt;bold&lt;/b&gt;</p>"))
    #expect(page.hasSuffix("</div>\n</body>\n</html>\n"))
    PageChecks.expectSelfContained(page)
  }

  @Test func numbersAndDataURIs() {
    #expect(HTMLWriter.fixed(2.0 / 3, 2) == "0.67")
    #expect(HTMLWriter.fixed(.infinity, 2) == "-")
    #expect(HTMLWriter.percent(0.94) == "94.0 %")
    #expect(HTMLWriter.percent(nil) == "-")
    #expect(HTMLWriter.dataURI(mime: "image/png", [1, 2, 3]) == "data:image/png;base64,AQID")
  }
}
