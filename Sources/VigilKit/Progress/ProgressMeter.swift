// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation

/// Turns `(done, total)` updates of a long pass over images into progress text for standard
/// error.
///
/// - `.terminal`: one line, rewritten in place (carriage return, erase to end of line) with
///   the count, the rate and the time left, at most ten times a second; the last update of a
///   pass ends the line.
/// - `.lines`: for logs and pipes, plain lines with the count only, at every tenth of the
///   pass and at its end (no rates: the same run gives the same text).
///
///     var meter = ProgressMeter(style: isatty(2) != 0 ? .terminal : .lines)
///     if let text = meter.update("calibrate: pass 1", done: 3, total: 512, now: seconds) { write(text) }
public struct ProgressMeter: Sendable {
  public enum Style: Sendable, Equatable { case terminal, lines }

  public let style: Style
  private var label = ""
  private var start = 0.0
  private var lastDraw = -Double.infinity
  private var lastTenth = -1

  public init(style: Style) { self.style = style }

  /// The text to write for this update (nil: nothing). `now` is in seconds on any monotonic
  /// clock.
  public mutating func update(_ label: String, done: Int, total: Int, now: Double) -> String? {
    if label != self.label || done <= 1 {
      self.label = label
      start = now
      lastDraw = -Double.infinity
      lastTenth = -1
    }
    let finished = done >= total
    switch style {
    case .lines:
      let tenth = total > 0 ? done * 10 / total : 10
      guard tenth != lastTenth || finished else { return nil }
      lastTenth = tenth
      guard tenth > 0 || finished else { return nil }
      return "\(label), \(done)/\(total) images\n"
    case .terminal:
      guard finished || now - lastDraw >= 0.1 else { return nil }
      lastDraw = now
      var text = "\r\u{1B}[K\(label), \(done)/\(total) images"
      let elapsed = now - start
      if done > 1, elapsed > 0 {
        let rate = Double(done - 1) / elapsed
        text += String(format: ", %.1f images/s", rate)
        text += finished
          ? ", " + Self.duration(elapsed)
          : ", " + Self.duration(Double(total - done) / rate) + " left"
      }
      return finished ? text + "\n" : text
    }
  }

  /// `m:ss` (or `h:mm:ss`) for a number of seconds.
  public static func duration(_ seconds: Double) -> String {
    let s = seconds.isFinite ? Int(seconds.rounded()) : 0
    return s >= 3600
      ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
      : String(format: "%d:%02d", s / 60, s % 60)
  }
}
