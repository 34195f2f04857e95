// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import ArgumentParser
import VigilKit

/// How a command names the network of a checkpoint: a published variant or a custom JSON
/// configuration. `validate` checks what is given; commands that need a network call
/// `requireNetwork`.
struct NetworkOptions: ParsableArguments {
  @Option(help: "Published network variant of the checkpoint (224x224, 1000 classes).")
  var variant: VariantChoice?

  @Option(help: ArgumentHelp("Custom network configuration of the checkpoint (JSON).", valueName: "file"))
  var config: String?

  /// Whether --variant or --config was given.
  var isGiven: Bool { variant != nil || config != nil }

  /// Throws unless the network is named.
  func requireNetwork() throws {
    if !isGiven {
      throw ValidationError("Name the network with --variant ti|s|m|b or --config FILE.")
    }
  }

  func validate() throws {
    if variant != nil && config != nil {
      throw ValidationError("Give either --variant or --config, not both.")
    }
  }

  /// The configuration, validated; its warnings are printed to standard error.
  func resolve() throws -> NetworkConfig {
    let c = try config.map { try NetworkConfig.load(path: $0) } ?? NetworkConfig.variant(variant!.rawValue)
    for w in c.warnings { printError("warning: \(w)") }
    return c
  }
}
