// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CKernels

/// An error reported by the C runtime, with the runtime's own message.
///
/// Every case keeps the C status name findable: each doc line names it.
public enum VigilError: Error, Equatable {
  /// A NULL pointer or impossible count was passed. The corresponding C status is
  /// `VGL_E_INVALID_ARGUMENT`.
  case invalidArgument(String)
  /// An execution plan is inconsistent. The corresponding C status is `VGL_E_BAD_PLAN`.
  case badPlan(String)
  /// The caller's buffer is smaller than the plan needs. The corresponding C status is
  /// `VGL_E_ARENA_SMALL`.
  case arenaTooSmall(String)
  /// This build does not implement an op or parameter. The corresponding C status is
  /// `VGL_E_UNSUPPORTED`.
  case unsupported(String)
  /// The bytes are not a `.vigil` model file. The corresponding C status is `VGL_E_BAD_MAGIC`.
  case badMagic(String)
  /// A `.vigil` format version this runtime does not read. The corresponding C status is
  /// `VGL_E_VERSION`.
  case version(String)
  /// A model file shorter than its header says. The corresponding C status is
  /// `VGL_E_TRUNCATED`.
  case truncated(String)
  /// A model file whose checksum does not match its bytes. The corresponding C status is
  /// `VGL_E_CHECKSUM`.
  case checksum(String)
  /// A model file with inconsistent structure (sizes, offsets, counts, strings, config). The
  /// corresponding C status is `VGL_E_BAD_MODEL`.
  case badModel(String)
  /// A file could not be opened, read or mapped. The corresponding C status is `VGL_E_IO`.
  case io(String)
  /// An allocation before running failed. The corresponding C status is
  /// `VGL_E_OUT_OF_MEMORY`.
  case outOfMemory(String)
  /// A status this Swift code does not know (a newer C runtime).
  case unknown(code: Int32, message: String)

  /// Maps a C status to an error; `nil` for `VGL_OK`.
  public init?(status: vgl_status, message: String) {
    switch status {
    case VGL_OK: return nil
    case VGL_E_INVALID_ARGUMENT: self = .invalidArgument(message)
    case VGL_E_BAD_PLAN: self = .badPlan(message)
    case VGL_E_ARENA_SMALL: self = .arenaTooSmall(message)
    case VGL_E_UNSUPPORTED: self = .unsupported(message)
    case VGL_E_BAD_MAGIC: self = .badMagic(message)
    case VGL_E_VERSION: self = .version(message)
    case VGL_E_TRUNCATED: self = .truncated(message)
    case VGL_E_CHECKSUM: self = .checksum(message)
    case VGL_E_BAD_MODEL: self = .badModel(message)
    case VGL_E_IO: self = .io(message)
    case VGL_E_OUT_OF_MEMORY: self = .outOfMemory(message)
    default: self = .unknown(code: Int32(bitPattern: status.rawValue), message: message)
    }
  }

  /// The C status this error corresponds to.
  public var status: vgl_status {
    switch self {
    case .invalidArgument: return VGL_E_INVALID_ARGUMENT
    case .badPlan: return VGL_E_BAD_PLAN
    case .arenaTooSmall: return VGL_E_ARENA_SMALL
    case .unsupported: return VGL_E_UNSUPPORTED
    case .badMagic: return VGL_E_BAD_MAGIC
    case .version: return VGL_E_VERSION
    case .truncated: return VGL_E_TRUNCATED
    case .checksum: return VGL_E_CHECKSUM
    case .badModel: return VGL_E_BAD_MODEL
    case .io: return VGL_E_IO
    case .outOfMemory: return VGL_E_OUT_OF_MEMORY
    case .unknown(let code, _): return vgl_status(rawValue: UInt32(bitPattern: code))
    }
  }

  /// What went wrong, in words, with the runtime's message.
  public var description: String {
    switch self {
    case .invalidArgument(let m): return "invalid argument: \(m)"
    case .badPlan(let m): return "inconsistent execution plan: \(m)"
    case .arenaTooSmall(let m): return "arena too small: \(m)"
    case .unsupported(let m): return "unsupported: \(m)"
    case .badMagic(let m): return "not a .vigil model file: \(m); make one with vigil quantize"
    case .version(let m): return "unsupported model format version: \(m)"
    case .truncated(let m):
      return "model file truncated: \(m); copy it again or re-run vigil quantize"
    case .checksum(let m):
      return "model file checksum mismatch: \(m); the file is damaged: copy it again or re-run "
        + "vigil quantize"
    case .badModel(let m): return "malformed model file: \(m); re-run vigil quantize"
    case .io(let m): return "input/output error: \(m)"
    case .outOfMemory(let m): return "out of memory: \(m)"
    case .unknown(let code, let m): return "runtime status \(code): \(m)"
    }
  }
}

extension VigilError: CustomStringConvertible {}
