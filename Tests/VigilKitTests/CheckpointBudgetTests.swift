// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

// The unpickler's work and memory are linear in its input: memo-reuse trees used as dict keys,
// OrderedDicts rebuilt over one item list, long strings hashed again and again. Each stream is
// built here in a few lines; each either loads with work proportional to its size or is refused
// with the budget message. The worst of them also runs in a child `vigil` under `ulimit -v`.

import Foundation
import Testing

@testable import VigilKit

enum HostilePickles {
  /// `{key: None}` where key is a tuple of `fanout` copies of a tuple of `fanout` copies ...
  /// `depth` levels deep, all through memo slot 0: a tree of fanout^depth leaves in a few
  /// hundred bytes. `ordered` builds the dict as `OrderedDict([(key, None)])` instead.
  static func memoTree(fanout: Int, depth: Int, ordered: Bool) -> [UInt8] {
    var s = "\u{80}\u{2}K\u{1}q\u{0}0"
    for _ in 0..<depth {
      s += "(" + String(repeating: "h\u{0}", count: fanout) + "tq\u{0}0"
    }
    if ordered {
      s += "ccollections\nOrderedDict\n(h\u{0}N\u{86}l\u{85}R."
    } else {
      s += "}h\u{0}Ns."
    }
    return pickleBytes(s)
  }

  /// An OrderedDict rebuilt `times` times over one memoized list of `items` (k, v) pairs.
  static func orderedDictRebuilds(items: Int, times: Int) -> [UInt8] {
    var s = "\u{80}\u{2}ccollections\nOrderedDict\nq\u{1}0(K\u{1}N\u{86}q\u{2}0("
    s += String(repeating: "h\u{2}", count: items) + "l\u{85}q\u{0}0("
    s += String(repeating: "h\u{1}h\u{0}R", count: times) + "l."
    return pickleBytes(s)
  }

  /// One long string used as a dict key `times` times (each hash reads all of it).
  static func longKeyRehashed(length: Int, times: Int) -> [UInt8] {
    let n = String(String.UnicodeScalarView(CheckpointZipWriter.le32(length).map { Unicode.Scalar($0) }))
    let s = "\u{80}\u{2}}X" + n + String(repeating: "a", count: length) + "q\u{0}0("
      + String(repeating: "h\u{0}N", count: times) + "u."
    return pickleBytes(s)
  }
}

@Suite("Checkpoint: unpickler work budget")
struct CheckpointBudgetTests {
  /// Unpickles and returns the work used, or the error.
  func run(_ bytes: [UInt8]) -> (work: Int, error: CheckpointError?) {
    var u = Unpickler(bytes)
    do {
      _ = try u.load()
      return (u.work, nil)
    } catch {
      return (u.work, error)
    }
  }

  @Test(arguments: [false, true])
  func memoTreesAsKeysCostTheirBytes(ordered: Bool) throws {
    // 8^24 leaves if hashing walked the tree; interning makes it 8 units per level.
    let bytes = HostilePickles.memoTree(fanout: 8, depth: 24, ordered: ordered)
    #expect(bytes.count < 600)
    let (work, error) = run(bytes)
    #expect(error == nil, "\(String(describing: error))")
    #expect(work <= 4 * bytes.count, "work \(work) for \(bytes.count) bytes")
    // The key equals a freshly built equal tuple: structure, not identity, decides.
    var u = Unpickler(bytes)
    guard case .dict(let d) = try u.load() else { Issue.record("not a dict"); return }
    #expect(u.dicts[d].keys.count == 1)
  }

  @Test func equalTuplesAreOneKey() throws {
    // {(1, 'a'): 1, (1, 'a'): 2} built from two separate tuples: one key, the last value.
    var u = Unpickler(pickleBytes("\u{80}\u{2}}(K\u{1}X\u{1}\0\0\0a\u{86}K\u{1}K\u{1}X\u{1}\0\0\0a\u{86}K\u{2}u."))
    guard case .dict(let d) = try u.load() else { Issue.record("not a dict"); return }
    #expect(u.dicts[d].keys.count == 1)
    if case .int(let v) = u.dicts[d].values[0] { #expect(v == 2) } else { Issue.record("value") }
  }

  @Test func orderedDictRebuildsAreRefusedFast() {
    // 20000 items rebuilt 20000 times: 4e8 inserts from a 120 KB stream.
    let bytes = HostilePickles.orderedDictRebuilds(items: 20_000, times: 20_000)
    let (work, error) = run(bytes)
    guard case .badPickle(_, let reason)? = error else {
      Issue.record("expected a refusal, got \(String(describing: error))")
      return
    }
    #expect(reason.contains("units of work"))
    // Refused at the budget, not after doing the work.
    #expect(work <= Unpickler(bytes).workBudget + 2 * 20_000 + 2)
    // A few rebuilds are fine.
    #expect(run(HostilePickles.orderedDictRebuilds(items: 1000, times: 3)).error == nil)
  }

  @Test func longKeysHashedRepeatedlyAreRefused() {
    let bytes = HostilePickles.longKeyRehashed(length: 100_000, times: 2000)
    let (_, error) = run(bytes)
    guard case .badPickle(_, let reason)? = error else {
      Issue.record("expected a refusal, got \(String(describing: error))")
      return
    }
    #expect(reason.contains("units of work"))
  }

  @Test func torchSaveStreamsUseAboutOneUnitPerByte() throws {
    for name in ["full.pth", "state-dict.pth"] {
      guard let data = try? CheckpointFixtures.data(name) else { continue }
      let archive = try ZipArchive(data: data, path: name)
      guard let pkl = archive.entries.first(where: { $0.name.hasSuffix("/data.pkl") }) else { continue }
      let bytes = try archive.contents(of: pkl)
      let (work, error) = run(bytes)
      #expect(error == nil)
      #expect(work <= 2 * bytes.count + 64, "\(name): work \(work) for \(bytes.count) bytes")
    }
  }

  @Test func manyKeysSharingOneDictAreDescribedCheaply() throws {
    // {0: d, 1: d, ..., 19999: d} where d is one memoized dict of 20000 entries and no tensors:
    // describing every candidate would count 4e8 values.
    func int2(_ i: Int) -> String { "M" + String(String.UnicodeScalarView([Unicode.Scalar(UInt8(i & 0xff)), Unicode.Scalar(UInt8(i >> 8))])) }
    var s = "\u{80}\u{2}}(" + int2(0) + "}("
    for i in 0..<20_000 { s += int2(i) + "N" }
    s += "uq\u{0}"
    for i in 1..<20_000 { s += int2(i) + "h\u{0}" }
    s += "u."
    let zip = CheckpointZipWriter.make([("m/data.pkl", pickleBytes(s)), ("m/byteorder", Array("little".utf8))])
    do {
      _ = try Checkpoint.load(data: Data(zip), path: "shared.pth")
      Issue.record("loaded")
    } catch {
      guard case .noStateDict(_, let candidates) = error else { Issue.record("\(error)"); return }
      #expect(candidates.count == 51)
      #expect(candidates.last == "... and 19950 more")
    }
  }

  @Test func memoTreeCheckpointStaysSmallInAChild() throws {
    // The whole CLI, under a 1 GiB address-space limit: refused or loaded, never out of memory.
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-budget-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let pth = dir.appendingPathComponent("tree.pth")
    let pickle = HostilePickles.memoTree(fanout: 16, depth: 30, ordered: true)
    try Data(CheckpointZipWriter.make([("tree/data.pkl", pickle), ("tree/byteorder", Array("little".utf8))]))
      .write(to: pth)
    let r = try CLI.runLimited(["classify", "--checkpoint", pth.path, "--variant", "ti", "x.npy"], virtualKiB: 1 << 20)
    #expect(r.status == 1, "status \(r.status): \(r.stderr)")
    #expect(r.stderr.contains("state dict") || r.stderr.contains("tensors"), "\(r.stderr)")
  }
}
