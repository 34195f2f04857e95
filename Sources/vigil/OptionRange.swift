// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import ArgumentParser

/// The accepted ranges of the numeric options. Each is stated in the option's --help and
/// checked in `validate()`, so no value can make a command allocate or loop without bound.
enum OptionRange {
  static let top = 1...100_000
  static let limit = 1...100_000_000
  static let calibCount = 1...100_000
  static let runs = 1...1_000_000
  static let warmup = 0...100_000

  /// Throws a ValidationError naming the option and its range when `value` is outside it.
  static func check(_ option: String, _ value: Int, _ range: ClosedRange<Int>) throws {
    guard range.contains(value) else {
      throw ValidationError("\(option) must be \(range.lowerBound) ... \(range.upperBound), got \(value).")
    }
  }
}
