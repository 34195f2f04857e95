// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

// Every numeric option has a range, stated in --help and checked before any work: values that
// would make a command allocate or loop without bound are refused with the range.

import Foundation
import Testing

@Suite struct OptionRangeTests {
  static let model = Golden.directory.deletingLastPathComponent().appendingPathComponent("model/tiny.vigil").path

  @Test(arguments: [
    (["bench", model, "--runs", "999999999999"], "--runs must be 1 ... 1000000, got 999999999999"),
    (["bench", model, "--runs", "9223372036854775807"], "--runs must be 1 ... 1000000"),
    (["bench", model, "--runs", "0"], "--runs must be 1 ... 1000000, got 0"),
    (["bench", model, "--warmup", "100001"], "--warmup must be 0 ... 100000"),
    (["bench", model, "--warmup=-1"], "--warmup must be 0 ... 100000"),
    (["classify", model, "--top", "100001", "x.jpg"], "--top must be 1 ... 100000"),
    (["eval", model, "--dataset", "folder:/x", "--limit", "0"], "--limit must be 1 ... 100000000"),
    (["quantize", "--checkpoint", "x.pth", "--variant", "ti", "--calib", "x", "-o", "y.vigil",
      "--calib-count", "100001"], "--calib-count must be 1 ... 100000"),
  ])
  func outOfRangeValuesAreRefused(arguments: [String], message: String) throws {
    let r = try CLI.run(arguments)
    #expect(r.status == 64, "\(arguments): \(r.status)")
    #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
  }

  @Test func helpStatesTheRanges() throws {
    for (command, ranges) in [
      ("bench", ["(1 ... 1000000)", "(0 ... 100000)"]), ("classify", ["(1 ... 100000;"]),
      ("eval", ["(1 ... 100000000)"]), ("quantize", ["(1 ... 100000;", "(50, 100]"]),
    ] {
      let help = try CLI.run([command, "--help"]).stdout.replacingOccurrences(of: "\n", with: " ")
        .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
      for r in ranges { #expect(help.contains(r), "\(command) --help lacks \(r)") }
    }
  }
}
