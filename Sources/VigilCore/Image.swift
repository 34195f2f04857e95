// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// An 8-bit RGB image: rows top to bottom, pixels interleaved R, G, B, no row padding.
///
///     let image = try ImageDecoder.decode(path: "cat.jpg")
///     let red = image.pixels[(y * image.width + x) * 3]
public struct RGBImage: Equatable, Sendable {
  /// Width in pixels (> 0).
  public let width: Int
  /// Height in pixels (> 0).
  public let height: Int
  /// `width * height * 3` bytes, R G B interleaved.
  public var pixels: [UInt8]

  /// Wraps interleaved RGB bytes.
  ///
  /// - Parameters:
  ///   - width: pixels per row, > 0.
  ///   - height: rows, > 0.
  ///   - pixels: `width * height * 3` bytes.
  public init(width: Int, height: Int, pixels: [UInt8]) {
    precondition(width > 0 && height > 0, "RGBImage: width and height must be positive")
    precondition(pixels.count == width * height * 3, "RGBImage: pixels.count != width * height * 3")
    self.width = width
    self.height = height
    self.pixels = pixels
  }

  /// Builds an RGB image from 8-bit grayscale by replicating each value into R, G and B,
  /// as Pillow's `convert("RGB")` does for mode "L".
  ///
  /// - Parameters:
  ///   - width: pixels per row, > 0.
  ///   - height: rows, > 0.
  ///   - gray: `width * height` bytes.
  public init(width: Int, height: Int, gray: [UInt8]) {
    precondition(width > 0 && height > 0, "RGBImage: width and height must be positive")
    precondition(gray.count == width * height, "RGBImage: gray.count != width * height")
    var rgb = [UInt8](repeating: 0, count: gray.count * 3)
    for i in 0..<gray.count {
      rgb[3 * i] = gray[i]
      rgb[3 * i + 1] = gray[i]
      rgb[3 * i + 2] = gray[i]
    }
    self.init(width: width, height: height, pixels: rgb)
  }
}
