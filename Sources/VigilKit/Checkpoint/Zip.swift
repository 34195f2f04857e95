// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CVigilIO
import Foundation

/// One file of a zip archive, from its central directory record.
struct ZipEntry {
  var name: String
  var method: Int
  var flags: Int
  var crc32: UInt32
  var compressedSize: Int
  var size: Int
  var localHeaderOffset: Int
}

/// A read-only zip archive over an in-memory (usually memory-mapped) file, as torch.save
/// writes it: stored entries, optional ZIP64 records, data aligned by padding in the local
/// header's extra field. Every offset and size read from the file is bounds-checked; a
/// malformed archive throws ``CheckpointError/badZip(path:reason:)``.
struct ZipArchive {
  let data: Data
  let path: String
  private(set) var entries: [ZipEntry] = []
  private var index: [String: Int] = [:]

  static let localSignature: UInt32 = 0x0403_4b50
  static let centralSignature: UInt32 = 0x0201_4b50
  static let endSignature: UInt32 = 0x0605_4b50
  static let end64Signature: UInt32 = 0x0606_4b50
  static let end64LocatorSignature: UInt32 = 0x0706_4b50

  init(data: Data, path: String) throws(CheckpointError) {
    self.data = data
    self.path = path
    let end = try findEnd()
    var count = try Int(u16(end + 10))
    var cdSize = try Int(u32(end + 12))
    var cdOffset = try Int(u32(end + 16))
    if count == 0xffff || cdSize == 0xffff_ffff || cdOffset == 0xffff_ffff {
      // ZIP64: the locator sits just before the end record and points at the ZIP64 end record.
      guard end >= 20, try u32(end - 20) == Self.end64LocatorSignature else {
        throw fail("the end record has ZIP64 markers but no ZIP64 locator (at \(end - 20))")
      }
      let end64 = try checkedInt(u64(end - 12), "ZIP64 end record offset")
      guard try u32(end64) == Self.end64Signature else {
        throw fail("no ZIP64 end record at offset \(end64)")
      }
      count = try checkedInt(u64(end64 + 32), "ZIP64 entry count")
      cdSize = try checkedInt(u64(end64 + 40), "ZIP64 central directory size")
      cdOffset = try checkedInt(u64(end64 + 48), "ZIP64 central directory offset")
    }
    guard cdOffset <= data.count, cdSize <= data.count - cdOffset else {
      throw fail("central directory (offset \(cdOffset), \(cdSize) bytes) is outside the \(data.count)-byte file")
    }
    guard count <= cdSize / 46 else {
      throw fail("\(count) entries cannot fit in a \(cdSize)-byte central directory")
    }
    entries.reserveCapacity(count)
    var p = cdOffset
    let cdEnd = cdOffset + cdSize
    for i in 0..<count {
      guard p + 46 <= cdEnd, try u32(p) == Self.centralSignature else {
        throw fail("central directory record \(i) at offset \(p) is missing or truncated")
      }
      let flags = try Int(u16(p + 8))
      let method = try Int(u16(p + 10))
      let crc = try u32(p + 16)
      var csize = try UInt64(u32(p + 20))
      var usize = try UInt64(u32(p + 24))
      let nameLen = try Int(u16(p + 28))
      let extraLen = try Int(u16(p + 30))
      let commentLen = try Int(u16(p + 32))
      var local = try UInt64(u32(p + 42))
      let nameStart = p + 46
      let extraStart = nameStart + nameLen
      let next = extraStart + extraLen + commentLen
      guard next <= cdEnd else {
        throw fail("central directory record \(i) at offset \(p) runs past the directory's end")
      }
      let name = String(decoding: try bytes(nameStart, nameLen), as: UTF8.self)
      // ZIP64 extended information: the 8-byte fields present are those saturated above.
      var e = extraStart
      while e + 4 <= extraStart + extraLen {
        let id = try u16(e)
        let len = try Int(u16(e + 2))
        guard e + 4 + len <= extraStart + extraLen else {
          throw fail("extra field of \(name) runs past its record")
        }
        if id == 0x0001 {
          var f = e + 4
          func take() throws(CheckpointError) -> UInt64 {
            guard f + 8 <= e + 4 + len else { throw fail("ZIP64 extra field of \(name) is too short") }
            defer { f += 8 }
            return try u64(f)
          }
          if usize == 0xffff_ffff { usize = try take() }
          if csize == 0xffff_ffff { csize = try take() }
          if local == 0xffff_ffff { local = try take() }
        }
        e += 4 + len
      }
      // A compressed entry may inflate past the file; only its stored bytes must fit. Its
      // method is refused by name when the entry is read.
      let entry = ZipEntry(
        name: name, method: method, flags: flags, crc32: crc,
        compressedSize: try checkedInt(csize, "size of \(name)"),
        size: method == 0 ? try checkedInt(usize, "size of \(name)") : Int(clamping: usize),
        localHeaderOffset: try checkedInt(local, "offset of \(name)"))
      if index[name] == nil { index[name] = entries.count }
      entries.append(entry)
      p = next
    }
  }

  /// The entry named exactly `name`.
  func entry(_ name: String) -> ZipEntry? { index[name].map { entries[$0] } }

  /// The byte range of a stored entry's contents in `data` (relative to `data.startIndex`).
  func range(of entry: ZipEntry) throws(CheckpointError) -> Range<Int> {
    if entry.flags & 1 != 0 {
      throw fail("entry \(entry.name) is encrypted")
    }
    guard entry.method == 0 else {
      throw .compressedEntry(path: path, entry: entry.name, method: entry.method)
    }
    guard entry.compressedSize == entry.size else {
      throw fail("stored entry \(entry.name) has compressed size \(entry.compressedSize) but size \(entry.size)")
    }
    let h = entry.localHeaderOffset
    guard h <= data.count - 30, try u32(h) == Self.localSignature else {
      throw fail("no local header for \(entry.name) at offset \(h)")
    }
    let start = h + 30 + (try Int(u16(h + 26))) + (try Int(u16(h + 28)))
    guard start <= data.count, entry.size <= data.count - start else {
      throw fail("\(entry.name) (\(entry.size) bytes at offset \(start)) runs past the end of the \(data.count)-byte file")
    }
    return start..<(start + entry.size)
  }

  /// A stored entry's contents, with its CRC-32 checked (use for small entries).
  func contents(of entry: ZipEntry) throws(CheckpointError) -> [UInt8] {
    let r = try range(of: entry)
    let b = [UInt8](data[(data.startIndex + r.lowerBound)..<(data.startIndex + r.upperBound)])
    let crc = CRC32.checksum(b)
    guard crc == entry.crc32 else {
      throw fail("CRC-32 of \(entry.name) is \(hex(crc)), the directory says \(hex(entry.crc32))")
    }
    return b
  }

  // MARK: Bounds-checked little-endian reads

  /// Finds the end-of-central-directory record in the last 64 KiB + 22 bytes.
  private func findEnd() throws(CheckpointError) -> Int {
    guard data.count >= 22 else { throw fail("the file is \(data.count) bytes, too short for a zip end record") }
    let lowest = max(0, data.count - 22 - 0xffff)
    var p = data.count - 22
    while p >= lowest {
      if try u32(p) == Self.endSignature, try Int(u16(p + 20)) == data.count - 22 - p {
        return p
      }
      p -= 1
    }
    // Accept a comment length that disagrees with the file size (trailing bytes), as unzip does.
    p = data.count - 22
    while p >= lowest {
      if try u32(p) == Self.endSignature { return p }
      p -= 1
    }
    throw fail("no end-of-central-directory record (the file is truncated or not a zip archive)")
  }

  private func fail(_ reason: String) -> CheckpointError { .badZip(path: path, reason: reason) }

  private func checkedInt(_ v: UInt64, _ what: String) throws(CheckpointError) -> Int {
    guard v <= UInt64(data.count) else { throw fail("\(what) is \(v), larger than the \(data.count)-byte file") }
    return Int(v)
  }

  private func bytes(_ at: Int, _ n: Int) throws(CheckpointError) -> Data {
    guard at >= 0, n >= 0, at <= data.count - n else {
      throw fail("read of \(n) bytes at offset \(at) is outside the \(data.count)-byte file")
    }
    return data[(data.startIndex + at)..<(data.startIndex + at + n)]
  }

  private func u16(_ at: Int) throws(CheckpointError) -> UInt16 {
    let b = try bytes(at, 2)
    return UInt16(b[b.startIndex]) | UInt16(b[b.startIndex + 1]) << 8
  }

  private func u32(_ at: Int) throws(CheckpointError) -> UInt32 {
    let b = try bytes(at, 4)
    var v: UInt32 = 0
    for i in (0..<4).reversed() { v = v << 8 | UInt32(b[b.startIndex + i]) }
    return v
  }

  private func u64(_ at: Int) throws(CheckpointError) -> UInt64 {
    let b = try bytes(at, 8)
    var v: UInt64 = 0
    for i in (0..<8).reversed() { v = v << 8 | UInt64(b[b.startIndex + i]) }
    return v
  }
}

private func hex(_ v: UInt32) -> String { "0x" + String(v, radix: 16) }

/// CRC-32 (IEEE 802.3, reflected, as zip uses it), by zlib (`vgl_io_crc32`).
enum CRC32 {
  static func checksum(_ bytes: [UInt8]) -> UInt32 {
    bytes.withUnsafeBufferPointer { vgl_io_crc32($0.baseAddress, $0.count) }
  }
}
