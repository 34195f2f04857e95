// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// A value on the restricted unpickler's stack. Scalars are held inline; containers, inert
/// objects, tensors and storages live in the unpickler's heap and are referenced by index, so
/// values never nest (no recursive deallocation however deep or cyclic a hostile pickle is).
enum PickleValue {
  case none
  case bool(Bool)
  case int(Int)
  /// An integer wider than 64 bits, kept as text (decimal or 0x-hex); never interpreted.
  case bigInt(String)
  case float(Double)
  case string(String)
  case bytes([UInt8])
  /// An allowlisted global (`module.name`), e.g. a storage class or a dtype.
  case global(String)
  case list(Int)
  case tuple(Int)
  case dict(Int)
  case set(Int)
  /// An inert object (argparse.Namespace, torch.device, numpy scalar, ...).
  case object(Int)
  case tensor(Int)
  case storage(Int)
}

/// An order-preserving dict keyed by hashable pickle values.
struct PickleDict {
  var keys: [PickleValue] = []
  var values: [PickleValue] = []
  var index: [PickleKey: Int] = [:]
}

/// The identity of a dict key. Mirrors Python equality for the key types state dicts and
/// optimizer states use (str, int, bool, float, tuples of those); containers compare by identity.
/// A tuple's key is the number under which the unpickler interned its items' keys, so hashing
/// and comparing a key costs its own size, never the size of the tree it spans through shared
/// (memoized) tuples.
enum PickleKey: Hashable {
  case none
  case int(Int)
  case big(String)
  case float(Double)
  case string(String)
  case bytes([UInt8])
  case global(String)
  case tuple(Int)
  case identity(Int, Int)
}

/// An inert object: the global that made it, its arguments and any BUILD state.
struct PickleObject {
  var type: String
  var args: [PickleValue]
  var state: PickleValue?
}

/// A storage named by a persistent id `('storage', type, key, location, numel)`.
struct StorageRecord {
  var type: String
  /// nil for element types Vigil does not convert (complex, quantized, float8).
  var dtype: DType?
  var elementSize: Int
  var key: String
  var location: String
  var numel: Int
}

/// A tensor view built by `torch._utils._rebuild_tensor_v2/v3`.
struct TensorRecord {
  var storage: Int
  var layout: TensorLayout
  /// The element type (from the storage, or the explicit dtype argument of v3).
  var dtype: DType?
  var dtypeName: String
  var elementSize: Int
}

/// A pickle interpreter over an allowlist: it builds containers and records tensor views, and
/// never imports or calls anything. Globals outside ``TorchGlobals`` are refused the moment
/// their opcode is read. Every length is checked against the bytes left, every stack pop and
/// memo read is checked, so a malformed stream throws instead of crashing or over-allocating.
///
/// Work and memory are linear in the stream: every opcode that copies or walks values it did not
/// just read (a memoized tuple applied as arguments again, an OrderedDict rebuilt over one item
/// list, a long string hashed as a key) is charged to a budget of ``workPerByte`` units per input
/// byte, and the stream is refused when it runs out.
struct Unpickler {
  let bytes: [UInt8]
  var pos = 0
  /// Offset of the opcode being interpreted, for messages.
  var opStart = 0

  var stack: [PickleValue] = []
  var marks: [Int] = []
  var memo: [Int: PickleValue] = [:]

  var lists: [[PickleValue]] = []
  var tuples: [[PickleValue]] = []
  var dicts: [PickleDict] = []
  var sets: [[PickleValue]] = []
  var objects: [PickleObject] = []
  var tensors: [TensorRecord] = []
  var storages: [StorageRecord] = []
  var storageByKey: [String: Int] = [:]

  /// The interned key of each tuple (parallel to `tuples`), and the intern table itself.
  var tupleKeys: [PickleKey] = []
  var internedTuples: [[PickleKey]: Int] = [:]

  /// Work units (values copied, pairs inserted, key bytes hashed) charged so far, and the most
  /// the stream may use. torch.save streams use about one unit per byte.
  var work = 0
  let workBudget: Int
  static let workPerByte = 16
  static let workAllowance = 1 << 20

  init(_ bytes: [UInt8]) {
    self.bytes = bytes
    workBudget = bytes.count * Self.workPerByte + Self.workAllowance
  }

  /// Charges `units` of work, refusing the stream once it has used its budget.
  mutating func charge(_ units: Int) throws(CheckpointError) {
    work += units
    guard work <= workBudget else {
      throw .badPickle(offset: opStart, reason: "the stream needs more than \(workBudget) units of work for its "
        + "\(bytes.count) bytes (memoized values are reused over and over; torch.save writes about one per byte)")
    }
  }

  /// Interprets the stream up to STOP and returns the top value.
  mutating func load() throws(CheckpointError) -> PickleValue {
    while true {
      opStart = pos
      let op = try byte()
      if op == 0x2e {  // STOP
        guard let v = stack.popLast() else { throw fail("STOP with an empty stack") }
        return v
      }
      try step(op)
    }
  }

  // MARK: - Opcodes

  private mutating func step(_ op: UInt8) throws(CheckpointError) {
    switch op {
    case 0x80:  // PROTO
      let p = try byte()
      guard p <= 5 else { throw fail("pickle protocol \(p) (this reader knows 0 to 5)") }
    case 0x95:  // FRAME: a length prefix only; the opcodes follow inline.
      let n = try uint(8)
      guard n <= UInt64(bytes.count - pos) else { throw fail("frame of \(n) bytes but \(bytes.count - pos) remain") }
    case 0x28: marks.append(stack.count)  // MARK
    case 0x30: _ = try pop()  // POP
    case 0x31: _ = try popMark()  // POP_MARK
    case 0x32: stack.append(try top())  // DUP

    // Scalars
    case 0x4e: stack.append(.none)  // NONE
    case 0x88: stack.append(.bool(true))  // NEWTRUE
    case 0x89: stack.append(.bool(false))  // NEWFALSE
    case 0x4a: stack.append(.int(Int(Int32(bitPattern: UInt32(try uint(4))))))  // BININT
    case 0x4b: stack.append(.int(Int(try uint(1))))  // BININT1
    case 0x4d: stack.append(.int(Int(try uint(2))))  // BININT2
    case 0x8a: stack.append(try long(Int(try uint(1))))  // LONG1
    case 0x8b: stack.append(try long(try length(4, signed: true)))  // LONG4
    case 0x47: stack.append(.float(Double(bitPattern: try bigEndian64())))  // BINFLOAT
    case 0x49: stack.append(try textInt())  // INT
    case 0x4c: stack.append(try textLong())  // LONG
    case 0x46:  // FLOAT
      let line = try ascii(try readline())
      guard let d = Double(line) else { throw fail("FLOAT argument \(quote(line)) is not a number") }
      stack.append(.float(d))

    // Strings and bytes
    case 0x58: stack.append(.string(try utf8(try take(try length(4)))))  // BINUNICODE
    case 0x8c: stack.append(.string(try utf8(try take(Int(try uint(1))))))  // SHORT_BINUNICODE
    case 0x8d: stack.append(.string(try utf8(try take(try length(8)))))  // BINUNICODE8
    case 0x56: stack.append(.string(try rawUnicodeEscape(try readline())))  // UNICODE
    case 0x54: stack.append(.string(py2String(try take(try length(4, signed: true)))))  // BINSTRING
    case 0x55: stack.append(.string(py2String(try take(Int(try uint(1))))))  // SHORT_BINSTRING
    case 0x53: stack.append(.string(py2String(try stringLiteral(try readline()))))  // STRING
    case 0x42: stack.append(.bytes(try take(try length(4))))  // BINBYTES
    case 0x43: stack.append(.bytes(try take(Int(try uint(1)))))  // SHORT_BINBYTES
    case 0x8e, 0x96: stack.append(.bytes(try take(try length(8))))  // BINBYTES8, BYTEARRAY8

    // Containers
    case 0x29: stack.append(try newTuple([]))  // EMPTY_TUPLE
    case 0x74: stack.append(try newTuple(try popMark()))  // TUPLE
    case 0x85: stack.append(try newTuple(try pop(1)))  // TUPLE1
    case 0x86: stack.append(try newTuple(try pop(2)))  // TUPLE2
    case 0x87: stack.append(try newTuple(try pop(3)))  // TUPLE3
    case 0x5d: stack.append(newList([]))  // EMPTY_LIST
    case 0x6c: stack.append(newList(try popMark()))  // LIST
    case 0x61: try append(try pop(1))  // APPEND
    case 0x65: try append(try popMark())  // APPENDS
    case 0x7d: stack.append(newDict())  // EMPTY_DICT
    case 0x64:  // DICT
      let items = try popMark()
      guard items.count % 2 == 0 else { throw fail("DICT with an odd number (\(items.count)) of items") }
      let d = newDict()
      try setItems(d, items)
      stack.append(d)
    case 0x73: try setItems(try top(below: 2), try pop(2), popTarget: 1)  // SETITEM
    case 0x75:  // SETITEMS
      let items = try popMark()
      guard items.count % 2 == 0 else { throw fail("SETITEMS with an odd number (\(items.count)) of items") }
      try setItems(try top(), items)
    case 0x8f: stack.append(newSet([]))  // EMPTY_SET
    case 0x91: stack.append(newSet(try popMark()))  // FROZENSET
    case 0x90:  // ADDITEMS
      let items = try popMark()
      guard case .set(let s) = try top() else { throw fail("ADDITEMS on a \(kind(try top()))") }
      sets[s].append(contentsOf: items)

    // Memo
    case 0x71: try put(Int(try uint(1)))  // BINPUT
    case 0x72: try put(Int(try uint(4)))  // LONG_BINPUT
    case 0x70: try put(try textIndex())  // PUT
    case 0x94: try put(memo.count)  // MEMOIZE
    case 0x68: try get(Int(try uint(1)))  // BINGET
    case 0x6a: try get(Int(try uint(4)))  // LONG_BINGET
    case 0x67: try get(try textIndex())  // GET

    // Globals and object construction (inert)
    case 0x63:  // GLOBAL
      let module = try ascii(try readline())
      let name = try ascii(try readline())
      stack.append(try global(module, name))
    case 0x93:  // STACK_GLOBAL
      let parts = try pop(2)
      guard case .string(let module) = parts[0], case .string(let name) = parts[1] else {
        throw fail("STACK_GLOBAL operands are \(kind(parts[0])) and \(kind(parts[1])), not strings")
      }
      stack.append(try global(module, name))
    case 0x52:  // REDUCE
      let a = try pop(2)
      stack.append(try call(a[0], args: try chargedItems(a[1], "REDUCE arguments")))
    case 0x81:  // NEWOBJ
      let a = try pop(2)
      stack.append(try call(a[0], args: try chargedItems(a[1], "NEWOBJ arguments"), new: true))
    case 0x92:  // NEWOBJ_EX (keyword arguments are kept with the positional ones, inert)
      let a = try pop(3)
      var args = try chargedItems(a[1], "NEWOBJ_EX arguments")
      if case .dict = a[2] { args.append(a[2]) }
      stack.append(try call(a[0], args: args, new: true))
    case 0x69:  // INST: module, name lines, then MARK'd arguments.
      let module = try ascii(try readline())
      let name = try ascii(try readline())
      let cls = try global(module, name)
      stack.append(try call(cls, args: try popMark(), new: true))
    case 0x6f:  // OBJ: MARK, class, arguments.
      let items = try popMark()
      guard let cls = items.first else { throw fail("OBJ without a class") }
      stack.append(try call(cls, args: Array(items.dropFirst()), new: true))
    case 0x62:  // BUILD
      let state = try pop()
      try build(try top(), state)
    case 0x51:  // BINPERSID
      stack.append(try persistentLoad(try pop()))
    case 0x50:  // PERSID
      let id = try ascii(try readline())
      throw fail("text persistent id \(quote(id)); torch.save writes binary persistent ids")
    default:
      throw .unsupportedOpcode(opcode: op, offset: opStart)
    }
  }

  // MARK: - Stack and memo

  private func fail(_ reason: String) -> CheckpointError { .badPickle(offset: opStart, reason: reason) }

  private mutating func pop() throws(CheckpointError) -> PickleValue {
    if let m = marks.last, stack.count <= m { throw fail("pop across a MARK (stack underflow)") }
    guard let v = stack.popLast() else { throw fail("stack underflow") }
    return v
  }

  private mutating func pop(_ n: Int) throws(CheckpointError) -> [PickleValue] {
    let floor = marks.last ?? 0
    guard stack.count - floor >= n else { throw fail("stack underflow: needs \(n) values, has \(stack.count - floor)") }
    let items = Array(stack[(stack.count - n)...])
    stack.removeLast(n)
    return items
  }

  private mutating func popMark() throws(CheckpointError) -> [PickleValue] {
    guard let m = marks.popLast() else { throw fail("no MARK on the stack") }
    let items = Array(stack[m...])
    stack.removeLast(stack.count - m)
    return items
  }

  private func top(below depth: Int = 0) throws(CheckpointError) -> PickleValue {
    let floor = marks.last ?? 0
    guard stack.count - floor > depth else { throw fail("stack underflow") }
    return stack[stack.count - 1 - depth]
  }

  private mutating func put(_ i: Int) throws(CheckpointError) {
    memo[i] = try top()
  }

  private mutating func get(_ i: Int) throws(CheckpointError) {
    guard let v = memo[i] else { throw fail("memo index \(i) was never stored") }
    stack.append(v)
  }

  // MARK: - Containers

  /// Records a tuple and interns its key (tuples never change once built).
  mutating func newTuple(_ items: [PickleValue]) throws(CheckpointError) -> PickleValue {
    var keys: [PickleKey] = []
    keys.reserveCapacity(items.count)
    for v in items { keys.append(try hashKey(v)) }
    try charge(items.count)
    let id: Int
    if let known = internedTuples[keys] {
      id = known
    } else {
      id = internedTuples.count
      internedTuples[keys] = id
    }
    tuples.append(items)
    tupleKeys.append(.tuple(id))
    return .tuple(tuples.count - 1)
  }

  private mutating func newList(_ items: [PickleValue]) -> PickleValue {
    lists.append(items)
    return .list(lists.count - 1)
  }

  private mutating func newDict() -> PickleValue {
    dicts.append(PickleDict())
    return .dict(dicts.count - 1)
  }

  private mutating func newSet(_ items: [PickleValue]) -> PickleValue {
    sets.append(items)
    return .set(sets.count - 1)
  }

  private mutating func append(_ items: [PickleValue]) throws(CheckpointError) {
    switch try top() {
    case .list(let l): lists[l].append(contentsOf: items)
    case .set(let s): sets[s].append(contentsOf: items)
    case .object(let o): objects[o].args.append(contentsOf: items)  // e.g. a deque: inert
    case let v: throw fail("APPEND to a \(kind(v))")
    }
  }

  /// Sets key/value pairs `items` into the dict `target` (SETITEM's dict sits under its pair).
  private mutating func setItems(_ target: PickleValue, _ items: [PickleValue], popTarget: Int = 0) throws(CheckpointError) {
    switch target {
    case .dict(let d):
      var i = 0
      while i + 1 < items.count {
        try insert(into: d, key: items[i], value: items[i + 1])
        i += 2
      }
    case .object(let o):  // e.g. a defaultdict subclass kept inert: record the pairs.
      objects[o].args.append(contentsOf: items)
    case let v:
      throw fail("SETITEM on a \(kind(v))")
    }
  }

  mutating func insert(into d: Int, key: PickleValue, value: PickleValue) throws(CheckpointError) {
    let k = try hashKey(key)
    try charge(1)
    if let i = dicts[d].index[k] {
      dicts[d].values[i] = value
    } else {
      dicts[d].index[k] = dicts[d].keys.count
      dicts[d].keys.append(key)
      dicts[d].values.append(value)
    }
  }

  /// The dict key of `v`; string and bytes keys are charged their length (hashing reads it all).
  mutating func hashKey(_ v: PickleValue) throws(CheckpointError) -> PickleKey {
    switch v {
    case .none: return .none
    case .bool(let b): return .int(b ? 1 : 0)
    case .int(let i): return .int(i)
    case .bigInt(let s):
      try charge(s.utf8.count)
      return .big(s)
    case .float(let d): return d == d.rounded() && abs(d) < 0x1p62 ? .int(Int(d)) : .float(d)
    case .string(let s):
      try charge(s.utf8.count)
      return .string(s)
    case .bytes(let b):
      try charge(b.count)
      return .bytes(b)
    case .global(let g): return .global(g)
    case .tuple(let t): return tupleKeys[t]
    case .list(let i): return .identity(1, i)
    case .dict(let i): return .identity(2, i)
    case .set(let i): return .identity(3, i)
    case .object(let i): return .identity(4, i)
    case .tensor(let i): return .identity(5, i)
    case .storage(let i): return .identity(6, i)
    }
  }

  /// The items of a tuple or list, charged as a copy (they may be a memoized value used again).
  mutating func chargedItems(_ v: PickleValue, _ what: String) throws(CheckpointError) -> [PickleValue] {
    let items = try tupleItems(v, what)
    try charge(items.count)
    return items
  }

  func tupleItems(_ v: PickleValue, _ what: String) throws(CheckpointError) -> [PickleValue] {
    switch v {
    case .tuple(let t): return tuples[t]
    case .list(let l): return lists[l]
    default: throw fail("\(what) are a \(kind(v)), not a tuple")
    }
  }

  func kind(_ v: PickleValue) -> String {
    switch v {
    case .none: "None"
    case .bool: "bool"
    case .int, .bigInt: "int"
    case .float: "float"
    case .string: "str"
    case .bytes: "bytes"
    case .global(let g): g
    case .list: "list"
    case .tuple: "tuple"
    case .dict: "dict"
    case .set: "set"
    case .object(let o): objects[o].type
    case .tensor: "tensor"
    case .storage: "storage"
    }
  }

  // MARK: - Reading the stream

  private mutating func byte() throws(CheckpointError) -> UInt8 {
    guard pos < bytes.count else { throw .badPickle(offset: pos, reason: "the stream ends without STOP (truncated)") }
    defer { pos += 1 }
    return bytes[pos]
  }

  /// An unsigned little-endian integer of `n` bytes.
  private mutating func uint(_ n: Int) throws(CheckpointError) -> UInt64 {
    guard bytes.count - pos >= n else { throw fail("the stream ends inside an argument (truncated)") }
    var v: UInt64 = 0
    for i in (0..<n).reversed() { v = v << 8 | UInt64(bytes[pos + i]) }
    pos += n
    return v
  }

  private mutating func bigEndian64() throws(CheckpointError) -> UInt64 {
    guard bytes.count - pos >= 8 else { throw fail("the stream ends inside a float (truncated)") }
    var v: UInt64 = 0
    for i in 0..<8 { v = v << 8 | UInt64(bytes[pos + i]) }
    pos += 8
    return v
  }

  /// A length prefix of `n` bytes, checked against the bytes that remain (so no length can
  /// make the reader allocate more than the file holds).
  private mutating func length(_ n: Int, signed: Bool = false) throws(CheckpointError) -> Int {
    let raw = try uint(n)
    if signed && n == 4 && raw & 0x8000_0000 != 0 { throw fail("negative length") }
    guard raw <= UInt64(bytes.count - pos) else {
      throw fail("length \(raw) but only \(bytes.count - pos) bytes remain")
    }
    return Int(raw)
  }

  private mutating func take(_ n: Int) throws(CheckpointError) -> [UInt8] {
    guard n >= 0, bytes.count - pos >= n else { throw fail("length \(n) but only \(bytes.count - pos) bytes remain") }
    defer { pos += n }
    return Array(bytes[pos..<(pos + n)])
  }

  private mutating func readline() throws(CheckpointError) -> ArraySlice<UInt8> {
    guard let nl = bytes[pos...].firstIndex(of: 0x0a) else { throw fail("the stream ends inside a text argument") }
    defer { pos = nl + 1 }
    return bytes[pos..<nl]
  }

  private func utf8(_ b: [UInt8]) throws(CheckpointError) -> String {
    guard let s = String(validating: b, as: UTF8.self) else { throw fail("string is not valid UTF-8") }
    return s
  }

  private func ascii(_ b: ArraySlice<UInt8>) throws(CheckpointError) -> String {
    guard b.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else { throw fail("text argument is not printable ASCII") }
    return String(decoding: b, as: UTF8.self)
  }

  /// Python 2 `str` payloads: UTF-8 when valid, else Latin-1 (torch.load's convention).
  private func py2String(_ b: [UInt8]) -> String {
    String(validating: b, as: UTF8.self) ?? String(String.UnicodeScalarView(b.map { Unicode.Scalar($0) }))
  }

  private func quote(_ s: String) -> String { "'" + String(s.prefix(40)) + (s.count > 40 ? "…'" : "'") }

  private mutating func long(_ n: Int) throws(CheckpointError) -> PickleValue {
    let b = try take(n)
    return Self.integer(littleEndianTwosComplement: b)
  }

  /// Decodes LONG1/LONG4 payloads: an Int when it fits, else hex text (inert).
  static func integer(littleEndianTwosComplement b: [UInt8]) -> PickleValue {
    if b.isEmpty { return .int(0) }
    let negative = b.last! & 0x80 != 0
    var trimmed = b[...]
    // Drop redundant sign-extension bytes.
    while trimmed.count > 1, trimmed.last! == (negative ? 0xff : 0x00),
      (trimmed[trimmed.endIndex - 2] & 0x80 != 0) == negative
    {
      trimmed = trimmed.dropLast()
    }
    if trimmed.count <= 8 {
      var v: UInt64 = negative ? ~0 : 0
      for byte in trimmed.reversed() { v = v << 8 | UInt64(byte) }
      if trimmed.count < 8 && negative {
        v |= ~0 << (8 * UInt64(trimmed.count))
      }
      return .int(Int(Int64(bitPattern: v)))
    }
    let hex = trimmed.reversed().map { String($0, radix: 16) }.map { $0.count < 2 ? "0" + $0 : $0 }.joined()
    return .bigInt((negative ? "-(two's complement) 0x" : "0x") + hex)
  }

  private mutating func textInt() throws(CheckpointError) -> PickleValue {
    let s = try ascii(try readline())
    if s == "01" { return .bool(true) }
    if s == "00" { return .bool(false) }
    if let i = Int(s) { return .int(i) }
    guard !s.isEmpty, s.drop(while: { $0 == "-" || $0 == "+" }).allSatisfy(\.isNumber) else {
      throw fail("INT argument \(quote(s)) is not an integer")
    }
    return .bigInt(s)
  }

  private mutating func textLong() throws(CheckpointError) -> PickleValue {
    var s = try ascii(try readline())
    if s.hasSuffix("L") { s.removeLast() }
    if let i = Int(s) { return .int(i) }
    guard !s.isEmpty, s.drop(while: { $0 == "-" || $0 == "+" }).allSatisfy(\.isNumber) else {
      throw fail("LONG argument \(quote(s)) is not an integer")
    }
    return .bigInt(s)
  }

  private mutating func textIndex() throws(CheckpointError) -> Int {
    let s = try ascii(try readline())
    guard let i = Int(s), i >= 0 else { throw fail("memo index \(quote(s)) is not a non-negative integer") }
    return i
  }

  /// The payload of a STRING argument: a quoted Python 2 literal with backslash escapes.
  private func stringLiteral(_ line: ArraySlice<UInt8>) throws(CheckpointError) -> [UInt8] {
    let b = Array(line)
    guard b.count >= 2, let q = b.first, q == 0x27 || q == 0x22, b.last == q else {
      throw fail("STRING argument is not a quoted literal")
    }
    var out: [UInt8] = []
    var i = 1
    let end = b.count - 1
    while i < end {
      let c = b[i]
      i += 1
      guard c == 0x5c else { out.append(c); continue }
      guard i < end else { throw fail("STRING argument ends in a backslash") }
      let e = b[i]
      i += 1
      switch e {
      case UInt8(ascii: "n"): out.append(0x0a)
      case UInt8(ascii: "t"): out.append(0x09)
      case UInt8(ascii: "r"): out.append(0x0d)
      case UInt8(ascii: "0")...UInt8(ascii: "7"):
        var v = Int(e - 0x30)
        var k = 0
        while k < 2, i < end, (0x30...0x37).contains(b[i]) { v = v * 8 + Int(b[i] - 0x30); i += 1; k += 1 }
        out.append(UInt8(v & 0xff))
      case UInt8(ascii: "x"):
        guard i + 2 <= end, let v = UInt8(String(decoding: b[i..<(i + 2)], as: UTF8.self), radix: 16) else {
          throw fail("bad \\x escape in STRING argument")
        }
        out.append(v)
        i += 2
      default: out.append(e)  // \\ \' \" and unknown escapes keep the character
      }
    }
    return out
  }

  /// UNICODE arguments: raw-unicode-escape (Latin-1 bytes plus \uXXXX and \UXXXXXXXX).
  private func rawUnicodeEscape(_ line: ArraySlice<UInt8>) throws(CheckpointError) -> String {
    let b = Array(line)
    var out = String.UnicodeScalarView()
    var i = 0
    while i < b.count {
      if b[i] == 0x5c, i + 1 < b.count, b[i + 1] == UInt8(ascii: "u") || b[i + 1] == UInt8(ascii: "U") {
        let n = b[i + 1] == UInt8(ascii: "u") ? 4 : 8
        guard i + 2 + n <= b.count,
          let v = UInt32(String(decoding: b[(i + 2)..<(i + 2 + n)], as: UTF8.self), radix: 16),
          let s = Unicode.Scalar(v)
        else { throw fail("bad \\u escape in UNICODE argument") }
        out.append(s)
        i += 2 + n
      } else {
        out.append(Unicode.Scalar(b[i]))
        i += 1
      }
    }
    return String(out)
  }
}
