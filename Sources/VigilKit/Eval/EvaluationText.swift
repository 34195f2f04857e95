// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// The text forms of an evaluation and a comparison, as `vigil eval` prints them. Names are
/// made terminal-safe; numbers are formatted without Foundation.
extension EvaluationReport {
  /// Summary, per-class precision, recall and F1, then the confusion matrix.
  public var text: String {
    var lines = ["model \(terminalSafe(model)), dataset \(terminalSafe(dataset)): \(images) images, \(failed) failed",
                 "top-1 \(percentText(top1)), top-5 \(percentText(top5))", ""]
    let names = classNames.map { truncated(terminalSafe($0), 24) }
    let nameWidth = max(5, names.map(\.count).max() ?? 0)
    let indexWidth = String(max(0, classNames.count - 1)).count
    func row(_ cells: [String], _ widths: [Int]) -> String {
      zip(cells, widths).map { $1 < 0 ? pad($0, -$1) : padLeft($0, $1) }.joined(separator: "  ")
    }
    let widths = [indexWidth, -nameWidth, 6, 9, 8, 8]
    lines.append(row(["", "class", "images", "precision", "recall", "F1"], widths))
    for m in perClass {
      lines.append(row([String(m.index), names[m.index], String(m.images), optionalPercent(m.precision),
                        optionalPercent(m.recall), optionalPercent(m.f1)], widths))
    }
    let avg = macroAverage
    lines.append(row(["", "mean", String(images), optionalPercent(avg.precision),
                      optionalPercent(avg.recall), optionalPercent(avg.f1)], widths))
    lines.append("")
    lines.append("confusion matrix (rows: true class, columns: predicted class)")
    let cellWidth = max(indexWidth, String(confusion.flatMap { $0 }.max() ?? 0).count)
    let header = [pad("", indexWidth)] + classNames.indices.map { padLeft(String($0), cellWidth) }
    lines.append(header.joined(separator: " "))
    for (t, counts) in confusion.enumerated() {
      lines.append(([padLeft(String(t), indexWidth)] + counts.map { padLeft(String($0), cellWidth) })
        .joined(separator: " "))
    }
    return lines.joined(separator: "\n")
  }
}

extension EvaluationComparison {
  /// Each model's accuracy, their agreement, then the first `limit` images where they differ.
  public func text(limit: Int = 50) -> String {
    var lines = [
      "dataset \(terminalSafe(a.dataset)): \(a.predictions.count) images",
      "A \(terminalSafe(a.model)): top-1 \(percentText(a.top1)), top-5 \(percentText(a.top5)), \(a.failed) failed",
      "B \(terminalSafe(b.model)): top-1 \(percentText(b.top1)), top-5 \(percentText(b.top5)), \(b.failed) failed",
      "agreement \(percentText(agreement)): the same top-1 class on \(agree) of \(images) images; "
        + "\(differences.count) differ",
    ]
    func cls(_ c: Int?, _ label: String?, _ score: Double?) -> String {
      guard let c else { return "failed" }
      return "\(terminalSafe(label ?? "class \(c)")) (\(c)) " + (score.map { fixedText($0, 4) } ?? "")
    }
    for d in differences.prefix(limit) {
      let name = d.file.map(terminalSafe) ?? "#\(d.index)"
      lines.append("  \(name): true \(terminalSafe(d.trueLabel)) (\(d.trueClass)); A \(cls(d.a, d.aLabel, d.aScore)); "
        + "B \(cls(d.b, d.bLabel, d.bScore))")
    }
    if differences.count > limit {
      lines.append("  ... \(differences.count - limit) more (--json lists them all)")
    }
    return lines.joined(separator: "\n")
  }
}

/// A fraction as a percentage with two decimals ("93.56 %").
public func percentText(_ x: Double) -> String { fixedText(x * 100, 2) + " %" }

/// `x` with `digits` decimals, rounded half away from zero, without Foundation's formatter.
public func fixedText(_ x: Double, _ digits: Int) -> String {
  guard x.isFinite else { return "\(x)" }
  var scale = 1.0
  for _ in 0..<digits { scale *= 10 }
  let v = (abs(x) * scale).rounded()
  let whole = (v / scale).rounded(.towardZero)
  let frac = Int(v - whole * scale)
  let f = String(frac)
  let head = (x < 0 && v != 0 ? "-" : "") + String(Int(whole))
  return digits == 0 ? head : head + "." + String(repeating: "0", count: digits - f.count) + f
}

private func optionalPercent(_ x: Double?) -> String { x.map { fixedText($0 * 100, 1) + " %" } ?? "-" }

private func pad(_ s: String, _ width: Int) -> String {
  s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
}

private func padLeft(_ s: String, _ width: Int) -> String {
  s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
}

private func truncated(_ s: String, _ width: Int) -> String {
  s.count <= width ? s : String(s.prefix(width - 3)) + "..."
}
