// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import ArgumentParser
import VigilKit

struct Inspect: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show a .vigil model: format, network, preprocessing, arena plan and layers.")

  @Argument(help: ArgumentHelp("The .vigil model.", valueName: "model"))
  var model: String

  @Flag(help: "Print one JSON object (arena_bytes, layers, tensors, ...).")
  var json = false

  func run() throws {
    let info = try ModelInspection(path: model)
    print(json ? info.json : info.text)
  }
}
