// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation

import VigilCore

/// The inputs of `vigil classify` as the user named them, expanded: a folder becomes the
/// images (and `.npy` tensors) in it, sorted by their bytes; with `recursive`, those of its
/// subfolders too. `-` (standard input) and files pass unchanged, in the order given.
public enum InputList {
  /// One input after expansion.
  public enum Item: Equatable, Sendable {
    case file(String)
    case standardInput
    /// A folder that holds no input, with the reason.
    case emptyFolder(String, reason: String)
  }

  static let extensions = LabeledDataset.imageExtensions.union(["npy"])

  public static func expand(_ inputs: [String], recursive: Bool) throws(InputError) -> [Item] {
    var items: [Item] = []
    for input in inputs {
      if input == "-" { items.append(.standardInput); continue }
      guard InputFile.kind(input).isDirectory else { items.append(.file(input)); continue }
      let names = recursive ? try InputFile.walk(input) : try InputFile.list(input).filter {
        !InputFile.kind(InputFile.join(input, $0)).isDirectory
      }
      let files = names.filter { name in
        !name.split(separator: "/").contains { $0.hasPrefix(".") }
          && extensions.contains((name as NSString).pathExtension.lowercased())
      }.sorted { PathBytes.bytes($0).lexicographicallyPrecedes(PathBytes.bytes($1)) }
      if files.isEmpty {
        items.append(.emptyFolder(input, reason: "holds no JPEG, PNG, PPM/PGM or .npy file"
          + (recursive ? "" : " (add --recursive to look in its subfolders)")))
      }
      items += files.map { .file(InputFile.join(input, $0)) }
    }
    return items
  }
}
