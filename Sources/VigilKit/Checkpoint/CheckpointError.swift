// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// Why a checkpoint could not be imported. Every description says what was wrong and what to do.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
  /// The file could not be opened or read.
  case unreadable(path: String, reason: String)
  /// The bytes are neither a torch.save zip archive nor safetensors.
  case unknownFormat(path: String, reason: String)
  /// A pre-1.6 torch.save file (a bare pickle stream or a tar archive).
  case legacyFormat(path: String)
  /// A TorchScript archive (torch.jit.save), which holds code rather than a state dict.
  case torchScript(path: String)
  /// The zip container is malformed: `reason` names the structure and the offset.
  case badZip(path: String, reason: String)
  /// A zip entry uses a compression method other than stored.
  case compressedEntry(path: String, entry: String, method: Int)
  /// A zip entry the archive must have is missing.
  case missingEntry(path: String, entry: String)
  /// The archive records a byte order other than little-endian.
  case bigEndian(path: String, byteorder: String)
  /// The pickle names a global that is not on the importer's allowlist. Nothing was executed.
  case forbiddenGlobal(name: String, offset: Int)
  /// The pickle stream is malformed at `offset` (an opcode's position in data.pkl).
  case badPickle(offset: Int, reason: String)
  /// An opcode the restricted unpickler does not interpret.
  case unsupportedOpcode(opcode: UInt8, offset: Int)
  /// A tensor's storage is missing or has the wrong size.
  case badStorage(key: String, reason: String)
  /// A tensor's size, stride or offset does not fit its storage.
  case badTensor(key: String, reason: String)
  /// A tensor of an element type the importer does not convert (complex, quantized, float8).
  case unsupportedDType(key: String, dtype: String)
  /// The safetensors header or data is malformed.
  case badSafetensors(path: String, reason: String)
  /// No state dict was found; `candidates` describes the top-level entries.
  case noStateDict(path: String, candidates: [String])
  /// `ema: true` but the checkpoint has no EMA weights; `candidates` describes what it has.
  case noEMA(path: String, candidates: [String])

  public var description: String {
    switch self {
    case let .unreadable(path, reason):
      return "cannot read checkpoint \(path): \(reason). Check the path and its permissions."
    case let .unknownFormat(path, reason):
      return "\(path) is not a checkpoint Vigil can read (\(reason)). Expected a torch.save file "
        + "(zip archive, torch >= 1.6) or a .safetensors file."
    case let .legacyFormat(path):
      return "\(path) uses the legacy (pre-1.6) torch.save format, which Vigil does not read. "
        + "Re-save it with torch >= 1.6 defaults: "
        + "torch.save(torch.load(path, weights_only=True), new_path)."
    case let .torchScript(path):
      return "\(path) is a TorchScript archive (torch.jit.save), not a checkpoint. "
        + "Save the weights instead: torch.save(model.state_dict(), path)."
    case let .badZip(path, reason):
      return "\(path) is a damaged zip archive: \(reason). Re-download or re-save the checkpoint."
    case let .compressedEntry(path, entry, method):
      let name = [8: "deflate", 9: "deflate64", 12: "bzip2", 14: "lzma", 93: "zstd", 95: "xz"][method].map { "\($0), " } ?? ""
      return "\(path): entry \(entry) is compressed (\(name)zip method \(method)); Vigil reads only stored "
        + "entries, as torch.save writes them. Re-save with torch.save, or re-pack with `zip -0`."
    case let .missingEntry(path, entry):
      return "\(path) has no \(entry) entry, so it is not a torch.save checkpoint "
        + "(or it is damaged). Re-save it with torch.save."
    case let .bigEndian(path, byteorder):
      return "\(path) was saved on a \(byteorder)-endian machine; Vigil reads little-endian "
        + "checkpoints. Re-save it on a little-endian machine."
    case let .forbiddenGlobal(name, offset) where name.hasPrefix("torch._utils._rebuild_"):
      return "refused the checkpoint: its pickle rebuilds a tensor with \(name) (at byte \(offset) of "
        + "data.pkl), a kind Vigil does not import (quantized, sparse, nested, meta or a subclass). "
        + "Save dense float tensors instead: {k: v.dequantize().to_dense().float() for k, v in sd.items()}."
    case let .forbiddenGlobal(name, offset):
      return "refused the checkpoint: its pickle references \(name) (at byte \(offset) of data.pkl), "
        + "which is not a tensor, container or training-state type. Nothing was executed. "
        + "If the file is trusted, re-save only the weights: "
        + "torch.save({'state_dict': model.state_dict()}, path)."
    case let .badPickle(offset, reason):
      return "malformed pickle at byte \(offset) of data.pkl: \(reason). "
        + "The checkpoint is damaged or was not written by torch.save; re-save it."
    case let .unsupportedOpcode(opcode, offset):
      let hex = String(opcode, radix: 16)
      return "unsupported pickle opcode 0x\(hex.count < 2 ? "0" + hex : hex) at byte \(offset) of "
        + "data.pkl. Re-save the checkpoint with torch.save (pickle protocol 2 is its default)."
    case let .badStorage(key, reason):
      return "tensor \(key): \(reason). The checkpoint is damaged; re-save or re-download it."
    case let .badTensor(key, reason):
      return "tensor \(key): \(reason). The checkpoint is damaged; re-save or re-download it."
    case let .unsupportedDType(key, dtype):
      return "tensor \(key) has element type \(dtype), which Vigil does not import. "
        + "Convert it first: {k: v.float() for k, v in state_dict.items()}."
    case let .badSafetensors(path, reason):
      return "\(path) is a damaged safetensors file: \(reason). Re-save or re-download it."
    case let .noStateDict(path, candidates):
      return "\(path) has no state dict: expected a top-level 'state_dict' or 'model' entry, "
        + "or a dict of tensors. Found: \(Self.list(candidates)). Re-save with "
        + "torch.save({'state_dict': model.state_dict()}, path)."
    case let .noEMA(path, candidates):
      return "\(path) has no EMA weights ('state_dict_ema' or 'model_ema'). Found: "
        + "\(Self.list(candidates)). Load it without the EMA option."
    }
  }

  static func list(_ items: [String]) -> String {
    if items.isEmpty { return "nothing" }
    let shown = items.prefix(12).joined(separator: ", ")
    return items.count > 12 ? shown + ", … (\(items.count) in all)" : shown
  }
}
