// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// The globals a torch.save checkpoint may reference, and what the unpickler makes of them.
/// Nothing here is ever imported or called: tensor rebuild functions record a view, a few
/// containers (OrderedDict, set, torch.Size) become containers, and everything else on the list
/// becomes an inert object. Any other global is refused.
enum TorchGlobals {
  /// torch dtype objects (`torch.float32`), with the element type Vigil converts (nil: refused
  /// when a selected tensor has it) and the size in bytes.
  static let dtypes: [String: (DType?, Int)] = [
    "float32": (.float32, 4), "float": (.float32, 4), "float16": (.float16, 2), "half": (.float16, 2),
    "bfloat16": (.bfloat16, 2), "float64": (.float64, 8), "double": (.float64, 8),
    "int64": (.int64, 8), "long": (.int64, 8), "int32": (.int32, 4), "int": (.int32, 4),
    "int16": (.int16, 2), "short": (.int16, 2), "int8": (.int8, 1), "uint8": (.uint8, 1),
    "uint16": (.uint16, 2), "uint32": (.uint32, 4), "uint64": (.uint64, 8), "bool": (.bool, 1),
    "complex32": (nil, 4), "chalf": (nil, 4), "complex64": (nil, 8), "cfloat": (nil, 8),
    "complex128": (nil, 16), "cdouble": (nil, 16),
    "qint8": (nil, 1), "quint8": (nil, 1), "qint32": (nil, 4), "quint4x2": (nil, 1), "quint2x4": (nil, 1),
    "float8_e4m3fn": (nil, 1), "float8_e5m2": (nil, 1), "float8_e4m3fnuz": (nil, 1),
    "float8_e5m2fnuz": (nil, 1), "float8_e8m0fnu": (nil, 1),
  ]

  /// Legacy typed storage classes (`torch.FloatStorage`), as persistent ids name them.
  static let storages: [String: (DType?, Int)] = [
    "FloatStorage": (.float32, 4), "HalfStorage": (.float16, 2), "BFloat16Storage": (.bfloat16, 2),
    "DoubleStorage": (.float64, 8), "LongStorage": (.int64, 8), "IntStorage": (.int32, 4),
    "ShortStorage": (.int16, 2), "CharStorage": (.int8, 1), "ByteStorage": (.uint8, 1),
    "BoolStorage": (.bool, 1), "ComplexFloatStorage": (nil, 8), "ComplexDoubleStorage": (nil, 16),
    "QInt8Storage": (nil, 1), "QUInt8Storage": (nil, 1), "QInt32Storage": (nil, 4),
    "QUInt4x2Storage": (nil, 1), "QUInt2x4Storage": (nil, 1),
    // Untyped storages count bytes; `_rebuild_tensor_v3` names the element type.
    "UntypedStorage": (.uint8, 1),
  ]

  /// Globals kept as inert values (or turned into containers by `Unpickler.call`).
  static let inert: Set<String> = [
    "collections.OrderedDict", "collections.defaultdict", "collections.Counter", "collections.deque",
    "builtins.set", "builtins.frozenset", "builtins.slice", "builtins.complex", "builtins.bytearray",
    "builtins.bytes", "builtins.list", "builtins.dict", "builtins.tuple", "builtins.int",
    "builtins.float", "builtins.str", "builtins.bool", "builtins.object", "builtins.range",
    "_codecs.encode", "copyreg._reconstructor",
    "argparse.Namespace",
    "pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath", "pathlib.PurePath",
    "pathlib.PurePosixPath", "pathlib.PureWindowsPath",
    "pathlib._local.Path", "pathlib._local.PosixPath", "pathlib._local.WindowsPath",
    "numpy.core.multiarray.scalar", "numpy.core.multiarray._reconstruct", "numpy.dtype",
    "numpy.ndarray",
    "torch.Size", "torch.device", "torch.Tensor", "torch.nn.parameter.Parameter",
    "torch.layout", "torch.strided", "torch.memory_format", "torch.contiguous_format",
    "torch.storage.UntypedStorage", "torch.storage.TypedStorage",
    "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor_v3",
    "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state",
    "torch._tensor._rebuild_from_type_v2",
  ]

  /// The name a global is looked up under: Python 2 spellings that protocol-2 pickles use
  /// (`__builtin__`, `copy_reg`) and numpy 2's `numpy._core` map to their usual names.
  static func canonical(_ module: String, _ name: String) -> String {
    var m = module
    if m == "__builtin__" { m = "builtins" }
    if m == "copy_reg" { m = "copyreg" }
    if m.hasPrefix("numpy._core") { m = "numpy.core" + m.dropFirst("numpy._core".count) }
    return m + "." + name
  }

  /// Whether `module.name` may appear in a checkpoint.
  static func isAllowed(_ module: String, _ name: String) -> Bool {
    let full = canonical(module, name)
    if inert.contains(full) { return true }
    if module == "torch" && (dtypes[name] != nil || storages[name] != nil) { return true }
    if module == "torch.cuda" && storages[name] != nil && name != "UntypedStorage" { return true }
    if module == "numpy.dtypes" && name.hasSuffix("DType") && name.allSatisfy({ $0.isLetter || $0.isNumber }) {
      return true
    }
    return false
  }

  /// The storage class behind a `torch.X` / `torch.cuda.X` / `torch.storage.X` global.
  static func storageType(_ global: String) -> (DType?, Int)? {
    for prefix in ["torch.cuda.", "torch.storage.", "torch."] where global.hasPrefix(prefix) {
      let name = String(global.dropFirst(prefix.count))
      if !name.contains("."), let s = storages[name] { return s }
    }
    return nil
  }
}

extension Unpickler {
  private func fail(_ reason: String) -> CheckpointError { .badPickle(offset: opStart, reason: reason) }

  /// GLOBAL / STACK_GLOBAL / INST: refuses anything off the allowlist, before anything else.
  mutating func global(_ module: String, _ name: String) throws(CheckpointError) -> PickleValue {
    guard TorchGlobals.isAllowed(module, name) else {
      throw .forbiddenGlobal(name: module + "." + name, offset: opStart)
    }
    return .global(TorchGlobals.canonical(module, name))
  }

  /// REDUCE / NEWOBJ / INST / OBJ: the few globals with a meaning are emulated; the rest of the
  /// allowlist becomes an inert object recording its arguments.
  mutating func call(_ callable: PickleValue, args: [PickleValue], new: Bool = false) throws(CheckpointError) -> PickleValue {
    guard case .global(let g) = callable else {
      throw fail("\(new ? "NEWOBJ" : "REDUCE") applies a \(kind(callable)), not a class or function")
    }
    switch g {
    case "collections.OrderedDict", "builtins.dict", "collections.defaultdict", "collections.Counter":
      let d = newDictValue()
      // OrderedDict([(k, v), ...]) in protocol 0/1; defaultdict's argument is its factory.
      if g != "collections.defaultdict", g != "collections.Counter", let first = args.first,
        case .dict(let i) = d
      {
        let pairs: [PickleValue]
        switch first {
        case .tuple, .list: pairs = try chargedItems(first, "items")
        default: pairs = []
        }
        for pair in pairs {
          let kv = try chargedItems(pair, "OrderedDict items")
          guard kv.count == 2 else { throw fail("OrderedDict item with \(kv.count) values") }
          try insert(into: i, key: kv[0], value: kv[1])
        }
      }
      return d
    case "builtins.set", "builtins.frozenset":
      var items: [PickleValue] = []
      if let first = args.first {
        if case .set(let s) = first { items = sets[s] } else { items = try tupleItems(first, "set items") }
        try charge(items.count)
      }
      sets.append(items)
      return .set(sets.count - 1)
    case "torch.Size":
      let dims = try args.first.map { v throws(CheckpointError) in try tupleItems(v, "torch.Size dimensions") } ?? []
      return try newTuple(dims)
    case "_codecs.encode", "builtins.bytes", "builtins.bytearray":
      return try encode(args, g)
    case "torch._utils._rebuild_tensor":
      return try rebuildTensor(args, explicitDType: false, minimum: 4)
    case "torch._utils._rebuild_tensor_v2":
      return try rebuildTensor(args, explicitDType: false, minimum: 6)
    case "torch._utils._rebuild_tensor_v3":
      return try rebuildTensor(args, explicitDType: true, minimum: 7)
    case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
      guard let data = args.first, case .tensor = data else {
        throw fail("\(g) expects a tensor, got \(args.first.map(kind) ?? "no arguments")")
      }
      return data
    case "torch._tensor._rebuild_from_type_v2":
      // (func, new_type, args, state): apply func to args; the subclass and state are dropped.
      guard args.count >= 3, case .global(let f) = args[0], f != g else {
        throw fail("\(g) expects (function, type, arguments, state)")
      }
      return try call(args[0], args: try chargedItems(args[2], "\(g) arguments"))
    default:
      objects.append(PickleObject(type: g, args: args, state: nil))
      return .object(objects.count - 1)
    }
  }

  /// BUILD: state for an inert object is recorded; for dicts (OrderedDict `_metadata`), tensors
  /// and the rest it is attribute state Vigil does not use.
  mutating func build(_ target: PickleValue, _ state: PickleValue) throws(CheckpointError) {
    switch target {
    case .object(let o): objects[o].state = state
    case .dict, .tensor, .list, .set, .tuple: break
    default: throw fail("BUILD on a \(kind(target))")
    }
  }

  /// BINPERSID: torch.save's `('storage', storage_type, key, location, numel)`.
  mutating func persistentLoad(_ pid: PickleValue) throws(CheckpointError) -> PickleValue {
    let items = try chargedItems(pid, "persistent id items")
    guard items.count >= 5, case .string("storage") = items[0] else {
      throw fail("persistent id is not ('storage', type, key, location, numel)")
    }
    guard case .global(let type) = items[1], let (dtype, size) = TorchGlobals.storageType(type) else {
      throw fail("persistent id names storage type \(kind(items[1]))")
    }
    let key: String
    switch items[2] {
    case .string(let s): key = s
    case .int(let i): key = String(i)
    default: throw fail("storage key is a \(kind(items[2]))")
    }
    guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
      throw fail("storage key \(key.debugDescription) is not a plain name")
    }
    try charge(key.utf8.count)
    var location = ""
    if case .string(let l) = items[3] { location = l }
    guard case .int(let numel) = items[4], numel >= 0, numel <= Int.max / max(size, 1) else {
      throw fail("storage \(key) has element count \(kind(items[4]) == "int" ? "out of range" : kind(items[4]))")
    }
    if let i = storageByKey[key] {
      guard storages[i].type == type, storages[i].numel == numel else {
        throw fail("storage \(key) is named as both \(storages[i].type) and \(type)")
      }
      return .storage(i)
    }
    storages.append(StorageRecord(type: type, dtype: dtype, elementSize: size, key: key, location: location, numel: numel))
    storageByKey[key] = storages.count - 1
    return .storage(storages.count - 1)
  }

  private mutating func newDictValue() -> PickleValue {
    dicts.append(PickleDict())
    return .dict(dicts.count - 1)
  }

  /// `_codecs.encode(str, 'latin1')` is how protocol 2 writes bytes; bytes()/bytearray() too.
  private mutating func encode(_ args: [PickleValue], _ g: String) throws(CheckpointError) -> PickleValue {
    guard let first = args.first else { return .bytes([]) }
    switch first {
    case .bytes(let b): try charge(b.count)
    case .string(let s): try charge(s.utf8.count)
    default: break
    }
    switch first {
    case .bytes(let b): return .bytes(b)
    case .string(let s):
      var enc = "utf-8"
      if args.count > 1, case .string(let e) = args[1] { enc = e.lowercased() }
      if ["latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1"].contains(enc) {
        var out: [UInt8] = []
        out.reserveCapacity(s.unicodeScalars.count)
        for u in s.unicodeScalars {
          guard u.value < 256 else { throw fail("\(g): character U+\(String(u.value, radix: 16)) is not Latin-1") }
          out.append(UInt8(u.value))
        }
        return .bytes(out)
      }
      return .bytes(Array(s.utf8))
    default:
      throw fail("\(g) of a \(kind(first))")
    }
  }

  private mutating func nonNegativeInts(_ v: PickleValue, _ what: String) throws(CheckpointError) -> [Int] {
    try chargedItems(v, what).map { x throws(CheckpointError) -> Int in
      guard case .int(let i) = x else { throw fail("\(what) holds a \(kind(x)), not an int") }
      return i
    }
  }

  /// `_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])` and
  /// `_rebuild_tensor_v3(..., hooks, dtype[, metadata])`: records the view after checking it
  /// against the storage's element count.
  private mutating func rebuildTensor(_ args: [PickleValue], explicitDType: Bool, minimum: Int) throws(CheckpointError) -> PickleValue {
    guard args.count >= minimum else {
      throw fail("tensor rebuild with \(args.count) arguments (expects at least \(minimum))")
    }
    guard case .storage(let s) = args[0] else { throw fail("tensor rebuilt from a \(kind(args[0])), not a storage") }
    guard case .int(let offset) = args[1] else { throw fail("tensor storage offset is a \(kind(args[1]))") }
    let shape = try nonNegativeInts(args[2], "tensor size")
    let stride = try nonNegativeInts(args[3], "tensor stride")
    let storage = storages[s]
    var dtype = storage.dtype
    var elementSize = storage.elementSize
    var name = storage.type
    var numel = storage.numel
    if explicitDType {
      guard case .global(let g) = args[6], g.hasPrefix("torch."),
        let (d, size) = TorchGlobals.dtypes[String(g.dropFirst("torch.".count))]
      else { throw fail("tensor dtype is a \(kind(args[6]))") }
      dtype = d
      elementSize = size
      name = g
      numel = storage.numel * storage.elementSize / size
    }
    if let problem = TensorLayout.problem(shape: shape, stride: stride, offset: offset, numel: numel) {
      throw fail("tensor on storage \(storage.key): \(problem)")
    }
    tensors.append(TensorRecord(
      storage: s, layout: TensorLayout(shape: shape, stride: stride, offset: offset),
      dtype: dtype, dtypeName: name, elementSize: elementSize))
    return .tensor(tensors.count - 1)
  }
}
