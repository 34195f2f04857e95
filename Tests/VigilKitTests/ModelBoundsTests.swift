// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CKernels
import Foundation
import Testing
import VigilCore
@testable import VigilKit

/// The shipped model with one number changed (checksum recomputed): the loader refuses what
/// the int8 contract or the preprocessing cannot use, and a model file changed under a running
/// model cannot reach it.
@Suite struct ModelBoundsTests {
  static let model = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("weights/fashion-mnist/mobilevigv2-fmnist.vigil").path

  static func u32(_ b: [UInt8], _ at: Int) -> Int {
    Int(b[at]) | Int(b[at + 1]) << 8 | Int(b[at + 2]) << 16 | Int(b[at + 3]) << 24
  }
  static func u64(_ b: [UInt8], _ at: Int) -> Int { u32(b, at) | u32(b, at + 4) << 32 }

  /// The file offset of section `kind` (docs/model-format.md: 32-byte entries from byte 64).
  static func section(_ b: [UInt8], _ kind: Int) -> Int {
    for i in 0..<u32(b, 32) where u32(b, 64 + 32 * i) == kind { return u64(b, 64 + 32 * i + 8) }
    preconditionFailure("no section \(kind)")
  }

  static func withFloat(_ value: Float, at offset: Int) throws -> [UInt8] {
    var b = [UInt8](try Data(contentsOf: URL(fileURLWithPath: model)))
    let bits = value.bitPattern
    for i in 0..<4 { b[offset + i] = UInt8(bits >> (8 * UInt32(i)) & 0xFF) }
    var crc: UInt32 = 0
    b.withUnsafeBytes { _ = vgl_model_checksum($0.baseAddress, $0.count, &crc) }
    for i in 0..<4 { b[24 + i] = UInt8(crc >> (8 * UInt32(i)) & 0xFF) }
    return b
  }

  static func refusal(_ bytes: [UInt8]) -> String? {
    do throws(VigilError) {
      _ = try Model(bytes: bytes)
      return nil
    } catch {
      return "\(error)"
    }
  }

  @Test func aHeadScaleOf3e38IsRefused() throws {
    let b = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.model)))
    let ops = Self.section(b, 7)
    // The head is the last op record; its scale array reference is at +104.
    var opCount = 0
    for i in 0..<Self.u32(b, 32) where Self.u32(b, 64 + 32 * i) == 7 { opCount = Self.u32(b, 64 + 32 * i + 4) }
    let head = ops + 160 * (opCount - 1)
    #expect(Self.u32(b, head) == 6)
    let scale = Self.section(b, 9) + Self.u64(b, head + 104)
    let message = Self.refusal(try Self.withFloat(3e38, at: scale + 4))
    #expect(message?.contains("head) scale[1] = 3e+38 is outside [2^-126, 2^32], the scales the "
      + "int8 contract can use") == true, "\(message ?? "opened")")
    // The unchanged value still opens.
    let original = Float(bitPattern: UInt32(Self.u32(b, scale + 4)))
    #expect(Self.refusal(try Self.withFloat(original, at: scale + 4)) == nil)
  }

  @Test(arguments: [Float(1e-30), 0.2, 1.5, .nan])
  func aCropPctThePreprocessingCannotUseIsRefused(cropPct: Float) throws {
    let b = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.model)))
    let message = Self.refusal(try Self.withFloat(cropPct, at: Self.section(b, 2) + 4))
    #expect(message?.contains("preprocessing crop fraction") == true, "\(message ?? "opened")")
    #expect(message?.contains("is not in [0.25, 1]") == true, "\(message ?? "opened")")
  }

  @Test func preprocessingSizesAreChecked() throws {
    let bad = Preprocessing(size: 64, cropPct: 1e-30)
    #expect(bad.checkedResizeShorterSide == nil)
    #expect(bad.checkedResizedSize(width: 100, height: 50) == nil)
    #expect(throws: ImageError.self) { try bad.validate() }
    #expect(throws: ImageError.self) { try Preprocessing(size: 64, std: (0.2, 0, 0.2)).validate() }
    let pre = Preprocessing(size: 2048, cropPct: 0.25)
    try pre.validate()
    // The largest target: shorter side 8192, the longer one 8192 * 16384 (a 16384 x 1 image).
    #expect(pre.checkedResizedSize(width: 16384, height: 1)! == (134_217_728, 8192))
    #expect(pre.checkedResizedSize(width: 0, height: 5) == nil)
    #expect(Preprocessing.imagenet(size: 64).checkedResizedSize(width: 28, height: 28)! == (71, 71))
  }

  @Test func aModelFileTruncatedAndOverwrittenUnderARunningModelChangesNothing() throws {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("vigil-\(getpid())-live.vigil").path
    let original = try Data(contentsOf: URL(fileURLWithPath: Self.model))
    try original.write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let instance = try Instance(try Model(path: path))
    let side = instance.model.inputSize
    let pixels = [UInt8]((0..<(3 * side * side)).map { UInt8(truncatingIfNeeded: $0 &* 37) })
    let before = try pixels.withUnsafeBufferPointer { p throws(VigilError) in try instance.run(pixels: p) }
    // `cp other.vigil live.vigil` truncates first (the mapped model took SIGBUS here), then
    // writes other bytes of the same size.
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.truncate(atOffset: 0)
    let after = try pixels.withUnsafeBufferPointer { p throws(VigilError) in try instance.run(pixels: p) }
    try handle.write(contentsOf: Data(original.map { $0 ^ 0x5A }))
    try handle.close()
    let overwritten = try pixels.withUnsafeBufferPointer { p throws(VigilError) in try instance.run(pixels: p) }
    #expect(before == after && before == overwritten)
  }
}
