// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import ArgumentParser

@main
struct Vigil: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "vigil",
    abstract: "Int8 MobileViGv2 image classification for small Linux computers.",
    subcommands: [Classify.self, Quantize.self, Inspect.self, Bench.self, Eval.self, Serve.self])
}
