// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CVigilSys
import Foundation
import VigilCore
import VigilDaemon
import XCTest

enum CameraFixtures {
  static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures")

  static func bytes(_ relative: String) -> [UInt8] {
    [UInt8](try! Data(contentsOf: dir.appendingPathComponent(relative)))
  }

  static func path(_ relative: String) -> String { dir.appendingPathComponent(relative).path }
}

/// What one call of `next` gave, reduced to what the tests compare.
enum Seen: Equatable {
  case frame(UInt64)
  case idle
  case bad
  case dropped(Int)
  case disconnected
  case reconnected
  case ended

  init(_ event: SourceEvent) {
    switch event {
    case .frame(let f): self = .frame(f.sequence)
    case .idle: self = .idle
    case .badFrame: self = .bad
    case .dropped(let n): self = .dropped(n)
    case .disconnected: self = .disconnected
    case .reconnected: self = .reconnected
    case .ended: self = .ended
    }
  }
}

final class CameraSourceTests: XCTestCase {
  func settings(_ width: Int = 0, _ height: Int = 0, fps: Int = 0,
                format: CameraFormatPreference = .auto) -> CameraSettings
  {
    var s = CameraSettings(device: "/dev/video7")
    s.width = width
    s.height = height
    s.fps = fps
    s.format = format
    return s
  }

  /// The error opening a camera throws (nil when it opens).
  func openError(_ s: CameraSettings, _ fake: FakeCamera) -> VigilError? {
    do {
      _ = try CameraSource(s, io: fake.io)
      return nil
    } catch {
      return error
    }
  }

  func events(_ camera: inout CameraSource, _ count: Int, timeoutMs: Int32 = 50) throws -> [Seen] {
    var seen: [Seen] = []
    for _ in 0..<count { seen.append(Seen(try camera.next(timeoutMs: timeoutMs))) }
    return seen
  }

  func nextFrame(_ camera: inout CameraSource, file: StaticString = #filePath, line: UInt = #line)
    throws -> SourceFrame?
  {
    let event = try camera.next(timeoutMs: 50)
    guard case .frame(let frame) = event else {
      XCTFail("expected a frame, got \(event)", file: file, line: line)
      return nil
    }
    return frame
  }

  // MARK: - Negotiation

  func testUsesTheDriversAnswerForSizeAndRate() throws {
    let fake = FakeCamera(formats: [VGL_V4L2_PIX_FMT_MJPEG, VGL_V4L2_PIX_FMT_YUYV])
    fake.answerSize = { w, h in (w, h * 3 / 4) }  // as vivid turns 320x240 into 320x180
    fake.maxFps = 25
    fake.maxBuffers = 3
    let camera = try CameraSource(settings(320, 240, fps: 30), io: fake.io)
    XCTAssertEqual(camera.format.format, .yuyv)  // auto prefers YUYV over MJPEG
    XCTAssertEqual(camera.format.width, 320)
    XCTAssertEqual(camera.format.height, 180)
    XCTAssertEqual(camera.format.stride, 640)
    XCTAssertEqual(camera.format.fpsString, "25")
    XCTAssertEqual(camera.format.buffers, 3)
    XCTAssertEqual(camera.describe, "v4l2 /dev/video7 YUYV 320x180 @25 (fake: Fake camera, 3 buffers)")
    XCTAssertTrue(fake.streaming)
    XCTAssertEqual(fake.liveMappings, 3)
    XCTAssertTrue(fake.calls.contains("S_FMT 320x180"))
  }

  func testKeepsTheDriversSizeWhenNoneIsAsked() throws {
    let fake = FakeCamera(formats: [VGL_V4L2_PIX_FMT_MJPEG])
    let camera = try CameraSource(settings(), io: fake.io)
    XCTAssertEqual(camera.format.format, .mjpeg)
    XCTAssertEqual(camera.format.width, 640)
    XCTAssertEqual(camera.format.height, 480)
    XCTAssertEqual(camera.format.fpsString, "30")
  }

  func testExplicitFormatIsUsedOrRefusedWithTheOfferedList() throws {
    let fake = FakeCamera(formats: [VGL_V4L2_PIX_FMT_YUYV, VGL_V4L2_PIX_FMT_MJPEG])
    let camera = try CameraSource(settings(64, 32, format: .only(.mjpeg)), io: fake.io)
    XCTAssertEqual(camera.format.fourccString, "MJPG")

    let h264 = FakeCamera(formats: [0x3436_3248])  // "H264"
    do {
      let error = openError(settings(format: .only(.yuyv)), h264)
      guard case .unsupported(let message)? = error else { return XCTFail("\(String(describing: error))") }
      XCTAssertTrue(message.contains("offers H264, not yuyv"), message)
    }
    XCTAssertTrue(h264.openFds.isEmpty, "the refused device must be closed")
  }

  func testRefusesANodeThatCannotCaptureOrStream() throws {
    let metadata = FakeCamera(formats: [VGL_V4L2_PIX_FMT_YUYV])
    metadata.capabilities = VGL_V4L2_CAP_STREAMING  // a metadata node: no VIDEO_CAPTURE
    do {
      let error = openError(settings(), metadata)
      guard case .unsupported(let message)? = error else { return XCTFail("\(String(describing: error))") }
      XCTAssertTrue(message.contains("is not a video capture node"), message)
    }
    XCTAssertTrue(metadata.openFds.isEmpty)

    let readOnly = FakeCamera(formats: [VGL_V4L2_PIX_FMT_YUYV])
    readOnly.capabilities = VGL_V4L2_CAP_VIDEO_CAPTURE
    do {
      let error = openError(settings(), readOnly)
      guard case .unsupported(let message)? = error else { return XCTFail("\(String(describing: error))") }
      XCTAssertTrue(message.contains("has no streaming I/O"), message)
    }
  }

  func testAMissingDeviceAtStartIsAClearError() throws {
    let fake = FakeCamera(formats: [VGL_V4L2_PIX_FMT_YUYV])
    fake.present = false
    do {
      let error = openError(settings(), fake)
      guard case .io(let message)? = error else { return XCTFail("\(String(describing: error))") }
      XCTAssertEqual(message, "camera /dev/video7: cannot open: ENOENT (no such file or directory); check the path (ls /dev/video*) and that the camera is plugged in")
    }
  }

  func testASetupFailureReleasesWhatWasMapped() throws {
    for request in [VGL_VIDIOC_QBUF, VGL_VIDIOC_STREAMON, VGL_VIDIOC_QUERYBUF] {
      let fake = FakeCamera(formats: [VGL_V4L2_PIX_FMT_YUYV])
      fake.failIoctl = (request, request == VGL_VIDIOC_QUERYBUF ? 3 : 1, VGL_V4L2_ENOMEM)
      do {
        let error = openError(settings(64, 32), fake)
        guard case .io(let message)? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertTrue(message.contains("ENOMEM"), message)
      }
      XCTAssertEqual(fake.liveMappings, 0)
      XCTAssertTrue(fake.openFds.isEmpty)
    }
  }

  func testMapFailuresAndNoBuffersAreClearErrors() throws {
    let fake = FakeCamera(formats: [VGL_V4L2_PIX_FMT_YUYV])
    fake.maxBuffers = 0
    guard case .io(let none)? = openError(settings(64, 32), fake) else { return XCTFail() }
    XCTAssertEqual(none, "camera /dev/video7: the driver granted no buffers; close other programs using it")
    XCTAssertTrue(fake.openFds.isEmpty)

    let busy = FakeCamera(formats: [VGL_V4L2_PIX_FMT_YUYV])
    busy.failIoctl = (VGL_VIDIOC_REQBUFS, 1, VGL_V4L2_EBUSY)
    guard case .io(let inUse)? = openError(settings(64, 32), busy) else { return XCTFail() }
    XCTAssertEqual(inUse, "camera /dev/video7: VIDIOC_REQBUFS failed: EBUSY (device busy: another program is using it)")
  }

  func testARequeueFailureAfterAFrameClosesAndReopens() throws {
    let fake = FakeCamera(formats: [VGL_V4L2_PIX_FMT_GREY])
    fake.failIoctl = (VGL_VIDIOC_QBUF, 5, VGL_V4L2_EIO)  // 4 at start, then the first requeue
    let grey = [UInt8](repeating: 3, count: 16)
    fake.script = [.frame(grey), .frame(grey)]
    var camera = try CameraSource(settings(4, 4), io: fake.io)
    XCTAssertEqual(try events(&camera, 2), [.frame(0), .disconnected])
    XCTAssertEqual(fake.liveMappings, 0)
    var seen: [Seen] = []
    for _ in 0..<10 where seen.last != .frame(1) { seen.append(Seen(try camera.next(timeoutMs: 50))) }
    XCTAssertEqual(seen.filter { $0 != .idle }, [.reconnected, .frame(1)])
  }

  func testSettingsAreValidated() {
    XCTAssertNotNil(openError(settings(640, 0), FakeCamera(formats: [])))
    var s = settings()
    s.bufferCount = 1
    XCTAssertThrowsError(try s.validate())
    s.bufferCount = 4
    s.fps = -1
    XCTAssertThrowsError(try s.validate())
    XCTAssertTrue(CameraSettings.parseSize("640x480")! == (640, 480))
    for bad in ["640", "x480", "640x", "0x480", "640x480x2", "-1x2", "99999x2", "64 x48", ""] {
      XCTAssertNil(CameraSettings.parseSize(bad), bad)
    }
    XCTAssertEqual(CameraFormatPreference(parsing: "nv12"), .only(.nv12))
    XCTAssertEqual(CameraFormatPreference(parsing: "auto"), .auto)
    XCTAssertNil(CameraFormatPreference(parsing: "h264"))
  }

  // MARK: - Raw formats against the independent reference (Tools/make-yuv-golden.py)

  func testYUYVFramesMatchTheBT601Reference() throws {
    let fake = FakeCamera(formats: [VGL_V4L2_PIX_FMT_YUYV])
    fake.stridePadding = 8
    let raw = CameraFixtures.bytes("camera/yuyv-64x32-stride136.raw")
    fake.script = [.frame(raw), .frame(raw)]
    var camera = try CameraSource(settings(64, 32), io: fake.io)
    XCTAssertEqual(camera.format.stride, 136)
    let frame = try XCTUnwrap(nextFrame(&camera))
    XCTAssertEqual(frame.image.width, 64)
    XCTAssertEqual(frame.image.height, 32)
    XCTAssertEqual(frame.image.pixels, CameraFixtures.bytes("camera/yuyv-64x32-stride136.rgb"))
    XCTAssertEqual(frame.sequence, 0)
    XCTAssertEqual(frame.origin, "/dev/video7")
    XCTAssertEqual(frame.captureNs, 500_000, "latency from the driver's timestamp to dequeue")
    let second = try XCTUnwrap(nextFrame(&camera))
    XCTAssertEqual(second.sequence, 1)
    XCTAssertEqual(camera.counters.frames, 2)
    XCTAssertEqual(camera.counters.dequeued, 2)
  }

  func testNV12FramesMatchTheBT601Reference() throws {
    let fake = FakeCamera(formats: [VGL_V4L2_PIX_FMT_NV12])
    fake.stridePadding = 8
    fake.script = [.frame(CameraFixtures.bytes("camera/nv12-64x32-stride72.raw"))]
    var camera = try CameraSource(settings(64, 32), io: fake.io)
    XCTAssertEqual(camera.format.format, .nv12)
    let frame = try XCTUnwrap(nextFrame(&camera))
    XCTAssertEqual(frame.image.pixels, CameraFixtures.bytes("camera/nv12-64x32-stride72.rgb"))
  }

  func testGreyFramesAreReplicated() throws {
    let fake = FakeCamera(formats: [VGL_V4L2_PIX_FMT_GREY])
    fake.stridePadding = 3
    let grey: [UInt8] = [0, 1, 2, 9, 9, 9, 250, 251, 252, 9, 9, 9]  // 3x2, stride 6
    fake.script = [.frame(grey, bytesUsed: 12)]
    var camera = try CameraSource(settings(3, 2), io: fake.io)
    let frame = try XCTUnwrap(nextFrame(&camera))
    XCTAssertEqual(frame.image.pixels, [0, 0, 0, 1, 1, 1, 2, 2, 2, 250, 250, 250, 251, 251, 251, 252, 252, 252])
  }

  func testConversionShimsRefuseBadGeometry() {
    var rgb = [UInt8](repeating: 0, count: 64)
    let src = [UInt8](repeating: 128, count: 64)
    XCTAssertEqual(vgl_v4l2_yuyv_to_rgb(src, 64, 6, 3, 2, &rgb), -1, "odd width")
    XCTAssertEqual(vgl_v4l2_yuyv_to_rgb(src, 15, 8, 4, 2, &rgb), -1, "one byte short")
    XCTAssertEqual(vgl_v4l2_yuyv_to_rgb(src, 16, 8, 4, 2, &rgb), 0)
    XCTAssertEqual(vgl_v4l2_yuyv_to_rgb(src, 64, 7, 4, 2, &rgb), -1, "stride below 2 * width")
    XCTAssertEqual(vgl_v4l2_nv12_to_rgb(src, 64, 4, 4, 3, &rgb), -1, "odd height")
    XCTAssertEqual(vgl_v4l2_nv12_to_rgb(src, 11, 4, 4, 2, &rgb), -1, "chroma plane short")
    XCTAssertEqual(vgl_v4l2_grey_to_rgb(src, 5, 3, 3, 2, &rgb), -1)
    XCTAssertEqual(vgl_v4l2_grey_to_rgb(src, 6, 3, 3, 2, &rgb), 0)
    // Y = 16 and 235 with neutral chroma are black and white exactly.
    let yuyv: [UInt8] = [16, 128, 235, 128]
    XCTAssertEqual(vgl_v4l2_yuyv_to_rgb(yuyv, 4, 4, 2, 1, &rgb), 0)
    XCTAssertEqual(Array(rgb[0..<6]), [0, 0, 0, 255, 255, 255])
  }

  // MARK: - MJPEG

  func testMJPEGFramesDecodeExactlyAsTheSameFiles() throws {
    let fake = FakeCamera(formats: [VGL_V4L2_PIX_FMT_MJPEG])
    let photo = CameraFixtures.bytes("images/landscape.jpg")  // 300x200
    fake.script = [.frame(photo), .frame(photo)]
    var camera = try CameraSource(settings(300, 200), io: fake.io)
    let asFile = try ImageDecoder.decode(path: CameraFixtures.path("images/landscape.jpg"),
                                         applyExifOrientation: false)
    for sequence in 0..<2 {
      let frame = try XCTUnwrap(nextFrame(&camera))
      XCTAssertEqual(frame.sequence, UInt64(sequence))
      XCTAssertEqual(frame.image, asFile)
    }

    // Grey JPEGs (the shipped sample frames) too.
    let sample = FakeCamera(formats: [VGL_V4L2_PIX_FMT_JPEG])
    sample.script = [.frame(CameraFixtures.bytes("samples/t10k-00018-bag.jpg"))]
    var small = try CameraSource(settings(28, 28), io: sample.io)
    let frame = try XCTUnwrap(nextFrame(&small))
    XCTAssertEqual(frame.image, try ImageDecoder.decode(path: CameraFixtures.path("samples/t10k-00018-bag.jpg")))
  }

  func testCorruptAndTruncatedMJPEGFramesAreCountedAndSkipped() throws {
    let fake = FakeCamera(formats: [VGL_V4L2_PIX_FMT_MJPEG])
    let photo = CameraFixtures.bytes("images/landscape.jpg")
    var scrambled = photo
    for i in stride(from: photo.count / 3, to: photo.count - 2, by: 7) { scrambled[i] = 0xFF }
    fake.script = [
      .frame(photo),
      .frame(CameraFixtures.bytes("images/corrupt-truncated-scan.jpg")),  // 300x200, cut short
      .frame(Array(photo.prefix(photo.count / 2))),  // a frame the driver cut in half
      .frame(Array(photo.prefix(100))),  // header only
      .frame(scrambled),
      .frame([UInt8](repeating: 0x42, count: 5000)),  // not a JPEG at all
      .frame(photo),
    ]
    var camera = try CameraSource(settings(300, 200), io: fake.io)
    var reasons: [String] = []
    var seen: [Seen] = []
    for _ in 0..<7 {
      let event = try camera.next(timeoutMs: 50)
      if case .badFrame(let reason) = event { reasons.append(reason) }
      seen.append(Seen(event))
    }
    XCTAssertEqual(seen, [.frame(0), .bad, .bad, .bad, .bad, .bad, .frame(1)])
    XCTAssertEqual(camera.counters.corrupt, 5)
    XCTAssertEqual(camera.counters.frames, 2)
    XCTAssertEqual(camera.counters.dequeued, 7)
    XCTAssertTrue(reasons[0].hasPrefix("camera /dev/video7 frame 2: corrupt MJPEG frame"), reasons[0])
    XCTAssertTrue(reasons.allSatisfy { $0.hasSuffix("; skipped") })
  }

  // MARK: - Wrong sizes

  func testFramesOfTheWrongSizeAreCountedAndSkipped() throws {
    let mjpeg = FakeCamera(formats: [VGL_V4L2_PIX_FMT_MJPEG])
    mjpeg.script = [
      .frame(CameraFixtures.bytes("images/portrait.jpg")),  // 150x220, not 300x200
      .frame(CameraFixtures.bytes("images/landscape.jpg"), bytesUsed: 0),
      .frame(CameraFixtures.bytes("images/landscape.jpg"), bytesUsed: (1 << 20) + 1),
      .frame(CameraFixtures.bytes("images/landscape.jpg"), flags: VGL_V4L2_BUF_FLAG_ERROR),
      .frame(CameraFixtures.bytes("images/landscape.jpg")),
    ]
    var camera = try CameraSource(settings(300, 200), io: mjpeg.io)
    var reasons: [String] = []
    for _ in 0..<4 {
      guard case .badFrame(let reason) = try camera.next(timeoutMs: 50) else { return XCTFail() }
      reasons.append(reason)
    }
    XCTAssertEqual(reasons[0], "camera /dev/video7 frame 1: MJPEG frame is 150x220, the negotiated format is 300x200; skipped")
    XCTAssertEqual(reasons[1], "camera /dev/video7 frame 2: the driver reports 0 bytes in a 1048576-byte buffer; skipped")
    XCTAssertEqual(reasons[2], "camera /dev/video7 frame 3: the driver reports 1048577 bytes in a 1048576-byte buffer; skipped")
    XCTAssertTrue(reasons[3].contains("V4L2_BUF_FLAG_ERROR"))
    XCTAssertNotNil(try nextFrame(&camera))
    XCTAssertEqual(camera.counters.wrongSize, 3)
    XCTAssertEqual(camera.counters.driverErrors, 1)
    XCTAssertEqual(camera.counters.frames, 1)

    let yuyv = FakeCamera(formats: [VGL_V4L2_PIX_FMT_YUYV])
    let raw = CameraFixtures.bytes("camera/yuyv-64x32-stride136.raw")
    yuyv.stridePadding = 8
    yuyv.script = [.frame(Array(raw.prefix(4000))), .frame(raw, bytesUsed: 136 * 31 + 127), .frame(raw)]
    var raw2 = try CameraSource(settings(64, 32), io: yuyv.io)
    guard case .badFrame(let short) = try raw2.next(timeoutMs: 50) else { return XCTFail() }
    XCTAssertEqual(short, "camera /dev/video7 frame 1: 4000 bytes, but YUYV 64x32 (stride 136) needs 4344; skipped")
    XCTAssertEqual(Seen(try raw2.next(timeoutMs: 50)), .bad, "one byte short of the last row")
    XCTAssertEqual(try XCTUnwrap(nextFrame(&raw2)).image.pixels,
                   CameraFixtures.bytes("camera/yuyv-64x32-stride136.rgb"))
    XCTAssertEqual(raw2.counters.wrongSize, 2)
  }

  // MARK: - EAGAIN, silence, sequence gaps

  func testEAGAINAfterPollAndSilenceAreIdle() throws {
    let fake = FakeCamera(formats: [VGL_V4L2_PIX_FMT_GREY])
    let grey = [UInt8](repeating: 7, count: 16)
    fake.script = [.eagain, .silence, .frame(grey), .eagain, .eagain, .frame(grey)]
    var camera = try CameraSource(settings(4, 4), io: fake.io)
    XCTAssertEqual(try events(&camera, 7), [.idle, .idle, .frame(0), .idle, .idle, .frame(1), .idle])
    XCTAssertEqual(camera.counters.eagain, 3)
    XCTAssertEqual(camera.counters.frames, 2)
  }

  func testDriverSequenceGapsAreReportedAsDropped() throws {
    let fake = FakeCamera(formats: [VGL_V4L2_PIX_FMT_GREY])
    let grey = [UInt8](repeating: 7, count: 16)
    fake.script = [.frame(grey), .frame(grey, skip: 3), .frame(grey), .frame(grey, skip: 1)]
    var camera = try CameraSource(settings(4, 4), io: fake.io)
    XCTAssertEqual(try events(&camera, 6), [.frame(0), .dropped(3), .frame(1), .frame(2), .dropped(1), .frame(3)])
    XCTAssertEqual(camera.counters.dropped, 4)
  }

  func testTheNewestReadyFrameWinsAndOlderOnesAreDropped() throws {
    let fake = FakeCamera(formats: [VGL_V4L2_PIX_FMT_GREY])
    fake.framesPerPoll = 3  // the loop fell behind: three frames wait in the driver
    fake.script = [1, 2, 3, 4, 5, 6, 7].map { .frame([UInt8](repeating: $0, count: 16)) }
    var camera = try CameraSource(settings(4, 4), io: fake.io)
    XCTAssertEqual(Seen(try camera.next(timeoutMs: 50)), .dropped(2))
    let third = try XCTUnwrap(nextFrame(&camera))
    XCTAssertEqual(third.image.pixels, [UInt8](repeating: 3, count: 48))
    XCTAssertEqual(try events(&camera, 3), [.dropped(2), .frame(1), .frame(2)])
    XCTAssertEqual(camera.counters.stale, 4)
    XCTAssertEqual(camera.counters.dropped, 0, "no gaps in the driver's own sequence")
    XCTAssertEqual(camera.counters.dequeued, 7)
    XCTAssertEqual(camera.counters.dequeued, camera.counters.frames + camera.counters.bad + camera.counters.stale)
  }

  // MARK: - Unplug and reopen

  func testADeviceThatVanishesIsClosedAndReopenedWithBackoff() throws {
    for (errno, onPoll) in [(VGL_V4L2_ENODEV, false), (VGL_V4L2_EIO, false), (VGL_V4L2_ENODEV, true)] {
      let fake = FakeCamera(formats: [VGL_V4L2_PIX_FMT_GREY])
      let grey = [UInt8](repeating: 9, count: 16)
      fake.script = [.frame(grey), .unplug(errno: errno, onPoll: onPoll, absentOpens: 3), .frame(grey)]
      var s = settings(4, 4)
      s.reopenMinMs = 100
      s.reopenMaxMs = 1000
      var camera = try CameraSource(s, io: fake.io)
      XCTAssertEqual(Seen(try camera.next(timeoutMs: 50)), .frame(0))
      guard case .disconnected(let why) = try camera.next(timeoutMs: 50) else { return XCTFail() }
      let lostAt = fake.nowNs
      XCTAssertTrue(why.hasPrefix("camera /dev/video7: "), why)
      XCTAssertTrue(why.hasSuffix("closed it, reopening (first try in 100 ms)"), why)
      if !onPoll { XCTAssertTrue(why.contains(errno == VGL_V4L2_EIO ? "EIO" : "ENODEV"), why) }
      XCTAssertEqual(camera.pollDescriptor, -1)
      XCTAssertEqual(fake.liveMappings, 0, "buffers unmapped at once")
      XCTAssertTrue(fake.openFds.isEmpty, "device closed at once")
      XCTAssertTrue(camera.describe.hasSuffix("(closed, reopening)"))

      var seen: [Seen] = []
      while seen.last != .reconnected && seen.count < 100 {
        seen.append(Seen(try camera.next(timeoutMs: 50)))
      }
      XCTAssertEqual(seen.last, .reconnected)
      XCTAssertEqual(fake.failedOpens, 3)
      // Attempts at +100, +300 (100 + 200), +700 (+ 400) fail; +1500 (+ 800) succeeds.
      XCTAssertEqual(fake.nowNs - lostAt, 1_500_000_000, "\(seen)")
      XCTAssertTrue(seen.dropLast().allSatisfy { $0 == .idle })
      XCTAssertEqual(Seen(try camera.next(timeoutMs: 50)), .frame(1))
      XCTAssertEqual(camera.counters.disconnects, 1)
      XCTAssertEqual(camera.counters.reconnects, 1)
      XCTAssertEqual(camera.counters.reopenAttempts, 4)
      XCTAssertEqual(camera.counters.frames, 2)
      XCTAssertEqual(fake.opens, 2)
    }
  }

  func testReopenBackoffIsCapped() throws {
    let fake = FakeCamera(formats: [VGL_V4L2_PIX_FMT_GREY])
    fake.script = [.unplug(errno: VGL_V4L2_ENODEV, absentOpens: 8)]
    var s = settings(4, 4)
    s.reopenMinMs = 100
    s.reopenMaxMs = 400
    var camera = try CameraSource(s, io: fake.io)
    XCTAssertEqual(Seen(try camera.next(timeoutMs: 50)), .disconnected)
    var attemptTimes: [UInt64] = []
    var failed = fake.failedOpens
    let start = fake.nowNs
    for _ in 0..<200 {
      let event = Seen(try camera.next(timeoutMs: 1000))
      if fake.failedOpens != failed || event == .reconnected {
        failed = fake.failedOpens
        attemptTimes.append((fake.nowNs - start) / 1_000_000)
      }
      if event == .reconnected { break }
    }
    // 100, 200, 400, then capped at 400.
    XCTAssertEqual(attemptTimes, [100, 300, 700, 1100, 1500, 1900, 2300, 2700, 3100])
    XCTAssertTrue(camera.lastReopenError.isEmpty)
  }

  func testWatchdogReopenRestartsStreaming() throws {
    let fake = FakeCamera(formats: [VGL_V4L2_PIX_FMT_GREY])
    fake.script = [.silence, .frame([UInt8](repeating: 1, count: 16))]
    var camera = try CameraSource(settings(4, 4), io: fake.io)
    XCTAssertEqual(Seen(try camera.next(timeoutMs: 50)), .idle)
    let message = try camera.reopen()
    XCTAssertEqual(message, "reopened v4l2 /dev/video7 GREY 4x4 @30 (fake: Fake camera, 4 buffers)")
    XCTAssertEqual(fake.opens, 2)
    XCTAssertEqual(fake.closes, 1)
    XCTAssertEqual(fake.liveMappings, 4)
    XCTAssertEqual(Seen(try camera.next(timeoutMs: 50)), .frame(0))
  }

  func testEverythingIsReleasedWhenTheSourceEnds() throws {
    let fake = FakeCamera(formats: [VGL_V4L2_PIX_FMT_YUYV])
    do {
      let camera = try CameraSource(settings(64, 32), io: fake.io)
      XCTAssertEqual(fake.liveMappings, 4)
      _ = consume camera
    }
    XCTAssertEqual(fake.streamOffs, 1)
    XCTAssertEqual(fake.liveMappings, 0)
    XCTAssertTrue(fake.openFds.isEmpty)
  }

  // MARK: - Bounded memory

  func testManyFramesReuseOneRGBBufferAndAreAllAccountedFor() throws {
    let fake = FakeCamera(formats: [VGL_V4L2_PIX_FMT_YUYV])
    fake.stridePadding = 8
    let raw = CameraFixtures.bytes("camera/yuyv-64x32-stride136.raw")
    let rgb = CameraFixtures.bytes("camera/yuyv-64x32-stride136.rgb")
    var script: [FakeCamera.Step] = []
    for i in 0..<3000 {
      switch i % 100 {
      case 17: script.append(.frame(Array(raw.prefix(100))))  // bad
      case 42: script.append(.frame(raw, skip: 2))  // 2 dropped
      case 77: script.append(.eagain)
      default: script.append(.frame(raw))
      }
    }
    fake.script = script
    var camera = try CameraSource(settings(64, 32), io: fake.io)
    var addresses = Set<Int>()
    var frames = 0, bad = 0, dropped = 0
    for _ in 0..<3500 {
      switch try camera.next(timeoutMs: 10) {
      case .frame(let frame):
        frames += 1
        _ = frame.image.pixels.withUnsafeBufferPointer { addresses.insert(Int(bitPattern: $0.baseAddress)) }
        if frames == 1 || frames == 2900 { XCTAssertEqual(frame.image.pixels, rgb) }
      case .badFrame: bad += 1
      case .dropped(let n): dropped += n
      default: break
      }
    }
    XCTAssertEqual(frames, 2940)
    XCTAssertEqual(bad, 30)
    XCTAssertEqual(dropped, 60)
    XCTAssertEqual(camera.counters.dequeued, frames + bad)
    XCTAssertEqual(camera.counters.dequeued, camera.counters.frames + camera.counters.bad + camera.counters.stale)
    XCTAssertEqual(addresses.count, 1, "every frame decoded into the same RGB buffer")
  }
}
