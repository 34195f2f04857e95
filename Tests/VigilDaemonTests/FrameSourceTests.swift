// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import VigilCore
import VigilDaemon
import XCTest

final class FrameSourceTests: XCTestCase {
  func testFrameCarriesItsImageAndTimes() {
    let image = RGBImage(width: 2, height: 1, pixels: [1, 2, 3, 4, 5, 6])
    let frame = SourceFrame(image: image, sequence: 7, captureMonotonicNs: 9, origin: "a.png",
                            captureNs: 10, decodeNs: 11)
    XCTAssertEqual(frame.image.pixels, [1, 2, 3, 4, 5, 6])
    XCTAssertEqual(frame.sequence, 7)
    XCTAssertEqual(frame.origin, "a.png")
  }
}
