// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import ArgumentParser
import VigilKit

/// How a command names the network of a checkpoint: a published variant, a custom JSON
/// configuration, or neither (then the checkpoint's tensor shapes say; see
/// ``NetworkConfig/infer(from:)``).
struct NetworkOptions: ParsableArguments {
  @Option(help: "Published network variant of the checkpoint (224x224, 1000 classes). Without --variant and --config the network is inferred from the checkpoint.")
  var variant: VariantChoice?

  @Option(help: ArgumentHelp("Custom network configuration of the checkpoint (JSON).", valueName: "file"))
  var config: String?

  @Flag(help: "List every key that does not fit when the checkpoint does not match the network (else the first few and a count).")
  var verbose = false

  /// Whether --variant or --config was given.
  var isGiven: Bool { variant != nil || config != nil }

  /// The network as VigilKit names it.
  var source: NetworkSource {
    if let variant { return .variant(variant.rawValue) }
    if let config { return .config(path: config) }
    return .inferred
  }

  func validate() throws {
    if variant != nil && config != nil {
      throw ValidationError("Give either --variant or --config, not both.")
    }
  }

  /// The configuration of `checkpoint`'s network, validated; its warnings are printed to
  /// standard error. The checkpoint is read only when its shapes must say (or, with
  /// --verbose, to list every key of a mismatch).
  func resolve(checkpoint: String, ema: Bool) throws -> NetworkConfig {
    var c = try source.configWithoutWeights()
    if c == nil || verbose {
      let weights = try Checkpoint.load(path: checkpoint, ema: ema)
      if c == nil { c = try source.resolve(weights: weights) }
      if verbose { _ = try source.network(weights: weights, verbose: true) }
    }
    for w in c!.warnings { printError("warning: \(w)") }
    return c!
  }
}
