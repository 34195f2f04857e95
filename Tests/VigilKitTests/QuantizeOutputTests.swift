// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

// `vigil quantize -o` never destroys an input: an output that resolves (through symbolic links,
// hard links) to the checkpoint, the configuration, the labels or a calibration image is
// refused and the file is left as it was; a symbolic link is not replaced unless asked; an
// existing target keeps its permissions.

import Foundation
import Testing

@testable import VigilKit

@Suite struct QuantizeOutputTests {
  let tinyA = Golden.manifest.cases.first { $0.name == "tiny-a" }!

  /// A scratch folder holding copies of every input: checkpoint, config, labels, two images.
  struct Scratch {
    let dir: URL
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
  }

  func scratch() throws -> Scratch {
    let fm = FileManager.default
    let dir = fm.temporaryDirectory.appendingPathComponent("vigil-out-\(UUID())")
    try fm.createDirectory(at: dir.appendingPathComponent("calib"), withIntermediateDirectories: true)
    let s = Scratch(dir: dir)
    try fm.copyItem(atPath: Golden.path("tiny-a.full.pth"), toPath: s.path("ckpt.pth"))
    try fm.copyItem(atPath: Golden.path(tinyA.config), toPath: s.path("net.json"))
    try (0..<10).map { "c\($0)" }.joined(separator: "\n").write(toFile: s.path("labels.txt"), atomically: false, encoding: .utf8)
    try fm.copyItem(atPath: Golden.path("photo.jpg"), toPath: s.path("calib/a.jpg"))
    try fm.copyItem(atPath: Golden.path("photo.jpg"), toPath: s.path("calib/b.jpg"))
    return s
  }

  func quantize(_ s: Scratch, _ out: String, extra: [String] = []) throws -> CLI.Result {
    try CLI.run(["quantize", "--checkpoint", s.path("ckpt.pth"), "--config", s.path("net.json"),
                 "--labels", s.path("labels.txt"), "--calib", s.path("calib"), "--method", "minmax",
                 "-o", out] + extra)
  }

  @Test func outputsThatAreInputsAreRefused() throws {
    let s = try scratch()
    defer { try? FileManager.default.removeItem(at: s.dir) }
    let fm = FileManager.default
    try fm.createSymbolicLink(atPath: s.path("link-to-ckpt.vigil"), withDestinationPath: s.path("ckpt.pth"))
    try fm.linkItem(atPath: s.path("net.json"), toPath: s.path("hard-net.vigil"))
    let cases: [(String, String, String)] = [
      (s.path("ckpt.pth"), "checkpoint", "ckpt.pth"),
      (s.path("net.json"), "network configuration", "net.json"),
      (s.path("labels.txt"), "labels file", "labels.txt"),
      (s.path("calib/b.jpg"), "calibration file", "calib/b.jpg"),
      (s.dir.path + "/calib/../calib/a.jpg", "calibration file", "calib/a.jpg"),
      (s.path("link-to-ckpt.vigil"), "checkpoint", "ckpt.pth"),
      (s.path("hard-net.vigil"), "network configuration", "net.json"),
    ]
    for (out, role, victim) in cases {
      let before = try Data(contentsOf: URL(fileURLWithPath: s.path(victim)))
      // --replace-link does not lift the rule for inputs.
      let r = try quantize(s, out, extra: ["--replace-link"])
      #expect(r.status != 0, "\(out) was accepted")
      #expect(r.stderr.contains("is the \(role)") && r.stderr.contains("destroy an input"), "\(out): \(r.stderr)")
      #expect(try Data(contentsOf: URL(fileURLWithPath: s.path(victim))) == before, "\(victim) changed")
      // Refused before any calibration work.
      #expect(!r.stderr.contains("calibrate:"), "\(r.stderr)")
    }
  }

  @Test func linksAreKeptUnlessAskedAndModesAreKept() throws {
    let s = try scratch()
    defer { try? FileManager.default.removeItem(at: s.dir) }
    let fm = FileManager.default
    // A link to an unrelated file: refused without --replace-link, the target untouched.
    try Data("keep".utf8).write(to: URL(fileURLWithPath: s.path("other.vigil")))
    try fm.createSymbolicLink(atPath: s.path("link.vigil"), withDestinationPath: s.path("other.vigil"))
    let refused = try quantize(s, s.path("link.vigil"))
    #expect(refused.status != 0)
    #expect(refused.stderr.contains("symbolic link") && refused.stderr.contains("--replace-link"), "\(refused.stderr)")
    #expect(try String(contentsOfFile: s.path("other.vigil"), encoding: .utf8) == "keep")

    let replaced = try quantize(s, s.path("link.vigil"), extra: ["--replace-link"])
    #expect(replaced.status == 0, "\(replaced.stderr)")
    let type = try fm.attributesOfItem(atPath: s.path("link.vigil"))[.type] as? FileAttributeType
    #expect(type == .typeRegular)
    #expect(try String(contentsOfFile: s.path("other.vigil"), encoding: .utf8) == "keep")

    // An existing file keeps its mode.
    try Data("old".utf8).write(to: URL(fileURLWithPath: s.path("m.vigil")))
    try fm.setAttributes([.posixPermissions: 0o640], ofItemAtPath: s.path("m.vigil"))
    let kept = try quantize(s, s.path("m.vigil"))
    #expect(kept.status == 0, "\(kept.stderr)")
    let mode = try fm.attributesOfItem(atPath: s.path("m.vigil"))[.posixPermissions] as? Int
    #expect(mode == 0o640)
    #expect(try Data(contentsOf: URL(fileURLWithPath: s.path("m.vigil"))) == Data(contentsOf: URL(fileURLWithPath: s.path("link.vigil"))))

    // A directory or FIFO as the output is refused by kind.
    #expect(mkfifo(s.path("fifo.vigil"), 0o644) == 0)
    let fifo = try quantize(s, s.path("fifo.vigil"))
    #expect(fifo.status != 0 && fifo.stderr.contains("is a FIFO"), "\(fifo.stderr)")
    let dir = try quantize(s, s.path("calib"))
    #expect(dir.status != 0 && dir.stderr.contains("is a directory"), "\(dir.stderr)")
  }
}
