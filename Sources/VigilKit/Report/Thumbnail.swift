// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CVigilIO
import VigilCore

/// A small encoded image for a report page, embedded as a `data:` URI.
public struct Thumbnail: Sendable, Equatable {
  /// `image/png` or `image/jpeg`.
  public var mime: String
  public var bytes: [UInt8]
  public var width: Int
  public var height: Int

  /// The thumbnail of `image`: a gray image (R = G = B everywhere, as the IDX digits and
  /// Fashion-MNIST are) no larger than `maxSide` is kept pixel for pixel as an 8-bit gray PNG;
  /// anything else is downscaled (bicubic, shorter side `maxSide`, centre square: what the
  /// model's own crop shows) and stored as a JPEG.
  public init(_ image: RGBImage, maxSide: Int = 96) throws {
    precondition(maxSide > 0, "Thumbnail: maxSide must be positive")
    let px = image.pixels
    var gray = [UInt8](repeating: 0, count: image.width * image.height)
    var isGray = true
    for i in gray.indices {
      let r = px[3 * i], g = px[3 * i + 1], b = px[3 * i + 2]
      if r != g || g != b { isGray = false; break }
      gray[i] = r
    }
    if isGray && image.width <= maxSide && image.height <= maxSide {
      bytes = try Self.encode(gray, image.width, image.height, channels: 1)
      mime = "image/png"
      width = image.width
      height = image.height
    } else {
      let small = image.width <= maxSide && image.height <= maxSide
        ? image : Preprocessing(size: maxSide, cropPct: 1).resizeAndCrop(image)
      bytes = try Self.encode(small.pixels, small.width, small.height, channels: 3)
      mime = "image/jpeg"
      width = small.width
      height = small.height
    }
  }

  /// The thumbnail as a `data:` URI.
  public var dataURI: String { HTMLWriter.dataURI(mime: mime, bytes) }

  private static func encode(_ pixels: [UInt8], _ width: Int, _ height: Int, channels: Int) throws
    -> [UInt8]
  {
    // Gray PNG: at most the raw bytes plus row filters and zlib/PNG framing; a JPEG of a
    // small image is far below its raw size (plus headers).
    let cap = pixels.count + height + 4096
    var out = [UInt8](repeating: 0, count: cap)
    var length = 0
    var msg = [CChar](repeating: 0, count: 256)
    let status = pixels.withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        channels == 1
          ? vgl_io_encode_png(src.baseAddress, UInt32(width), UInt32(height), 1, dst.baseAddress,
                              cap, &length, &msg, msg.count)
          : vgl_io_encode_jpeg(src.baseAddress, UInt32(width), UInt32(height), 85,
                               dst.baseAddress, cap, &length, &msg, msg.count)
      }
    }
    guard status == VGL_IO_OK else {
      throw ReportError.thumbnail(String(decoding: msg.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
                                         as: UTF8.self))
    }
    return Array(out.prefix(length))
  }
}

/// A report page that could not be made.
public enum ReportError: Error, CustomStringConvertible, Equatable {
  /// An image of the contact sheet could not be encoded (the encoder's message).
  case thumbnail(String)

  public var description: String {
    switch self {
    case .thumbnail(let why): return "report: a thumbnail could not be encoded: \(why)"
    }
  }
}
