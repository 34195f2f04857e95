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

  static func run(_ arguments: [String]) throws -> Result {
    let process = Process()
    process.executableURL = productsDirectory.appendingPathComponent("vigil")
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                  stderr: String(decoding: stderr, as: UTF8.self))
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
    let none = try CLI.run(["classify", "--checkpoint", "x.pth", "a.jpg"])
    #expect(none.status != 0)
    #expect(none.stderr.contains("--variant ti|s|m|b or --config FILE"))
    let wrongShape = try CLI.run([
      "classify", "--checkpoint", Golden.path("tiny-a.full.pth"), "--variant", "ti",
      Golden.path("tiny-a.input0.npy"),
    ])
    #expect(wrongShape.status != 0)
    #expect(wrongShape.stderr.contains("does not match network 'ti'"))
  }
}
