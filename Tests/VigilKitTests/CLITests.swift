// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Testing
import VigilCore
@testable import VigilKit

/// Runs the built `vigil` executable, as a user would.
enum CLI {
  static var productsDirectory: URL {
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
      return bundle.bundleURL.deletingLastPathComponent()
    }
    return Bundle.main.bundleURL
  }

  struct Result { var status: Int32; var stdout: String; var stderr: String }

  static func run(_ arguments: [String], executable: String? = nil, prefix: [String] = [],
                  input: Data? = nil) throws -> Result {
    let process = Process()
    process.executableURL = executable.map { URL(fileURLWithPath: $0) } ?? productsDirectory.appendingPathComponent("vigil")
    process.arguments = prefix + arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let stdin = input.map { _ in Pipe() }
    if let stdin { process.standardInput = stdin }
    try process.run()
    if let stdin, let input {
      // Written from another thread: a large input must not block against a full stdout pipe.
      let writer = Thread {
        stdin.fileHandleForWriting.write(input)
        try? stdin.fileHandleForWriting.close()
      }
      writer.start()
    }
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                  stderr: String(decoding: stderr, as: UTF8.self))
  }

  /// Runs `vigil` in a shell that first limits its address space to `virtualKiB` (`ulimit -v`).
  static func runLimited(_ arguments: [String], virtualKiB: Int) throws -> Result {
    let vigil = productsDirectory.appendingPathComponent("vigil").path
    return try run(arguments, executable: "/bin/sh",
                   prefix: ["-c", "ulimit -v \(virtualKiB) && exec \"$0\" \"$@\"", vigil])
  }

  static func jsonLines(_ s: String) throws -> [[String: Any]] {
    try s.split(separator: "\n").map {
      try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
  }
}

@Suite struct CLITests {
  let tinyA = Golden.manifest.cases.first { $0.name == "tiny-a" }!

  @Test func helpListsTheCommandsAndOptions() throws {
    let root = try CLI.run(["--help"])
    #expect(root.status == 0)
    #expect(root.stdout.contains("classify"))
    let help = try CLI.run(["classify", "--help"])
    #expect(help.status == 0)
    for option in ["--checkpoint", "--variant", "--config", "--ema", "--labels", "--top", "--json", "--logits"] {
      #expect(help.stdout.contains(option), "classify --help lacks \(option)")
    }
  }

  @Test func jsonLinesCarryTopKAndLogitsAndReportBadInputs() throws {
    let labels = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-labels-\(UUID()).txt")
    try (0..<10).map { "label \($0)" }.joined(separator: "\n").write(to: labels, atomically: true, encoding: .utf8)
    let input0 = tinyA.inputs.first { $0.id == "input0" }!
    let photo = tinyA.inputs.first { $0.photo != nil }!
    let result = try CLI.run([
      "classify", "--checkpoint", Golden.path("tiny-a.full.pth"), "--config", Golden.path(tinyA.config),
      "--labels", labels.path, "--top", "3", "--json", "--logits",
      Golden.path(input0.file), Golden.path(photo.photo!), "/nonexistent/frame.jpg",
    ])
    #expect(result.status == 1)
    let lines = try CLI.jsonLines(result.stdout)
    try #require(lines.count == 3)

    let reference = try Golden.npy("tiny-a.state_dict.input0.logits.npy")
    let logits = (lines[0]["logits"] as! [Double]).map(Float.init)
    #expect(Golden.relativeError(logits, reference) <= 1e-4)
    let top = lines[0]["top"] as! [[String: Any]]
    #expect(top.count == 3)
    #expect(top[0]["index"] as? Int == Golden.argmax(reference))
    #expect(top[0]["label"] as? String == "label \(Golden.argmax(reference))")
    let scores = top.map { $0["score"] as! Double }
    #expect(scores == scores.sorted(by: >) && scores[0] > 0 && scores[0] <= 1)

    #expect(lines[1]["input"] as? String == Golden.path(photo.photo!))
    #expect(lines[1]["top"] != nil)
    #expect(lines[2]["input"] as? String == "/nonexistent/frame.jpg")
    #expect((lines[2]["error"] as? String)?.isEmpty == false)
    #expect(result.stderr.contains("1 of 3 input(s) failed"))
  }

  @Test func hostileCheckpointIsRefusedByName() throws {
    let result = try CLI.run([
      "classify", "--checkpoint", Golden.directory.deletingLastPathComponent()
        .appendingPathComponent("checkpoint/hostile.pth").path,
      "--config", Golden.path(tinyA.config), Golden.path("tiny-a.input0.npy"),
    ])
    #expect(result.status != 0)
    #expect(result.stderr.contains("posix.system"), "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: "/tmp/vigil-pwned"))
  }

  @Test func usageErrorsSayWhatToDo() throws {
    // Without --variant and --config the checkpoint's shapes must say; a missing file says so.
    let none = try CLI.run(["classify", "--checkpoint", "x.pth", "a.jpg"])
    #expect(none.status != 0)
    #expect(none.stderr.contains("cannot read checkpoint x.pth"), "\(none.stderr)")
    let wrongShape = try CLI.run([
      "classify", "--checkpoint", Golden.path("tiny-a.full.pth"), "--variant", "ti",
      Golden.path("tiny-a.input0.npy"),
    ])
    #expect(wrongShape.status != 0)
    #expect(wrongShape.stderr.contains("does not match network 'ti'"))
  }
}

@Suite struct Int8CLITests {
  let tinyA = Golden.manifest.cases.first { $0.name == "tiny-a" }!
  static let images = Golden.directory.deletingLastPathComponent().appendingPathComponent("images").path

  func quantize(_ out: String, method: String = "minmax", extra: [String] = []) throws -> CLI.Result {
    try CLI.run(["quantize", "--checkpoint", Golden.path("tiny-a.full.pth"), "--config",
                 Golden.path(tinyA.config), "--calib", Self.images, "--calib-count", "8",
                 "--method", method, "-o", out] + extra)
  }

  @Test func quantizeIsByteIdenticalAndTheModelRuns() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-q-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let a = dir.appendingPathComponent("a.vigil").path, b = dir.appendingPathComponent("b.vigil").path
    let first = try quantize(a, method: "entropy", extra: ["--report"])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout.contains("per-layer SQNR on 8 calibration image(s): median "), "\(first.stdout)")
    #expect(first.stdout.contains("the 10 worst of "), "\(first.stdout)")
    #expect(first.stderr.contains("calibrate: pass 1, 8/8 images"))
    #expect(try quantize(b, method: "entropy").status == 0)
    let bytesA = try Data(contentsOf: URL(fileURLWithPath: a)), bytesB = try Data(contentsOf: URL(fileURLWithPath: b))
    #expect(bytesA == bytesB && bytesA.count > 1000)

    // inspect --json reports the plan the loader validated.
    let inspect = try CLI.run(["inspect", "--json", a])
    #expect(inspect.status == 0)
    let info = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as! [String: Any]
    let arena = info["arena_bytes"] as! Int
    #expect(arena > 0 && arena < 64 * 1024)
    // The arena per thread count (one scratch copy more per thread) and for observed runs.
    let byThreads = info["arena_bytes_threads"] as! [Int], scratch = info["scratch_bytes"] as! Int
    #expect(byThreads.count == 4 && byThreads[0] == arena)
    #expect(byThreads[3] == (arena + 63) / 64 * 64 + 3 * ((scratch + 63) / 64 * 64))
    #expect(info["arena_bytes_observed"] as! Int >= arena)
    let bandLocal = (info["tensors"] as! [[String: Any]]).filter { ($0["band"] as! Int) != 0 }
    #expect(!bandLocal.isEmpty && bandLocal.allSatisfy { ($0["offset"] as! Int) == 0 })
    let layers = info["layers"] as! [[String: Any]]
    #expect(layers.first?["op"] as? String == "stem" && layers.last?["op"] as? String == "head")
    // Every op but the head writes int8 (no float between stem and head).
    #expect(layers.dropLast().allSatisfy { $0["output_scale"] is Double })
    #expect((info["metadata"] as! [String: String])["calibration.method"] == "entropy")

    // classify MODEL.vigil: the same JSON lines as the fp32 path, close to fp32 on a photo.
    let photo = Golden.path("photo.jpg")
    let int8 = try CLI.run(["classify", a, "--json", "--logits", photo, Golden.path("tiny-a.input0.npy")])
    #expect(int8.status == 1)  // the .npy input is refused for an int8 model, the photo runs
    let lines = try CLI.jsonLines(int8.stdout)
    try #require(lines.count == 2)
    let q = (lines[0]["logits"] as! [Double]).map(Float.init)
    let fp32 = try Golden.npy("tiny-a.state_dict.photo.logits.npy")
    let dot = zip(q, fp32).reduce(0) { $0 + Double($1.0 * $1.1) }
    let cosine = dot / (sqrt(q.reduce(0) { $0 + Double($1 * $1) }) * sqrt(fp32.reduce(0) { $0 + Double($1 * $1) }))
    // tiny-a has random weights and 10 near-equal logits on this photo, which amplifies int8
    // noise (measured 0.80 with entropy on 8 images); QuantizerTests bound each method's
    // accuracy on held-out images.
    #expect(cosine > 0.7, "int8 vs fp32 logit cosine \(cosine)")
    #expect((lines[1]["error"] as? String)?.contains("--checkpoint") == true)

    let bench = try CLI.run(["bench", a, "--runs", "3", "--warmup", "1", "--per-layer", "--json"])
    #expect(bench.status == 0)
    let figures = try JSONSerialization.jsonObject(with: Data(bench.stdout.utf8)) as! [String: Any]
    #expect(figures["runs"] as? Int == 3)
    #expect((figures["layers"] as! [Any]).count == layers.count)
    #expect((figures["min_ms"] as! Double) <= (figures["p90_ms"] as! Double))
  }

  @Test func badModelFilesAreRefusedWithTheReason() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID()).vigil").path
    try Data("VIGIL\0\0\0 this is not a model".utf8).write(to: URL(fileURLWithPath: path))
    let r = try CLI.run(["inspect", path])
    #expect(r.status != 0)
    // Words, not an enum dump, and what to do.
    #expect(r.stderr.contains("unsupported model format version") && !r.stderr.contains("(\""),
            "\(r.stderr)")
    // A file that is truncated says what to do about it.
    let model = Golden.directory.deletingLastPathComponent().appendingPathComponent("model/tiny.vigil")
    let cut = FileManager.default.temporaryDirectory.appendingPathComponent("cut-\(UUID()).vigil")
    try Data(contentsOf: model).prefix(200).write(to: cut)
    let t = try CLI.run(["inspect", cut.path])
    #expect(t.status != 0)
    #expect(t.stderr.contains("truncated") && t.stderr.contains("re-run vigil quantize"), "\(t.stderr)")
    let c = try CLI.run(["classify", "/nonexistent/model.vigil", Golden.path("photo.jpg")])
    #expect(c.status != 0)
    #expect(c.stderr.contains("/nonexistent/model.vigil"))
  }

  @Test func quantizeRejectsUnknownMethods() throws {
    let r = try quantize("/tmp/never.vigil", method: "median")
    #expect(r.status != 0)
    #expect(r.status == 64 && r.stderr.contains("Please provide one of 'minmax', 'percentile', 'entropy' or 'mse'"),
            "\(r.stderr)")
  }
}
