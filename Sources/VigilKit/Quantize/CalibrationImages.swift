// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import VigilCore

/// Where calibration images come from, named by the `--calib` argument:
///
/// - a directory: every JPEG, PNG or PPM/PGM below it (subfolders too), sorted by path;
/// - a text file: one image path per line (relative paths are relative to the file's folder;
///   blank lines and lines starting with `#` are skipped);
/// - a dataset spec (`fashion-mnist:DIR:train` or `:test`, `folder:DIR`), as for `vigil eval`,
///   except that a Fashion-MNIST spec must name its split: calibrating on the test split by
///   accident would flatter every later measurement on it.
///
/// `count` picks that many evenly spaced images (index `i * total / count`), so a folder
/// sorted by class still gives every class; the choice depends only on the list, never on a
/// random number, so calibration is reproducible. Without `count`, at most `defaultLimit`
/// images are taken the same way (calibration keeps every crop in memory and runs two
/// passes; more images rarely change the ranges).
public struct CalibrationImages {
  public let source: String
  private let load: (Int) throws -> RGBImage
  private let names: [String]

  public var count: Int { names.count }

  /// Images taken when no count is given.
  public static let defaultLimit = 1000
  /// Whether `defaultLimit` cut the list (no count was given).
  public private(set) var limited = false
  /// Images the source holds.
  public private(set) var available = 0
  /// Every file the source names (the list file, the images, a dataset's files), picked or not.
  public private(set) var files: [String] = []

  /// The display name of image `i` (a path, or `#N` in a dataset).
  public func name(_ i: Int) -> String { names[i] }

  /// Decodes image `i`.
  public func image(_ i: Int) throws -> RGBImage { try load(i) }

  public init(source: String, count: Int?) throws {
    self.source = source
    var all: [String] = []
    var loader: ((Int) throws -> RGBImage)?
    let kind = InputFile.kind(source)
    if kind.exists {
      if !kind.isDirectory,
         LabeledDataset.imageExtensions.contains((source as NSString).pathExtension.lowercased()) {
        all = [source]  // one image
      } else if kind.isDirectory {
        // Names as the folder holds them (bytes, not necessarily UTF-8); sorted by bytes.
        for rel in try InputFile.walk(source)
        where LabeledDataset.imageExtensions.contains((rel as NSString).pathExtension.lowercased()) {
          all.append(InputFile.join(source, rel))
        }
        all.sort { PathBytes.bytes($0).lexicographicallyPrecedes(PathBytes.bytes($1)) }
      } else {
        if let kind = InputFile.irregularKind(source) {
          throw InputError.unreadable(path: source, reason: InputFile.reason(kind))
        }
        guard let data = try? InputFile.readData(source, maxBytes: 64 << 20),
          let text = String(data: data, encoding: .utf8)
        else { throw CalibrationSourceError.unreadable(source) }
        files = [source]
        let dir = (source as NSString).deletingLastPathComponent
        for raw in text.split(whereSeparator: \.isNewline) {
          let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
          if line.isEmpty || line.hasPrefix("#") { continue }
          all.append(line.hasPrefix("/") ? line : (dir as NSString).appendingPathComponent(line))
        }
      }
    } else if source.hasPrefix("fashion-mnist:") || source.hasPrefix("folder:") {
      if source.hasPrefix("fashion-mnist:"), !source.hasSuffix(":train"), !source.hasSuffix(":test") {
        throw CalibrationSourceError.noSplit(source)
      }
      let dataset = try LabeledDataset.open(spec: source)
      files = dataset.files
      all = (0..<dataset.count).map { "#\($0)" }
      loader = { try dataset.sample($0).image }
    } else {
      throw CalibrationSourceError.missing(source)
    }
    guard !all.isEmpty else { throw CalibrationSourceError.empty(source) }
    if loader == nil { files += all }
    var picked = Array(all.indices)
    if let count { guard count > 0 else { throw CalibrationSourceError.badCount(count) } }
    let wanted = count ?? Self.defaultLimit
    limited = count == nil && all.count > wanted
    available = all.count
    if wanted < all.count {
      let count = wanted
      picked = (0..<count).map { $0 * all.count / count }
    }
    names = picked.map { all[$0] }
    if let loader {
      let indices = picked
      load = { try loader(indices[$0]) }
    } else {
      let paths = names
      load = {
        try InputFile.requireRegular(paths[$0])
        return try ImageDecoder.decode(path: paths[$0])
      }
    }
  }
}

extension CalibrationImages {
  /// The source as the model's metadata records it (`calibration.source`): the kind, the
  /// folder's or file's name and a dataset's split, without the machine's directories.
  public var metadataName: String { Self.metadataName(of: source) }

  /// ``metadataName`` of a source.
  public static func metadataName(of source: String) -> String {
    for kind in ["fashion-mnist:", "folder:"] where source.hasPrefix(kind) {
      var rest = String(source.dropFirst(kind.count)), split = ""
      for s in [":train", ":test"] where rest.hasSuffix(s) {
        rest = String(rest.dropLast(s.count))
        split = s
      }
      return kind + (rest as NSString).lastPathComponent + split
    }
    return (source as NSString).lastPathComponent
  }
}

public enum CalibrationSourceError: Error, CustomStringConvertible, Equatable {
  case unreadable(String)
  case missing(String)
  case empty(String)
  case badCount(Int)
  /// A Fashion-MNIST spec without `:train` or `:test`.
  case noSplit(String)

  public var description: String {
    switch self {
    case .unreadable(let s):
      return "calibration source '\(s)' is neither a folder, a list file nor a dataset spec "
        + "(fashion-mnist:DIR:train, folder:DIR)"
    case .missing(let s):
      return "calibration source '\(s)' does not exist: give a folder of images, a text file "
        + "listing image paths, or a dataset spec (fashion-mnist:DIR:train, folder:DIR)"
    case .empty(let s): return "calibration source '\(s)' holds no JPEG, PNG or PPM/PGM images"
    case .badCount(let n): return "--calib-count must be at least 1, got \(n)"
    case .noSplit(let s):
      return "'\(s)' names no split: give \(s):train to calibrate on the training images (and "
        + "keep the test split for eval), or \(s):test"
    }
  }
}
