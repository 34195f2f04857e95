// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

// Inputs that are not regular files are refused by what they are, without blocking: a FIFO
// (whose open would wait for a writer forever) or a device as image, model, checkpoint,
// configuration or labels. Labels holding terminal escape codes are printed escaped.

import Foundation
import Testing

import VigilCore
@testable import VigilKit

extension CLI {
  /// Runs `vigil` under coreutils' `timeout`: a hang shows as status 124, not a stuck test.
  static func runBounded(_ arguments: [String], seconds: Int = 60) throws -> Result {
    try run(arguments, executable: "/usr/bin/timeout",
            prefix: [String(seconds), productsDirectory.appendingPathComponent("vigil").path])
  }
}

@Suite struct InputFileTests {
  let tinyA = Golden.manifest.cases.first { $0.name == "tiny-a" }!
  static let model = Golden.directory.deletingLastPathComponent().appendingPathComponent("model/tiny.vigil").path

  @Test func fifosAndDevicesAreRefusedWithoutBlocking() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-fifo-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let fifo = dir.appendingPathComponent("frame.jpg").path
    #expect(mkfifo(fifo, 0o644) == 0)
    let cfg = Golden.path(tinyA.config), ckpt = Golden.path("tiny-a.full.pth")
    let cases: [([String], String)] = [
      (["classify", Self.model, fifo], "\(fifo): error: \(fifo): is a FIFO"),
      (["classify", "--checkpoint", ckpt, "--config", cfg, fifo], "is a FIFO"),
      (["classify", fifo, Golden.path("photo.jpg")], "is a FIFO"),
      (["inspect", fifo], "is a FIFO"),
      (["bench", fifo], "is a FIFO"),
      (["classify", "--checkpoint", fifo, "--config", cfg, Golden.path("photo.jpg")], "is a FIFO"),
      (["classify", "--checkpoint", "/dev/zero", "--config", cfg, Golden.path("photo.jpg")],
       "/dev/zero: is a character device, not a regular file"),
      (["classify", "--checkpoint", ckpt, "--config", fifo, Golden.path("photo.jpg")], "is a FIFO"),
      (["classify", Self.model, "--labels", fifo, Golden.path("photo.jpg")], "is a FIFO"),
      (["classify", Self.model, "/dev/zero"], "is a character device"),
      (["quantize", "--checkpoint", ckpt, "--config", cfg, "--calib", dir.path, "-o",
        dir.appendingPathComponent("q.vigil").path], "is a FIFO"),
    ]
    for (arguments, message) in cases {
      let r = try CLI.runBounded(arguments)
      #expect(r.status == 1, "\(arguments): status \(r.status)")
      #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
    }
  }

  /// The C readers under VigilCore refuse a FIFO by kind themselves, so callers that skip the
  /// toolkit's check (the board firmware, the daemon) cannot block either. A read that blocked
  /// is released by opening the FIFO for writing, and recorded as a failure.
  @Test func theCoreReadersRefuseFifosWithoutBlocking() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-fifo-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let fifo = dir.appendingPathComponent("frames.gz").path
    #expect(mkfifo(fifo, 0o644) == 0)
    let readers: [(String, @Sendable () throws -> Void)] = [
      ("readAll", { _ = try FileIO.readAll(path: fifo) }),
      ("readAll gunzip", { _ = try FileIO.readAll(path: fifo, gunzip: true) }),
      ("readIDX", { _ = try FileIO.readIDX(path: fifo, maxBytes: 1 << 20) }),
    ]
    for (name, read) in readers {
      let done = DispatchSemaphore(value: 0)
      let message = LockedBox("")
      DispatchQueue.global().async {
        do { try read() } catch { message.value = "\(error)" }
        done.signal()
      }
      if done.wait(timeout: .now() + 20) == .timedOut {
        let fd = open(fifo, O_WRONLY | O_NONBLOCK)
        if fd >= 0 { close(fd) }
        done.wait()
        Issue.record("\(name) blocked on a FIFO")
      }
      #expect(message.value.contains("is a FIFO, not a regular file"), "\(name): \(message.value)")
    }
  }

  @Test func labelsWithEscapeCodesArePrintedEscaped() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-esc-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let labels = dir.appendingPathComponent("labels.txt").path
    try (0..<10).map { "\u{1b}[31mred\($0)\u{1b}]0;title\u{7}\u{9b}2J" }.joined(separator: "\n")
      .write(toFile: labels, atomically: false, encoding: .utf8)
    let out = dir.appendingPathComponent("m.vigil").path
    let q = try CLI.run(["quantize", "--checkpoint", Golden.path("tiny-a.full.pth"), "--config",
                         Golden.path(tinyA.config), "--calib", Golden.path("photo.jpg"), "--labels", labels,
                         "--method", "minmax", "-o", out])
    try #require(q.status == 0, "\(q.stderr)")
    let shown = "\\u{1b}[31mred0\\u{1b}]0;title\\u{7}\\u{9b}2J"
    let inspect = try CLI.run(["inspect", out])
    #expect(inspect.status == 0)
    #expect(!inspect.stdout.contains("\u{1b}") && !inspect.stdout.contains("\u{9b}"))
    #expect(inspect.stdout.contains(shown), "\(inspect.stdout)")
    let classify = try CLI.run(["classify", out, "--top", "10", Golden.path("photo.jpg")])
    #expect(classify.status == 0)
    #expect(!classify.stdout.contains("\u{1b}") && classify.stdout.contains(shown), "\(classify.stdout)")
    // JSON keeps the label exactly (escaped as JSON).
    let json = try CLI.run(["classify", out, "--json", Golden.path("photo.jpg")])
    let label = (try CLI.jsonLines(json.stdout)[0]["top"] as! [[String: Any]])[0]["label"] as! String
    #expect(label.hasPrefix("\u{1b}[31mred"))
    #expect(terminalSafe("a\\b\u{202e}") == "a\\\\b\\u{202e}")
  }
}

/// A value shared with a background read in the test above.
final class LockedBox<T>: @unchecked Sendable {
  private let lock = NSLock()
  private var stored: T
  init(_ value: T) { stored = value }
  var value: T {
    get { lock.lock(); defer { lock.unlock() }; return stored }
    set { lock.lock(); stored = newValue; lock.unlock() }
  }
}
