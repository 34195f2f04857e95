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
}
