// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import VigilCore

/// The HTML page of `vigil eval --html`: the model and where it came from, top-1 and top-5,
/// the confusion matrix as a heat map, per-class precision, recall and F1 as bars, and a
/// contact sheet of misclassified images. One self-contained file (``HTMLWriter``).
///
///     let report = try EvaluationReport.run(classifier, on: data, model: "fmnist.vigil")
///     let page = EvaluationPage(report, dataset: data, provenance: try EvaluationPage.provenance(of: "fmnist.vigil"))
///     try OutputFile.write(Array(page.html().utf8), to: "eval.html", inputs: [], replaceLink: false)
public struct EvaluationPage: Sendable {
  /// One misclassified image of the contact sheet.
  public struct Miss: Sendable, Equatable {
    /// The image's result (true and predicted class, score, file or index).
    public var prediction: ImagePrediction
    public var thumbnail: Thumbnail?
    /// Why there is no thumbnail (the image could not be read again), shown in its place.
    public var thumbnailError: String?
    public init(_ prediction: ImagePrediction, thumbnail: Thumbnail? = nil,
                thumbnailError: String? = nil) {
      self.prediction = prediction
      self.thumbnail = thumbnail
      self.thumbnailError = thumbnailError
    }

    /// The file name for a `folder:` dataset, `#index` for an image inside a dataset file.
    public var item: String {
      prediction.file.map { ($0 as NSString).lastPathComponent } ?? "#\(prediction.index)"
    }
  }

  public var report: EvaluationReport
  /// Where the model came from (key, value), in display order.
  public var provenance: [(key: String, value: String)]
  /// The misclassified images shown (at most the cap, in dataset order).
  public var misses: [Miss]
  /// How many images were misclassified in all.
  public var missedTotal: Int

  /// A page of `report` with the given contact sheet.
  public init(_ report: EvaluationReport, provenance: [(key: String, value: String)],
              misses: [Miss], missedTotal: Int) {
    precondition(report.confusion.count == report.classNames.count
                   && report.confusion.allSatisfy { $0.count == report.classNames.count },
                 "EvaluationPage: the confusion matrix must be classes x classes")
    self.report = report; self.provenance = provenance; self.misses = misses
    self.missedTotal = missedTotal
  }

  var classNames: [String] { report.classNames }
  var confusion: [[Int]] { report.confusion }
  /// The model's file name.
  var model: String { (report.model as NSString).lastPathComponent }

  /// The page as one HTML document.
  public func html() -> String {
    var w = HTMLWriter(title: "vigil eval: \(model)", style: HTMLWriter.baseStyle + "\n" + Self.style)
    w.element("h1", text: "Evaluation of \(model)")
    w.element("p", ["class": "note"], text: "on \(report.dataset)")
    w.facts(provenance)
    let none = report.images == 0
    w.figures([("top1", "top-1", HTMLWriter.percent(none ? nil : report.top1, 2)),
               ("top5", "top-5", HTMLWriter.percent(none ? nil : report.top5, 2)),
               ("images", "images", "\(report.images)"),
               ("failed", "unreadable", "\(report.failed)")])
    heatMap(&w)
    classBars(&w)
    contactSheet(&w)
    return w.finish()
  }

  /// The confusion matrix: rows are the true class, columns the prediction; each cell holds its
  /// count and is coloured by its share of the row (blue on the diagonal, red off it).
  private func heatMap(_ w: inout HTMLWriter) {
    w.element("h2", text: "Confusion matrix")
    w.element("p", ["class": "note"], text: "Rows: true class; columns: predicted class. "
      + "Colour: the cell's share of its row (blue: right, red: wrong).")
    w.open("div", ["class": "scroll"])
    w.open("table", ["class": "confusion", "id": "confusion"])
    w.open("tr")
    w.element("th", ["class": "corner"], text: "true \u{2193} / predicted \u{2192}")
    for name in classNames { w.element("th", ["class": "col", "scope": "col"], text: name) }
    w.element("th", ["class": "col total", "scope": "col"], text: "images")
    w.close()
    for (t, row) in confusion.enumerated() {
      let total = row.reduce(0, +)
      w.open("tr")
      w.element("th", ["class": "row", "scope": "row"], text: classNames[t])
      for (p, count) in row.enumerated() {
        let share = total == 0 ? 0 : Double(count) / Double(total)
        let (background, ink) = Self.cellColour(share: share, diagonal: t == p)
        w.element("td", ["class": t == p ? "cell diag" : "cell",
                         "style": "background:\(background);color:\(ink)",
                         "title": "true \(classNames[t]), predicted \(classNames[p]): \(count) "
                           + "(\(HTMLWriter.percent(total == 0 ? nil : share)) of the row)"],
                  text: "\(count)")
      }
      w.element("td", ["class": "total"], text: "\(total)")
      w.close()
    }
    w.close()
    w.close()
  }

  /// Background and text colour of a cell: lightness falls with the share; white text on the
  /// dark end.
  static func cellColour(share: Double, diagonal: Bool) -> (String, String) {
    if share == 0 { return ("#f6f7f9", "#9aa3ae") }
    let lightness = 96 - 58 * min(max(share, 0), 1)
    let hue = diagonal ? 212 : 4
    let ink = lightness < 62 ? "#fff" : "#1d2430"
    return ("hsl(\(hue),70%,\(HTMLWriter.fixed(lightness, 1))%)", ink)
  }

  /// Precision, recall and F1 per class, one SVG bar each, stretched to the column width.
  private func classBars(_ w: inout HTMLWriter) {
    w.element("h2", text: "Per-class precision, recall and F1")
    w.raw("<p class=\"legend\"><span class=\"key precision\"></span>precision "
      + "<span class=\"key recall\"></span>recall <span class=\"key f1\"></span>F1</p>\n")
    w.open("div", ["class": "classes", "id": "classes"])
    for c in report.perClass {
      w.open("div", ["class": "class"])
      w.element("div", ["class": "name"], text: c.name)
      w.element("div", ["class": "count muted"], text: "\(c.images) image\(c.images == 1 ? "" : "s")")
      for (kind, value) in [("precision", c.precision), ("recall", c.recall), ("f1", c.f1)] {
        bar(&w, kind: kind, value: value)
      }
      w.close()
    }
    w.close()
  }

  private func bar(_ w: inout HTMLWriter, kind: String, value: Double?) {
    w.open("div", ["class": "metric"])
    w.element("span", ["class": "label"], text: kind == "f1" ? "F1" : kind)
    w.open("svg", ["class": "track", "viewBox": "0 0 100 10", "preserveAspectRatio": "none",
                   "role": "img", "aria-label": "\(kind) \(HTMLWriter.percent(value))"])
    w.void("rect", ["class": "bar \(kind)", "x": "0", "y": "0", "height": "10",
                    "width": HTMLWriter.fixed(100 * (value ?? 0), 2)])
    w.close()
    w.element("span", ["class": "value"], text: HTMLWriter.percent(value))
    w.close()
  }

  /// Thumbnails of the misclassified images with their true and predicted labels.
  private func contactSheet(_ w: inout HTMLWriter) {
    w.element("h2", text: "Misclassified images")
    let note: String
    if missedTotal == 0 {
      note = "No image was misclassified."
    } else if misses.count < missedTotal {
      note = "The first \(misses.count) of \(missedTotal) misclassified images, in dataset order "
        + "(the page shows at most \(misses.count))."
    } else {
      note = "All \(missedTotal) misclassified image\(missedTotal == 1 ? "" : "s"), in dataset order."
    }
    w.element("p", ["class": "note", "id": "misses-note"], text: note)
    w.open("div", ["class": "sheet", "id": "sheet"])
    for miss in misses {
      let p = miss.prediction
      let predicted = p.predictedLabel ?? "-"
      w.open("figure", ["class": "miss", "data-index": "\(p.index)"])
      if let t = miss.thumbnail {
        w.void("img", ["src": t.dataURI, "width": "\(t.width)", "height": "\(t.height)",
                       "class": t.width < 64 ? "pixelated" : "photo",
                       "alt": "\(miss.item): \(p.trueLabel) taken for \(predicted)"])
      } else if let why = miss.thumbnailError {
        w.element("span", ["class": "nothumb"], text: "no thumbnail: \(why)")
      }
      w.open("figcaption")
      w.element("span", ["class": "item"], text: miss.item)
      w.element("span", ["class": "truth"], text: "true: \(p.trueLabel)")
      w.element("span", ["class": "predicted"],
                text: "predicted: \(predicted)" + (p.score.map { " (\(HTMLWriter.fixed($0, 2)))" } ?? ""))
      w.close()
      w.close()
    }
    w.close()
  }

  static let style = """
    table.confusion { border-collapse: collapse; font-variant-numeric: tabular-nums; }
    table.confusion th { font-weight: 600; padding: 4px 6px; }
    table.confusion th.row { text-align: right; white-space: nowrap; }
    table.confusion th.col { writing-mode: vertical-rl; transform: rotate(180deg);
                             text-align: left; vertical-align: bottom; white-space: nowrap; }
    table.confusion th.corner { font-weight: 400; color: var(--muted); text-align: left;
                                vertical-align: bottom; font-size: .85em; }
    table.confusion td { min-width: 2.6em; height: 2.3em; text-align: center; padding: 0 4px;
                         border: 1px solid #fff; }
    table.confusion td.total { color: var(--muted); border: 0; }
    .key.precision, rect.precision { background: #4c78a8; fill: #4c78a8; }
    .key.recall, rect.recall { background: #f58518; fill: #f58518; }
    .key.f1, rect.f1 { background: #54a24b; fill: #54a24b; }
    .classes { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr));
               gap: 10px 28px; }
    .class .name { font-weight: 600; display: inline; overflow-wrap: anywhere; }
    .class .count { display: inline; margin-left: 8px; font-size: .9em; }
    .metric { display: grid; grid-template-columns: 5.5em 1fr 4.5em; align-items: center; gap: 6px; }
    .metric .label { color: var(--muted); font-size: .9em; }
    .metric .value { text-align: right; font-variant-numeric: tabular-nums; }
    svg.track { height: 10px; }
    .sheet { display: grid; grid-template-columns: repeat(auto-fill, minmax(118px, 1fr)); gap: 10px; }
    figure.miss { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 6px;
                  text-align: center; }
    figure.miss img { width: 84px; height: 84px; object-fit: cover; }
    figure.miss img.pixelated { image-rendering: pixelated; }
    figure.miss figcaption { font-size: .8em; line-height: 1.3; overflow-wrap: anywhere; }
    figure.miss figcaption span { display: block; }
    figure.miss .item { color: var(--muted); }
    figure.miss .nothumb { display: flex; align-items: center; justify-content: center;
                           width: 84px; height: 84px; margin: 0 auto; font-size: .75em;
                           background: #f6f7f9; color: var(--muted); overflow: hidden; }
    figure.miss .predicted { color: #b3261e; }
    @media (max-width: 600px) {
      .classes { grid-template-columns: 1fr; }
      .sheet { grid-template-columns: repeat(auto-fill, minmax(96px, 1fr)); }
      table.confusion td { min-width: 1.8em; height: 2em; padding: 0 2px; font-size: .8em; }
      table.confusion th { padding: 2px 3px; font-size: .85em; }
    }
    """
}

extension EvaluationPage {
  /// The page of `report`, an evaluation of the first images of `dataset`: the images whose
  /// top-1 class is not their true class are the misses, and the first `maxThumbnails` of them
  /// get a thumbnail read from the dataset (an IDX image as it is, a file downscaled).
  ///
  /// - Parameter provenance: (key, value) lines for the header, e.g. ``provenance(of:)``.
  public init(_ report: EvaluationReport, dataset: LabeledDataset,
              provenance: [(key: String, value: String)] = [], maxThumbnails: Int = 48) {
    let wrong = report.predictions.filter { $0.predicted != nil && !$0.isCorrect }
    // An image read once for the evaluation may have changed or gone since: the page then
    // says so in its place rather than failing.
    let misses = wrong.prefix(maxThumbnails).map { p in
      do {
        return Miss(p, thumbnail: try Thumbnail(dataset.sample(p.index).image))
      } catch {
        return Miss(p, thumbnailError: "\(error)")
      }
    }
    self.init(report, provenance: provenance, misses: misses, missedTotal: wrong.count)
  }

  /// The header lines for an int8 model file: its format and the metadata `vigil quantize`
  /// records (checkpoint, weights, calibration source and method, toolkit and its version).
  public static func provenance(of path: String) throws -> [(key: String, value: String)] {
    let model = try Model(path: path)
    var lines: [(key: String, value: String)] = [("model", "int8 .vigil, \(model.classes) classes")]
    for key in ["checkpoint", "checkpoint.weights", "calibration.source", "calibration.method",
                "calibration.images", "calibration.bins", "calibration.percentile", "toolkit",
                VigilVersion.metadataKey] {
      if let value = model.metadata(key) { lines.append((key, value)) }
    }
    return lines
  }

  /// The header lines for an fp32 checkpoint.
  public static func provenance(checkpoint path: String, ema: Bool) -> [(key: String, value: String)] {
    [("model", "fp32 checkpoint"), ("checkpoint", (path as NSString).lastPathComponent),
     ("checkpoint.weights", ema ? "state_dict_ema" : "state_dict")]
  }
}
