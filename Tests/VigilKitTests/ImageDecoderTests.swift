// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Testing
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// Every decodable fixture; each has a `<stem>.decoded.npy` golden written by Pillow.
let decodableFixtures = [
  "landscape.jpg", "portrait.jpg", "gray.jpg", "small.jpg", "progressive.jpg",
  "chroma444.jpg", "chroma422.jpg", "cmyk.jpg", "alpha.png", "palette.png", "gray-alpha.png",
  "bilevel.png", "rgb16.png", "interlaced.png", "rgb8.ppm", "gray8.pgm", "maxval100.ppm",
  "maxval1000.ppm", "exif-1.jpg", "exif-2.jpg", "exif-3.jpg", "exif-4.jpg", "exif-5.jpg",
  "exif-6.jpg", "exif-7.jpg", "exif-8.jpg",
]

func stem(_ file: String) -> String { String(file[..<file.lastIndex(of: ".")!]) }

@Suite struct ImageDecoderTests {
  /// Our libjpeg/libpng/PNM decode equals Pillow's `convert("RGB")` byte for byte
  /// (Exif-transposed for the exif-* files).
  @Test(arguments: decodableFixtures)
  func decodeMatchesPillow(file: String) throws {
    let image = try ImageDecoder.decode(path: imageFixture(file))
    let golden = try goldenImage(stem(file) + ".decoded.npy")
    #expect(image.width == golden.width && image.height == golden.height, "\(file) size")
    guard image.width == golden.width && image.height == golden.height else { return }
    let diff = byteDifference(image.pixels, golden.pixels)
    #expect(diff.count == 0, "\(file): \(diff.count) bytes differ, max |diff| \(diff.maxAbs)")
  }

  @Test func formatDetection() {
    #expect(ImageFormat.detect([0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
    #expect(ImageFormat.detect([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) == .png)
    #expect(ImageFormat.detect(Array("P6\n".utf8)) == .pnm)
    #expect(ImageFormat.detect(Array("P5 ".utf8)) == .pnm)
    #expect(ImageFormat.detect(Array("P3\n".utf8)) == nil)  // ASCII PPM: not supported
    #expect(ImageFormat.detect(Array("GIF89a".utf8)) == nil)
    #expect(ImageFormat.detect([]) == nil)
  }

  /// 16-bit gray PGM: scaled with round(v / maxval * 255) like 16-bit PPM. (Pillow itself
  /// opens it as mode "I" and convert("RGB") clips everything above 255 to white: a
  /// deliberate difference.)
  @Test func sixteenBitGrayIsScaled() throws {
    let samples: [UInt16] = [0, 255, 256, 1000, 40000, 65535]
    var bytes = Array("P5\n6 1\n65535\n".utf8)
    for v in samples { bytes += [UInt8(v >> 8), UInt8(v & 0xFF)] }
    let image = try ImageDecoder.decode(bytes: bytes)
    let expected: [UInt8] = [0, 1, 1, 4, 156, 255]
    #expect(image.pixels == expected.flatMap { [$0, $0, $0] })
  }

  @Test func exifOrientationTags() throws {
    for o in 1...8 {
      let bytes = try FileIO.readAll(path: imageFixture("exif-\(o).jpg"))
      #expect(ImageDecoder.exifOrientation(bytes: bytes) == o)
    }
    let plain = try FileIO.readAll(path: imageFixture("landscape.jpg"))
    #expect(ImageDecoder.exifOrientation(bytes: plain) == 1)
  }

  /// With orientation off, every exif-N.jpg decodes to the same unrotated pixels.
  @Test func exifOrientationCanBeDisabled() throws {
    let upright = try goldenImage("exif-1.decoded.npy")
    for o in 1...8 {
      let image = try ImageDecoder.decode(
        path: imageFixture("exif-\(o).jpg"), applyExifOrientation: false)
      #expect(image == upright, "exif-\(o).jpg")
    }
  }

  /// Full-size JPEGs shipped by Debian (opencv-doc, sklearn, skimage): our decode's CRC-32
  /// equals that of Pillow's decode. Files missing on this machine are skipped.
  @Test func systemJPEGsMatchPillow() throws {
    let text = String(decoding: try FileIO.readAll(path: imageFixture("jpeg-digests.txt")), as: UTF8.self)
    var checked = 0
    var mismatches: [String] = []
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
      let fields = line.split(separator: " ", maxSplits: 3)
      guard fields.count == 4, let crc = UInt32(fields[0], radix: 16),
        let w = Int(fields[1]), let h = Int(fields[2])
      else { continue }
      let path = String(fields[3])
      let result = Result { () throws(ImageError) -> RGBImage in
        try ImageDecoder.decode(path: path, applyExifOrientation: false)
      }
      if case .failure(.cannotOpen) = result { continue }  // the package is not installed here
      let image = try result.get()
      checked += 1
      if image.width != w || image.height != h || crc32(image.pixels) != crc {
        mismatches.append(path)
      }
    }
    print("systemJPEGsMatchPillow: \(checked) files checked, \(mismatches.count) differ")
    #expect(mismatches.isEmpty, "decode differs from Pillow for \(mismatches)")
  }
}

@Suite struct ImageDecoderFailureTests {
  func expectError(
    _ bytes: [UInt8], _ label: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ matches: (ImageError) -> Bool
  ) {
    do {
      let image = try ImageDecoder.decode(bytes: bytes, source: label)
      Issue.record("\(label): decoded \(image.width)x\(image.height), expected an error",
        sourceLocation: sourceLocation)
    } catch {
      #expect(matches(error), "\(label): unexpected \(error)", sourceLocation: sourceLocation)
      #expect(!error.description.isEmpty)
    }
  }

  static func isCorrupt(_ e: ImageError) -> Bool {
    if case .corrupt = e { return true }
    return false
  }

  static func isDimensions(_ e: ImageError) -> Bool {
    if case .badDimensions = e { return true }
    return false
  }

  @Test func truncatedJPEGs() throws {
    // skimage's truncated.jpg ends inside a header segment; ours inside the scan data.
    for name in ["corrupt-truncated-header.jpg", "corrupt-truncated-scan.jpg"] {
      expectError(try FileIO.readAll(path: imageFixture(name)), name, Self.isCorrupt)
    }
  }

  @Test func emptyAndUnknownInputs() throws {
    expectError([], "empty") { $0 == .empty(source: "empty") }
    var rng = SplitMix64(seed: 7767517)
    let random = (0..<4096).map { _ in UInt8(truncatingIfNeeded: rng.next()) | 1 }
    expectError(random, "random") { $0 == .unknownFormat(source: "random") }
    expectError([0xFF, 0xD8, 0xFF] + random, "jpeg-magic+random", Self.isCorrupt)
    expectError([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + random, "png-magic+random",
      Self.isCorrupt)
    expectError(Array("P6\n".utf8) + random, "ppm-magic+random", Self.isCorrupt)

    let empty = scratchPath("empty.jpg")
    try FileIO.write(path: empty, bytes: [])
    defer { unlink(empty) }
    #expect(throws: ImageError.empty(source: empty)) { try ImageDecoder.decode(path: empty) }
    #expect(throws: ImageError.self) { try ImageDecoder.decode(path: "/nonexistent/x.jpg") }
    do {
      _ = try ImageDecoder.decode(path: "/nonexistent/x.jpg")
    } catch {
      guard case .cannotOpen(let path, _) = error else {
        Issue.record("expected cannotOpen, got \(error)")
        return
      }
      #expect(path == "/nonexistent/x.jpg")
    }
    #expect(throws: ImageError.fileTooLarge(path: imageFixture("landscape.jpg"), limit: 1000)) {
      try ImageDecoder.decode(path: imageFixture("landscape.jpg"), maxFileBytes: 1000)
    }
  }

  @Test func hugeDeclaredDimensions() throws {
    // PPM/PGM headers declaring too many pixels, followed by almost no data.
    for header in ["P6\n100000 100000\n255\n", "P5 16385 1 255\n", "P6 16384 16384 255\n",
                   "P6\n99999999999999999999 1\n255\n"] {
      let bytes = Array(header.utf8) + [UInt8](repeating: 0, count: 64)
      let overflowsParser = header.contains("9999999")
      expectError(bytes, header) { e in overflowsParser ? Self.isCorrupt(e) : Self.isDimensions(e) }
    }
    // PNG with a valid IHDR (CRC included) for 100000 x 100000, 20000 x 1 and 16384 x 16384.
    for (w, h) in [(100_000, 100_000), (20_000, 1), (16_384, 16_384)] {
      expectError(pngHeader(width: UInt32(w), height: UInt32(h)), "png \(w)x\(h)", Self.isDimensions)
    }
    // JPEG whose SOF0 claims 60000 x 60000.
    var jpeg = try FileIO.readAll(path: imageFixture("exif-1.jpg"))
    let sof = try #require((0..<(jpeg.count - 1)).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 })
    for i in [sof + 5, sof + 7] { jpeg[i] = 0xEA; jpeg[i + 1] = 0x60 }  // 60000
    expectError(jpeg, "jpeg 60000x60000", Self.isDimensions)
  }

  @Test func malformedPNM() {
    let cases: [(String, Int)] = [
      ("P6\n4 4\n0\n", 48),          // maxval 0
      ("P6\n4 4\n70000\n", 96),      // maxval above 65535
      ("P6\n4 4\n255\n", 47),        // raster one byte short
      ("P6\n4 4 255", 0),            // no whitespace after maxval
      ("P64 4 255\n", 48),           // no whitespace after the magic
      ("P6\n0 4\n255\n", 0),         // zero width
      ("P6\n-4 4\n255\n", 48),       // sign
      ("P6\n4 # comment only", 0),   // missing fields
    ]
    for (header, payload) in cases {
      let bytes = Array(header.utf8) + [UInt8](repeating: 7, count: payload)
      expectError(bytes, header) { e in Self.isCorrupt(e) || Self.isDimensions(e) }
    }
    // Comments and odd whitespace are fine.
    let ok = Array("P6 # c\n2\t# c2\n1\r255\n".utf8) + [1, 2, 3, 4, 5, 6]
    #expect(throws: Never.self) {
      let image = try ImageDecoder.decode(bytes: ok)
      #expect(image == RGBImage(width: 2, height: 1, pixels: [1, 2, 3, 4, 5, 6]))
    }
  }

  @Test func truncatedPNG() throws {
    let png = try FileIO.readAll(path: imageFixture("alpha.png"))
    for cut in [9, 20, 33, 100, png.count / 2, png.count - 13] {
      expectError(Array(png[0..<cut]), "alpha.png cut at \(cut)", Self.isCorrupt)
    }
  }

  /// Seeded mutations (truncation, byte flips, overwritten runs) of every format: each must
  /// decode or throw ImageError, never crash. Replay: the seed is fixed in the test.
  @Test(arguments: ["landscape.jpg", "progressive.jpg", "cmyk.jpg", "palette.png",
                    "interlaced.png", "rgb8.ppm", "maxval1000.ppm"])
  func mutatedInputsNeverCrash(file: String) throws {
    let seed: UInt64 = 20_260_101
    var rng = SplitMix64(seed: seed ^ UInt64(file.utf8.count))
    let original = try FileIO.readAll(path: imageFixture(file))
    var failures = 0
    for round in 0..<150 {
      var bytes = original
      switch round % 3 {
      case 0:
        bytes.removeLast(Int(rng.next() % UInt64(bytes.count - 2)))
      case 1:
        for _ in 0..<(1 + Int(rng.next() % 8)) {
          bytes[Int(rng.next() % UInt64(bytes.count))] ^= UInt8(truncatingIfNeeded: 1 + rng.next() % 255)
        }
      default:
        let start = Int(rng.next() % UInt64(bytes.count))
        for i in start..<min(bytes.count, start + 32) { bytes[i] = UInt8(truncatingIfNeeded: rng.next()) }
      }
      do {
        let image = try ImageDecoder.decode(bytes: bytes)
        #expect(image.pixels.count == image.width * image.height * 3)
      } catch {
        failures += 1
      }
    }
    print("mutatedInputsNeverCrash(\(file)): seed \(seed), 150 mutations, \(failures) rejected")
  }

  /// A PNG signature plus a valid IHDR chunk (and nothing else).
  func pngHeader(width: UInt32, height: UInt32) -> [UInt8] {
    func be32(_ v: UInt32) -> [UInt8] {
      [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }
    let body = Array("IHDR".utf8) + be32(width) + be32(height) + [8, 2, 0, 0, 0]
    return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + be32(13) + body + be32(crc32(body))
  }
}
