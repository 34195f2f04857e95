// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import ArgumentParser
import CKernels
import VigilKit

/// The int8 kernel paths, as `--isa` takes them (`VIGIL_ISA` takes the same names).
enum IsaChoice: String, ExpressibleByArgument, CaseIterable {
  case auto, scalar, avx2, avx512vnni, neon, neondot

  var isa: vgl_isa {
    switch self {
    case .auto: VGL_ISA_AUTO
    case .scalar: VGL_ISA_SCALAR
    case .avx2: VGL_ISA_AVX2
    case .avx512vnni: VGL_ISA_AVX512VNNI
    case .neon: VGL_ISA_NEON
    case .neondot: VGL_ISA_NEONDOT
    }
  }
}

/// How an int8 model runs here: threads per inference and the kernel path. Neither changes a
/// single bit of the output.
struct RuntimeOptions: ParsableArguments {
  @Option(help: "Threads per int8 inference (1-64); every count gives the same logits.")
  var threads = 1

  @Option(help: "int8 kernel path: auto (VIGIL_ISA, else the best this CPU has) or one path; every path gives the same logits.")
  var isa: IsaChoice = .auto

  func validate() throws {
    if threads < 1 || threads > 64 { throw ValidationError("--threads must be in 1...64.") }
  }
}
