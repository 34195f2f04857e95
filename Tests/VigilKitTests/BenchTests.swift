// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Testing

/// `vigil bench`: the configuration it reports (precision, the ISA path and the thread count
/// the instance really runs) and the fp32 path of a checkpoint.
@Suite struct BenchTests {
  static let model = Golden.directory.deletingLastPathComponent()
    .appendingPathComponent("model/tiny.vigil").path
  let tinyA = Golden.manifest.cases.first { $0.name == "tiny-a" }!

  func json(_ arguments: [String]) throws -> [String: Any] {
    let r = try CLI.run(arguments + ["--json"])
    try #require(r.status == 0, "\(arguments): \(r.stderr)")
    return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
  }

  @Test func int8PrintsTheIsaAndThreadsItRuns() throws {
    // Forced path and thread count: reported as run, in JSON and in the text's first line.
    let forced = try json(["bench", Self.model, "--runs", "2", "--warmup", "0",
                           "--isa", "scalar", "--threads", "2"])
    #expect(forced["precision"] as? String == "int8")
    #expect(forced["isa"] as? String == "scalar")
    #expect(forced["threads"] as? Int == 2)
    let text = try CLI.run(["bench", Self.model, "--runs", "2", "--warmup", "0",
                            "--isa", "scalar", "--threads", "2"])
    #expect(text.status == 0)
    let first = text.stdout.split(separator: "\n").first.map(String.init) ?? ""
    #expect(first.contains("precision int8, isa scalar, threads 2"), "\(first)")
    // auto resolves to a real path, never "auto".
    let auto = try json(["bench", Self.model, "--runs", "1", "--warmup", "0"])
    let isa = auto["isa"] as? String ?? ""
    #expect(["scalar", "avx2", "avx512vnni", "neon", "neondot"].contains(isa), "\(isa)")
    #expect(auto["threads"] as? Int == 1)
  }

  @Test func checkpointTimesTheFp32Path() throws {
    let arguments = ["bench", "--checkpoint", Golden.path("tiny-a.full.pth"),
                     "--config", Golden.path(tinyA.config), "--runs", "3", "--warmup", "1"]
    let figures = try json(arguments + ["--fps", "200"])
    #expect(figures["precision"] as? String == "fp32")
    #expect(figures["isa"] as? String == "fp32")
    #expect(figures["threads"] as? Int == 1)
    #expect(figures["runs"] as? Int == 3)
    let min = figures["min_ms"] as! Double, max = figures["max_ms"] as! Double
    #expect(min > 0 && min <= max)
    #expect((figures["cpu_ms_per_frame"] as! Double) > 0)
    #expect((figures["arena_bytes"] as! Int) > 0)
    let text = try CLI.run(arguments)
    #expect(text.status == 0)
    #expect(text.stdout.hasPrefix("model \(Golden.path("tiny-a.full.pth")), precision fp32, isa fp32, threads 1"),
            "\(text.stdout)")
    #expect(text.stdout.contains("latency ms: min "))
  }

  @Test func checkpointRefusesWhatOnlyAnInt8ModelTakes() throws {
    let checkpoint = ["--checkpoint", Golden.path("tiny-a.full.pth")]
    let config = ["--config", Golden.path(tinyA.config)]
    let cases: [([String], String)] = [
      (["bench"] + checkpoint, "give them with --config FILE"),
      (["bench", Self.model] + checkpoint + config, "not both"),
      (["bench"] + checkpoint + config + ["--threads", "2"], "one thread"),
      (["bench"] + checkpoint + config + ["--isa", "scalar"], "one thread"),
      (["bench"] + checkpoint + config + ["--per-layer"], "--per-layer"),
      (["bench", Self.model] + config, "go with --checkpoint"),
      (["bench"], "Give a .vigil model, or --checkpoint FILE"),
    ]
    for (arguments, message) in cases {
      let r = try CLI.run(arguments)
      #expect(r.status != 0, "\(arguments)")
      #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
    }
  }
}
