// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import VigilCore

/// Writes a command's output file without ever destroying one of its inputs.
///
/// - An output that is (after symbolic links, by device and inode, so hard links too) one of the
///   inputs is refused before any work is done, and again just before writing.
/// - The file is written beside the target and renamed over it, so a reader never sees half a
///   file and a process that has the old one open keeps it.
/// - An existing target keeps its permission bits (not the umask's).
/// - A symbolic link is not replaced by a file unless `replaceLink` is set (`--replace-link`):
///   the link may point into a tree the user did not mean to change.
/// - A target that is a directory, FIFO, socket or device is refused.
public enum OutputFile {
  /// A file's identity: device and inode, after following symbolic links; nil if it does not exist.
  static func identity(_ path: String) -> (dev: UInt64, ino: UInt64)? {
    guard let st = InputFile.status(path) else { return nil }
    return (UInt64(st.st_dev), UInt64(st.st_ino))
  }

  /// Refuses `output` when its folder does not exist or is not writable, when it names one of
  /// `inputs` (role, path), is a symbolic link (unless `replaceLink`) or is not a regular file.
  /// Cheap (a few `stat` calls): commands call it before any work.
  public static func check(_ output: String, inputs: [(role: String, path: String)], replaceLink: Bool) throws(OutputFileError) {
    guard !output.isEmpty else { throw .notRegular(output: output, kind: "an empty name") }
    let folder = (output as NSString).deletingLastPathComponent
    if !folder.isEmpty {
      var st = stat()
      guard PathBytes.withCString(folder, { stat($0, &st) }) == 0 else {
        throw .noFolder(output: output, folder: folder, reason: errnoText())
      }
      guard st.st_mode & S_IFMT == S_IFDIR else {
        throw .noFolder(output: output, folder: folder, reason: "it is \(fileKind(st.st_mode))")
      }
      guard PathBytes.withCString(folder, { access($0, W_OK | X_OK) }) == 0 else {
        throw .noFolder(output: output, folder: folder, reason: "it is not writable")
      }
    }
    var lst = stat()
    guard PathBytes.withCString(output, { lstat($0, &lst) }) == 0 else { return }  // a new file: nothing to protect
    if lst.st_mode & S_IFMT == S_IFLNK {
      if !replaceLink {
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = PathBytes.withCString(output) { p in buf.withUnsafeMutableBytes { readlink(p, $0.baseAddress!, 4095) } }
        throw .symbolicLink(output: output, target: n < 0 ? "?" : PathBytes.decode(Array(buf[0..<n])))
      }
    } else if lst.st_mode & S_IFMT != S_IFREG {
      throw .notRegular(output: output, kind: fileKind(lst.st_mode))
    }
    // The link's own target, or the file itself.
    guard let out = identity(output) else { return }
    for (role, path) in inputs {
      if let id = identity(path), id == out { throw .isAnInput(output: output, role: role, input: path) }
    }
  }

  /// Writes `bytes` to `output` after `check` (temporary file in the same folder, renamed).
  public static func write(_ bytes: [UInt8], to output: String, inputs: [(role: String, path: String)],
                           replaceLink: Bool) throws(OutputFileError) {
    try check(output, inputs: inputs, replaceLink: replaceLink)
    var mode: mode_t? = nil
    var lst = stat()
    if PathBytes.withCString(output, { lstat($0, &lst) }) == 0, lst.st_mode & S_IFMT == S_IFREG {
      mode = lst.st_mode & 0o7777
    }
    let dir = (output as NSString).deletingLastPathComponent
    let temp = (dir.isEmpty ? "" : dir + "/")
      + ".\((output as NSString).lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
    let fd = PathBytes.withCString(temp) { open($0, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666) }
    guard fd >= 0 else { throw .writeFailed(output: output, reason: "cannot create \(temp): \(errnoText())") }
    var failure: String? = nil
    bytes.withUnsafeBytes { raw in
      var done = 0
      while done < raw.count {
        let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
        if n < 0 {
          if errno == EINTR { continue }
          failure = "write: \(errnoText())"
          return
        }
        done += n
      }
    }
    if failure == nil, let mode, fchmod(fd, mode) != 0 { failure = "chmod: \(errnoText())" }
    if failure == nil, fsync(fd) != 0 { failure = "fsync: \(errnoText())" }
    if close(fd) != 0, failure == nil { failure = "close: \(errnoText())" }
    if failure == nil, PathBytes.withCString(temp, { t in PathBytes.withCString(output) { rename(t, $0) } }) != 0 {
      failure = "rename to \(output): \(errnoText())"
    }
    if let failure {
      _ = PathBytes.withCString(temp) { unlink($0) }
      throw .writeFailed(output: output, reason: failure)
    }
  }

  static func fileKind(_ mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFDIR: "a directory"
    case S_IFIFO: "a FIFO"
    case S_IFSOCK: "a socket"
    case S_IFCHR: "a character device"
    case S_IFBLK: "a block device"
    case S_IFLNK: "a symbolic link"
    default: "not a regular file"
    }
  }

  private static func errnoText() -> String { String(cString: strerror(errno)) }
}

public enum OutputFileError: Error, CustomStringConvertible, Equatable {
  case isAnInput(output: String, role: String, input: String)
  case symbolicLink(output: String, target: String)
  case notRegular(output: String, kind: String)
  case writeFailed(output: String, reason: String)
  /// The folder the output would go into is missing, not a folder or not writable.
  case noFolder(output: String, folder: String, reason: String)

  public var description: String {
    switch self {
    case let .isAnInput(output, role, input):
      return "output \(output) is the \(role) \(input) (the same file); writing it would destroy an "
        + "input: give another -o"
    case let .symbolicLink(output, target):
      return "output \(output) is a symbolic link (to \(target)); give -o the file itself, or "
        + "--replace-link to replace the link by the new file"
    case let .notRegular(output, kind):
      return "output \(output) is \(kind), not a regular file: give a file name"
    case let .noFolder(output, folder, reason):
      return "cannot write \(output): its folder \(folder) cannot take it (\(reason)); create the "
        + "folder (mkdir -p) or give another path"
    case let .writeFailed(output, reason):
      return "cannot write \(output): \(reason) (the previous file, if any, is unchanged)"
    }
  }
}
