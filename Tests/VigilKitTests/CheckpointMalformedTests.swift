// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

// Failure on purpose: truncated and corrupted archives, bad zip offsets, hand-made archives,
// random bytes and bad safetensors headers must all throw a CheckpointError, never crash.
// Random cases use SplitMix64 with a printed seed; replay one with
//   VIGIL_SEED=<seed> swift test --filter CheckpointMalformed

import Foundation
import Testing

@testable import VigilKit

/// SplitMix64 (Steele et al. 2014), named for this suite: tiny, seedable, good enough for fuzzing.
struct CheckpointRNG: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9e37_79b9_7f4a_7c15
    var z = state
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
  }
}

/// Writes a stored-entry zip archive (what torch.save writes, minus the alignment padding).
enum CheckpointZipWriter {
  static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xff), UInt8((v >> 8) & 0xff)] }
  static func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xff) } }

  static func make(_ entries: [(String, [UInt8])]) -> [UInt8] {
    var out: [UInt8] = []
    var central: [UInt8] = []
    for (name, body) in entries {
      let crc = Int(CRC32.checksum(body))
      let n = Array(name.utf8)
      let offset = out.count
      out += le32(0x0403_4b50) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0)
      out += le32(crc) + le32(body.count) + le32(body.count) + le16(n.count) + le16(0) + n + body
      central += le32(0x0201_4b50) + le16(20) + le16(20) + le16(0) + le16(0) + le16(0) + le16(0)
      central += le32(crc) + le32(body.count) + le32(body.count) + le16(n.count) + le16(0) + le16(0)
      central += le16(0) + le16(0) + le32(0) + le32(offset) + n
    }
    let cdOffset = out.count
    out += central
    out += le32(0x0605_4b50) + le16(0) + le16(0) + le16(entries.count) + le16(entries.count)
    out += le32(central.count) + le32(cdOffset) + le16(0)
    return out
  }

  /// A one-tensor checkpoint `{'state_dict': {'w': tensor}}` over storage "0" with `numel`
  /// float32 elements, viewed with `size` and `stride` (as pickle tuple opcodes).
  static func checkpoint(storage: [UInt8], numel: Int, size: String = "K\u{2}\u{85}",
                         stride: String = "K\u{1}\u{85}", extra: [(String, [UInt8])] = []) -> [UInt8] {
    let numelArg = "J" + String(String.UnicodeScalarView(le32(numel).map { Unicode.Scalar($0) }))
    let pickle = pickleBytes("\u{80}\u{2}}X\u{a}\0\0\0state_dict}X\u{1}\0\0\0wctorch._utils\n_rebuild_tensor_v2\n"
      + "((X\u{7}\0\0\0storagectorch\nFloatStorage\nX\u{1}\0\0\00X\u{3}\0\0\0cpu" + numelArg + "tQK\u{0}"
      + size + stride + "\u{89}NtRss.")
    return make([("ckpt/data.pkl", pickle), ("ckpt/byteorder", Array("little".utf8)), ("ckpt/data/0", storage)] + extra)
  }
}

@Suite("Checkpoint: malformed inputs")
struct CheckpointMalformedTests {
  typealias F = CheckpointFixtures

  static let seed: UInt64 = ProcessInfo.processInfo.environment["VIGIL_SEED"].flatMap { UInt64($0) } ?? 7_767_517

  /// Loads `bytes`; success is fine when `mayLoad`, any error must be a CheckpointError.
  func expectClean(_ bytes: [UInt8], _ what: String, mayLoad: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
      _ = try Checkpoint.load(data: Data(bytes), path: what)
      if !mayLoad { Issue.record("\(what): loaded", sourceLocation: sourceLocation) }
    } catch {
      #expect(!error.description.isEmpty, sourceLocation: sourceLocation)
    }
  }

  @Test func handMadeArchiveLoads() throws {
    let floats: [Float] = [1.5, -2]
    let storage = floats.flatMap { v in CheckpointZipWriter.le32(Int(v.bitPattern)) }
    let sd = try Checkpoint.load(data: Data(CheckpointZipWriter.checkpoint(storage: storage, numel: 2)), path: "ckpt.pth")
    #expect(sd.keys == ["w"])
    #expect(sd["w"]?.data == floats)
    #expect(sd.source == "state_dict in ckpt.pth")
  }

  @Test func storageProblemsAreNamed() {
    let four = [UInt8](repeating: 0, count: 4)
    // Storage entry shorter than numel says; view past the storage; missing storage entry.
    var e = F.error { try Checkpoint.load(data: Data(CheckpointZipWriter.checkpoint(storage: four, numel: 2)), path: "a") }
    if case .badStorage(let key, _)? = e { #expect(key == "w") } else { Issue.record("short storage: \(String(describing: e))") }
    e = F.error { try Checkpoint.load(data: Data(CheckpointZipWriter.checkpoint(storage: four, numel: 1)), path: "b") }
    if case .badPickle? = e {} else { Issue.record("view past storage: \(String(describing: e))") }
    expectClean(CheckpointZipWriter.make([("ckpt/data.pkl", [])]), "empty data.pkl")
    let archive = CheckpointZipWriter.checkpoint(storage: four, numel: 1, size: "K\u{1}\u{85}")
    #expect((try? Checkpoint.load(data: Data(archive), path: "ok")) != nil)
    // Rename the storage entry: ckpt/data/0 -> ckpt/data/9.
    var renamed = archive
    for i in renamed.indices.dropLast(10) where renamed[i..<(i + 11)].elementsEqual("ckpt/data/0".utf8) {
      renamed[i + 10] = UInt8(ascii: "9")
    }
    e = F.error { try Checkpoint.load(data: Data(renamed), path: "c") }
    if case .missingEntry(_, let entry)? = e { #expect(entry == "ckpt/data/0") } else {
      Issue.record("missing storage: \(String(describing: e))")
    }
  }

  /// Views that repeat one storage many times are refused before anything is allocated.
  @Test func viewBombsAreRefused() {
    // {'state_dict': {'a': t, 'b': t, ...}} where t broadcasts 1 element to 2^26 (stride 0).
    var body = "\u{80}\u{2}}X\u{a}\0\0\0state_dict}(X\u{1}\0\0\0actorch._utils\n_rebuild_tensor_v2\n"
      + "((X\u{7}\0\0\0storagectorch\nFloatStorage\nX\u{1}\0\0\00X\u{3}\0\0\0cpuK\u{1}tQK\u{0}"
      + "J\0\0\0\u{4}\u{85}K\u{0}\u{85}\u{89}NtRq\u{1}"
    for c in "bcdefgh" { body += "X\u{1}\0\0\0\(c)h\u{1}" }
    body += "us."
    let archive = CheckpointZipWriter.make([("x/data.pkl", pickleBytes(body)), ("x/data/0", [0, 0, 128, 63])])
    let e = F.error { try Checkpoint.load(data: Data(archive), path: "bomb") }
    if case .badTensor(let key, let reason)? = e {
      #expect(key == "b")
      #expect(reason.contains("add up to"))
    } else {
      Issue.record("\(String(describing: e))")
    }
  }

  @Test func archiveStructureProblems() {
    let big = CheckpointZipWriter.make([("x/byteorder", Array("big".utf8)), ("x/data.pkl", pickleBytes("\u{80}\u{2}}."))])
    var e = F.error { try Checkpoint.load(data: Data(big), path: "big") }
    #expect(e == .bigEndian(path: "big", byteorder: "big"))
    let noPickle = CheckpointZipWriter.make([("x/other.txt", [1, 2, 3])])
    e = F.error { try Checkpoint.load(data: Data(noPickle), path: "np") }
    if case .missingEntry? = e {} else { Issue.record("no data.pkl: \(String(describing: e))") }
    let script = CheckpointZipWriter.make([("m/data.pkl", pickleBytes("}.")), ("m/constants.pkl", pickleBytes("}.")), ("m/code/m.py", [])])
    #expect(F.error { try Checkpoint.load(data: Data(script), path: "ts") } == .torchScript(path: "ts"))
    let notDict = CheckpointZipWriter.make([("x/data.pkl", pickleBytes("\u{80}\u{2}K\u{1}."))])
    e = F.error { try Checkpoint.load(data: Data(notDict), path: "nd") }
    if case .noStateDict(_, let c)? = e { #expect(c == ["a top-level int, not a dict"]) } else {
      Issue.record("not a dict: \(String(describing: e))")
    }
    let noTensors = CheckpointZipWriter.make([("x/data.pkl", pickleBytes("\u{80}\u{2}}(X\u{5}\0\0\0epochK\u{3}X\u{5}\0\0\0model}u."))])
    e = F.error { try Checkpoint.load(data: Data(noTensors), path: "nt") }
    if case .noStateDict(_, let c)? = e {
      #expect(c == ["'epoch' (int)", "'model' (dict, 0 entries, 0 tensors)"])
      #expect(e!.description.contains("'epoch' (int), 'model' (dict, 0 entries, 0 tensors)"))
    } else {
      Issue.record("no tensors: \(String(describing: e))")
    }
    // A CRC mismatch in data.pkl.
    var bad = CheckpointZipWriter.make([("x/data.pkl", pickleBytes("\u{80}\u{2}}."))])
    bad[30 + "x/data.pkl".utf8.count + 2] = 0x5d  // } -> ]
    e = F.error { try Checkpoint.load(data: Data(bad), path: "crc") }
    if case .badZip(_, let r)? = e { #expect(r.contains("CRC-32")) } else { Issue.record("crc: \(String(describing: e))") }
  }

  @Test func compressedEntriesAreRefused() {
    var z = CheckpointZipWriter.make([("x/data.pkl", pickleBytes("\u{80}\u{2}}."))])
    // Set method 8 (deflate) in the central directory record.
    let cd = z.indices.dropLast(3).first { z[$0] == 0x50 && z[$0 + 1] == 0x4b && z[$0 + 2] == 1 && z[$0 + 3] == 2 }!
    z[cd + 10] = 8
    let e = F.error { try Checkpoint.load(data: Data(z), path: "deflate") }
    #expect(e == .compressedEntry(path: "deflate", entry: "x/data.pkl", method: 8))
    #expect(e?.description.contains("zip -0") == true)
    #expect(e?.description.contains("(deflate, zip method 8)") == true)
    // An uncompressed size larger than the file (what deflate gives) names the method too.
    let usize = cd + 24
    z.replaceSubrange(usize..<(usize + 4), with: CheckpointZipWriter.le32(1 << 30))
    let big = F.error { try Checkpoint.load(data: Data(z), path: "deflate") }
    #expect(big == .compressedEntry(path: "deflate", entry: "x/data.pkl", method: 8))
  }

  @Test func badZipOffsetsThrow() throws {
    let good = [UInt8](try F.data("full.pth"))
    let eocd = good.indices.reversed().first { i in
      i + 4 <= good.count && good[i] == 0x50 && good[i + 1] == 0x4b && good[i + 2] == 5 && good[i + 3] == 6
    }!
    let cd = Int(good[eocd + 16]) | Int(good[eocd + 17]) << 8 | Int(good[eocd + 18]) << 16 | Int(good[eocd + 19]) << 24
    func patched(_ at: Int, _ bytes: [UInt8]) -> [UInt8] {
      var b = good
      b.replaceSubrange(at..<(at + bytes.count), with: bytes)
      return b
    }
    let ff: [UInt8] = [0xff, 0xff, 0xff, 0x7f]
    expectClean(patched(eocd + 16, ff), "central directory offset past the end")
    expectClean(patched(eocd + 12, ff), "central directory size past the end")
    expectClean(patched(eocd + 10, [0xff, 0x7f]), "entry count larger than the directory")
    // torch.save always writes ZIP64 end records: a saturated offset is read from them.
    let saturated = patched(eocd + 16, [0xff, 0xff, 0xff, 0xff])
    #expect((try? Checkpoint.load(data: Data(saturated), path: "zip64")) != nil)
    func patched(_ base: [UInt8], _ at: Int, _ bytes: [UInt8]) -> [UInt8] {
      var b = base
      b.replaceSubrange(at..<(at + bytes.count), with: bytes)
      return b
    }
    let end64 = eocd - 20 - 56
    #expect(Array(good[end64..<(end64 + 4)]) == [0x50, 0x4b, 6, 6])
    expectClean(patched(saturated, eocd - 20, [0, 0, 0, 0]), "ZIP64 locator missing")
    expectClean(patched(saturated, eocd - 12, ff), "ZIP64 end record offset past the end")
    expectClean(patched(saturated, eocd - 12, [0, 0, 0, 0]), "ZIP64 end record offset wrong")
    expectClean(patched(saturated, end64 + 48, ff), "ZIP64 directory offset past the end")
    expectClean(patched(saturated, end64 + 40, ff), "ZIP64 directory size past the end")
    expectClean(patched(saturated, end64 + 32, ff), "ZIP64 entry count too large")
    expectClean(patched(cd, [0, 0, 0, 0]), "bad central signature")
    expectClean(patched(cd + 42, ff), "local header offset past the end")   // data.pkl is the first entry
    expectClean(patched(cd + 24, ff), "entry size past the end")
    expectClean(patched(cd + 28, [0xff, 0xff]), "name length past the directory")
    expectClean(patched(0, [0x50, 0x4b, 3, 4, 0xff]), "local header damaged", mayLoad: true)
    expectClean(patched(cd + 20, [1, 0, 0, 0]), "stored sizes disagree")
    expectClean(patched(cd + 42, [1, 0, 0, 0]), "local header offset off by one")
  }

  @Test func truncatedFilesThrow() throws {
    for name in ["full.pth", "strided.pth", "model.safetensors", "hostile.pth"] {
      let bytes = [UInt8](try F.data(name))
      var n = 0
      while n < bytes.count {
        expectClean(Array(bytes.prefix(n)), "\(name) cut to \(n) bytes")
        n += n < 64 ? 1 : 97
      }
    }
  }

  @Test func randomBytesThrow() {
    var rng = CheckpointRNG(seed: Self.seed)
    for i in 0..<500 {
      let n = Int(rng.next() % 4096)
      var b = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
      // Half start like a zip or a safetensors header, to get past format detection.
      if i % 2 == 0, n >= 8 { b.replaceSubrange(0..<4, with: [0x50, 0x4b, 3, 4]) }
      if i % 4 == 1, n >= 10 {
        b.replaceSubrange(0..<8, with: CheckpointZipWriter.le32(n - 8 - Int(rng.next() % 16)) + [0, 0, 0, 0])
        b[8] = UInt8(ascii: "{")
      }
      expectClean(b, "random bytes #\(i) (seed \(Self.seed))")
    }
  }

  /// Mutates data.pkl of the real training checkpoint and runs the unpickler directly (the
  /// archive's CRC would catch most of these before the unpickler sees them).
  @Test func mutatedPicklesNeverCrash() throws {
    let archive = try ZipArchive(data: try F.data("full.pth"), path: "full.pth")
    let original = try archive.contents(of: archive.entry("full/data.pkl")!)
    var rng = CheckpointRNG(seed: Self.seed)
    for i in 0..<3000 {
      var b = original
      for _ in 0..<(1 + Int(rng.next() % 4)) {
        let at = Int(rng.next() % UInt64(b.count))
        switch rng.next() % 3 {
        case 0: b[at] = UInt8(truncatingIfNeeded: rng.next())
        case 1: b.remove(at: at)
        default: b.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
        }
      }
      var u = Unpickler(b)
      do {
        let root = try u.load()
        _ = try? Checkpoint.select(root, u, path: "mutant \(i)", ema: i % 2 == 0)
      } catch {
        #expect(!error.description.isEmpty, "mutant \(i), seed \(Self.seed)")
      }
    }
  }

  @Test func badSafetensorsHeaders() {
    func st(_ header: String, data: [UInt8] = [0, 0, 128, 63], length: UInt64? = nil) -> [UInt8] {
      let h = Array(header.utf8)
      let n = length ?? UInt64(h.count)
      return (0..<8).map { UInt8((n >> (8 * UInt64($0))) & 0xff) } + h + data
    }
    let ok = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
    #expect((try? Checkpoint.load(data: Data(st(ok)), path: "ok"))?["w"]?.data == [1])
    // An empty tensor whose other sizes multiply past Int: loads (no elements), no trap.
    let empty = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"e":{"dtype":"F32","shape":[0,1099511627776,1099511627776],"data_offsets":[4,4]}}"#
    #expect((try? Checkpoint.load(data: Data(st(empty)), path: "empty"))?["e"]?.data == [])
    let cases: [(String, [UInt8])] = [
      ("length past the file", st(ok, length: 1000)),
      ("length 2^64 - 1", st(ok, length: .max)),
      ("length 0", st(ok, length: 0)),
      ("not JSON", st(#"{"w":}"#)),
      ("trailing garbage", st(ok + "x")),
      ("not an object", st(#"{"w":3}"#)),
      ("offsets past the data", st(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}"#)),
      ("offsets reversed", st(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#)),
      ("offsets negative", st(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}"#)),
      ("shape disagrees", st(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#)),
      ("shape overflows", st(#"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#)),
      ("negative dim", st(#"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#)),
      ("float dim", st(#"{"w":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}"#)),
      ("unknown dtype", st(#"{"w":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}}"#)),
      ("no dtype", st(#"{"w":{"shape":[1],"data_offsets":[0,4]}}"#)),
      ("duplicate key", st(#"{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"w":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}"#)),
      ("overlap", st(#"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}"#)),
      ("only metadata", st(#"{"__metadata__":{"format":"pt"}}"#)),
      ("deep nesting", st(#"{"a":"# + String(repeating: "[", count: 10000) + String(repeating: "]", count: 10000) + "}")),
    ]
    for (what, bytes) in cases { expectClean(bytes, what) }
  }

  @Test func unknownFormatsSayWhatWasFound() {
    let e = F.error { try Checkpoint.load(data: Data("hello, world".utf8), path: "h.pth") }
    if case .unknownFormat(_, let r)? = e { #expect(r.contains("68 65 6c 6c")) } else {
      Issue.record("\(String(describing: e))")
    }
    #expect(F.error { try Checkpoint.load(data: Data(), path: "e") } == .unknownFormat(path: "e", reason: "the file is empty"))
  }
}
