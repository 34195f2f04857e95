// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import VigilCore

extension Serve {
  /// The V4L2 source (Sources/VigilDaemon/Camera): `--camera`, `--size`, `--fps`, `--format`
  /// and `--buffers` become its ``CameraSettings``.
  static func runCamera(_ options: ServeOptions, daemon: inout Daemon, sys: Sys)
    throws(VigilError) -> StopReason
  {
    var settings = CameraSettings(device: options.camera)
    settings.width = options.width
    settings.height = options.height
    settings.fps = options.fps
    settings.bufferCount = options.buffers
    guard let format = CameraFormatPreference(parsing: options.format) else {
      throw .invalidArgument("format: '\(options.format)' is not one of auto, mjpeg, yuyv, grey, nv12")
    }
    settings.format = format
    var source = try CameraSource(settings)
    return try daemon.run(&source)
  }
}
