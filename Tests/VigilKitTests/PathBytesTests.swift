// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

// Paths are bytes: names that are not UTF-8 round-trip through PathBytes, open from the raw
// command line, are listed (never dropped) by folder: datasets and calibration folders, and
// quantize -o writes exactly the name given.

import Foundation
import Testing

@testable import VigilCore
@testable import VigilKit

@Suite struct PathBytesTests {
  @Test func everyByteStringRoundTrips() {
    var rng = CheckpointRNG(seed: 7_767_517)
    var cases: [[UInt8]] = [
      Array("plain/ascii.jpg".utf8), Array("é€😀".utf8), [0x63, 0x61, 0x66, 0xe9],  // Latin-1 "café"
      [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf4, 0x8f, 0xb2, 0x80],  // overlong, surrogate, > U+10FFFF, escape range
      [0xe2, 0x82], [0xff, 0xfe, 0x2f, 0x80],
    ]
    for _ in 0..<2000 {
      cases.append((0..<Int(rng.next() % 12)).map { _ in UInt8(truncatingIfNeeded: rng.next() | 1) })
    }
    for bytes in cases {
      let s = PathBytes.decode(bytes)
      #expect(PathBytes.bytes(s) == bytes, "\(bytes) (replay: VIGIL_SEED=7767517)")
      // Valid UTF-8 is its own text.
      if let text = String(validating: bytes, as: UTF8.self), !text.unicodeScalars.contains(where: { (0x10FC80...0x10FCFF).contains($0.value) }) {
        #expect(s == text)
      }
    }
    #expect(PathBytes.display(PathBytes.decode([0x63, 0x61, 0x66, 0xe9])) == "caf\\xe9")
  }

  /// Creates a file whose name is `name` (raw bytes) in `dir`, holding `contents`.
  func createRaw(_ dir: String, _ name: [UInt8], _ contents: Data) throws {
    let path = PathBytes.decode(PathBytes.bytes(dir) + [0x2f] + name)
    let fd = PathBytes.withCString(path) { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
    try #require(fd >= 0)
    contents.withUnsafeBytes { _ = write(fd, $0.baseAddress!, $0.count) }
    close(fd)
  }

  func mkdirRaw(_ dir: String, _ name: [UInt8]) throws -> String {
    let path = PathBytes.decode(PathBytes.bytes(dir) + [0x2f] + name)
    try #require(PathBytes.withCString(path) { mkdir($0, 0o755) } == 0)
    return path
  }

  @Test func nonUTF8NamesWorkEverywhere() throws {
    let fm = FileManager.default
    let dir = fm.temporaryDirectory.appendingPathComponent("vigil-bytes-\(UUID())").path
    try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? fm.removeItem(atPath: dir) }
    let photo = try Data(contentsOf: URL(fileURLWithPath: Golden.path("photo.jpg")))
    let latin1: [UInt8] = Array("caf".utf8) + [0xe9] + Array(".jpg".utf8)

    // classify from the raw command line (the shell's printf makes the byte 0xE9).
    try createRaw(dir, latin1, photo)
    let model = Golden.directory.deletingLastPathComponent().appendingPathComponent("model/tiny.vigil").path
    let c = try CLI.run(["classify", model], executable: "/bin/sh",
                        prefix: ["-c", "exec \"$0\" \"$@\" \"$(printf '\(dir)/caf\\351.jpg')\"",
                                 CLI.productsDirectory.appendingPathComponent("vigil").path])
    #expect(c.status == 0, "\(c.stderr)")
    #expect(c.stdout.hasPrefix("\(dir)/caf\\xe9.jpg: "), "\(c.stdout)")

    // A folder: dataset whose class folders and files are not UTF-8: none dropped.
    let data = dir + "/data"
    try fm.createDirectory(atPath: data, withIntermediateDirectories: true)
    for c in 0..<10 {
      let sub = try mkdirRaw(data, Array("cl".utf8) + [0xe0 + UInt8(c)])
      try createRaw(sub, latin1, photo)
      try createRaw(sub, Array("plain.jpg".utf8), photo)
    }
    let dataset = try LabeledDataset.open(spec: "folder:" + data)
    #expect(dataset.count == 20)
    #expect(dataset.classNames.allSatisfy { PathBytes.bytes($0).count == 3 })
    let tinyA = Golden.manifest.cases.first { $0.name == "tiny-a" }!
    let eval = try CLI.run(["eval", "--checkpoint", Golden.path("tiny-a.full.pth"), "--config", Golden.path(tinyA.config),
                            "--dataset", "folder:" + data])
    #expect(eval.status == 0, "\(eval.stderr)")
    #expect(eval.stdout.contains("20 images, 0 failed"), "\(eval.stdout)")

    // Calibration over the same folder counts all 20; -o writes the exact (raw) name.
    let q = try CLI.run(["quantize", "--checkpoint", Golden.path("tiny-a.full.pth"), "--config", Golden.path(tinyA.config),
                         "--calib", data, "--method", "minmax", "-o"], executable: "/bin/sh",
                        prefix: ["-c", "exec \"$0\" \"$@\" \"$(printf '\(dir)/m\\377.vigil')\"",
                                 CLI.productsDirectory.appendingPathComponent("vigil").path])
    #expect(q.status == 0, "\(q.stderr)")
    #expect(q.stderr.contains("calibrate: pass 1, 20/20 images"), "\(q.stderr)")
    let names = try InputFile.list(dir).map(PathBytes.bytes)
    #expect(names.contains(Array("m".utf8) + [0xff] + Array(".vigil".utf8)), "\(names)")
  }
}
