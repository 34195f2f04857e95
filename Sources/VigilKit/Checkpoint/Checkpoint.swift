// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation

/// Imports PyTorch checkpoints without Python: torch.save zip archives (read with a restricted
/// unpickler that never executes anything) and safetensors files.
///
///     let sd = try Checkpoint.load(path: "checkpoint-299.pth", ema: true)
///     print(sd.source)                        // "state_dict_ema in checkpoint-299.pth"
///     for key in sd.keys { print(key, sd[key]!.shape) }
///
/// ### See Also
/// - ``StateDict``, ``Tensor``, ``CheckpointError``
public enum Checkpoint {
  /// Loads a .pth (PyTorch zip format) or .safetensors file (chosen by content, not extension).
  /// Selects the tensors: top-level dict with "state_dict_ema" (if ema) / "state_dict" / "model" / a bare
  /// dict of tensors; strips a "module." prefix from every key when all keys have it.
  ///
  /// - Parameters:
  ///   - path: the checkpoint file.
  ///   - ema: take the EMA weights (`state_dict_ema`, or `model_ema`); throws
  ///     ``CheckpointError/noEMA(path:candidates:)`` when the file has none.
  /// - Returns: the selected tensors, widened to Float32, row-major, in file order.
  /// - Throws: ``CheckpointError``, whose description says what was wrong and what to do.
  public static func load(path: String, ema: Bool = false) throws -> StateDict {
    // Read, not mapped: a checkpoint truncated or rewritten while it is imported cannot fault.
    let data: Data
    do {
      data = try InputFile.readData(path)
    } catch {
      guard case .unreadable(_, let reason) = error else { throw error }
      throw CheckpointError.unreadable(path: path, reason: reason)
    }
    return try load(data: data, path: path, ema: ema)
  }

  /// Loads a checkpoint held in memory; `path` is used in messages only.
  public static func load(data: Data, path: String, ema: Bool = false) throws(CheckpointError) -> StateDict {
    let name = (path as NSString).lastPathComponent
    switch Format.detect(data) {
    case .zip:
      return try loadTorch(data, path: path, name: name, ema: ema)
    case .safetensors:
      if ema { throw CheckpointError.noEMA(path: path, candidates: ["safetensors tensors (no EMA copy)"]) }
      return try stripModulePrefix(Safetensors.load(data, path: path, name: name))
    case .legacy:
      throw CheckpointError.legacyFormat(path: path)
    case .unknown(let reason):
      throw CheckpointError.unknownFormat(path: path, reason: reason)
    }
  }

  enum Format: Equatable {
    case zip, safetensors, legacy
    case unknown(String)

    /// Chooses by the first bytes: "PK" zip signatures, a pickle stream or tar header (the
    /// legacy torch.save formats), or a safetensors header length followed by `{`.
    static func detect(_ data: Data) -> Format {
      let head = [UInt8](data.prefix(8))
      if head.count >= 4, head[0] == 0x50, head[1] == 0x4b,
        (head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6)
      {
        return .zip
      }
      if Safetensors.looksLike(data) { return .safetensors }
      if head.first == 0x80 { return .legacy }  // pickle PROTO: torch < 1.6 or _use_new_zipfile_serialization=False
      if data.count >= 262, [UInt8](data[(data.startIndex + 257)..<(data.startIndex + 262)]) == Array("ustar".utf8) {
        return .legacy  // the tar-based format of torch <= 0.3
      }
      if data.isEmpty { return .unknown("the file is empty") }
      if data.count >= 8 {
        let n = Safetensors.headerLength(data)
        if n > 0, n < 1 << 40, data.count > 8, data[data.startIndex + 8] == UInt8(ascii: "{") {
          return .unknown("a safetensors header length of \(n) bytes, but the file has \(data.count - 8) after it")
        }
      }
      let hex = head.map { String(format: "%02x", $0) }.joined(separator: " ")
      return .unknown("it starts with bytes \(hex)")
    }
  }

  // MARK: - torch.save zip archives

  static func loadTorch(_ data: Data, path: String, name: String, ema: Bool) throws(CheckpointError) -> StateDict {
    let archive = try ZipArchive(data: data, path: path)
    // The archive's top folder is the saved file's stem ("archive/" for in-memory saves).
    let pickles = archive.entries.filter { e in
      let parts = e.name.split(separator: "/", omittingEmptySubsequences: false)
      return parts.count == 2 && parts[1] == "data.pkl"
    }
    guard let pkl = pickles.first else {
      if archive.entries.contains(where: { $0.name.hasSuffix("/constants.pkl") || $0.name.contains("/code/") }) {
        throw CheckpointError.torchScript(path: path)
      }
      throw CheckpointError.missingEntry(path: path, entry: "<folder>/data.pkl")
    }
    guard pickles.count == 1 else {
      throw CheckpointError.badZip(path: path, reason: "it holds \(pickles.count) data.pkl entries "
        + "(\(pickles.map(\.name).joined(separator: ", ")))")
    }
    let top = String(pkl.name.dropLast("data.pkl".count))
    if archive.entry(top + "constants.pkl") != nil { throw CheckpointError.torchScript(path: path) }
    if let bo = archive.entry(top + "byteorder") {
      let order = String(decoding: try archive.contents(of: bo), as: UTF8.self)
      guard order == "little" else { throw CheckpointError.bigEndian(path: path, byteorder: order) }
    }
    var unpickler = Unpickler(try archive.contents(of: pkl))
    let root = try unpickler.load()
    let (selected, label) = try select(root, unpickler, path: path, ema: ema)

    var tensors: [String: Tensor] = [:]
    var keys: [String] = []
    var skipped: [String] = []
    let dict = unpickler.dicts[selected]
    // Views may share a storage or broadcast it (stride 0), so the logical size of a state dict
    // is not bounded by the file. A real one is: cap it to keep a crafted file from asking for
    // terabytes.
    let budget = 4 * data.count + (1 << 26)
    var total = 0
    for case (let k, .tensor(let t)) in zip(dict.keys, dict.values) {
      let count = unpickler.tensors[t].layout.count
      guard count <= budget - total else {
        throw CheckpointError.badTensor(key: keyName(k, unpickler), reason: "with it the state dict's tensors add up to "
          + "more than \(budget) elements for a \(data.count)-byte file (views repeat or broadcast their storage)")
      }
      total += count
    }
    for (k, v) in zip(dict.keys, dict.values) {
      let key = keyName(k, unpickler)
      guard case .tensor(let t) = v else {
        skipped.append(key)
        continue
      }
      if tensors[key] != nil { continue }
      tensors[key] = try materialise(unpickler.tensors[t], unpickler, zip: archive, top: top, key: key)
      keys.append(key)
    }
    return stripModulePrefix(StateDict(tensors: tensors, keys: keys, source: "\(label) in \(name)", skipped: skipped))
  }

  static func keyName(_ k: PickleValue, _ u: Unpickler) -> String {
    switch k {
    case .string(let s): s
    case .int(let i): String(i)
    default: u.kind(k)
    }
  }

  /// Reads one tensor's view from its storage entry `<top>/data/<key>`.
  static func materialise(_ t: TensorRecord, _ u: Unpickler, zip: ZipArchive, top: String, key: String) throws(CheckpointError) -> Tensor {
    let storage = u.storages[t.storage]
    guard let dtype = t.dtype else { throw CheckpointError.unsupportedDType(key: key, dtype: t.dtypeName) }
    let entryName = top + "data/" + storage.key
    guard let entry = zip.entry(entryName) else { throw CheckpointError.missingEntry(path: zip.path, entry: entryName) }
    let range = try zip.range(of: entry)
    let expected = storage.numel * storage.elementSize
    guard range.count == expected else {
      throw CheckpointError.badStorage(key: key, reason: "storage \(entryName) has \(range.count) bytes, "
        + "but \(storage.numel) elements of \(storage.type) need \(expected)")
    }
    let data = t.layout.count == 0 ? [] : zip.data.withUnsafeBytes { raw in
      t.layout.gather(UnsafeRawBufferPointer(rebasing: raw[range]), dtype)
    }
    return Tensor(shape: t.layout.shape, data: data, dtype: dtype)
  }

  // MARK: - Selection

  /// Picks the dict of tensors: `state_dict_ema`/`model_ema` when `ema`, else `state_dict`, then
  /// `model`, then the top-level dict itself when all its values are tensors.
  static func select(_ root: PickleValue, _ u: Unpickler, path: String, ema: Bool) throws(CheckpointError) -> (Int, String) {
    guard case .dict(let top) = root else {
      throw CheckpointError.noStateDict(path: path, candidates: ["a top-level \(u.kind(root)), not a dict"])
    }
    let d = u.dicts[top]
    func entry(_ name: String) -> Int? {
      guard let i = d.index[.string(name)], case .dict(let sub) = d.values[i], tensorCount(sub, u) > 0 else { return nil }
      return sub
    }
    let names = ema ? ["state_dict_ema", "model_ema"] : ["state_dict", "model"]
    for n in names { if let sub = entry(n) { return (sub, n) } }
    let tensorValues = d.values.filter { if case .tensor = $0 { true } else { false } }.count
    if !ema, tensorValues > 0, tensorValues == d.values.count { return (top, "top-level dict") }
    // At most 50 candidates are described: values may all be one memoized dict, and counting
    // its tensors for every key would cost keys x entries.
    var candidates = zip(d.keys, d.values).prefix(50).map { k, v -> String in
      let name: String = if case .string(let s) = k { "'\(s)'" } else { u.kind(k) }
      if case .dict(let sub) = v {
        return "\(name) (dict, \(u.dicts[sub].keys.count) entries, \(tensorCount(sub, u)) tensors)"
      }
      return "\(name) (\(u.kind(v)))"
    }
    if d.keys.count > 50 { candidates.append("... and \(d.keys.count - 50) more") }
    if ema { throw CheckpointError.noEMA(path: path, candidates: candidates) }
    throw CheckpointError.noStateDict(path: path, candidates: candidates)
  }

  static func tensorCount(_ dict: Int, _ u: Unpickler) -> Int {
    u.dicts[dict].values.reduce(0) { n, v in if case .tensor = v { n + 1 } else { n } }
  }

  /// Strips `module.` (DistributedDataParallel's prefix) when every key has it.
  static func stripModulePrefix(_ sd: StateDict) -> StateDict {
    let prefix = "module."
    guard !sd.keys.isEmpty, sd.keys.allSatisfy({ $0.hasPrefix(prefix) }) else { return sd }
    var out = sd
    out.keys = sd.keys.map { String($0.dropFirst(prefix.count)) }
    out.tensors = Dictionary(uniqueKeysWithValues: sd.tensors.map { (String($0.key.dropFirst(prefix.count)), $0.value) })
    out.skipped = sd.skipped.map { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }
    return out
  }
}
