// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CVigilIO

/// Whole-file reads and writes for the core, which has no Foundation.
///
/// Every file access of the image and `.npy` readers goes through here.
public enum FileIO {
  /// The default read limit: 256 MiB.
  public static let defaultMaxBytes = 256 << 20

  /// Reads a whole file.
  ///
  ///     let bytes = try FileIO.readAll(path: "frame.jpg", maxBytes: 32 << 20)
  ///
  /// - Parameters:
  ///   - path: the file to read.
  ///   - maxBytes: the largest accepted size; a bigger file throws ``ImageError/fileTooLarge(path:limit:)``
  ///     without being read whole.
  /// - Returns: the file's bytes (empty for an empty file).
  ///
  /// With `gunzip`, gzip data is decompressed (other files read as they are) and `maxBytes`
  /// caps the decompressed size.
  ///
  /// The corresponding C functions are `vgl_io_read_file` and `vgl_io_read_file_gunzip`.
  public static func readAll(path: String, maxBytes: Int = defaultMaxBytes,
                             gunzip: Bool = false) throws(ImageError) -> [UInt8]
  {
    guard maxBytes >= 0 else { throw .invalidArgument("maxBytes must be >= 0, got \(maxBytes)") }
    var buffer: UnsafeMutablePointer<UInt8>? = nil
    var length = 0
    let (status, message) = withMessageBuffer { msg, cap in
      PathBytes.withCString(path) { raw in
        gunzip ? vgl_io_read_file_gunzip(raw, maxBytes, &buffer, &length, msg, cap)
          : vgl_io_read_file(raw, maxBytes, &buffer, &length, msg, cap)
      }
    }
    defer { vgl_io_free(buffer) }
    switch status {
    case VGL_IO_OK:
      guard let buffer, length > 0 else { return [] }
      return Array(UnsafeBufferPointer(start: buffer, count: length))
    case VGL_IO_E_TOO_BIG:
      throw .fileTooLarge(path: path, limit: maxBytes)
    default:
      throw ImageError(status: status, source: path, message: message)
    }
  }

  /// Reads an IDX file (gzip-compressed or not): header and data, exactly as long as the
  /// header declares. A header declaring more than `maxBytes` throws
  /// ``ImageError/fileTooLarge(path:limit:)`` before anything is inflated; data shorter or
  /// longer than declared throws ``ImageError/corrupt(source:reason:)``, and decompression
  /// stops one byte past the declared size.
  ///
  /// The corresponding C function is `vgl_io_read_idx`.
  public static func readIDX(path: String, maxBytes: Int) throws(ImageError) -> [UInt8] {
    guard maxBytes >= 0 else { throw .invalidArgument("maxBytes must be >= 0, got \(maxBytes)") }
    var buffer: UnsafeMutablePointer<UInt8>? = nil
    var length = 0
    let (status, message) = withMessageBuffer { msg, cap in
      PathBytes.withCString(path) { raw in vgl_io_read_idx(raw, maxBytes, &buffer, &length, msg, cap) }
    }
    defer { vgl_io_free(buffer) }
    switch status {
    case VGL_IO_OK:
      guard let buffer, length > 0 else { return [] }
      return Array(UnsafeBufferPointer(start: buffer, count: length))
    case VGL_IO_E_TOO_BIG:
      throw .corrupt(source: path, reason: message)
    default:
      throw ImageError(status: status, source: path, message: message)
    }
  }

  /// Writes `bytes` to `path`, creating or truncating it.
  ///
  /// The corresponding C function is `vgl_io_write_file`.
  public static func write(path: String, bytes: [UInt8]) throws(ImageError) {
    let (status, message) = bytes.withUnsafeBufferPointer { data in
      withMessageBuffer { msg, cap in
        PathBytes.withCString(path) { vgl_io_write_file($0, data.baseAddress, data.count, msg, cap) }
      }
    }
    if status != VGL_IO_OK { throw ImageError(status: status, source: path, message: message) }
  }
}

/// Calls `body` with a zeroed C message buffer and returns its result with the message as a
/// String (empty when the C side wrote nothing).
func withMessageBuffer(
  _ body: (UnsafeMutablePointer<CChar>, Int) -> vgl_io_status
) -> (vgl_io_status, String) {
  let capacity = 512
  var storage = [CChar](repeating: 0, count: capacity)
  return storage.withUnsafeMutableBufferPointer { buf in
    let status = body(buf.baseAddress!, capacity)
    buf[capacity - 1] = 0
    var length = 0
    while buf[length] != 0 { length += 1 }
    let bytes = buf[0..<length].map { UInt8(bitPattern: $0) }
    return (status, String(decoding: bytes, as: UTF8.self))
  }
}
