// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

// Loads the fixtures written by Tools/make-checkpoint-fixtures.py (real torch.save output) and
// compares every tensor bit-exactly with the float32 values the script recorded in
// expected.json. Regenerate with:
//   .venv-tools/bin/python Tools/make-checkpoint-fixtures.py

import Foundation
import Testing

@testable import VigilKit

enum CheckpointFixtures {
  static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/checkpoint")

  static func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

  static func data(_ name: String) throws -> Data { try Data(contentsOf: dir.appendingPathComponent(name)) }

  struct Expected {
    var key: String
    var shape: [Int]
    var bits: [UInt32]
  }

  /// expected.json: fixture name -> [{key, shape, bits}] in file order.
  static let expected: [String: [Expected]] = {
    let json = try! JSONSerialization.jsonObject(with: data("expected.json")) as! [String: Any]
    return json.mapValues { list in
      (list as! [[String: Any]]).map { e in
        Expected(
          key: e["key"] as! String,
          shape: (e["shape"] as! [Any]).map { ($0 as! NSNumber).intValue },
          bits: (e["bits"] as! [Any]).map { ($0 as! NSNumber).uint32Value })
      }
    }
  }()

  /// Checks keys (order included), shapes and values bit for bit.
  static func check(_ sd: StateDict, against name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let exp = expected[name]!
    #expect(sd.keys == exp.map(\.key), "keys of \(name)", sourceLocation: sourceLocation)
    #expect(Set(sd.tensors.keys) == Set(sd.keys), sourceLocation: sourceLocation)
    for e in exp {
      guard let t = sd[e.key] else {
        Issue.record("\(name): missing \(e.key)", sourceLocation: sourceLocation)
        continue
      }
      #expect(t.shape == e.shape, "\(name) \(e.key) shape", sourceLocation: sourceLocation)
      let got = t.data.map(\.bitPattern)
      if got != e.bits {
        let i = got.indices.first { $0 >= e.bits.count || got[$0] != e.bits[$0] } ?? got.count
        Issue.record(
          "\(name) \(e.key): \(got.count) values vs \(e.bits.count) expected; first difference at flat index \(i)",
          sourceLocation: sourceLocation)
      }
    }
  }

  /// The error `body` throws, as a CheckpointError (records an issue otherwise).
  static func error(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Any) -> CheckpointError? {
    do {
      _ = try body()
      Issue.record("expected a CheckpointError, the load succeeded", sourceLocation: sourceLocation)
    } catch let e as CheckpointError {
      return e
    } catch {
      Issue.record("expected a CheckpointError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
  }
}

@Suite("Checkpoint: torch.save fixtures")
struct CheckpointTests {
  typealias F = CheckpointFixtures

  @Test func trainingCheckpointSelectsStateDict() throws {
    let sd = try Checkpoint.load(path: F.path("full.pth"))
    #expect(sd.source == "state_dict in full.pth")
    F.check(sd, against: "full.pth")
    #expect(sd["stem.1.num_batches_tracked"]?.dtype == .int64)
    #expect(sd["stem.1.num_batches_tracked"]?.shape == [])
    #expect(sd["stem.1.num_batches_tracked"]?.data == [2])
    #expect(sd.skipped.isEmpty)
  }

  @Test func trainingCheckpointSelectsEMA() throws {
    let sd = try Checkpoint.load(path: F.path("full.pth"), ema: true)
    #expect(sd.source == "state_dict_ema in full.pth")
    F.check(sd, against: "full.pth#ema")
  }

  @Test func modulePrefixIsStripped() throws {
    let sd = try Checkpoint.load(path: F.path("module-prefix.pth"))
    F.check(sd, against: "module-prefix.pth")
    #expect(!sd.keys.contains { $0.hasPrefix("module.") })
  }

  @Test func modelKeyAndBareDict() throws {
    let m = try Checkpoint.load(path: F.path("model-key.pth"))
    #expect(m.source == "model in model-key.pth")
    F.check(m, against: "model-key.pth")
    let b = try Checkpoint.load(path: F.path("bare.pth"))
    #expect(b.source == "top-level dict in bare.pth")
    F.check(b, against: "bare.pth")
  }

  @Test(arguments: [("float16.pth", DType.float16), ("bfloat16.pth", .bfloat16), ("float64.pth", .float64)])
  func floatTypesWidenExactly(name: String, dtype: DType) throws {
    let sd = try Checkpoint.load(path: F.path(name))
    F.check(sd, against: name)
    #expect(sd["head.weight"]?.dtype == dtype)
  }

  @Test func nonContiguousViewsAreMaterialised() throws {
    let sd = try Checkpoint.load(path: F.path("strided.pth"))
    F.check(sd, against: "strided.pth")
    #expect(sd["transposed"]?.shape == [5, 4])
    #expect(sd["scalar"]?.shape == [])
    #expect(sd["empty"]?.shape == [0, 3])
    #expect(sd["empty"]?.data == [])
  }

  @Test(arguments: ["protocol4.pth", "protocol1.pth", "archive-folder.pth"])
  func otherProtocolsAndFolders(name: String) throws {
    F.check(try Checkpoint.load(path: F.path(name)), against: name)
  }

  @Test func safetensors() throws {
    let sd = try Checkpoint.load(path: F.path("model.safetensors"))
    #expect(sd.source == "safetensors model.safetensors")
    F.check(sd, against: "model.safetensors")
    #expect(sd["a.bias"]?.dtype == .float16)
    #expect(sd["e.count"]?.data == [7])
  }

  @Test func formatIsChosenByContentNotExtension() throws {
    let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-ckpt-\(getpid())")
    try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: tmp) }
    let a = tmp.appendingPathComponent("weights.safetensors")
    try F.data("bare.pth").write(to: a)
    F.check(try Checkpoint.load(path: a.path), against: "bare.pth")
    let b = tmp.appendingPathComponent("weights.pth")
    try F.data("model.safetensors").write(to: b)
    F.check(try Checkpoint.load(path: b.path), against: "model.safetensors")
  }

  @Test func legacyFormatIsRefusedWithAdvice() {
    let e = F.error { try Checkpoint.load(path: F.path("legacy.pth")) }
    #expect(e == .legacyFormat(path: F.path("legacy.pth")))
    #expect(e?.description.contains("torch >= 1.6") == true)
  }

  @Test func hostilePickleIsRefusedWithoutRunningIt() {
    try? FileManager.default.removeItem(atPath: "/tmp/vigil-pwned")
    let e = F.error { try Checkpoint.load(path: F.path("hostile.pth")) }
    guard case .forbiddenGlobal(let name, let offset)? = e else {
      Issue.record("expected forbiddenGlobal, got \(String(describing: e))")
      return
    }
    #expect(name == "posix.system" || name == "os.system")
    #expect(offset > 0)
    #expect(e!.description.contains(name) && e!.description.contains("byte \(offset)"))
    #expect(!FileManager.default.fileExists(atPath: "/tmp/vigil-pwned"))
  }

  @Test func missingEMANamesTheCandidates() {
    let e = F.error { try Checkpoint.load(path: F.path("model-key.pth"), ema: true) }
    guard case .noEMA(_, let candidates)? = e else {
      Issue.record("expected noEMA, got \(String(describing: e))")
      return
    }
    #expect(candidates.contains { $0.hasPrefix("'model' (dict") })
    #expect(candidates.contains("'epoch' (int)"))
    #expect(e!.description.contains("'model'"))
    let s = F.error { try Checkpoint.load(path: F.path("model.safetensors"), ema: true) }
    if case .noEMA? = s {} else { Issue.record("safetensors with ema: \(String(describing: s))") }
  }

  @Test func missingFileIsAnUnreadableError() {
    let e = F.error { try Checkpoint.load(path: "/nonexistent/vigil.pth") }
    if case .unreadable(let p, _)? = e { #expect(p == "/nonexistent/vigil.pth") } else {
      Issue.record("got \(String(describing: e))")
    }
  }
}

/// Loads a real checkpoint named by VIGIL_CHECKPOINT and prints its size and load time:
///   VIGIL_CHECKPOINT=/path/to/ckpt.pth swift test --filter CheckpointTiming
@Suite("Checkpoint: timing", .enabled(if: ProcessInfo.processInfo.environment["VIGIL_CHECKPOINT"] != nil,
                                      "set VIGIL_CHECKPOINT to a checkpoint to time its import"))
struct CheckpointTimingTests {
  @Test func loadNamedCheckpoint() throws {
    let path = ProcessInfo.processInfo.environment["VIGIL_CHECKPOINT"]!
    let clock = ContinuousClock()
    var sd: StateDict?
    let t = try clock.measure { sd = try Checkpoint.load(path: path) }
    let values = sd!.tensors.values.reduce(0) { $0 + $1.count }
    print("\(sd!.source): \(sd!.count) tensors, \(values) values, loaded in \(t)")
  }
}
