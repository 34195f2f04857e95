// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import VigilCore

/// Anything that turns a decoded image into one logit per class.
public protocol ImageClassifier: AnyObject {
  var classes: Int { get }
  /// The model's class names, in class order, or empty when it has none.
  var labels: [String] { get }
  func logits(image: RGBImage) throws -> [Float]
}

extension Fp32Classifier: ImageClassifier {
  public var classes: Int { config.classes }
  public func logits(image: RGBImage) throws -> [Float] {
    try finiteLogits(engine.run(preprocessing.apply(image)))
  }
}

/// One image's result: where it is in the dataset, its true class and the model's top-1.
///
/// Class indices are the model's (its label order), as everywhere in an ``EvaluationReport``.
public struct ImagePrediction: Codable, Sendable, Equatable {
  /// Position in the dataset (0-based).
  public var index: Int
  /// The image file, for a `folder:` dataset; nil for images inside a dataset file.
  public var file: String?
  public var trueClass: Int
  public var trueLabel: String
  /// The top-1 class; nil when the image could not be read or classified.
  public var predicted: Int?
  public var predictedLabel: String?
  /// Softmax probability of the top-1 class.
  public var score: Double?
  /// Why the image has no prediction.
  public var error: String?

  public var isCorrect: Bool { predicted == trueClass }

  enum CodingKeys: String, CodingKey {
    case index, file, trueClass = "true", trueLabel = "true_label", predicted
    case predictedLabel = "predicted_label", score, error
  }

  public init(index: Int, file: String?, trueClass: Int, trueLabel: String, predicted: Int?,
              predictedLabel: String?, score: Double?, error: String?) {
    self.index = index
    self.file = file
    self.trueClass = trueClass
    self.trueLabel = trueLabel
    self.predicted = predicted
    self.predictedLabel = predictedLabel
    self.score = score
    self.error = error
  }
}

/// Accuracy, precision, recall and F1 of one class (nil where the ratio has no images).
public struct ClassMetrics: Codable, Sendable, Equatable {
  public var index: Int
  public var name: String
  /// Images whose true class this is (read without error).
  public var images: Int
  /// Images predicted as this class.
  public var predicted: Int
  /// Images of this class predicted as it.
  public var correct: Int
  /// correct / predicted.
  public var precision: Double?
  /// correct / images (the class's accuracy).
  public var recall: Double?
  public var f1: Double?

  /// The class's accuracy: its recall.
  public var accuracy: Double? { recall }

  enum CodingKeys: String, CodingKey {
    case index, name, images, predicted, correct, precision, recall, f1, accuracy
  }

  public init(index: Int, name: String, images: Int, predicted: Int, correct: Int) {
    self.index = index
    self.name = name
    self.images = images
    self.predicted = predicted
    self.correct = correct
    precision = predicted == 0 ? nil : Double(correct) / Double(predicted)
    recall = images == 0 ? nil : Double(correct) / Double(images)
    if let p = precision, let r = recall { f1 = p + r == 0 ? 0 : 2 * p * r / (p + r) }
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    self.init(index: try c.decode(Int.self, forKey: .index), name: try c.decode(String.self, forKey: .name),
              images: try c.decode(Int.self, forKey: .images),
              predicted: try c.decode(Int.self, forKey: .predicted),
              correct: try c.decode(Int.self, forKey: .correct))
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(index, forKey: .index)
    try c.encode(name, forKey: .name)
    try c.encode(images, forKey: .images)
    try c.encode(predicted, forKey: .predicted)
    try c.encode(correct, forKey: .correct)
    // Explicit nulls: a class without images has no recall, which readers must see.
    try c.encode(precision, forKey: .precision)
    try c.encode(recall, forKey: .recall)
    try c.encode(f1, forKey: .f1)
    try c.encode(accuracy, forKey: .accuracy)
  }
}

/// The result of evaluating a classifier on a labelled dataset: accuracy, the confusion
/// matrix, per-class metrics and every image's prediction.
///
/// Classes are in the model's label order (``classNames``); a dataset whose classes are in
/// another order (a folder's sorted subfolder names) is mapped to it by name. A model without
/// labels takes the dataset's classes by position.
public struct EvaluationReport: Codable, Sendable {
  /// The model's path or name, as the caller gave it.
  public var model: String
  /// The dataset spec.
  public var dataset: String
  /// Class names, in the model's class order.
  public var classNames: [String]
  /// Images classified (failed ones are not counted).
  public var images = 0
  public var failed = 0
  public var top1Correct = 0
  public var top5Correct = 0
  /// confusion[true class][predicted class], over the images classified.
  public var confusion: [[Int]]
  /// Every evaluated image, in dataset order.
  public var predictions: [ImagePrediction] = []

  enum CodingKeys: String, CodingKey {
    case model, dataset, classNames = "classes", images, failed, top1Correct = "top1_correct"
    case top5Correct = "top5_correct", top1, top5, perClass = "per_class", confusion, predictions
  }

  public init(model: String, dataset: String, classNames: [String]) {
    self.model = model
    self.dataset = dataset
    self.classNames = classNames
    confusion = Array(repeating: Array(repeating: 0, count: classNames.count), count: classNames.count)
  }

  public var top1: Double { images == 0 ? 0 : Double(top1Correct) / Double(images) }
  public var top5: Double { images == 0 ? 0 : Double(top5Correct) / Double(images) }

  /// Precision, recall and F1 of each class, in class order.
  public var perClass: [ClassMetrics] {
    classNames.indices.map { c in
      ClassMetrics(index: c, name: classNames[c], images: confusion[c].reduce(0, +),
                   predicted: confusion.reduce(0) { $0 + $1[c] }, correct: confusion[c][c])
    }
  }

  /// The mean of each class's precision, recall and F1 (over the classes that have one).
  public var macroAverage: (precision: Double?, recall: Double?, f1: Double?) {
    func mean(_ xs: [Double?]) -> Double? {
      let v = xs.compactMap { $0 }
      return v.isEmpty ? nil : v.reduce(0, +) / Double(v.count)
    }
    let m = perClass
    return (mean(m.map(\.precision)), mean(m.map(\.recall)), mean(m.map(\.f1)))
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    model = try c.decode(String.self, forKey: .model)
    dataset = try c.decode(String.self, forKey: .dataset)
    classNames = try c.decode([String].self, forKey: .classNames)
    images = try c.decode(Int.self, forKey: .images)
    failed = try c.decode(Int.self, forKey: .failed)
    top1Correct = try c.decode(Int.self, forKey: .top1Correct)
    top5Correct = try c.decode(Int.self, forKey: .top5Correct)
    confusion = try c.decode([[Int]].self, forKey: .confusion)
    predictions = try c.decode([ImagePrediction].self, forKey: .predictions)
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(model, forKey: .model)
    try c.encode(dataset, forKey: .dataset)
    try c.encode(classNames, forKey: .classNames)
    try c.encode(images, forKey: .images)
    try c.encode(failed, forKey: .failed)
    try c.encode(top1Correct, forKey: .top1Correct)
    try c.encode(top5Correct, forKey: .top5Correct)
    try c.encode(top1, forKey: .top1)
    try c.encode(top5, forKey: .top5)
    try c.encode(perClass, forKey: .perClass)
    try c.encode(confusion, forKey: .confusion)
    try c.encode(predictions, forKey: .predictions)
  }

  /// The report as one JSON object (keys sorted, so the same evaluation gives the same bytes).
  public func json() throws -> String { try evaluationJSON(self) }

  /// For each dataset class, the model class it is: by name when the model has labels (a
  /// folder cannot hold "/", so "_" stands for it: folder T-shirt_top is label T-shirt/top),
  /// else by position.
  static func modelClasses(of dataset: LabeledDataset, labels: [String]) throws -> [Int] {
    guard !labels.isEmpty else { return Array(dataset.classNames.indices) }
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
    let mapped = dataset.classNames.map { index[$0]! }
    guard Set(mapped).count == mapped.count else {
      throw DatasetError.malformed(path: dataset.spec, reason: "has two class folders for one "
        + "label of the model (a name with \"/\" and the same with \"_\"): keep one")
    }
    return mapped
  }

  /// Evaluates `classifier` on the first `limit` images of `dataset`, calling `progress(done,
  /// total)` now and then. An image that fails to decode or run is counted in `failed` and
  /// keeps its error in ``predictions``.
  public static func run(_ classifier: ImageClassifier, on dataset: LabeledDataset,
                         limit: Int? = nil, model: String = "",
                         progress: ((Int, Int) -> Void)? = nil) throws -> EvaluationReport
  {
    guard classifier.classes == dataset.classNames.count else {
      throw DatasetError.malformed(path: dataset.spec, reason: "has \(dataset.classNames.count) "
        + "classes but the model has \(classifier.classes)")
    }
    let labels = classifier.labels
    let toModel = try modelClasses(of: dataset, labels: labels)
    var report = EvaluationReport(model: model, dataset: dataset.spec,
                                  classNames: labels.isEmpty ? dataset.classNames : labels)
    let total = min(limit ?? dataset.count, dataset.count)
    report.predictions.reserveCapacity(total)
    for i in 0..<total {
      let truth = toModel[dataset.label(i)]
      var p = ImagePrediction(index: i, file: dataset.file(i), trueClass: truth,
                              trueLabel: report.classNames[truth], predicted: nil,
                              predictedLabel: nil, score: nil, error: nil)
      do {
        let logits = try classifier.logits(image: try dataset.sample(i).image)
        let ranked = logits.indices.sorted { logits[$0] != logits[$1] ? logits[$0] > logits[$1] : $0 < $1 }
        let top = ranked[0]
        report.images += 1
        report.confusion[truth][top] += 1
        if top == truth { report.top1Correct += 1 }
        if ranked.prefix(5).contains(truth) { report.top5Correct += 1 }
        p.predicted = top
        p.predictedLabel = report.classNames[top]
        p.score = softmax(logits)[top]
      } catch {
        report.failed += 1
        p.error = "\(error)"
      }
      report.predictions.append(p)
      if let progress, (i + 1) % 250 == 0 || i + 1 == total { progress(i + 1, total) }
    }
    return report
  }
}

/// Two models evaluated on the same images: how often their top-1 classes agree, and the
/// images where they differ.
public struct EvaluationComparison: Codable, Sendable {
  /// One image the two models classify differently (or that one of them could not classify).
  public struct Difference: Codable, Sendable, Equatable {
    public var index: Int
    public var file: String?
    public var trueClass: Int
    public var trueLabel: String
    /// Each model's top-1 class (nil: the image failed) and its score.
    public var a: Int?
    public var aLabel: String?
    public var aScore: Double?
    public var b: Int?
    public var bLabel: String?
    public var bScore: Double?

    enum CodingKeys: String, CodingKey {
      case index, file, trueClass = "true", trueLabel = "true_label", a, aLabel = "a_label"
      case aScore = "a_score", b, bLabel = "b_label", bScore = "b_score"
    }
  }

  public var a: EvaluationReport
  public var b: EvaluationReport
  /// Images both models classified.
  public var images: Int
  /// Images both classified with the same top-1 class.
  public var agree: Int
  public var differences: [Difference]

  public var agreement: Double { images == 0 ? 0 : Double(agree) / Double(images) }

  enum CodingKeys: String, CodingKey { case a, b, images, agree, agreement, differences }

  /// Compares two reports on the same images with the same classes (in the same order: give
  /// both models the same labels).
  public init(_ a: EvaluationReport, _ b: EvaluationReport) throws {
    guard a.predictions.count == b.predictions.count, a.dataset == b.dataset else {
      throw DatasetError.malformed(path: b.dataset, reason: "is not the dataset of the other report")
    }
    guard a.classNames == b.classNames else {
      throw DatasetError.malformed(path: a.dataset, reason: "is labelled differently by the two "
        + "models (\(a.classNames.prefix(3)) ... against \(b.classNames.prefix(3)) ...): give "
        + "them the same labels in the same order")
    }
    self.a = a
    self.b = b
    var images = 0, agree = 0
    var differences: [Difference] = []
    for (p, q) in zip(a.predictions, b.predictions) {
      if p.predicted != nil && q.predicted != nil {
        images += 1
        if p.predicted == q.predicted { agree += 1; continue }
      }
      differences.append(Difference(index: p.index, file: p.file, trueClass: p.trueClass,
                                    trueLabel: p.trueLabel, a: p.predicted, aLabel: p.predictedLabel,
                                    aScore: p.score, b: q.predicted, bLabel: q.predictedLabel,
                                    bScore: q.score))
    }
    self.images = images
    self.agree = agree
    self.differences = differences
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    try self.init(c.decode(EvaluationReport.self, forKey: .a), c.decode(EvaluationReport.self, forKey: .b))
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(a, forKey: .a)
    try c.encode(b, forKey: .b)
    try c.encode(images, forKey: .images)
    try c.encode(agree, forKey: .agree)
    try c.encode(agreement, forKey: .agreement)
    try c.encode(differences, forKey: .differences)
  }

  /// The comparison as one JSON object (keys sorted).
  public func json() throws -> String { try evaluationJSON(self) }
}

/// `value` as compact JSON with sorted keys and unescaped slashes.
func evaluationJSON<T: Encodable>(_ value: T) throws -> String {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
  return String(decoding: try encoder.encode(value), as: UTF8.self)
}
