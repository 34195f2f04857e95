// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation

/// Builds one self-contained HTML page as text: the report pages' shared writer.
///
/// Every piece of text from outside (labels, file names, metadata) goes through ``text(_:)`` or
/// an attribute value, both escaped here; only the page's own markup goes in with ``raw(_:)``.
/// The page loads nothing: styles are inline, charts are inline SVG or CSS, and images are
/// `data:` URIs.
///
///     var page = HTMLWriter(title: "eval: model.vigil")
///     page.element("h1", text: label)   // "<script>" arrives as "&lt;script&gt;"
///     let html = page.finish()
struct HTMLWriter {
  private(set) var html = ""
  private var stack: [String] = []

  /// Starts the document: doctype, charset, phone-width viewport, the title and `style`.
  init(title: String, style: String) {
    html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      + "<title>\(Self.escape(title))</title>\n<style>\n\(style)\n</style>\n</head>\n"
    open("body")
  }

  /// Markup written by the page itself (never outside text).
  mutating func raw(_ markup: String) { html += markup }

  /// Outside text, escaped.
  mutating func text(_ s: String) { html += Self.escape(s) }

  /// Opens `tag` with attributes (values escaped), to be closed by ``close()``.
  mutating func open(_ tag: String, _ attributes: KeyValuePairs<String, String> = [:]) {
    html += "<\(tag)\(Self.attributes(attributes))>"
    stack.append(tag)
  }

  /// Closes the innermost open element.
  mutating func close() {
    html += "</\(stack.removeLast())>"
    if stack.count <= 1 { html += "\n" }
  }

  /// `<tag attributes>text</tag>` with the text and the attribute values escaped.
  mutating func element(_ tag: String, _ attributes: KeyValuePairs<String, String> = [:],
                        text: String) {
    html += "<\(tag)\(Self.attributes(attributes))>\(Self.escape(text))</\(tag)>"
  }

  /// A void element such as `<img>` or an SVG `<rect/>`.
  mutating func void(_ tag: String, _ attributes: KeyValuePairs<String, String>) {
    html += "<\(tag)\(Self.attributes(attributes))/>"
  }

  /// A `<dl class="facts">` of (key, value) lines, both escaped.
  mutating func facts(_ pairs: [(key: String, value: String)]) {
    open("dl", ["class": "facts"])
    for (key, value) in pairs {
      element("dt", text: key)
      element("dd", text: value)
    }
    close()
  }

  /// A row of summary figures: each a box with `id`, the value large over its label.
  mutating func figures(_ items: [(id: String, label: String, value: String)]) {
    open("div", ["class": "figures"])
    for item in items {
      open("div", ["class": "figure", "id": item.id])
      element("b", text: item.value)
      text(item.label)
      close()
    }
    close()
  }

  /// Closes whatever is still open and returns the page.
  mutating func finish() -> String {
    while !stack.isEmpty { close() }
    html = html.hasSuffix("\n") ? html + "</html>\n" : html + "\n</html>\n"
    return html
  }

  /// `s` safe as HTML text and as a quoted attribute value: `& < > " '` become character
  /// references, and control characters other than tab and newline (which a page cannot show
  /// and a parser may choke on) become U+FFFD.
  static func escape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for scalar in s.unicodeScalars {
      switch scalar {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      case "\t", "\n": out.unicodeScalars.append(scalar)
      default:
        let v = scalar.value
        if v < 0x20 || (v >= 0x7F && v < 0xA0) {
          out += "\u{FFFD}"
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out
  }

  private static func attributes(_ pairs: KeyValuePairs<String, String>) -> String {
    pairs.map { " \($0.key)=\"\(escape($0.value))\"" }.joined()
  }

  /// `bytes` as a `data:` URI of type `mime`.
  static func dataURI(mime: String, _ bytes: [UInt8]) -> String {
    "data:\(mime);base64," + Data(bytes).base64EncodedString()
  }

  /// `x` with `digits` decimals ("-" when not finite).
  static func fixed(_ x: Double, _ digits: Int) -> String {
    x.isFinite ? String(format: "%.\(digits)f", x) : "-"
  }

  /// A fraction as a percentage with `digits` decimals ("-" for nil).
  static func percent(_ x: Double?, _ digits: Int = 1) -> String {
    x.map { fixed($0 * 100, digits) + " %" } ?? "-"
  }

  /// The styles both report pages share: a readable column that reflows on a phone, tables
  /// that scroll sideways rather than overflow, and the summary figures.
  static let baseStyle = """
    :root { color-scheme: light; --ink: #1d2430; --muted: #5b6472; --line: #d9dee5; }
    * { box-sizing: border-box; }
    body { margin: 0 auto; padding: 16px; max-width: 1100px; color: var(--ink);
           font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
    h1 { font-size: 1.45em; margin: 0 0 4px; overflow-wrap: anywhere; }
    h2 { font-size: 1.15em; margin: 28px 0 8px; border-bottom: 1px solid var(--line); }
    p.note, .muted { color: var(--muted); }
    dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0; }
    dl.facts dt { color: var(--muted); }
    dl.facts dd { margin: 0; overflow-wrap: anywhere; }
    .figures { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
    .figure { border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; min-width: 130px; }
    .figure b { display: block; font-size: 1.7em; }
    .scroll { overflow-x: auto; }
    p.legend .key { display: inline-block; width: 12px; height: 12px; border-radius: 2px;
                    margin: 0 4px 0 10px; vertical-align: -1px; }
    svg.track { width: 100%; background: #eef1f4; border-radius: 2px; }
    @media (max-width: 600px) {
      body { padding: 10px; font-size: 14px; }
      .figure { min-width: 0; flex: 1 1 40%; }
    }
    """
}
