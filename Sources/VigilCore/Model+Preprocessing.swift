// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CKernels

extension Preprocessing {
  /// The preprocessing a `.vigil` file records (input size, crop_pct, mean, std), as
  /// `vigil classify` and `vigil serve` both apply it: ``resizeAndCrop(_:)`` gives the uint8
  /// pixels the int8 model reads (its stem folds the normalization in).
  public init(model: borrowing Model) {
    let p = model.preprocessing
    // The file stores crop_pct as a float; its shortest decimal form is what the user gave.
    let cropPct = Double("\(p.crop_pct)") ?? Double(p.crop_pct)
    self.init(size: Int(p.input_size), cropPct: cropPct, mean: (p.mean.0, p.mean.1, p.mean.2),
              std: (p.std.0, p.std.1, p.std.2))
  }
}
