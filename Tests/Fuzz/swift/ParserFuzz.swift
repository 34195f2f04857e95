// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer targets for the Swift parsers (Tools/fuzz-swift.sh builds this file with the
// parsers' sources into one binary under -sanitize=fuzzer,address). VIGIL_FUZZ picks the target:
//
//   pickle       the restricted unpickler, wrapped in a stored zip with a storage entry so that
//                selection and tensor materialisation run on whatever it accepts
//   zip          a whole checkpoint file: format detection, the zip reader, the unpickler and
//                the safetensors reader (data.pkl mutations mostly stop at the CRC-32)
//   safetensors  a safetensors header and data, split at the first NUL byte, with the 8-byte
//                header length computed from the split
//   npy          the .npy float and uint8 readers
//   idx          the IDX (Fashion-MNIST) parser, then every sample it accepts
//
// Every input must either be accepted or refused with an error that has a message; a trap,
// a sanitizer report, a timeout or running past the memory limit is a finding.

import Foundation
@testable import VigilCore

enum FuzzTarget: String {
  case pickle, zip, safetensors, npy, idx
}

let fuzzTarget: FuzzTarget = {
  guard let name = ProcessInfo.processInfo.environment["VIGIL_FUZZ"], let t = FuzzTarget(rawValue: name) else {
    fatalError("set VIGIL_FUZZ to pickle, zip, safetensors, npy or idx")
  }
  return t
}()

func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xff) } }
func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xff), UInt8((v >> 8) & 0xff)] }

/// A stored zip archive of `entries` (what torch.save writes, without alignment padding).
func storedZip(_ entries: [(String, [UInt8])]) -> [UInt8] {
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

/// Storage "0" for the pickle target: 64 float32 values.
let storageZero: [UInt8] = (0..<64).flatMap { le32(Int(Float($0).bitPattern)) }

func expectMessage(_ e: Error) {
  if "\(e)".isEmpty { fatalError("an error without a message: \(type(of: e))") }
}

func runPickle(_ bytes: [UInt8]) {
  var u = Unpickler(bytes)
  do { _ = try u.load() } catch { expectMessage(error) }
  let archive = storedZip([("f/data.pkl", bytes), ("f/byteorder", Array("little".utf8)), ("f/data/0", storageZero)])
  for ema in [false, true] {
    do {
      let sd = try Checkpoint.load(data: Data(archive), path: "fuzz.pth", ema: ema)
      var sum: Float = 0
      for k in sd.keys { for v in sd[k]!.data { sum += v } }
      _ = sum
    } catch { expectMessage(error) }
  }
}

func runZip(_ bytes: [UInt8]) {
  do {
    let sd = try Checkpoint.load(data: Data(bytes), path: "fuzz")
    for k in sd.keys { _ = sd[k]!.data.count }
  } catch { expectMessage(error) }
}

func runSafetensors(_ bytes: [UInt8]) {
  let split = bytes.firstIndex(of: 0) ?? bytes.count
  let header = Array(bytes[..<split])
  let data = split < bytes.count ? Array(bytes[(split + 1)...]) : []
  var file: [UInt8] = []
  withUnsafeBytes(of: UInt64(header.count).littleEndian) { file += $0 }
  file += header + data
  do {
    let sd = try Safetensors.load(Data(file), path: "fuzz.safetensors", name: "fuzz.safetensors")
    for k in sd.keys { _ = sd[k]!.data.count }
  } catch { expectMessage(error) }
}

func runNpy(_ bytes: [UInt8]) {
  do {
    let (shape, data) = try Npy.parseFloat32(bytes: bytes)
    if shape.reduce(1, *) != data.count { fatalError("shape \(shape) for \(data.count) values") }
  } catch { expectMessage(error) }
  do {
    let h = try Npy.parseHeader(bytes, source: "fuzz.npy")
    if h.dataOffset + h.count * h.dtype.size != bytes.count { fatalError("header does not span the file") }
  } catch { expectMessage(error) }
}

func runIDX(_ bytes: [UInt8]) {
  let dims = bytes.count > 3 ? Int(bytes[3]) : 1
  do {
    let (shape, data) = try LabeledDataset.parseIDX(bytes, path: "fuzz-idx", dims: max(1, min(dims, 3)))
    if shape.reduce(1, *) != data.count { fatalError("shape \(shape) for \(data.count) bytes") }
    var sum = 0
    for b in data { sum &+= Int(b) }
    _ = sum
  } catch { expectMessage(error) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
  switch fuzzTarget {
  case .pickle: runPickle(bytes)
  case .zip: runZip(bytes)
  case .safetensors: runSafetensors(bytes)
  case .npy: runNpy(bytes)
  case .idx: runIDX(bytes)
  }
  return 0
}
