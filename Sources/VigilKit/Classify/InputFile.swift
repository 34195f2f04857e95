// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation

/// The file-type check every toolkit input passes before it is opened: a FIFO would block the
/// open (or the read) forever, and a device or socket would be read as if it were a file, so
/// anything but a regular file (after symbolic links) is refused with what it is.
public enum InputFile {
  /// What `path` is when it exists and is not a regular file ("a FIFO", "a character device",
  /// ...); nil for a regular file or a path that cannot be stat'ed (opening it then reports why).
  public static func irregularKind(_ path: String) -> String? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return st.st_mode & S_IFMT == S_IFREG ? nil : OutputFile.fileKind(st.st_mode)
  }

  /// The sentence for a `kind` returned by ``irregularKind(_:)``.
  public static func reason(_ kind: String) -> String {
    "is \(kind), not a regular file (reading it could block or never end): give a file"
  }

  /// Throws ``InputError/unreadable(path:reason:)`` unless `path` is a regular file (or missing).
  public static func requireRegular(_ path: String) throws(InputError) {
    if let kind = irregularKind(path) { throw .unreadable(path: path, reason: reason(kind)) }
  }
}
