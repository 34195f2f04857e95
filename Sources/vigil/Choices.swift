// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import ArgumentParser
import VigilKit

// The closed sets the options take: each lists its values in --help, the man page and the
// shell completions, and a value outside it is a usage error that names them.

extension CalibrationMethod: ExpressibleByArgument {}

/// The published MobileViGv2 variants `--variant` names (any letter case).
enum VariantChoice: String, ExpressibleByArgument, CaseIterable {
  case ti, s, m, b

  init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

/// The camera pixel formats `vigil serve --format` asks for.
enum CameraFormatChoice: String, ExpressibleByArgument, CaseIterable {
  case auto, mjpeg, yuyv, grey, nv12
}
