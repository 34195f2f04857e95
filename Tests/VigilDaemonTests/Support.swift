// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Glibc
import VigilCore
import VigilDaemon

/// Paths, temporary folders and the built `vigil` for the daemon tests.
enum Fixture {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  static let model = root.appendingPathComponent("weights/fashion-mnist/mobilevigv2-fmnist.vigil").path
  static let samples = root.appendingPathComponent("Tests/Fixtures/samples")

  static func sampleFiles() -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: samples.path)) ?? []
    return names.filter { $0.hasSuffix(".png") || $0.hasSuffix(".jpg") }.sorted()
      .map { samples.appendingPathComponent($0).path }
  }

  /// A fresh empty folder under the system's temporary directory.
  static func folder(_ name: String) throws -> String {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("vigil-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
  }

  /// The shipped model with its label "Trouser" renamed "TROUSER" and the checksum recomputed:
  /// a valid model that a reload test can tell apart by its labels.
  static func relabeledModel() throws -> Data {
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: model)))
    let from = Array("Trouser".utf8), to = Array("TROUSER".utf8)
    var replaced = 0
    var i = 0
    while i + from.count <= bytes.count {
      if Array(bytes[i..<(i + from.count)]) == from {
        bytes.replaceSubrange(i..<(i + from.count), with: to)
        replaced += 1
        i += from.count
      } else {
        i += 1
      }
    }
    precondition(replaced >= 1, "the shipped model has no label Trouser")
    for k in 24..<28 { bytes[k] = 0 }
    let crc = crc32c(bytes)
    for k in 0..<4 { bytes[24 + k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k))) }
    return Data(bytes)
  }

  /// CRC-32C (Castagnoli, reflected, polynomial 0x82F63B78), as the model format uses.
  static func crc32c(_ bytes: [UInt8]) -> UInt32 {
    var table = [UInt32](repeating: 0, count: 256)
    for n in 0..<256 {
      var c = UInt32(n)
      for _ in 0..<8 { c = c & 1 != 0 ? 0x82F6_3B78 ^ (c >> 1) : c >> 1 }
      table[n] = c
    }
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes { crc = table[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
    return crc ^ 0xFFFF_FFFF
  }

  /// Writes `data` to `path` through one descriptor (open, write in `pieces`, close), as a
  /// camera app or scanner would; `pause` seconds between pieces.
  static func write(_ data: Data, to path: String, pieces: Int = 1, pause: Double = 0) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    precondition(fd >= 0, "open failed")
    let bytes = [UInt8](data)
    let step = max(1, (bytes.count + pieces - 1) / pieces)
    var at = 0
    while at < bytes.count {
      let n = min(step, bytes.count - at)
      let wrote = bytes[at..<(at + n)].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, n) }
      precondition(wrote == n, "short write")
      at += n
      if pause > 0 && at < bytes.count { Thread.sleep(forTimeInterval: pause) }
    }
    close(fd)
  }

  static func jsonLines(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").map {
      try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
  }

  static func jsonLines(file: String) throws -> [[String: Any]] {
    guard let data = FileManager.default.contents(atPath: file) else { return [] }
    // Only whole lines: the daemon may be writing the next one.
    var text = String(decoding: data, as: UTF8.self)
    if let last = text.lastIndex(of: "\n") { text = String(text[...last]) } else { text = "" }
    return try jsonLines(text)
  }
}

/// `vigil serve` as a child process, its lines appended to a file.
final class ServeProcess {
  static var executable: URL {
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
      return bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("vigil")
    }
    return Bundle.main.bundleURL.appendingPathComponent("vigil")
  }

  let process = Process()
  let output: String
  let stderr = Pipe()

  init(_ arguments: [String], output: String, environment: [String: String]? = nil) throws {
    self.output = output
    process.executableURL = Self.executable
    process.arguments = ["serve"] + arguments + ["--output", output]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = stderr
    if let environment { process.environment = environment }
    try process.run()
  }

  /// A test that failed half way must not leave a daemon behind.
  deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

  var lines: [[String: Any]] { (try? Fixture.jsonLines(file: output)) ?? [] }

  /// Waits until `predicate` holds for the lines so far (polling), or `seconds` pass.
  @discardableResult
  func wait(seconds: Double = 120, until predicate: ([[String: Any]]) -> Bool) -> [[String: Any]] {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      let now = lines
      if predicate(now) { return now }
      if !process.isRunning { return lines }
      Thread.sleep(forTimeInterval: 0.02)
    }
    return lines
  }

  func signal(_ number: Int32) { kill(process.processIdentifier, number) }

  /// Waits for the exit; returns the status (or -1 if it did not exit within `seconds`).
  func exitStatus(seconds: Double = 30) -> Int32 {
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    if process.isRunning { return -1 }
    return process.terminationStatus
  }

  var errorText: String {
    String(decoding: stderr.fileHandleForReading.availableData, as: UTF8.self)
  }
}

func type(_ line: [String: Any]) -> String { line["type"] as? String ?? "" }
