// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CKernels
import CVigilBoard
import VigilCore

/// The model argument that names the model linked into the firmware (`--embed-model`).
let embeddedModelArgument = "@embedded"

/// Opens the model a command names: a `.vigil` file (mapped read-only), or `@embedded`, the
/// model linked into this binary, validated and run in place from its read-only array.
func openModel(_ argument: String) throws(VigilError) -> Model {
  guard argument == embeddedModelArgument else { return try Model(path: argument) }
  var data: UnsafeRawPointer? = nil
  var size = 0
  guard vgl_board_embedded_model(&data, &size) != 0, let data else {
    throw .invalidArgument("this vigil-board has no embedded model: give a model file, or build "
      + "one with Tools/cross-build.sh ARCH --embed-model FILE.vigil")
  }
  return try Model(inPlace: UnsafeRawBufferPointer(start: data, count: size))
}

/// The size in bytes of the model a command names (`@embedded` included), or 0.
func modelFileBytes(_ argument: String) -> Int {
  if argument == embeddedModelArgument {
    var data: UnsafeRawPointer? = nil
    var size = 0
    return vgl_board_embedded_model(&data, &size) != 0 ? size : 0
  }
  let size = vgl_board_file_size(argument)
  return size < 0 ? 0 : Int(size)
}

/// For `@embedded`: a line saying where the model's bytes are and whether the model reads its
/// weights in place from that read-only array (the bytes it was opened on, not a copy); nil for a file.
func embeddedModelReport(_ argument: String, _ model: borrowing Model) -> String? {
  guard argument == embeddedModelArgument else { return nil }
  var data: UnsafeRawPointer? = nil
  var size = 0
  guard vgl_board_embedded_model(&data, &size) != 0, let data else { return nil }
  let start = UInt(bitPattern: data)
  // The model reads its weights in place from the bytes it was opened on: the embedded array
  // itself unless the loader was given a copy.
  var read: UnsafeRawPointer? = nil
  var readSize = 0
  let inPlace = vgl_model_bytes(model.handle, &read, &readSize) == VGL_OK
    && read.map { UInt(bitPattern: $0) } == start && readSize == size
  let name = stringFromC(vgl_board_embedded_model_name()) ?? ""
  return "embedded model \(name): \(size) bytes at 0x\(String(start, radix: 16)) (read-only, "
    + "\(start % 64 == 0 ? "" : "NOT ")64-byte aligned); weights "
    + (inPlace ? "read in place from it" : "NOT in the embedded array")
}
