// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Testing
import VigilCore

/// A progressive JPEG that repeats one scan hundreds of times keeps libjpeg busy re-reading
/// its coefficient buffer; the decoder refuses an inconsistent progression as corrupt (and
/// bounds the work of consistent ones: ImageResourceTests).
@Suite struct ImageHostileJpegTests {
  static let progressive = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/images/progressive.jpg")

  /// The bytes of the first scan (SOS marker through its entropy-coded data).
  static func firstScan(_ jpeg: [UInt8]) -> Range<Int>? {
    var i = 2
    while i + 4 <= jpeg.count {
      guard jpeg[i] == 0xFF else { return nil }
      let marker = jpeg[i + 1]
      let length = Int(jpeg[i + 2]) << 8 | Int(jpeg[i + 3])
      if marker != 0xDA { i += 2 + length; continue }
      var j = i + 2 + length
      // Entropy-coded data ends at a marker other than a stuffed 0xFF00 or a restart marker.
      while j + 1 < jpeg.count {
        if jpeg[j] == 0xFF && jpeg[j + 1] != 0 && !(0xD0...0xD7).contains(jpeg[j + 1]) { break }
        j += 1
      }
      return i..<j
    }
    return nil
  }

  func withRepeatedScan(_ times: Int) throws -> [UInt8] {
    let jpeg = [UInt8](try Data(contentsOf: Self.progressive))
    let scan = try #require(Self.firstScan(jpeg))
    var out = Array(jpeg[..<scan.upperBound])
    for _ in 0..<times { out += jpeg[scan] }
    out += jpeg[scan.upperBound...]
    return out
  }

  @Test func theUnchangedFileDecodes() throws {
    let image = try ImageDecoder.decode(bytes: withRepeatedScan(0))
    #expect(image.width > 0)
  }

  @Test(arguments: [1, 300])
  func aRepeatedScanIsRefusedAtOnce(times: Int) throws {
    // A repeated first scan is an inconsistent progression: libjpeg warns, Vigil refuses,
    // before the repeats cost a pass each over the coefficients.
    let bytes = try withRepeatedScan(times)
    do throws(ImageError) {
      _ = try ImageDecoder.decode(bytes: bytes, source: "many-scans.jpg")
      Issue.record("a JPEG with \(times) repeated scans decoded")
    } catch {
      #expect(error.description.contains("many-scans.jpg: corrupt or truncated image: JPEG: "
        + "Inconsistent progression sequence"), "\(error.description)")
    }
  }

  /// Bits into bytes, JPEG style: MSB first, a 0x00 stuffed after every 0xFF, padded with 1s.
  struct BitWriter {
    var bytes: [UInt8] = []
    var current: UInt32 = 0
    var used = 0
    mutating func put(_ value: UInt32, _ count: Int) {
      for i in stride(from: count - 1, through: 0, by: -1) {
        current = current << 1 | (value >> UInt32(i) & 1)
        used += 1
        if used == 8 { flushByte() }
      }
    }
    mutating func flushByte() {
      let byte = UInt8(current & 0xFF)
      bytes.append(byte)
      if byte == 0xFF { bytes.append(0) }
      current = 0
      used = 0
    }
    mutating func finish() -> [UInt8] {
      while used != 0 { put(1, 1) }
      return bytes
    }
  }

  static func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
    let length = payload.count + 2
    return [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
  }

  /// A valid progressive 256 x 256 gray JPEG (1024 blocks): a DC scan, then one
  /// spectral-selection scan per AC coefficient 1...acScans, every block zero (one end-of-band
  /// run of 2^10 = 1024 blocks per scan). Every scan is consistent, so only the work bound can
  /// refuse it; it decodes to flat 128 gray.
  static func spectralScans(acScans: Int) -> [UInt8] {
    let side = 256, blocks = 1024
    var out: [UInt8] = [0xFF, 0xD8]
    out += segment(0xDB, [0x00] + [UInt8](repeating: 1, count: 64))
    out += segment(0xC2, [8, UInt8(side >> 8), UInt8(side & 0xFF), UInt8(side >> 8),
                          UInt8(side & 0xFF), 1, 1, 0x11, 0])
    // DC table 0: one code, '0' = category 0. AC table 0: one code, '0' = EOB10 (0xA0).
    out += segment(0xC4, [0x00, 1] + [UInt8](repeating: 0, count: 15) + [0x00])
    out += segment(0xC4, [0x10, 1] + [UInt8](repeating: 0, count: 15) + [0xA0])
    out += segment(0xDA, [1, 1, 0x00, 0, 0, 0x00])
    var dc = BitWriter()
    for _ in 0..<blocks { dc.put(0, 1) }
    out += dc.finish()
    for k in 1...acScans {
      out += segment(0xDA, [1, 1, 0x00, UInt8(k), UInt8(k), 0x00])
      var ac = BitWriter()
      ac.put(0, 1)   // EOB10
      ac.put(0, 10)  // run = 2^10 + 0
      out += ac.finish()
    }
    return out + [0xFF, 0xD9]
  }

  @Test func aFewConsistentScansDecode() throws {
    let image = try ImageDecoder.decode(bytes: Self.spectralScans(acScans: 10))
    #expect(image.width == 256 && image.height == 256)
    #expect(image.pixels.allSatisfy { $0 == 128 })
  }

  @Test func consistentScansPastTheWorkBudgetAreRefused() throws {
    // 64 valid scans of every block: 64 times the frame's 1024 blocks, past the budget of 16.
    let bytes = Self.spectralScans(acScans: 63)
    do throws(ImageError) {
      _ = try ImageDecoder.decode(bytes: bytes, source: "spectral.jpg")
      Issue.record("a JPEG whose scans cover 64 times its blocks decoded")
    } catch {
      #expect(error.description.contains("spectral.jpg: corrupt or truncated image: JPEG: scan 17 "
        + "brings the blocks decoded to 17408, more than 16 times the frame's 1024"),
        "\(error.description)")
    }
  }
}
