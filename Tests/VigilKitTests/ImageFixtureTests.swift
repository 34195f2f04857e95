// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// Helpers shared by the image, preprocessing and .npy tests: fixture paths, a seeded RNG,
// CRC-32 and byte comparison with measured differences.

import Testing
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// Tests/Fixtures/images, found from this file's path.
let imageFixtureDirectory: String = {
  var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
  parts.removeLast(2)  // VigilKitTests/ImageFixtureTests.swift
  return parts.joined(separator: "/") + "/Fixtures/images"
}()

func imageFixture(_ name: String) -> String { imageFixtureDirectory + "/" + name }

/// A unique scratch path under /tmp for this process.
func scratchPath(_ name: String) -> String {
  "/tmp/vigil-image-tests-\(getpid())-\(name)"
}

/// SplitMix64: the seeded generator of the mutation tests.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// zlib's CRC-32 (the golden script writes the same digest with zlib.crc32).
func crc32(_ bytes: [UInt8]) -> UInt32 {
  var table = [UInt32](repeating: 0, count: 256)
  for i in 0..<256 {
    var c = UInt32(i)
    for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    table[i] = c
  }
  var crc: UInt32 = 0xFFFF_FFFF
  for b in bytes { crc = table[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
  return crc ^ 0xFFFF_FFFF
}

/// How two byte arrays differ: number of differing bytes and the largest absolute difference.
func byteDifference(_ a: [UInt8], _ b: [UInt8]) -> (count: Int, maxAbs: Int) {
  precondition(a.count == b.count)
  var count = 0
  var maxAbs = 0
  for i in 0..<a.count where a[i] != b[i] {
    count += 1
    maxAbs = max(maxAbs, abs(Int(a[i]) - Int(b[i])))
  }
  return (count, maxAbs)
}

/// Reads a `<name>.decoded.npy` golden as an RGBImage.
func goldenImage(_ file: String) throws -> RGBImage {
  let (shape, data) = try Npy.readUInt8(path: imageFixture(file))
  #expect(shape.count == 3 && shape[2] == 3, "\(file): shape \(shape)")
  return RGBImage(width: shape[1], height: shape[0], pixels: data)
}

@Suite struct ImageFixtureTests {
  @Test func fixturesArePresent() throws {
    let bytes = try FileIO.readAll(path: imageFixture("landscape.jpg"))
    #expect(bytes.count > 1000)
    #expect(crc32(Array("123456789".utf8)) == 0xCBF4_3926)  // the standard check value
  }
}
