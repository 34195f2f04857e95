// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import ArgumentParser
import VigilKit

/// How a command names the network: a published variant or a custom JSON configuration.
struct NetworkOptions: ParsableArguments {
  @Option(help: "Published network variant: ti, s, m or b (224x224, 1000 classes).")
  var variant: String?

  @Option(help: ArgumentHelp("Custom network configuration (JSON).", valueName: "file"))
  var config: String?

  init() {}

  init(variant: String?, config: String?) {
    self.variant = variant
    self.config = config
  }

  func validate() throws {
    if variant != nil && config != nil {
      throw ValidationError("Give either --variant or --config, not both.")
    }
    if variant == nil && config == nil {
      throw ValidationError("Name the network with --variant ti|s|m|b or --config FILE.")
    }
    if let variant, !NetworkConfig.variantNames.contains(variant.lowercased()) {
      throw ValidationError("Unknown variant '\(variant)': use ti, s, m or b.")
    }
  }

  /// The configuration, validated; its warnings are printed to standard error.
  func resolve() throws -> NetworkConfig {
    let c = try config.map { try NetworkConfig.load(path: $0) } ?? NetworkConfig.variant(variant!)
    for w in c.warnings { printError("warning: \(w)") }
    return c
  }
}
