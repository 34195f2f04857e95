// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// Vigil's version, in one place: `vigil --version`, the `toolkit.version` metadata that
/// `vigil quantize` writes into every model (``Model/toolkitVersion``), and the board package
/// (Tools/package.sh reads it from this file).
public enum VigilVersion {
  public static let string = "0.1.0"
  /// The model metadata key that records the version of the toolkit that wrote the model.
  public static let metadataKey = "toolkit.version"
}
