// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

// The restricted unpickler on its own: Python's pickles of assorted values in every protocol
// (values-p0...p5.pkl, rendered as values.txt by Tools/make-checkpoint-fixtures.py), hand-made
// opcode sequences, refused globals and malformed streams.

import Foundation
import Testing

@testable import VigilKit

/// Renders an unpickled value the way `render()` in Tools/make-checkpoint-fixtures.py does.
func checkpointRender(_ v: PickleValue, _ u: Unpickler) -> String {
  func join(_ items: [PickleValue]) -> String { items.map { checkpointRender($0, u) }.joined(separator: ", ") }
  switch v {
  case .none: return "None"
  case .bool(let b): return b ? "True" : "False"
  case .int(let i): return String(i)
  case .bigInt: return "big"
  case .float(let d):
    let h = String(d.bitPattern, radix: 16)
    return "f:" + String(repeating: "0", count: 16 - h.count) + h
  case .string(let s): return "'" + s + "'"
  case .bytes(let b): return "b:" + b.map { String(format: "%02x", $0) }.joined()
  case .list(let i): return "[" + join(u.lists[i]) + "]"
  case .tuple(let i): return "(" + join(u.tuples[i]) + ")"
  case .dict(let i):
    let d = u.dicts[i]
    return "{" + zip(d.keys, d.values).map { checkpointRender($0, u) + ": " + checkpointRender($1, u) }.joined(separator: ", ") + "}"
  case .set(let i): return "set{" + u.sets[i].map { checkpointRender($0, u) }.sorted().joined(separator: ", ") + "}"
  case .global(let g): return "global " + g
  case .object(let i): return "object " + u.objects[i].type + "(" + join(u.objects[i].args) + ")"
  case .tensor: return "tensor"
  case .storage: return "storage"
  }
}

/// Unpickles `bytes`, returning the rendered result or the error.
func checkpointUnpickle(_ bytes: [UInt8]) -> Result<String, CheckpointError> {
  var u = Unpickler(bytes)
  do {
    let v = try u.load()
    return .success(checkpointRender(v, u))
  } catch {
    return .failure(error)
  }
}

/// Pickle bytes from opcodes written as ASCII with `\u{..}` escapes for binary arguments.
func pickleBytes(_ s: String) -> [UInt8] { s.unicodeScalars.map { UInt8($0.value) } }

@Suite("Checkpoint: restricted unpickler")
struct CheckpointPickleTests {
  typealias F = CheckpointFixtures

  @Test(arguments: 0...5)
  func pythonPicklesInEveryProtocol(protocol p: Int) throws {
    let expected = try String(contentsOf: F.dir.appendingPathComponent("values.txt"), encoding: .utf8)
      .trimmingCharacters(in: .newlines)
    let bytes = [UInt8](try F.data("values-p\(p).pkl"))
    switch checkpointUnpickle(bytes) {
    case .success(let got):
      if got != expected {
        let g = Array(got), x = Array(expected)
        let i = g.indices.first { $0 >= x.count || g[$0] != x[$0] } ?? g.count
        Issue.record("protocol \(p) differs at character \(i): …\(String(g[max(0, i - 40)..<min(g.count, i + 40)]))…")
      }
    case .failure(let e): Issue.record("protocol \(p): \(e)")
    }
  }

  @Test func handMadeOpcodes() {
    let cases: [(String, [UInt8])] = [
      // protocol 0 text forms: INT (and its bool spelling), LONG, FLOAT, STRING, UNICODE
      ("(1, True, False, 123456789012345, -5, f:3ff8000000000000)",
       pickleBytes("(I1\nI01\nI00\nL123456789012345L\nI-5\nF1.5\nt.")),
      ("('a\\b', 'q'', 'é€')", pickleBytes("(S'a\\\\b'\nS'q\\''\nV\\u00e9\\u20ac\ntp0\n.")),
      ("('\u{1}A', 'ok')", pickleBytes("(S'\\x01\\101'\nS\"ok\"\nt.")),
      // SHORT_BINSTRING / BINSTRING, BINBYTES / SHORT_BINBYTES, NONE
      ("('hi', 'yo', b:0102, b:, None)",
       pickleBytes("(U\u{2}hiT\u{2}\0\0\0yoB\u{2}\0\0\0\u{1}\u{2}C\0Nt.")),
      // POP, POP_MARK, DUP, MEMOIZE + BINGET, PUT + GET
      ("[7, 7, 9, 9]", pickleBytes("\u{80}\u{4}]\u{94}(K\u{7}2(K\u{1}K\u{2}1K\u{3}0e0h\u{0}K\u{9}p5\nag5\na.")),
      // EMPTY_SET + ADDITEMS, FROZENSET, LIST, DICT with a replaced key
      ("(set{1, 2}, set{3}, [1, 2], {'k': 2})",
       pickleBytes("\u{80}\u{4}(\u{8f}(K\u{1}K\u{2}\u{90}(K\u{3}\u{91}(K\u{1}K\u{2}l(X\u{1}\0\0\0kK\u{1}X\u{1}\0\0\0kK\u{2}dt.")),
      // LONG1 edge cases: 0 bytes, negative, sign byte only, >64 bits
      ("(0, -1, 128, -129, 255, big)",
       pickleBytes("\u{80}\u{2}(\u{8a}\0\u{8a}\u{1}\u{ff}\u{8a}\u{2}\u{80}\0\u{8a}\u{2}\u{7f}\u{ff}\u{8a}\u{2}\u{ff}\0\u{8a}\u{9}\0\0\0\0\0\0\0\0\u{1}t.")),
      // FRAME is only a length prefix
      ("'x'", pickleBytes("\u{80}\u{4}\u{95}\u{3}\0\0\0\0\0\0\0\u{8c}\u{1}x.")),
      // OrderedDict via REDUCE, set via STACK_GLOBAL + REDUCE, inert argparse.Namespace via NEWOBJ + BUILD
      ("({'a': 1}, set{1}, object argparse.Namespace())",
       pickleBytes("\u{80}\u{2}ccollections\nOrderedDict\n)R(X\u{1}\0\0\0aK\u{1}u"
         + "\u{8c}\u{8}builtins\u{8c}\u{3}set\u{93}]K\u{1}a\u{85}R"
         + "cargparse\nNamespace\n)\u{81}}X\u{2}\0\0\0lrG?\u{f8}\0\0\0\0\0\0sb\u{87}.")),
      // _codecs.encode is how protocol 2 writes bytes
      ("b:00ff", pickleBytes("\u{80}\u{2}c_codecs\nencode\nX\u{3}\0\0\0\0\u{c3}\u{bf}X\u{6}\0\0\0latin1\u{86}R.")),
    ]
    for (expected, bytes) in cases {
      switch checkpointUnpickle(bytes) {
      case .success(let got): #expect(got == expected)
      case .failure(let e): Issue.record("\(expected): \(e)")
      }
    }
  }

  @Test(arguments: [
    ("cposix\nsystem\n", "posix.system"), ("cos\nsystem\n", "os.system"),
    ("cbuiltins\neval\n", "builtins.eval"), ("c__builtin__\nexec\n", "__builtin__.exec"),
    ("csubprocess\nPopen\n", "subprocess.Popen"), ("ctorch\nload\n", "torch.load"),
    ("cnumpy\nload\n", "numpy.load"), ("c__main__\nTinyModel\n", "__main__.TinyModel"),
    ("\u{8c}\u{5}posix\u{8c}\u{6}system\u{93}", "posix.system"),
  ])
  func forbiddenGlobalsAreRefusedAtTheirOpcode(op: String, name: String) {
    // A harmless prefix so the offset is not 0, then the global, then a call that must not happen.
    let bytes = pickleBytes("\u{80}\u{2}K\u{1}0" + op + "X\u{4}\0\0\0true\u{85}R.")
    switch checkpointUnpickle(bytes) {
    case .failure(.forbiddenGlobal(let n, let offset)):
      #expect(n == name)
      #expect(offset == (op.hasPrefix("c") ? 5 : 5 + 7 + 8))
    case let other: Issue.record("\(name): \(other)")
    }
  }

  @Test func malformedStreamsThrow() {
    let cases: [(String, [UInt8])] = [
      ("empty", []),
      ("no STOP", pickleBytes("\u{80}\u{2}K\u{1}")),
      ("STOP on empty stack", pickleBytes(".")),
      ("unknown opcode", pickleBytes("\u{80}\u{2}\u{ff}.")),
      ("protocol 6", pickleBytes("\u{80}\u{6}N.")),
      ("TUPLE without MARK", pickleBytes("K\u{1}t.")),
      ("TUPLE2 underflow", pickleBytes("K\u{1}\u{86}.")),
      ("APPEND to an int", pickleBytes("K\u{1}K\u{2}a.")),
      ("SETITEM on a list", pickleBytes("]K\u{1}K\u{2}s.")),
      ("SETITEMS odd", pickleBytes("}(K\u{1}u.")),
      ("pop across MARK", pickleBytes("K\u{1}(0.")),
      ("bad memo index", pickleBytes("h\u{5}.")),
      ("bad long memo index", pickleBytes("j\u{ff}\u{ff}\u{ff}\u{7f}.")),
      ("huge BINUNICODE", pickleBytes("X\u{ff}\u{ff}\u{ff}\u{ff}abc.")),
      ("huge BINUNICODE8", pickleBytes("\u{8d}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{7f}abc.")),
      ("huge BINBYTES8", pickleBytes("\u{8e}\0\0\0\0\0\0\0\u{80}.")),
      ("huge LONG4", pickleBytes("\u{8b}\u{ff}\u{ff}\u{ff}\u{7f}.")),
      ("negative LONG4", pickleBytes("\u{8b}\u{ff}\u{ff}\u{ff}\u{ff}.")),
      ("huge FRAME", pickleBytes("\u{95}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}\u{ff}N.")),
      ("truncated BININT", pickleBytes("J\u{1}\u{2}")),
      ("truncated BINFLOAT", pickleBytes("G\u{1}\u{2}")),
      ("invalid UTF-8", pickleBytes("X\u{2}\0\0\0\u{ff}\u{fe}.")),
      ("text line without newline", pickleBytes("I12")),
      ("bad INT text", pickleBytes("Iabc\n.")),
      ("bad FLOAT text", pickleBytes("Fx\n.")),
      ("unquoted STRING", pickleBytes("Sabc\n.")),
      ("text PERSID", pickleBytes("P0\n.")),
      ("REDUCE on an int", pickleBytes("K\u{1})R.")),
      ("REDUCE args not a tuple", pickleBytes("cbuiltins\nset\nK\u{1}R.")),
      ("persistent id not a storage tuple", pickleBytes("X\u{1}\0\0\0xQ.")),
      ("rebuild without storage", pickleBytes("\u{80}\u{2}ctorch._utils\n_rebuild_tensor_v2\n(K\u{1}K\u{0}))\u{89}NtR.")),
      ("STACK_GLOBAL of ints", pickleBytes("K\u{1}K\u{2}\u{93}.")),
      ("ADDITEMS on a list", pickleBytes("](K\u{1}\u{90}.")),
      ("DICT odd", pickleBytes("(K\u{1}d.")),
      ("BUILD on an int", pickleBytes("K\u{1}Nb.")),
      ("_rebuild_from_type_v2 recursion",
       pickleBytes("ctorch._tensor\n_rebuild_from_type_v2\n(ctorch._tensor\n_rebuild_from_type_v2\nNNNtR.")),
    ]
    for (name, bytes) in cases {
      switch checkpointUnpickle(bytes) {
      case .success(let v): Issue.record("\(name): unpickled to \(v)")
      case .failure(let e): #expect(!e.description.isEmpty, "\(name)")
      }
    }
  }

  /// Storage persistent ids and tensor views that do not fit their storage.
  @Test func tensorViewsAreCheckedAgainstTheirStorage() {
    func le32(_ v: Int) -> String {
      withUnsafeBytes(of: Int32(v).littleEndian) { String(String.UnicodeScalarView($0.map { Unicode.Scalar($0) })) }
    }
    func tensor(numel: Int, offset: Int, size: String, stride: String) -> [UInt8] {
      pickleBytes("\u{80}\u{2}ctorch._utils\n_rebuild_tensor_v2\n((X\u{7}\0\0\0storagectorch\nFloatStorage\nX\u{1}\0\0\00X\u{3}\0\0\0cpuJ"
        + le32(numel) + "tQJ" + le32(offset) + size + stride + "\u{89}ccollections\nOrderedDict\n)RtR.")
    }
    // 2x3 contiguous in 6 elements: fine. Offset 1 overflows; a stride reaching past; negative.
    #expect((try? checkpointUnpickle(tensor(numel: 6, offset: 0, size: "K\u{2}K\u{3}\u{86}", stride: "K\u{3}K\u{1}\u{86}")).get()) == "tensor")
    #expect((try? checkpointUnpickle(tensor(numel: 6, offset: 1, size: "K\u{2}K\u{3}\u{86}", stride: "K\u{3}K\u{1}\u{86}")).get()) == nil)
    #expect((try? checkpointUnpickle(tensor(numel: 6, offset: 0, size: "K\u{2}K\u{3}\u{86}", stride: "K\u{1}K\u{3}\u{86}")).get()) == nil)
    #expect((try? checkpointUnpickle(tensor(numel: 6, offset: -1, size: "K\u{2}\u{85}", stride: "K\u{1}\u{85}")).get()) == nil)
    #expect((try? checkpointUnpickle(tensor(numel: -6, offset: 0, size: "K\u{2}\u{85}", stride: "K\u{1}\u{85}")).get()) == nil)
    #expect((try? checkpointUnpickle(tensor(numel: 6, offset: 0, size: "K\u{2}\u{85}", stride: "K\u{1}K\u{1}\u{86}")).get()) == nil)
    // Empty views need no elements; a 0-stride broadcast of one element is fine.
    #expect((try? checkpointUnpickle(tensor(numel: 0, offset: 0, size: "K\u{0}K\u{3}\u{86}", stride: "K\u{3}K\u{1}\u{86}")).get()) == "tensor")
    #expect((try? checkpointUnpickle(tensor(numel: 1, offset: 0, size: "K\u{4}\u{85}", stride: "K\u{0}\u{85}")).get()) == "tensor")
    // An expanded view of absurd size is refused rather than allocated.
    let huge = "J\u{ff}\u{ff}\u{ff}\u{7f}J\u{ff}\u{ff}\u{ff}\u{7f}\u{86}"
    #expect((try? checkpointUnpickle(tensor(numel: 1, offset: 0, size: huge, stride: "K\u{0}K\u{0}\u{86}")).get()) == nil)
  }

  /// Deep nesting and reference cycles must neither overflow the stack nor hang.
  @Test func deepNestingAndCycles() {
    func run(_ bytes: [UInt8], _ what: String) {
      var u = Unpickler(bytes)
      do { _ = try u.load() } catch { Issue.record("\(what): \(error)") }
    }
    let n = 200_000
    // n lists, each appended into the one below it: a list nested n deep.
    run(pickleBytes("\u{80}\u{2}") + [UInt8](repeating: 0x5d, count: n) + [UInt8](repeating: 0x61, count: n - 1) + pickleBytes("."),
        "nested lists")
    // A dict keyed by a tuple nested n deep.
    run(pickleBytes("\u{80}\u{2}})") + [UInt8](repeating: 0x85, count: n) + pickleBytes("K\u{1}s."), "nested tuple key")
    // A list that contains itself, via the memo.
    run(pickleBytes("\u{80}\u{2}]q\u{0}h\u{0}a."), "self-containing list")
  }
}
