// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import VigilCore

/// How the toolkit reads its inputs and lists folders:
///
/// - Paths are bytes (``PathBytes``): every call here hands the system the path's original
///   bytes, and directory entries come back as they are, so names that are not UTF-8 open, list
///   and are never dropped.
/// - Anything but a regular file (after symbolic links) is refused with what it is: a FIFO would
///   block the open or the read forever, a device would be read as if it were a file. Reads
///   open with `O_NONBLOCK` and check the type with `fstat` on the open descriptor.
public enum InputFile {
  /// What `path` is when it exists and is not a regular file ("a FIFO", "a character device",
  /// ...); nil for a regular file or a path that cannot be stat'ed (opening it then reports why).
  public static func irregularKind(_ path: String) -> String? {
    guard let st = status(path) else { return nil }
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

  /// `stat` (following links) of `path`'s bytes; nil when it fails.
  static func status(_ path: String) -> stat? {
    var st = stat()
    let ok = PathBytes.withCString(path) { stat($0, &st) } == 0
    return ok ? st : nil
  }

  /// Whether `path` exists, and whether it is a directory (after symbolic links).
  public static func kind(_ path: String) -> (exists: Bool, isDirectory: Bool) {
    guard let st = status(path) else { return (false, false) }
    return (true, st.st_mode & S_IFMT == S_IFDIR)
  }

  /// The whole regular file at `path`, at most `maxBytes` long.
  public static func readData(_ path: String, maxBytes: Int = Int.max) throws(InputError) -> Data {
    let fd = PathBytes.withCString(path) { open($0, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
    guard fd >= 0 else { throw .unreadable(path: path, reason: errnoText()) }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw .unreadable(path: path, reason: errnoText()) }
    guard st.st_mode & S_IFMT == S_IFREG else {
      throw .unreadable(path: path, reason: reason(OutputFile.fileKind(st.st_mode)))
    }
    let size = Int(st.st_size)
    guard size <= maxBytes else {
      throw .unreadable(path: path, reason: "is \(size) bytes, more than the \(maxBytes)-byte limit for this input")
    }
    var data = Data(count: size)
    var done = 0
    var failure: String? = nil
    data.withUnsafeMutableBytes { (raw: UnsafeMutableRawBufferPointer) in
      while done < size {
        let n = Glibc.read(fd, raw.baseAddress! + done, size - done)
        if n < 0 && errno == EINTR { continue }
        if n < 0 { failure = errnoText(); return }
        if n == 0 { failure = "the file shrank while it was read (\(done) of \(size) bytes)"; return }
        done += n
      }
    }
    if let failure { throw .unreadable(path: path, reason: failure) }
    return data
  }

  /// The first `count` bytes of the regular file at `path` (fewer when it is shorter).
  public static func readPrefix(_ path: String, count: Int) throws(InputError) -> [UInt8] {
    let fd = PathBytes.withCString(path) { open($0, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
    guard fd >= 0 else { throw .unreadable(path: path, reason: errnoText()) }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw .unreadable(path: path, reason: errnoText()) }
    guard st.st_mode & S_IFMT == S_IFREG else {
      throw .unreadable(path: path, reason: reason(OutputFile.fileKind(st.st_mode)))
    }
    var bytes = [UInt8](repeating: 0, count: count)
    var done = 0
    while done < count {
      let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, count - done) }
      if n < 0 && errno == EINTR { continue }
      if n < 0 { throw .unreadable(path: path, reason: errnoText()) }
      if n == 0 { break }
      done += n
    }
    return Array(bytes.prefix(done))
  }

  /// The whole regular file at `path` as bytes.
  public static func read(_ path: String, maxBytes: Int = Int.max) throws(InputError) -> [UInt8] {
    [UInt8](try readData(path, maxBytes: maxBytes))
  }

  /// The names in `directory` (not `.` and `..`), as the directory holds them, unsorted.
  public static func list(_ directory: String) throws(InputError) -> [String] {
    guard let dir = PathBytes.withCString(directory, { opendir($0) }) else {
      throw .unreadable(path: directory, reason: "cannot list the folder: \(errnoText())")
    }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafePointer(to: &entry.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: 256) { PathBytes.decode(cString: $0) }
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }

  /// Every file below `directory` (subfolders too, not following links to folders), as paths
  /// relative to it, unsorted.
  public static func walk(_ directory: String) throws(InputError) -> [String] {
    var out: [String] = []
    var pending = [""]
    while let rel = pending.popLast() {
      let dir = rel.isEmpty ? directory : join(directory, rel)
      for name in try list(dir) {
        let child = rel.isEmpty ? name : rel + "/" + name
        var st = stat()
        let isDir = PathBytes.withCString(join(directory, child)) { lstat($0, &st) } == 0
          && st.st_mode & S_IFMT == S_IFDIR
        if isDir { pending.append(child) } else { out.append(child) }
      }
    }
    return out
  }

  /// `base/name` (no doubled slash).
  public static func join(_ base: String, _ name: String) -> String {
    base.hasSuffix("/") ? base + name : base + "/" + name
  }

  static func errnoText() -> String { String(cString: strerror(errno)) }
}
