// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Testing
import VigilCore
@testable import VigilDaemon
import VigilKit

@Suite struct ClassifierTests {
  /// A file through the daemon's source and classifier gives the logits `vigil classify`
  /// computes, bit for bit: the same decoder, the same model-file preprocessing, the same run.
  @Test func serveAndClassifyGiveIdenticalLogits() throws {
    let files = Fixture.sampleFiles()
    #expect(files.count == 24)
    let reference = try Int8Classifier(path: Fixture.model)
    let classifier = try Classifier(path: Fixture.model)
    var source = FileListSource(paths: files, loop: false)
    var seen = 0
    while true {
      let event = try source.next(timeoutMs: 0)
      if case .ended = event { break }
      guard case .frame(let frame) = event else {
        Issue.record("unexpected event for a bundled sample")
        continue
      }
      try classifier.run(pixels: classifier.pixels(frame.image).pixels)
      let expected = try reference.logits(path: frame.origin)
      #expect(classifier.logits == expected, "\(frame.origin)")
      let sum = classifier.probabilities.reduce(0, +)
      #expect(abs(sum - 1) < 1e-5)
      seen += 1
    }
    #expect(seen == files.count)
  }

  @Test func softmaxExpMatchesTheLibrary() {
    for x in stride(from: Float(-80), through: 80, by: 0.37) {
      let mine = VigilDaemon.exp(x)
      let libm = Float(Foundation.exp(Double(x)))
      #expect(abs(mine - libm) <= libm * 3e-7, "exp(\(x))")
    }
  }

  @Test func cropTakesTheRegion() {
    let w = 5, h = 4
    let pixels = (0..<(w * h * 3)).map { UInt8($0) }
    let image = RGBImage(width: w, height: h, pixels: pixels)
    let crop = Daemon.cropped(image, CropRect(x: 1, y: 2, width: 3, height: 2))
    #expect(crop.width == 3 && crop.height == 2)
    #expect(Array(crop.pixels[0..<3]) == Array(pixels[((2 * w) + 1) * 3 ..< ((2 * w) + 1) * 3 + 3]))
    #expect(Array(crop.pixels[15..<18]) == Array(pixels[((3 * w) + 3) * 3 ..< ((3 * w) + 3) * 3 + 3]))
    #expect(Daemon.cropped(image, CropRect(x: 0, y: 0, width: w, height: h)) == image)
  }

  @Test func aCorruptModelIsRefusedWithTheLoadersReason() throws {
    let dir = try Fixture.folder("badmodel")
    let path = dir + "/bad.vigil"
    var bytes = [UInt8](try Foundation.Data(contentsOf: Foundation.URL(fileURLWithPath: Fixture.model)))
    bytes[bytes.count / 2] ^= 0xFF
    try Foundation.Data(bytes).write(to: Foundation.URL(fileURLWithPath: path))
    #expect(throws: VigilError.self) { try Classifier(path: path) }
    do {
      _ = try Classifier(path: path)
    } catch {
      #expect("\(error)".contains("checksum"))
    }
  }
}
