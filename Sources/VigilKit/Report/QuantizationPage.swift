// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation

/// The HTML page of `vigil quantize --report-html`: each layer's SQNR (int8 against fp32) as
/// a horizontal bar, worst first, with the layer's output scale and the share of its values the
/// chosen range clipped, under a summary of the method and the calibration. One self-contained
/// file (``HTMLWriter``).
public struct QuantizationPage: Sendable {
  public var report: QuantizationReport
  /// The model written (its file name).
  public var model: String
  /// (key, value) lines: method, calibration source and count, checkpoint, ...
  public var summary: [(key: String, value: String)]

  public init(_ report: QuantizationReport, model: String, summary: [(key: String, value: String)]) {
    self.report = report; self.model = model; self.summary = summary
  }

  /// Worst first (ties by op index), as the report keeps them.
  var layers: [QuantizationReport.Layer] { report.layers }

  /// What the SQNR was measured on, e.g. "the 64 calibration images".
  var measuredOn: String {
    let n = report.images
    switch report.imageSet {
    case .calibration: return "the \(n) calibration image\(n == 1 ? "" : "s")"
    case .heldOut: return "\(n) held-out image\(n == 1 ? "" : "s") (not used for calibration)"
    }
  }

  /// The chart's full scale in dB: the best finite SQNR rounded up to 10 dB (at least 10).
  var fullScale: Double {
    let best = layers.compactMap(\.sqnr).max() ?? 0
    return max(10, (best / 10).rounded(.up) * 10)
  }

  /// Bar class by quality: under 15 dB poor, under 25 dB fair, else good (int8 layers of a
  /// well-calibrated network sit around 25 to 40 dB).
  static func band(_ db: Double) -> String { db < 15 ? "poor" : (db < 25 ? "fair" : "good") }

  /// dB with two decimals; "exact" for an op without noise (nil).
  static func decibels(_ db: Double?) -> String {
    guard let db else { return "exact" }
    return db.isFinite ? HTMLWriter.fixed(db, 2) + " dB" : (db > 0 ? "exact" : "-inf dB")
  }

  /// The page as one HTML document.
  public func html() -> String {
    var w = HTMLWriter(title: "vigil quantize: \(model)", style: HTMLWriter.baseStyle + "\n" + Self.style)
    w.element("h1", text: "Quantization report for \(model)")
    w.element("p", ["class": "note"], text: "Per-layer SQNR of the int8 model against the fp32 "
      + "network on \(measuredOn). Errors add up through the network, so a layer's SQNR "
      + "counts everything before it.")
    w.facts(summary)
    w.figures([("layers", "layers", "\(layers.count)"),
               ("worst", "worst SQNR", layers.first.map { Self.decibels($0.sqnr) } ?? "-"),
               ("median", "median SQNR", report.medianSQNR.map { Self.decibels($0) } ?? "-")])
    w.element("h2", text: "SQNR per layer, worst first")
    w.raw("<p class=\"legend\"><span class=\"key poor\"></span>under 15 dB "
      + "<span class=\"key fair\"></span>15 to 25 dB <span class=\"key good\"></span>25 dB and "
      + "more; full bar: \(Int(fullScale)) dB</p>\n")
    w.open("div", ["class": "chart", "id": "chart"])
    w.raw("<div class=\"layer head\"><span>layer</span><span>SQNR</span><span class=\"db\"></span>"
      + "<span class=\"scale\">scale</span><span class=\"clip\">clipped</span></div>\n")
    for layer in layers {
      w.open("div", ["class": "layer", "data-op": "\(layer.op)"])
      w.open("div", ["class": "lname"])
      w.element("span", ["class": "op"], text: "op \(layer.op)")
      w.text(" ")
      w.element("span", ["class": "name"], text: layer.name)
      w.text(" ")
      w.element("span", ["class": "kind"], text: layer.kind)
      w.close()
      let fraction = layer.sqnr.map { min(max($0 / fullScale, 0), 1) } ?? 1
      w.open("svg", ["class": "track", "viewBox": "0 0 100 10", "preserveAspectRatio": "none",
                     "role": "img", "aria-label": "SQNR \(Self.decibels(layer.sqnr))"])
      w.void("rect", ["class": "bar \(layer.sqnr.map(Self.band) ?? "good")",
                      "x": "0", "y": "0", "height": "10",
                      "width": HTMLWriter.fixed(100 * fraction, 2)])
      w.close()
      w.element("span", ["class": "db"], text: Self.decibels(layer.sqnr))
      w.element("span", ["class": "scale"],
                text: layer.scale.map { String(format: "%.4g", Double($0)) } ?? "-")
      // The head's float logits have no int8 range to clip.
      let clipped = layer.kind == "head" ? nil : layer.clippedFraction
      w.element("span", ["class": "clip"], text: clipped.map {
        $0 > 0 && $0 < 0.0001 ? "< 0.01 %" : HTMLWriter.percent($0, 2)
      } ?? "-")
      w.close()
    }
    w.close()
    w.element("p", ["class": "note"], text: "scale: the output's int8 step in real units per "
      + "code; clipped: the share of the fp32 outputs more than half a step outside the range "
      + "the codes cover (none for the head's float logits).")
    return w.finish()
  }

  static let style = """
    .key.poor, rect.poor { background: #d62728; fill: #d62728; }
    .key.fair, rect.fair { background: #f2a81d; fill: #f2a81d; }
    .key.good, rect.good { background: #2e8b57; fill: #2e8b57; }
    .layer { display: grid; grid-template-columns: minmax(12em, 24em) 1fr 5.5em 6em 5.5em;
             gap: 8px; align-items: center; padding: 3px 0; border-bottom: 1px solid #eef1f4;
             font-variant-numeric: tabular-nums; }
    .layer.head { color: var(--muted); font-size: .85em; border-bottom: 1px solid var(--line); }
    .layer .lname { overflow-wrap: anywhere; font-size: .92em; }
    .layer .op { color: var(--muted); }
    .layer .kind { color: var(--muted); font-size: .85em; border: 1px solid var(--line);
                   border-radius: 3px; padding: 0 3px; }
    .layer .db, .layer .scale, .layer .clip { text-align: right; white-space: nowrap; }
    svg.track { height: 12px; }
    @media (max-width: 600px) {
      .layer { grid-template-columns: auto 1fr auto; gap: 2px 10px; padding: 6px 0; }
      .layer .lname, .layer svg.track { grid-column: 1 / -1; }
      .layer .db { text-align: left; }
      .layer.head { display: none; }
      .layer .scale::before { content: "scale "; color: var(--muted); }
      .layer .clip::before { content: "clipped "; color: var(--muted); }
    }
    """
}

extension QuantizationPage {
  /// The page of `report` on `model`, with a summary from the model's metadata.
  ///
  /// - Parameter name: the model's file name, for the title.
  public init(_ report: QuantizationReport, model: QuantizedModel, name: String) {
    var summary: [(key: String, value: String)] = []
    for (key, label) in [("calibration.method", "method"), ("calibration.percentile", "percentile"),
                         ("calibration.bins", "histogram bins"),
                         ("calibration.source", "calibration images"),
                         ("calibration.images", "calibration count"),
                         ("checkpoint", "checkpoint"), ("checkpoint.weights", "weights")] {
      if let value = model.metadata[key] { summary.append((label, value)) }
    }
    summary.append(("model", "\(model.ops.count) ops, \(model.config.classes) classes, arena "
      + "\(model.arenaBytes) B"))
    self.init(report, model: name, summary: summary)
  }
}
