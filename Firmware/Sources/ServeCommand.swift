// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// `vigil-board serve`: the daemon (files, --watch, camera, HTTP), the same core as the host's
/// `vigil serve`. The daemon core (VigilDaemon) is linked by a build that has it; this build
/// does not, and says so instead of pretending.
///
/// The seam: a build with the daemon replaces this file's `run` by a call into VigilDaemon's
/// entry point with the same arguments (Firmware/README.md, "Serve").
enum ServeCommand {
  /// Whether this build links the daemon.
  static let available = false

  static let usage = "usage: vigil-board serve [options] (see vigil serve --help on the host)"

  static func run(_ args: ArraySlice<String>) throws(UsageError) -> Int32 {
    Output.error("vigil-board: serve is not in this build: the daemon core (VigilDaemon) was not "
      + "linked. Use classify, inspect or bench, or build a firmware that includes the daemon.")
    return 2
  }
}
