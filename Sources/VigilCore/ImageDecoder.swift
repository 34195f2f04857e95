// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CVigilIO

/// The image formats ``ImageDecoder`` reads, recognized by their leading bytes.
public enum ImageFormat: Equatable, Sendable {
  /// JPEG (`FF D8 FF`), decoded by libjpeg.
  case jpeg
  /// PNG (`89 50 4E 47 0D 0A 1A 0A`), decoded by libpng.
  case png
  /// Binary PPM (`P6`) or PGM (`P5`).
  case pnm

  /// Detects the format from the first bytes, or returns nil.
  public static func detect(_ bytes: [UInt8]) -> ImageFormat? {
    if bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF {
      return .jpeg
    }
    let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    if bytes.count >= 8 && Array(bytes[0..<8]) == pngSignature { return .png }
    if bytes.count >= 2 && bytes[0] == UInt8(ascii: "P")
      && (bytes[1] == UInt8(ascii: "5") || bytes[1] == UInt8(ascii: "6"))
    {
      return .pnm
    }
    return nil
  }
}

/// Decodes JPEG, PNG, PPM and PGM files to 8-bit RGB the way Pillow's
/// `Image.open(path).convert("RGB")` does.
///
///     let image = try ImageDecoder.decode(path: "frame.jpg")
///     let tensor = Preprocessing.imagenet(size: 224).apply(image)
///
/// Gray images are replicated to RGB, palettes expanded, alpha dropped without compositing,
/// 16-bit PNG samples reduced to their high byte. Corrupt, truncated or oversized inputs
/// (more than 16384 pixels per side or 64 Mpixels) throw ``ImageError``; they never crash.
///
/// ### See Also
/// - ``Preprocessing``
public enum ImageDecoder {
  /// Reads and decodes an image file.
  ///
  /// - Parameters:
  ///   - path: a JPEG, PNG, PPM (P6) or PGM (P5) file.
  ///   - applyExifOrientation: rotate or mirror JPEGs as their Exif Orientation tag says.
  ///     Note that the timm/PIL reference evaluation does *not* do this; pass `false` to
  ///     reproduce it exactly on rotated photos.
  ///   - maxFileBytes: the largest file accepted.
  /// - Returns: the image, `width * height * 3` bytes.
  public static func decode(
    path: String, applyExifOrientation: Bool = true, maxFileBytes: Int = FileIO.defaultMaxBytes
  ) throws(ImageError) -> RGBImage {
    let bytes = try FileIO.readAll(path: path, maxBytes: maxFileBytes)
    return try decode(bytes: bytes, applyExifOrientation: applyExifOrientation, source: path)
  }

  /// Decodes an image held in memory.
  ///
  /// - Parameters:
  ///   - bytes: a whole JPEG, PNG, PPM (P6) or PGM (P5) file.
  ///   - applyExifOrientation: rotate or mirror JPEGs as their Exif Orientation tag says.
  ///   - source: a name for error messages.
  /// - Returns: the image, `width * height * 3` bytes.
  public static func decode(
    bytes: [UInt8], applyExifOrientation: Bool = true, source: String = "<memory>"
  ) throws(ImageError) -> RGBImage {
    if bytes.isEmpty { throw .empty(source: source) }
    guard ImageFormat.detect(bytes) != nil else { throw .unknownFormat(source: source) }
    let exif: Int32 = applyExifOrientation ? 1 : 0
    // The header first, then one decode straight into the Array's own storage: the pixels
    // exist once (no C buffer copied into a Swift array), so the peak is the image itself.
    var width: UInt32 = 0
    var height: UInt32 = 0
    let (sized, sizeMessage) = bytes.withUnsafeBufferPointer { data in
      withMessageBuffer { msg, cap in
        vgl_io_image_size(data.baseAddress, data.count, exif, &width, &height, msg, cap)
      }
    }
    guard sized == VGL_IO_OK else {
      throw ImageError(status: sized, source: source, message: sizeMessage)
    }
    let count = Int(width) * Int(height) * 3
    var status = VGL_IO_OK
    var message = ""
    let pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
      (status, message) = bytes.withUnsafeBufferPointer { data in
        withMessageBuffer { msg, cap in
          vgl_io_decode_into(
            data.baseAddress, data.count, exif, buffer.baseAddress, count, msg, cap)
        }
      }
      initialized = status == VGL_IO_OK ? count : 0
    }
    guard status == VGL_IO_OK else {
      throw ImageError(status: status, source: source, message: message)
    }
    return RGBImage(width: Int(width), height: Int(height), pixels: pixels)
  }

  /// The Exif Orientation (1...8) of a JPEG, or 1 when absent, invalid or not a JPEG.
  ///
  /// The corresponding C function is `vgl_io_jpeg_exif_orientation`.
  public static func exifOrientation(bytes: [UInt8]) -> Int {
    Int(bytes.withUnsafeBufferPointer { vgl_io_jpeg_exif_orientation($0.baseAddress, $0.count) })
  }
}
