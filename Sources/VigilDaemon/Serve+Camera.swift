// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import VigilCore

extension Serve {
  /// The V4L2 source (Sources/VigilDaemon/Camera).
  static func runCamera(_ options: ServeOptions, daemon: inout Daemon, sys: Sys)
    throws(VigilError) -> StopReason
  {
    throw .unsupported("--camera \(options.camera): this build has no V4L2 source")
  }
}
