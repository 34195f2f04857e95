// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CVigilSys
import Foundation
import VigilCore
import VigilDaemon
import XCTest

/// The daemon loop over the camera source over the fake device: frames classified, bad frames,
/// drops, an unplug and its reconnection all reach the JSON lines, and the counts add up.
final class CameraDaemonTests: XCTestCase {
  /// A grey 28x28 sample as YUYV (BT.601 limited range, neutral chroma).
  static func yuyv(ofSample name: String) throws -> [UInt8] {
    let image = try ImageDecoder.decode(path: CameraFixtures.path("samples/\(name)"))
    var out: [UInt8] = []
    for i in 0..<(image.width * image.height) {
      let g = Double(image.pixels[3 * i])
      out.append(UInt8((16 + 219 * g / 255).rounded()))
      out.append(128)
    }
    return out
  }

  func lines(_ path: String) throws -> [[String: Any]] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
      try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
  }

  func testTheDaemonClassifiesCameraFramesAndLogsEveryProblem() throws {
    let pullover = try Self.yuyv(ofSample: "t10k-00001-pullover.png")
    let trouser = try Self.yuyv(ofSample: "t10k-00002-trouser.png")
    let fake = FakeCamera(formats: [VGL_V4L2_PIX_FMT_YUYV])
    fake.realDescriptors = true
    var script: [FakeCamera.Step] = []
    for _ in 0..<6 { script.append(.frame(pullover)) }
    script.append(.frame(Array(pullover.prefix(1000))))  // short: a bad frame
    script.append(.frame(pullover, skip: 2))  // the driver lost 2 frames
    script.append(.unplug(errno: VGL_V4L2_ENODEV, absentOpens: 2))
    for _ in 0..<6 { script.append(.frame(trouser)) }
    fake.script = script
    fake.onScriptEnd = { _ = vsys_raise(Int32(VSYS_SIGTERM)) }

    let dir = try Fixture.folder("camera-daemon")
    var options = ServeOptions()
    options.model = Fixture.model
    options.camera = "/dev/video7"
    options.output = dir + "/out.jsonl"
    var settings = CameraSettings(device: "/dev/video7")
    settings.width = 28
    settings.height = 28
    var source = try CameraSource(settings, io: fake.io)
    var daemon = try Daemon(options: options)
    let reason = try daemon.run(&source)
    XCTAssertEqual(reason, .signal(Int32(VSYS_SIGTERM)))

    let out = try lines(options.output)
    let types = out.map { $0["type"] as! String }
    XCTAssertEqual(types.first, "start")
    XCTAssertEqual(types.last, "stop")
    XCTAssertEqual(out[0]["source"] as? String, "v4l2 /dev/video7 YUYV 28x28 @30 (fake: Fake camera, 4 buffers)")
    let results = out.filter { $0["type"] as? String == "result" }
    XCTAssertEqual(results.count, 13)
    let labels = results.map { (($0["top"] as! [[String: Any]])[0]["label"] as! String) }
    XCTAssertEqual(labels, Array(repeating: "Pullover", count: 7) + Array(repeating: "Trouser", count: 6))
    XCTAssertTrue(results.allSatisfy { $0["source"] as? String == "/dev/video7" })
    let errors = out.filter { $0["type"] as? String == "error" }.map { $0["kind"] as! String }
    XCTAssertEqual(errors, ["bad_frame", "disconnected", "reconnected"])

    let stop = out.last!
    let captured = stop["captured"] as! Int, classified = stop["classified"] as! Int
    let dropped = stop["dropped"] as! Int, bad = stop["bad"] as! Int
    XCTAssertEqual(classified, 13)
    XCTAssertEqual(dropped, 2)
    XCTAssertEqual(bad, 1)
    XCTAssertEqual(captured, classified + dropped + bad)
    XCTAssertEqual(stop["disconnects"] as? Int, 1)
    XCTAssertEqual(source.counters.reconnects, 1)
    XCTAssertEqual(source.counters.dequeued, 14)
  }

  func testServeRefusesACameraThatIsNotThereOrNotACamera() throws {
    for (device, expected) in [
      ("/dev/vigil-no-such-camera", "camera /dev/vigil-no-such-camera: cannot open: ENOENT (no such file or directory); check the path (ls /dev/video*) and that the camera is plugged in"),
      ("/dev/null", "camera /dev/null: not a V4L2 device (VIDIOC_QUERYCAP: ENOTTY (not a V4L2 device))"),
    ] {
      var options = ServeOptions()
      options.model = Fixture.model
      options.camera = device
      do {
        _ = try Serve.run(options)
        XCTFail("\(device) was accepted")
      } catch {
        switch error {
        case .io(let message), .unsupported(let message): XCTAssertEqual(message, expected)
        default: XCTFail("\(error)")
        }
      }
    }
  }
}
