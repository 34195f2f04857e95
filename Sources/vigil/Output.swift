// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import VigilKit
@preconcurrency import Glibc

// The CLI's output helpers: standard error lines, progress, column padding.

/// Writes a line to standard error.
func printError(_ line: String) {
  FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// `x` with `digits` decimals.
func formatFixed(_ x: Double, _ digits: Int) -> String {
  String(format: "%.\(digits)f", x)
}

/// A probability with four decimals.
func formatScore(_ p: Double) -> String { formatFixed(p, 4) }

/// `s` padded with spaces on the left to `width` characters (never cut).
func padLeft(_ s: String, _ width: Int) -> String {
  String(repeating: " ", count: max(0, width - s.count)) + s
}

/// `s` padded with spaces on the right to `width` characters (never cut).
func padRight(_ s: String, _ width: Int) -> String {
  s + String(repeating: " ", count: max(0, width - s.count))
}

/// Progress of long passes on standard error (``ProgressMeter``): one line updated in place
/// on a terminal, plain lines otherwise, nothing with `quiet`. Other lines written through
/// ``line(_:)`` never land in the middle of a progress line.
struct ProgressOutput {
  let quiet: Bool
  private var meter: ProgressMeter
  /// Whether a terminal progress line is open (drawn, not ended).
  private var open = false
  private let clock = ContinuousClock()
  private let start: ContinuousClock.Instant

  init(quiet: Bool) {
    self.quiet = quiet
    meter = ProgressMeter(style: isatty(STDERR_FILENO) != 0 ? .terminal : .lines)
    start = clock.now
  }

  mutating func update(_ label: String, done: Int, total: Int) {
    guard !quiet else { return }
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    guard let text = meter.update(label, done: done, total: total, now: seconds) else { return }
    FileHandle.standardError.write(Data(text.utf8))
    open = meter.style == .terminal && !text.hasSuffix("\n")
  }

  /// A message line (warnings, skipped images): always written, even with `quiet`.
  mutating func line(_ text: String) {
    if open {
      FileHandle.standardError.write(Data("\n".utf8))
      open = false
    }
    printError(text)
  }
}
