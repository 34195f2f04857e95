// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import VigilCore

/// Anything that turns a decoded image into one logit per class.
public protocol ImageClassifier: AnyObject {
  var classes: Int { get }
  /// The model's class names, or empty when it has none.
  var labels: [String] { get }
  func logits(image: RGBImage) throws -> [Float]
}

extension Fp32Classifier: ImageClassifier {
  public var classes: Int { config.classes }
  public var labels: [String] { [] }
  public func logits(image: RGBImage) throws -> [Float] {
    try finiteLogits(engine.run(preprocessing.apply(image)))
  }
}

/// Accuracy of a classifier on a labelled dataset.
public struct EvaluationReport: Sendable {
  public var classNames: [String]
  public var images = 0
  public var failed = 0
  public var top1Correct = 0
  public var top5Correct = 0
  /// confusion[truth][predicted]
  public var confusion: [[Int]]
  /// The top-1 class of every evaluated image, in dataset order (-1 for a failed one).
  public var predictions: [Int] = []

  public init(classNames: [String]) {
    self.classNames = classNames
    confusion = Array(repeating: Array(repeating: 0, count: classNames.count), count: classNames.count)
  }

  public var top1: Double { images == 0 ? 0 : Double(top1Correct) / Double(images) }
  public var top5: Double { images == 0 ? 0 : Double(top5Correct) / Double(images) }

  /// Accuracy of each class (nil for a class with no images).
  public var perClass: [(name: String, images: Int, accuracy: Double?)] {
    classNames.indices.map { c in
      let n = confusion[c].reduce(0, +)
      return (classNames[c], n, n == 0 ? nil : Double(confusion[c][c]) / Double(n))
    }
  }

  /// Evaluates `classifier` on the first `limit` images of `dataset`, calling `progress(done,
  /// total)` now and then. An image that fails to decode or run is counted in `failed`.
  public static func run(_ classifier: ImageClassifier, on dataset: LabeledDataset,
                         limit: Int? = nil, progress: ((Int, Int) -> Void)? = nil) throws
    -> EvaluationReport
  {
    guard classifier.classes == dataset.classNames.count else {
      throw DatasetError.malformed(path: dataset.spec, reason: "has \(dataset.classNames.count) "
        + "classes but the model has \(classifier.classes)")
    }
    // A model with labels is matched to the dataset's classes by name (a folder's sorted
    // subfolder names need not be in the model's order; a folder cannot hold "/", so "_"
    // stands for it: folder T-shirt_top is label T-shirt/top); without labels, by position.
    var toDataset = Array(0..<classifier.classes)
    let labels = classifier.labels
    if !labels.isEmpty {
      var index: [String: Int] = [:]
      for (i, label) in labels.enumerated() {
        index[label] = index[label] ?? i
        let safe = label.replacingOccurrences(of: "/", with: "_")
        index[safe] = index[safe] ?? i
      }
      let missing = dataset.classNames.filter { index[$0] == nil }
      guard missing.isEmpty, Set(labels).count == labels.count else {
        throw DatasetError.malformed(path: dataset.spec, reason: "has classes the model's labels "
          + "do not name (\(missing.prefix(5).joined(separator: ", "))): name the class "
          + "folders after the labels in the model (vigil inspect lists them)")
      }
      for (d, name) in dataset.classNames.enumerated() { toDataset[index[name]!] = d }
    }
    var report = EvaluationReport(classNames: dataset.classNames)
    let total = min(limit ?? dataset.count, dataset.count)
    for i in 0..<total {
      do {
        let (image, label, _) = try dataset.sample(i)
        let logits = try classifier.logits(image: image)
        let ranked = logits.indices.sorted { logits[$0] != logits[$1] ? logits[$0] > logits[$1] : $0 < $1 }
          .map { toDataset[$0] }
        report.images += 1
        report.confusion[label][ranked[0]] += 1
        report.predictions.append(ranked[0])
        if ranked[0] == label { report.top1Correct += 1 }
        if ranked.prefix(5).contains(label) { report.top5Correct += 1 }
      } catch {
        report.failed += 1
        report.predictions.append(-1)
      }
      if let progress, (i + 1) % 250 == 0 || i + 1 == total { progress(i + 1, total) }
    }
    return report
  }

  /// The report as one JSON object.
  public func json(model: String, dataset: String) -> String {
    let classes = perClass.enumerated().map { i, c in
      "{\"index\": \(i), \"name\": \(jsonString(c.name)), \"images\": \(c.images), "
        + "\"accuracy\": \(c.accuracy.map { jsonNumber($0) } ?? "null")}"
    }
    let matrix = confusion.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" }
    return "{\"model\": \(jsonString(model)), \"dataset\": \(jsonString(dataset)), "
      + "\"images\": \(images), \"failed\": \(failed), \"top1\": \(jsonNumber(top1)), "
      + "\"top5\": \(jsonNumber(top5)), \"per_class\": [\(classes.joined(separator: ", "))], "
      + "\"confusion\": [\(matrix.joined(separator: ", "))], "
      + "\"predictions\": [\(predictions.map(String.init).joined(separator: ", "))]}"
  }
}
