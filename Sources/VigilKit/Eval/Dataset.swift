// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import VigilCore

/// Labelled images for evaluation, named by a spec:
///
/// - `fashion-mnist:DIR` — the IDX files of Fashion-MNIST in DIR (gzipped or not), test split;
///   `fashion-mnist:DIR:train` for the training split.
/// - `folder:DIR` — one subfolder per class (class names sorted), images inside (sorted).
public struct LabeledDataset {
  public let spec: String
  public let classNames: [String]
  /// The files the dataset reads (the IDX files, or every image), for commands that must not
  /// write over them.
  public let files: [String]
  private let storage: Storage

  private enum Storage {
    case idx(pixels: [UInt8], side: (rows: Int, cols: Int), labels: [UInt8])
    case files([(path: String, label: Int)])
  }

  /// The classes of Fashion-MNIST, in label order.
  public static let fashionMNISTClasses = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
    "Ankle boot",
  ]

  public var count: Int {
    switch storage {
    case .idx(_, _, let labels): return labels.count
    case .files(let files): return files.count
    }
  }

  /// The label of image `i` (an index into ``classNames``), without reading the image.
  public func label(_ i: Int) -> Int {
    switch storage {
    case .idx(_, _, let labels): return Int(labels[i])
    case .files(let files): return files[i].label
    }
  }

  /// The file of image `i` for a dataset of image files; nil for images inside a dataset file.
  public func file(_ i: Int) -> String? {
    switch storage {
    case .idx: return nil
    case .files(let files): return files[i].path
    }
  }

  /// Image `i` and its label; `name` identifies it in messages.
  public func sample(_ i: Int) throws -> (image: RGBImage, label: Int, name: String) {
    switch storage {
    case .idx(let pixels, let side, let labels):
      let n = side.rows * side.cols
      let grey = Array(pixels[(i * n)..<((i + 1) * n)])
      return (RGBImage(width: side.cols, height: side.rows, gray: grey), Int(labels[i]), "#\(i)")
    case .files(let files):
      let f = files[i]
      try InputFile.requireRegular(f.path)
      return (try ImageDecoder.decode(path: f.path), f.label, f.path)
    }
  }

  /// Opens the dataset named by `spec`; see the type's documentation for the forms.
  public static func open(spec: String) throws -> LabeledDataset {
    guard let colon = spec.firstIndex(of: ":") else { throw DatasetError.badSpec(spec) }
    let kind = String(spec[..<colon])
    let rest = String(spec[spec.index(after: colon)...])
    switch kind {
    case "fashion-mnist":
      var dir = rest, split = "test"
      for suffix in [":train", ":test"] where rest.hasSuffix(suffix) {
        dir = String(rest.dropLast(suffix.count))
        split = String(suffix.dropFirst())
      }
      return try openFashionMNIST(spec: spec, directory: dir, train: split == "train")
    case "folder":
      return try openFolder(spec: spec, directory: rest)
    default:
      throw DatasetError.badSpec(spec)
    }
  }

  private static func findIDX(_ dir: String, _ stem: String) throws -> String {
    for name in [stem + ".gz", stem] {
      let p = (dir as NSString).appendingPathComponent(name)
      if InputFile.kind(p).exists { return p }
    }
    throw DatasetError.missing(path: (dir as NSString).appendingPathComponent(stem + "[.gz]"),
                               hint: "Debian's dataset-fashion-mnist installs the files in "
                                 + "/usr/share/datasets/fashion-mnist")
  }

  /// Parses an IDX file: magic 0x0000 08 NDIM (unsigned bytes), NDIM big-endian u32 sizes.
  static func parseIDX(_ bytes: [UInt8], path: String, dims: Int) throws -> (shape: [Int], data: ArraySlice<UInt8>) {
    let header = 4 + 4 * dims
    guard bytes.count >= header, bytes[0] == 0, bytes[1] == 0, bytes[2] == 0x08,
          Int(bytes[3]) == dims
    else {
      throw DatasetError.malformed(path: path, reason: "not an IDX file of unsigned bytes with "
        + "\(dims) dimension(s)")
    }
    var shape: [Int] = []
    for d in 0..<dims {
      let o = 4 + 4 * d
      shape.append(Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3]))
    }
    // The product is checked: sizes whose product wraps (to 0, say) must not pass as a match.
    var count = 1
    for d in shape {
      let (p, overflow) = count.multipliedReportingOverflow(by: d)
      guard !overflow, d > 0, d < 1 << 24 else {
        throw DatasetError.malformed(path: path, reason: "header sizes \(shape) are not a tensor this "
          + "file can hold (each must be 1 ... \((1 << 24) - 1) and their product at most the file size)")
      }
      count = p
    }
    guard bytes.count - header == count else {
      throw DatasetError.malformed(path: path, reason: "header says \(shape) but the file holds "
        + "\(bytes.count - header) data bytes")
    }
    return (shape, bytes[header...])
  }

  static func openFashionMNIST(spec: String, directory: String, train: Bool) throws -> LabeledDataset {
    let prefix = train ? "train" : "t10k"
    let imagesPath = try findIDX(directory, "\(prefix)-images-idx3-ubyte")
    let labelsPath = try findIDX(directory, "\(prefix)-labels-idx1-ubyte")
    let limit = 1 << 30
    let (shape, pixels) = try parseIDX(FileIO.readIDX(path: imagesPath, maxBytes: limit),
                                       path: imagesPath, dims: 3)
    let (lshape, labels) = try parseIDX(FileIO.readIDX(path: labelsPath, maxBytes: limit),
                                        path: labelsPath, dims: 1)
    guard lshape[0] == shape[0] else {
      throw DatasetError.malformed(path: labelsPath, reason: "\(lshape[0]) labels for \(shape[0]) images")
    }
    if let bad = labels.first(where: { $0 >= 10 }) {
      throw DatasetError.malformed(path: labelsPath, reason: "label \(bad) outside 0...9")
    }
    return LabeledDataset(spec: spec, classNames: fashionMNISTClasses, files: [imagesPath, labelsPath],
                          storage: .idx(pixels: Array(pixels), side: (shape[1], shape[2]),
                                        labels: Array(labels)))
  }

  static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "ppm", "pgm", "pnm"]

  static func openFolder(spec: String, directory: String) throws -> LabeledDataset {
    guard InputFile.kind(directory).isDirectory else {
      throw DatasetError.missing(path: directory, hint: "give a folder with one subfolder per class")
    }
    // Names as the folder holds them (bytes, not necessarily UTF-8), sorted by bytes.
    func byBytes(_ a: String, _ b: String) -> Bool { PathBytes.bytes(a).lexicographicallyPrecedes(PathBytes.bytes(b)) }
    let classes = try InputFile.list(directory).filter { name in
      !name.hasPrefix(".") && InputFile.kind(InputFile.join(directory, name)).isDirectory
    }.sorted(by: byBytes)
    guard !classes.isEmpty else {
      throw DatasetError.malformed(path: directory, reason: "has no class subfolders")
    }
    var files: [(String, Int)] = []
    for (label, name) in classes.enumerated() {
      let sub = InputFile.join(directory, name)
      for file in try InputFile.list(sub).sorted(by: byBytes)
      where imageExtensions.contains((file as NSString).pathExtension.lowercased()) {
        files.append((InputFile.join(sub, file), label))
      }
    }
    guard !files.isEmpty else {
      throw DatasetError.malformed(path: directory, reason: "holds no JPEG, PNG or PPM/PGM images")
    }
    return LabeledDataset(spec: spec, classNames: classes, files: files.map(\.0), storage: .files(files))
  }
}

public enum DatasetError: Error, CustomStringConvertible {
  case badSpec(String)
  case missing(path: String, hint: String)
  case malformed(path: String, reason: String)

  public var description: String {
    switch self {
    case .badSpec(let s):
      return "dataset '\(s)' is not understood: use fashion-mnist:DIR[:train|:test] or folder:DIR"
    case .missing(let path, let hint): return "\(path) does not exist: \(hint)"
    case .malformed(let path, let reason): return "\(path) \(reason)"
    }
  }
}
