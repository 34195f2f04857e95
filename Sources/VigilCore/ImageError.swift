// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CVigilIO

/// An error from reading an image, a file or a `.npy` tensor.
///
/// Each case says what was wrong; ``description`` adds what to do about it. Cases that come
/// from the C shims name the corresponding `vgl_io_status`.
public enum ImageError: Error, Sendable, CustomStringConvertible {
  /// The file could not be opened. The corresponding C status is `VGL_IO_E_OPEN`.
  case cannotOpen(path: String, reason: String)
  /// Reading or writing failed part way. The corresponding C status is `VGL_IO_E_IO`.
  case ioFailed(path: String, reason: String)
  /// The file is larger than the caller's limit. The corresponding C status is
  /// `VGL_IO_E_TOO_BIG`.
  case fileTooLarge(path: String, limit: Int)
  /// Memory ran out. The corresponding C status is `VGL_IO_E_NOMEM`.
  case outOfMemory(source: String, reason: String)
  /// The input holds no bytes.
  case empty(source: String)
  /// The leading bytes match none of JPEG, PNG, PPM (P6) or PGM (P5).
  case unknownFormat(source: String)
  /// The format is recognized but this variant is not supported. The corresponding C status
  /// is `VGL_IO_E_UNSUPPORTED`.
  case unsupported(source: String, reason: String)
  /// The data is malformed or truncated. The corresponding C status is `VGL_IO_E_CORRUPT`.
  case corrupt(source: String, reason: String)
  /// The declared size is above the decoder's limit (16384 per side, 64 Mpixels); an empty
  /// (0-pixel) image is ``corrupt(source:reason:)``.
  /// The corresponding C status is `VGL_IO_E_DIMENSIONS`.
  case badDimensions(source: String, reason: String)
  /// A `.npy` file is malformed, or holds a dtype or layout the reader does not take.
  case invalidNpy(source: String, reason: String)
  /// A caller passed an argument the function cannot use. The corresponding C status is
  /// `VGL_IO_E_ARGUMENT`.
  case invalidArgument(String)

  public var description: String {
    switch self {
    case .cannotOpen(let path, let reason):
      return "cannot open '\(path)': \(reason). Check the path and its permissions."
    case .ioFailed(let path, let reason):
      return "I/O error on '\(path)': \(reason). Check the disk and retry."
    case .fileTooLarge(let path, let limit):
      return "'\(path)' is larger than the limit of \(limit) bytes. Pass a smaller file or raise the limit."
    case .outOfMemory(let source, let reason):
      return "\(source): out of memory (\(reason)). Use a smaller image or free memory."
    case .empty(let source):
      return "\(source): the input is empty (0 bytes). Check that the file was written completely."
    case .unknownFormat(let source):
      return "\(source): not a JPEG, PNG, PPM (P6) or PGM (P5) image. Convert it to one of these formats."
    case .unsupported(let source, let reason):
      return "\(source): unsupported image: \(reason). Re-encode it as 8-bit RGB JPEG or PNG."
    case .corrupt(let source, let reason):
      return "\(source): corrupt or truncated image: \(reason). Re-export or re-copy the file."
    case .badDimensions(let source, let reason):
      return "\(source): \(reason). Downscale the image before passing it in (docs/limits.md)."
    case .invalidNpy(let source, let reason):
      return "\(source): invalid .npy file: \(reason). Save it with numpy.save(path, array.astype('<f4'))."
    case .invalidArgument(let reason):
      return "invalid argument: \(reason)."
    }
  }

  /// Maps a failed C status and its message to an error about `source`.
  init(status: vgl_io_status, source: String, message: String) {
    switch status {
    case VGL_IO_E_OPEN: self = .cannotOpen(path: source, reason: message)
    case VGL_IO_E_IO: self = .ioFailed(path: source, reason: message)
    case VGL_IO_E_NOMEM: self = .outOfMemory(source: source, reason: message)
    case VGL_IO_E_UNSUPPORTED: self = .unsupported(source: source, reason: message)
    case VGL_IO_E_CORRUPT: self = .corrupt(source: source, reason: message)
    case VGL_IO_E_DIMENSIONS: self = .badDimensions(source: source, reason: message)
    default: self = .invalidArgument(message)
    }
  }
}

// Tests compare errors; String equality needs the Unicode tables, which firmware should not
// have to link for this alone.
@_unavailableInEmbedded
extension ImageError: Equatable {}
