// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Testing
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

@Suite struct NpyTests {
  func header(version: UInt8, dict: String) -> [UInt8] {
    let d = Array(dict.utf8)
    var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
    if version == 1 {
      out += [UInt8(d.count & 0xFF), UInt8(d.count >> 8)]
    } else {
      out += [UInt8(d.count & 0xFF), UInt8((d.count >> 8) & 0xFF), 0, 0]
    }
    return out + d
  }

  func le32(_ v: Float) -> [UInt8] {
    let b = v.bitPattern
    return [UInt8(b & 0xFF), UInt8((b >> 8) & 0xFF), UInt8((b >> 16) & 0xFF), UInt8(b >> 24)]
  }

  @Test func readsNumpyWrittenGolden() throws {
    let (shape, data) = try Npy.readFloat32(path: imageFixture("landscape.s64.f32.npy"))
    #expect(shape == [3, 64, 64])
    #expect(data.count == 3 * 64 * 64)
    let (ushape, bytes) = try Npy.readUInt8(path: imageFixture("landscape.s64.u8.npy"))
    #expect(ushape == [64, 64, 3])
    #expect(bytes.count == 64 * 64 * 3)
  }

  @Test func roundTrip() throws {
    for shape in [[], [5], [1, 3, 4, 2], [0, 3]] {
      let count = shape.reduce(1, *)
      let data = (0..<count).map { Float($0) * 0.25 - 1.5 }
      let path = scratchPath("roundtrip-\(shape.count).npy")
      defer { unlink(path) }
      try Npy.writeFloat32(path: path, shape: shape, data: data)
      let bytes = try FileIO.readAll(path: path)
      #expect((bytes.count - 4 * count) % 64 == 0, "data starts on a 64-byte boundary")
      let back = try Npy.readFloat32(path: path)
      #expect(back.shape == shape)
      #expect(back.data == data)
    }
    #expect(throws: ImageError.self) { try Npy.encodeFloat32(shape: [2, 2], data: [1, 2, 3]) }
  }

  @Test func versionsAndFloat64() throws {
    let v2 = header(version: 2, dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n")
      + le32(1.5) + le32(-2)
    #expect(try Npy.parseFloat32(bytes: v2).data == [1.5, -2])
    let v3 = header(version: 3, dict: "{\"descr\":\"<f4\",\"shape\":(1, 1),\"fortran_order\":False}")
      + le32(3)
    #expect(try Npy.parseFloat32(bytes: v3).shape == [1, 1])
    var f8 = header(version: 1, dict: "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }")
    let bits = (0.1 as Double).bitPattern
    for i in 0..<8 { f8.append(UInt8((bits >> (8 * UInt64(i))) & 0xFF)) }
    #expect(try Npy.parseFloat32(bytes: f8).data == [Float(0.1 as Double)])
  }

  @Test func rejectsBadFiles() {
    let good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"
    let cases: [(String, [UInt8])] = [
      ("no magic", Array("NOTNUMPY".utf8) + [UInt8](repeating: 0, count: 40)),
      ("short", [0x93, 0x4E]),
      ("version 4", header(version: 4, dict: good)),
      ("big endian", header(version: 1, dict: "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }") + le32(1) + le32(2)),
      ("int32", header(version: 1, dict: "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }") + le32(1) + le32(2)),
      ("fortran", header(version: 1, dict: "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }") + le32(1) + le32(2)),
      ("too little data", header(version: 1, dict: good) + le32(1)),
      ("too much data", header(version: 1, dict: good) + le32(1) + le32(2) + le32(3)),
      ("no shape", header(version: 1, dict: "{'descr': '<f4', 'fortran_order': False}")),
      ("bad shape", header(version: 1, dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (2,x), }")),
      ("huge shape", header(version: 1, dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }")),
      ("extra key", header(version: 1, dict: "{'descr': '<f4', 'fortran_order': False, 'shape': (0,), 'x': 1}")),
      ("unterminated", header(version: 1, dict: "{'descr': '<f4")),
      ("header past end", [0x93] + Array("NUMPY".utf8) + [1, 0, 0xFF, 0x7F, 0x7B]),
    ]
    for (label, bytes) in cases {
      do {
        let r = try Npy.parseFloat32(bytes: bytes, source: label)
        Issue.record("\(label): parsed shape \(r.shape), expected an error")
      } catch {
        guard case .invalidNpy(let source, _) = error else {
          Issue.record("\(label): unexpected \(error)")
          continue
        }
        #expect(source == label)
      }
    }
  }
}
