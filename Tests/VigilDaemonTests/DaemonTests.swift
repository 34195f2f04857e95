// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CVigilSys
import Foundation
import Testing
import VigilCore
@testable import VigilDaemon

/// The loop in this process with scripted signals: reloads, stops, --every, --crop,
/// smoothing, the watchdog and the accounting identity.
@Suite(.serialized) struct DaemonTests {
  func scripted(_ signals: SignalScript) -> SystemCalls {
    var calls = SystemCalls.system
    signals.install(into: &calls)
    return calls
  }

  func options(_ files: [String] = Fixture.sampleFiles(), loop: Bool = false) -> ServeOptions {
    var o = ServeOptions()
    o.model = Fixture.model
    o.files = files
    o.loop = loop
    return o
  }

  func labels(_ lines: [[String: Any]]) -> [String] {
    lines.filter { type($0) == "result" }.map {
      (($0["top"] as! [[String: Any]])[0]["label"] as! String)
    }
  }

  @Test func linesCarryEveryDocumentedField() throws {
    let (reason, lines) = try serveInProcess(options(), scripted(SignalScript()))
    #expect(reason == .ended)
    let start = lines.first!, stop = lines.last!
    #expect(type(start) == "start" && type(stop) == "stop")
    for key in ["wall_ns", "mono_ns", "model", "classes", "input_size", "source", "threads",
                "every", "smooth", "enter", "exit", "crop", "output"] {
      #expect(start[key] != nil, "start lacks \(key)")
    }
    let result = lines.first { type($0) == "result" }!
    for key in ["wall_ns", "mono_ns", "seq", "frame", "source", "top", "smoothed", "state", "latency_ms"] {
      #expect(result[key] != nil, "result lacks \(key)")
    }
    let latency = result["latency_ms"] as! [String: Any]
    #expect(Set(latency.keys) == ["capture", "decode", "preprocess", "inference"])
    #expect((result["top"] as! [Any]).count == 3)
    #expect(stop["reason"] as? String == "ended")
    #expect(stop["captured"] as? Int == 24 && stop["classified"] as? Int == 24)
    // The bundled samples are named after their class; the shipped model gets them right.
    let names = Fixture.sampleFiles().map { URL(fileURLWithPath: $0).lastPathComponent }
    #expect(labels(lines).count == 24)
    let right = zip(names, labels(lines)).filter { name, label in
      name.lowercased().contains(label.lowercased().replacingOccurrences(of: " ", with: "-"))
    }.count
    #expect(right >= 20)
  }

  @Test func everyNthFrameAndCropAndTop() throws {
    var o = options()
    o.every = 3
    o.top = 1
    o.crop = CropRect(x: 2, y: 2, width: 20, height: 20)
    let (_, lines) = try serveInProcess(o, scripted(SignalScript()))
    let results = lines.filter { type($0) == "result" }
    #expect(results.map { $0["frame"] as! Int } == [0, 3, 6, 9, 12, 15, 18, 21])
    #expect(results.allSatisfy { ($0["top"] as! [Any]).count == 1 })
    let stop = lines.last!
    #expect(stop["captured"] as? Int == 24 && stop["classified"] as? Int == 8
      && stop["skipped"] as? Int == 16)
    o.every = 1
    o.crop = CropRect(x: 20, y: 0, width: 20, height: 20)  // past the 28-pixel frame
    let (_, bad) = try serveInProcess(o, scripted(SignalScript()))
    let errors = bad.filter { type($0) == "error" }
    #expect(errors.count == 24)
    #expect((errors[0]["message"] as! String).hasSuffix("--crop 20,0,20,20 reaches outside the 28x28 frame"))
    #expect(bad.last!["bad"] as? Int == 24)
  }

  @Test func smoothingAndHysteresisGiveEventLines() throws {
    // boot, boot, boot, trouser x3: with a window of 3 the state moves once, late.
    let files = Fixture.sampleFiles()
    let boot = files.first { $0.contains("ankle-boot") }!
    let trouser = files.first { $0.contains("trouser") }!
    var o = options([boot, boot, boot, trouser, trouser, trouser])
    o.smooth = 3
    o.enter = 0.8
    o.exit = 0.5
    let (_, lines) = try serveInProcess(o, scripted(SignalScript()))
    let events = lines.filter { type($0) == "event" }
    #expect(events.map { $0["to"] as? String } == ["Ankle boot", nil, "Trouser"])
    #expect(events.map { $0["seq"] as! Int } == [0, 4, 5])
    let states = lines.filter { type($0) == "result" }.map { $0["state"] as? String }
    #expect(states == ["Ankle boot", "Ankle boot", "Ankle boot", "Ankle boot", nil, "Trouser"])
    let windows = lines.filter { type($0) == "result" }.map { ($0["smoothed"] as! [String: Any])["window"] as! Int }
    #expect(windows == [1, 2, 3, 3, 3, 3])
  }

  @Test func reloadKeepsTheOldModelOnFailureAndSwitchesOnSuccess() throws {
    let dir = try Fixture.folder("reload")
    let model = dir + "/m.vigil"
    try FileManager.default.copyItem(atPath: Fixture.model, toPath: model)
    let trouser = Fixture.sampleFiles().first { $0.contains("trouser") }!
    var o = options([trouser], loop: true)
    o.model = model
    let signals = SignalScript()
    // Call 3: the file is now corrupt -> reload fails. Call 6: a relabeled model -> switch.
    // Replaced by rename, as docs/model-format.md says (the running model maps its file).
    signals.onCall[3] = { try! Data("garbage".utf8).write(to: URL(fileURLWithPath: model), options: .atomic) }
    signals.script[3] = Int32(VSYS_SIGNAL_RELOAD)
    signals.onCall[6] = { try! Fixture.relabeledModel().write(to: URL(fileURLWithPath: model), options: .atomic) }
    signals.script[6] = Int32(VSYS_SIGNAL_RELOAD)
    signals.script[9] = Int32(VSYS_SIGNAL_STOP)
    let (reason, lines) = try serveInProcess(o, scripted(signals))
    #expect(reason == .signal(15))
    let kinds = lines.map { type($0) == "error" ? "error:\($0["kind"]!)" : type($0) }
    #expect(kinds.filter { $0 != "event" } == ["start", "result", "result", "error:reload", "result",
      "result", "result", "reload", "result", "result", "result", "stop"])
    let failure = lines.first { $0["kind"] as? String == "reload" }!["message"] as! String
    #expect(failure.hasSuffix("still serving the previous model"))
    #expect(failure.contains("m.vigil"))
    #expect(labels(lines) == ["Trouser", "Trouser", "Trouser", "Trouser", "Trouser", "TROUSER", "TROUSER", "TROUSER"])
    let stop = lines.last!
    #expect(stop["reason"] as? String == "SIGTERM" && stop["reloads"] as? Int == 1
      && stop["reload_failures"] as? Int == 1)
  }

  @Test func theWatchdogReopensAStalledSource() throws {
    let dir = try Fixture.folder("stall")
    var o = ServeOptions()
    o.model = Fixture.model
    o.watch = dir
    o.stallTimeout = 0.05
    let signals = SignalScript()
    signals.script[12] = Int32(VSYS_SIGNAL_STOP)  // each idle turn polls up to 100 ms
    let (_, lines) = try serveInProcess(o, scripted(signals))
    let stalls = lines.filter { $0["kind"] as? String == "stall" }
    #expect(stalls.count >= 2)
    #expect((stalls[0]["message"] as! String).hasPrefix("no frame for "))
    #expect((stalls[0]["message"] as! String).hasSuffix("reopened: new inotify watch on \(dir)"))
    #expect(lines.last!["reopens"] as? Int == stalls.count)
  }

  @Test func maxResultsStopsAndEveryFrameIsAccountedFor() throws {
    var o = ServeOptions()
    o.model = Fixture.model
    o.syntheticWidth = 32
    o.syntheticHeight = 24
    o.fps = 2000  // faster than the model: frames are dropped, the newest wins
    o.maxResults = 40
    let (reason, lines) = try serveInProcess(o, scripted(SignalScript()))
    #expect(reason == .maxResults)
    let stop = lines.last!
    let captured = stop["captured"] as! Int, classified = stop["classified"] as! Int
    let dropped = stop["dropped"] as! Int, bad = stop["bad"] as! Int, skipped = stop["skipped"] as! Int
    #expect(classified == 40)
    #expect(dropped > 0)
    #expect(captured == classified + dropped + bad + skipped)
    let dropLines = lines.filter { type($0) == "dropped" }.map { $0["count"] as! Int }
    #expect(dropLines.reduce(0, +) == dropped)
  }

  @Test func strangeFileNamesComeOutExactlyInValidJSON() throws {
    let dir = try Fixture.folder("names")
    let names = ["new\nline.png", "quote\"back\\slash.png", "tab\tbell\u{7}.png", "日本 🚀.png",
                 "ctl\u{1}\u{1f}.png"]
    var paths: [String] = []
    for name in names {
      let path = dir + "/" + name
      try FileManager.default.copyItem(atPath: Fixture.sampleFiles()[0], toPath: path)
      paths.append(path)
    }
    paths.append(dir + "/missing\n\"file\".png")
    let (_, lines) = try serveInProcess(options(paths), scripted(SignalScript()))
    let sources = lines.filter { type($0) == "result" }.map { $0["source"] as! String }
    #expect(sources == Array(paths.prefix(names.count)))
    let error = lines.first { type($0) == "error" }!["message"] as! String
    #expect(error.hasPrefix(paths.last! + ": "))
  }

  @Test func theOutputFileIsAppendedTo() throws {
    var o = options([Fixture.sampleFiles()[0]])
    o.output = try Fixture.folder("append") + "/o.jsonl"
    _ = try serveInProcess(o, scripted(SignalScript()))
    _ = try serveInProcess(o, scripted(SignalScript()))
    let lines = try Fixture.jsonLines(file: o.output)
    #expect(lines.map(type).filter { $0 != "event" } == ["start", "result", "stop", "start", "result", "stop"])
  }

  @Test func theSnapshotFollowsTheLoop() throws {
    let board = SnapshotBoard()
    var o = options(Array(Fixture.sampleFiles().prefix(3)))
    o.output = try Fixture.folder("snap") + "/o.jsonl"
    _ = try Serve.run(o, sys: Sys(scripted(SignalScript())), board: board)
    let s = board.read()
    #expect(!s.running)
    #expect(s.counters.captured == 3 && s.counters.classified == 3)
    #expect(s.topCount == 3 && s.topIndex.0 >= 0 && s.topScore.0 >= s.topScore.1)
    #expect(s.frameSequence == 2 && s.resultMonotonicNs > s.startMonotonicNs)
    #expect(board.labels.count == 10)
  }
}
