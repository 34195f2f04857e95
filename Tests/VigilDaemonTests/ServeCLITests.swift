// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Glibc
import Testing

/// The built `vigil serve`, run as a child process the way a user or systemd runs it.
@Suite(.serialized) struct ServeCLITests {
  static let samples = Fixture.sampleFiles()
  static let sampleBytes = samples.map { try! Data(contentsOf: URL(fileURLWithPath: $0)) }

  func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = ServeProcess.executable
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self),
            String(decoding: stderr, as: UTF8.self))
  }

  @Test func aThousandFilesIntoAWatchedFolder() throws {
    let dir = try Fixture.folder("watch1000")
    let out = try Fixture.folder("watch1000-out") + "/lines.jsonl"
    let serve = try ServeProcess([Fixture.model, "--watch", dir, "--pending", "2000", "--top", "1"],
                                 output: out)
    serve.wait { $0.contains { type($0) == "start" } }
    var good: [String] = [], corrupt: [String] = [], removed: [String] = []
    for i in 0..<1000 {
      let k = i % Self.samples.count
      let ext = Self.samples[k].hasSuffix(".png") ? "png" : "jpg"
      let path = dir + "/f\(1000 + i).\(ext)"
      switch i % 10 {
      case 0:  // corrupt: a truncated image or plain noise
        let bytes = i % 20 == 0 ? Self.sampleBytes[k].prefix(Self.sampleBytes[k].count / 2)
          : Data((0..<300).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ i) })
        Fixture.write(bytes, to: path)
        corrupt.append(path)
      case 1:  // slowly, in pieces, through one descriptor
        Fixture.write(Self.sampleBytes[k], to: path, pieces: 3, pause: 0.002)
        good.append(path)
      case 2:  // removed at once
        Fixture.write(Self.sampleBytes[k], to: path)
        unlink(path)
        removed.append(path)
      default:
        Fixture.write(Self.sampleBytes[k], to: path)
        good.append(path)
      }
    }
    let last = good.last!
    let lines = serve.wait(seconds: 300) { lines in
      lines.contains { type($0) == "result" && $0["source"] as? String == last }
    }
    serve.signal(SIGTERM)
    #expect(serve.exitStatus() == 0)
    let final = serve.lines
    #expect(final.count > lines.count - 1)
    var mentions: [String: [String]] = [:]
    for line in final {
      let kind = type(line)
      var path: String? = nil
      if kind == "result" { path = line["source"] as? String }
      if kind == "error" || kind == "dropped" {
        let text = (line["message"] ?? line["why"]) as? String ?? ""
        path = text.split(separator: ":").first.map(String.init)
      }
      if let path { mentions[path, default: []].append(kind) }
    }
    for path in good { #expect(mentions[path] == ["result"], "\(path): \(mentions[path] ?? [])") }
    for path in corrupt { #expect(mentions[path] == ["error"], "\(path): \(mentions[path] ?? [])") }
    for path in removed { #expect((mentions[path] ?? []).count <= 1, "\(path) twice") }
    let stop = try #require(final.last)
    try #require(type(stop) == "stop")
    #expect(stop["reason"] as? String == "SIGTERM")
    let captured = stop["captured"] as! Int
    #expect(captured == (stop["classified"] as! Int) + (stop["dropped"] as! Int) + (stop["bad"] as! Int))
    #expect(stop["classified"] as? Int == good.count + removed.filter { mentions[$0] == ["result"] }.count)
  }

  @Test func stopSignalsExitZeroWithTheLastLineFlushed() throws {
    for (signal, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
      let out = try Fixture.folder("sigterm") + "/lines.jsonl"
      let serve = try ServeProcess([Fixture.model, "--loop"] + Array(Self.samples.prefix(4)), output: out)
      serve.wait { $0.filter { type($0) == "result" }.count >= 3 }
      serve.signal(signal)
      #expect(serve.exitStatus() == 0, "\(name): \(serve.errorText)")
      let lines = serve.lines
      #expect(type(lines.last!) == "stop")
      #expect(lines.last!["reason"] as? String == name)
      let text = String(decoding: FileManager.default.contents(atPath: out)!, as: UTF8.self)
      #expect(text.hasSuffix("}\n"), "the stop line is complete")
    }
  }

  @Test func hangUpReloadsKeepingTheOldModelWhenTheNewOneIsBad() throws {
    let dir = try Fixture.folder("sighup")
    let model = dir + "/m.vigil"
    try FileManager.default.copyItem(atPath: Fixture.model, toPath: model)
    let trouser = Self.samples.first { $0.contains("trouser") }!
    let serve = try ServeProcess([model, "--loop", trouser], output: dir + "/lines.jsonl")
    serve.wait { $0.contains { type($0) == "result" } }
    // Replace by rename (docs/model-format.md): a corrupt file first.
    try Data(repeating: 0x56, count: 4096).write(to: URL(fileURLWithPath: model), options: .atomic)
    serve.signal(SIGHUP)
    var lines = serve.wait { $0.contains { $0["kind"] as? String == "reload" } }
    let failure = lines.first { $0["kind"] as? String == "reload" }
    #expect((failure?["message"] as? String)?.hasSuffix("still serving the previous model") == true)
    let seen = lines.count
    lines = serve.wait { $0.count > seen + 3 }
    let after = lines.dropFirst(seen).filter { type($0) == "result" }
    #expect(!after.isEmpty && after.allSatisfy {
      (($0["top"] as! [[String: Any]])[0]["label"] as? String) == "Trouser"
    }, "the old model keeps serving")
    try Fixture.relabeledModel().write(to: URL(fileURLWithPath: model), options: .atomic)
    serve.signal(SIGHUP)
    lines = serve.wait { lines in
      lines.contains { type($0) == "result" && (($0["top"] as! [[String: Any]])[0]["label"] as? String) == "TROUSER" }
    }
    #expect(lines.contains { type($0) == "reload" })
    serve.signal(SIGTERM)
    #expect(serve.exitStatus() == 0)
    let stop = serve.lines.last!
    #expect(stop["reloads"] as? Int == 1 && stop["reload_failures"] as? Int == 1)
  }

  @Test func configErrorsNameTheLineAndStopTheStart() throws {
    let dir = try Fixture.folder("config")
    let config = dir + "/serve.conf"
    try "# vigil serve\nmodel = \(Fixture.model)\ncolour = red\n".write(toFile: config, atomically: true, encoding: .utf8)
    let r = try run(["serve", "--config", config])
    #expect(r.status == 64, "a usage error")
    #expect(r.stderr.contains("\(config) line 3: unknown key 'colour'"), "\(r.stderr)")
    try "model = \(Fixture.model)\nsmooth = many\n".write(toFile: config, atomically: true, encoding: .utf8)
    let bad = try run(["serve", "--config", config, Self.samples[0]])
    #expect(bad.status == 64 && bad.stderr.contains("line 2: smooth: 'many' is not a whole number"))
    // A good config runs; a flag overrides it.
    try "model = \(Fixture.model)\ntop = 2\nsmooth = 2\n".write(toFile: config, atomically: true, encoding: .utf8)
    let ok = try run(["serve", "--config", config, "--top", "1", Self.samples[0]])
    #expect(ok.status == 0)
    let lines = try Fixture.jsonLines(ok.stdout)
    #expect(lines.first.map(type) == "start" && lines.first?["smooth"] as? Int == 2)
    #expect((lines[1]["top"] as! [Any]).count == 1)
  }

  @Test func badStartsAreCleanErrors() throws {
    let missing = try run(["serve", Fixture.model, "--watch", "/nonexistent/vigil-in"])
    #expect(missing.status == 1 && missing.stderr.contains("--watch /nonexistent/vigil-in: not a folder"))
    let noModel = try run(["serve", "/nonexistent/m.vigil", Self.samples[0]])
    #expect(noModel.status == 1 && noModel.stderr.contains("/nonexistent/m.vigil"))
    let two = try run(["serve", Fixture.model, "--watch", "/tmp", Self.samples[0]])
    #expect(two.status != 0 && two.stderr.contains("give exactly one source"))
    let flag = try run(["serve", Fixture.model, "--enter", "2", Self.samples[0]])
    #expect(flag.status != 0 && flag.stderr.contains("--enter: 2 is not a probability in 0...1"))
  }

  @Test func helpListsEveryOption() throws {
    let help = try run(["serve", "--help"])
    #expect(help.status == 0)
    for option in ["--config", "--loop", "--watch", "--done", "--pending", "--camera", "--size",
                   "--fps", "--format", "--buffers", "--synthetic", "--every", "--crop", "--smooth",
                   "--enter", "--exit", "--top", "--output", "--threads", "--stall-timeout",
                   "--max-results", "--max-frames"] {
      #expect(help.stdout.contains(option), "serve --help lacks \(option)")
    }
  }
}
