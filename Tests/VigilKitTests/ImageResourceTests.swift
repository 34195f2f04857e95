// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Testing
import VigilCore

/// Inputs built here, byte by byte (zlib streams by the system's gzip), that used to crash,
/// mislead or cost far more than their size: each must be refused with a message or decoded
/// within the budget of docs/limits.md.
@Suite struct ImageResourceTests {
  static func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes {
      crc ^= UInt32(b)
      for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
  }

  static func be32(_ v: UInt32) -> [UInt8] {
    [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
  }

  static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    let body = Array(type.utf8) + data
    return be32(UInt32(data.count)) + body + be32(crc32(body))
  }

  /// A gray 8-bit PNG header, then `idat` as its one IDAT chunk.
  static func png(width: UInt32, height: UInt32, idat: [UInt8]) -> [UInt8] {
    let ihdr = be32(width) + be32(height) + [8, 0, 0, 0, 0]
    return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr)
      + chunk("IDAT", idat) + chunk("IEND", [])
  }

  /// `count` zero bytes through `gzip -9 -n` (Debian's gzip is essential).
  static func gzipZeros(_ count: Int) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", "head -c \(count) /dev/zero | gzip -9 -n"]
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    return [UInt8](data)
  }

  /// A zlib stream of `count` zero bytes: the gzip member's deflate data between a zlib
  /// header and the Adler-32 of zeros (a = 1, b = count mod 65521).
  static func zlibZeros(_ count: Int) throws -> [UInt8] {
    let gz = try gzipZeros(count)
    let deflate = gz[10..<(gz.count - 8)]  // 10-byte header (no name: -n), 8-byte trailer
    let adler = UInt32(count % 65521) << 16 | 1
    return [0x78, 0xDA] + deflate + be32(adler)
  }

  static func temporary(_ name: String, _ bytes: [UInt8]) throws -> String {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("vigil-\(getpid())-\(name)").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  @Test func anEmptyPngIsAMalformedHeaderNotTooLarge() throws {
    let bytes = Self.png(width: 0, height: 10, idat: try Self.zlibZeros(10))
    do throws(ImageError) {
      _ = try ImageDecoder.decode(bytes: bytes, source: "empty.png")
      Issue.record("a 0x10 PNG decoded")
    } catch {
      #expect(error.description == "empty.png: corrupt or truncated image: PNG header declares "
        + "an empty image (0x10); the format requires at least 1x1. Re-export or re-copy the file.")
    }
  }

  @Test func aPngZlibBombDecodesToItsDeclaredImageOnly() throws {
    // 1 filter byte + 64 gray bytes per row, and 1 MiB of zeros more than the rows need: the
    // decoder inflates the rows (plus at most a small buffer) and stops.
    let rows = 64, width = 64
    let bytes = Self.png(width: UInt32(width), height: UInt32(rows),
                         idat: try Self.zlibZeros(rows * (width + 1) + (1 << 20)))
    let image = try ImageDecoder.decode(bytes: bytes, source: "bomb.png")
    #expect(image.width == width && image.height == rows)
    #expect(image.pixels.allSatisfy { $0 == 0 })
  }

  @Test func aLargePngBombDecodesInOnePixelBuffer() throws {
    // 16384 x 4096 gray from a 65 KB file: the RGB image is 201 MB. It decodes into one
    // buffer, so `vigil classify` fits a 400 MB address space (the runtime itself takes under
    // 100 MB); decoding into a C buffer and copying it into a Swift array needed 402 MB for
    // the pixels alone.
    let width = 16384, height = 4096
    let png = try Self.temporary(
      "bomb.png",
      Self.png(width: UInt32(width), height: UInt32(height),
               idat: try Self.zlibZeros(height * (width + 1))))
    defer { try? FileManager.default.removeItem(atPath: png) }
    let model = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("weights/fashion-mnist/mobilevigv2-fmnist.vigil").path
    let vigil = CLI.productsDirectory.appendingPathComponent("vigil").path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", "ulimit -v 409600; exec \"$0\" classify \"$1\" --json \"$2\"",
                         vigil, model, png]
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(stdout)\(stderr)")
    #expect(stdout.contains("\"top\""), "\(stdout)")
  }

  @Test func aGzipIdxBombStopsAtTheDeclaredSize() throws {
    // The header declares 10 images of 28x28; 16 MiB of zeros follow, gzipped to 16 KB.
    let header: [UInt8] = [0, 0, 8, 3] + Self.be32(10) + Self.be32(28) + Self.be32(28)
    let tail = try Self.gzipZeros(10 * 28 * 28 + (16 << 20))
    // A gzip member of the header, then the zeros' member: gzip readers concatenate them.
    let headerMember = try { () throws -> [UInt8] in
      let path = try Self.temporary("idx-header", header)
      defer { try? FileManager.default.removeItem(atPath: path) }
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/bin/sh")
      process.arguments = ["-c", "gzip -9 -n -c \"$0\"", path]
      let out = Pipe()
      process.standardOutput = out
      try process.run()
      let data = out.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      return [UInt8](data)
    }()
    let path = try Self.temporary("bomb-idx3-ubyte.gz", headerMember + tail)
    defer { try? FileManager.default.removeItem(atPath: path) }
    do throws(ImageError) {
      _ = try FileIO.readIDX(path: path, maxBytes: 1 << 30)
      Issue.record("an IDX file with 16 MiB past its declared size was read")
    } catch {
      #expect(error.description.contains("holds more data than the 7840 bytes its IDX header "
        + "declares"), "\(error.description)")
    }
    // Exactly the declared size reads back whole.
    let exact = try Self.temporary("exact-idx3-ubyte", header + [UInt8](repeating: 7, count: 7840))
    defer { try? FileManager.default.removeItem(atPath: exact) }
    #expect(try FileIO.readIDX(path: exact, maxBytes: 1 << 30).count == 16 + 7840)
    // A header declaring more than the cap is refused before anything is allocated.
    let huge = try Self.temporary("huge-idx3-ubyte", [0, 0, 8, 3] + Self.be32(60000)
      + Self.be32(28000) + Self.be32(28000))
    defer { try? FileManager.default.removeItem(atPath: huge) }
    #expect(throws: ImageError.self) { try FileIO.readIDX(path: huge, maxBytes: 1 << 30) }
  }
}
