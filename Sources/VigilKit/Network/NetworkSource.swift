// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// How a command names the network of a checkpoint: a published variant, a JSON
/// configuration, or nothing (then the checkpoint's tensors say; ``NetworkConfig/infer(from:)``).
public enum NetworkSource: Sendable, Equatable {
  case variant(String)
  case config(path: String)
  case inferred

  /// The configuration when it does not depend on the checkpoint (nil for `.inferred`):
  /// loaded before any other work, so a bad file is reported first.
  public func configWithoutWeights() throws(ConfigError) -> NetworkConfig? {
    switch self {
    case .variant(let name): return try NetworkConfig.variant(name)
    case .config(let path): return try NetworkConfig.load(path: path)
    case .inferred: return nil
    }
  }

  /// The configuration of `weights`' network.
  public func resolve(weights: StateDict) throws(ConfigError) -> NetworkConfig {
    if let config = try configWithoutWeights() { return config }
    return try NetworkConfig.infer(from: weights)
  }

  /// Folds `weights` into the network this names; a ``FoldError`` lists every key that does
  /// not fit (all of them when `verbose`, else a summary) and the closest published variant.
  public func network(weights: StateDict, verbose: Bool = false) throws -> Fp32Network {
    let config = try resolve(weights: weights)
    do {
      return try Fp32Network(config: config, weights: weights)
    } catch var error {
      error.verbose = verbose
      throw error
    }
  }
}
