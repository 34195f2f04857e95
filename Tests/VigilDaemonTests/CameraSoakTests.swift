// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CVigilSys
import Foundation
import VigilCore
import VigilDaemon
import XCTest

/// Long runs of the camera source at full speed over the fake device: every frame accounted
/// for, and resident memory flat after warm-up (the figures are printed).
final class CameraSoakTests: XCTestCase {
  /// Resident set size in KiB, from /proc/self/statm.
  static func residentKiB() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return -1 }
    let fields = text.split(separator: " ")
    return (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
  }

  func soak(format: UInt32, width: Int, height: Int, good: [UInt8], frames: Int,
            file: StaticString = #filePath, line: UInt = #line) throws
  {
    let fake = FakeCamera(formats: [format])
    var script: [FakeCamera.Step] = []
    script.reserveCapacity(frames)
    for i in 0..<frames {
      if i % 1000 == 999 {
        script.append(.frame(Array(good.prefix(good.count / 3))))  // bad: short or truncated
      } else if i % 10_000 == 5000 {
        script.append(.unplug(errno: VGL_V4L2_EIO, absentOpens: 1))
      } else if i % 500 == 250 {
        script.append(.frame(good, skip: 1))
      } else {
        script.append(.frame(good))
      }
    }
    fake.script = script
    var settings = CameraSettings(device: "/dev/video7")
    settings.width = width
    settings.height = height
    var camera = try CameraSource(settings, io: fake.io)
    var seen = (frames: 0, bad: 0, dropped: 0, lost: 0, back: 0)
    var warm = 0
    var calls = 0
    while calls < 2 * frames {
      calls += 1
      switch try camera.next(timeoutMs: 10) {
      case .frame: seen.frames += 1
      case .badFrame: seen.bad += 1
      case .dropped(let n): seen.dropped += n
      case .disconnected: seen.lost += 1
      case .reconnected: seen.back += 1
      case .idle, .ended: break
      }
      if seen.frames == frames / 10 && warm == 0 { warm = Self.residentKiB() }
      if camera.counters.dequeued + seen.lost == frames { break }
    }
    let end = Self.residentKiB()
    let c = camera.counters
    print("camera soak \(camera.format.fourccString) \(width)x\(height): \(frames) steps, \(c.frames) frames, \(c.bad) bad, \(c.dropped) dropped, \(c.disconnects) unplugs; resident \(warm) KiB after \(frames / 10) frames, \(end) KiB at the end (\(end - warm) KiB)")
    let unplugs = frames / 10_000
    let bad = frames / 1000
    XCTAssertEqual(seen.lost, unplugs, file: file, line: line)
    XCTAssertEqual(seen.back, unplugs, file: file, line: line)
    XCTAssertEqual(seen.bad, bad, file: file, line: line)
    XCTAssertEqual(seen.frames, frames - bad - unplugs, file: file, line: line)
    XCTAssertEqual(seen.dropped, c.dropped, file: file, line: line)
    XCTAssertEqual(c.dequeued, c.frames + c.bad + c.stale, file: file, line: line)
    // Flat: no per-frame growth (100 bytes a frame would show as megabytes here).
    XCTAssertLessThan(end - warm, 512, "resident memory grew", file: file, line: line)
  }

  func testYUYVSoak100kFrames() throws {
    var yuyv = [UInt8](repeating: 0, count: 64 * 32 * 2)
    for i in yuyv.indices { yuyv[i] = UInt8(truncatingIfNeeded: i &* 31) }
    try soak(format: VGL_V4L2_PIX_FMT_YUYV, width: 64, height: 32, good: yuyv, frames: 100_000)
  }

  func testMJPEGSoak() throws {
    // small.jpg is 48x36; a third of it is a truncated frame.
    try soak(format: VGL_V4L2_PIX_FMT_MJPEG, width: 48, height: 36,
             good: CameraFixtures.bytes("images/small.jpg"), frames: 20_000)
  }
}
