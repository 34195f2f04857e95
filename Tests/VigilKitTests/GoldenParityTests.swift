// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Testing
import VigilCore
@testable import VigilKit

/// Fixtures written by Tools/make-golden.py from the authors' reference PyTorch code.
enum Golden {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/golden")

  struct Manifest: Decodable { var cases: [Case] }
  struct Case: Decodable, CustomTestStringConvertible {
    var name: String
    var config: String
    var checkpoints: [CheckpointFile]
    var inputs: [Input]
    var expected_logits: [Expected]
    var activations: [Activation]
    var testDescription: String { name }
  }
  struct CheckpointFile: Decodable { var file: String; var form: String; var ema_available: Bool }
  struct Input: Decodable { var id: String; var file: String; var photo: String? }
  struct Expected: Decodable { var checkpoint: String; var ema: Bool; var input: String; var file: String }
  struct Activation: Decodable { var input: String; var module: String; var file: String }

  static let manifest: Manifest = try! loadManifest(directory)

  static func loadManifest(_ dir: URL) throws -> Manifest {
    let data = try Data(contentsOf: dir.appendingPathComponent("manifest.json"))
    return try JSONDecoder().decode(Manifest.self, from: data)
  }

  static func path(_ file: String, in dir: URL = directory) -> String {
    dir.appendingPathComponent(file).path
  }

  static func npy(_ file: String, in dir: URL = directory) throws -> [Float] {
    try Npy.readFloat32(path: path(file, in: dir)).data
  }

  /// Runs every (checkpoint form, EMA, input) of `golden` and returns the relative logit
  /// error of each, labelled.
  static func logitErrors(_ golden: Case, in dir: URL = directory) throws -> [(String, Double)] {
    let config = try NetworkConfig.load(path: path(golden.config, in: dir))
    var out: [(String, Double)] = []
    for ckpt in golden.checkpoints {
      for ema in ckpt.ema_available ? [false, true] : [false] {
        let weights = try Checkpoint.load(path: path(ckpt.file, in: dir), ema: ema)
        let engine = try Fp32Engine(Fp32Network(config: config, weights: weights))
        for expected in golden.expected_logits
        where expected.checkpoint == ckpt.file && expected.ema == ema {
          let input = golden.inputs.first { $0.id == expected.input }!
          let logits = try engine.run(npy(input.file, in: dir))
          let reference = try npy(expected.file, in: dir)
          out.append(("\(ckpt.file) ema=\(ema) \(input.id)", relativeError(logits, reference)))
        }
      }
    }
    return out
  }

  /// max |a - b| over max |b|.
  static func relativeError(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count)
    var diff = 0.0, scale = 0.0
    for i in a.indices {
      diff = max(diff, Double(abs(a[i] - b[i])))
      scale = max(scale, Double(abs(b[i])))
    }
    return diff / max(scale, 1e-12)
  }

  static func argmax(_ v: [Float]) -> Int { v.indices.max { v[$0] < v[$1] }! }
}

@Suite struct GoldenParityTests {
  static let cases = Golden.manifest.cases

  /// Logits of every checkpoint form on every `.npy` input equal the reference's within
  /// 1e-4 of the largest |logit|.
  @Test(arguments: cases)
  func logitsMatchTheReference(golden: Golden.Case) throws {
    let errors = try Golden.logitErrors(golden)
    #expect(errors.count >= golden.checkpoints.count)
    for (what, err) in errors {
      #expect(err <= 1e-4, "\(what): relative error \(err)")
    }
  }

  /// The output of every reference module (stem, each backbone block, prediction) matches.
  @Test(arguments: cases)
  func blockActivationsMatchTheReference(golden: Golden.Case) throws {
    let config = try NetworkConfig.load(path: Golden.path(golden.config))
    let ckpt = golden.checkpoints[0]
    let weights = try Checkpoint.load(path: Golden.path(ckpt.file))
    let network = try Fp32Network(config: config, weights: weights)
    let engine = try Fp32Engine(network)
    let byName = Dictionary(uniqueKeysWithValues: network.blockOutputs.map { ($0.name, $0.tensor) })
    #expect(!golden.activations.isEmpty)
    for input in golden.inputs {
      let acts = golden.activations.filter { $0.input == input.id }
      let wanted = Set(acts.compactMap { byName[$0.module] })
      let (_, kept) = try engine.run(Golden.npy(input.file), keeping: wanted)
      for act in acts {
        guard let tensor = byName[act.module] else {
          Issue.record("no block named \(act.module) in the folded network")
          continue
        }
        let err = Golden.relativeError(kept[tensor]!, try Golden.npy(act.file))
        #expect(err <= 1e-4, "\(golden.name) \(input.id) \(act.module): relative error \(err)")
      }
    }
  }

  /// A real photo through Vigil's own decoder and preprocessing gives the reference's input
  /// tensor (timm's eval transform on PIL) and so the same top-1 and close logits.
  @Test func photoThroughTheImagePathMatches() throws {
    let golden = Self.cases.first { c in c.inputs.contains { $0.photo != nil } }!
    let photo = golden.inputs.first { $0.photo != nil }!
    let config = try NetworkConfig.load(path: Golden.path(golden.config))
    let classifier = try Fp32Classifier(checkpoint: Golden.path(golden.checkpoints[0].file),
                                        config: config)
    let input = try classifier.input(path: Golden.path(photo.photo!))
    let referenceInput = try Golden.npy(photo.file)
    let inputError = zip(input, referenceInput).map { abs($0 - $1) }.max()!
    #expect(inputError <= 1e-5, "preprocessed photo differs from timm's by \(inputError)")
    let logits = try classifier.engine.run(input)
    let expected = golden.expected_logits.first {
      $0.input == photo.id && $0.checkpoint == golden.checkpoints[0].file && !$0.ema
    }!
    let reference = try Golden.npy(expected.file)
    #expect(Golden.argmax(logits) == Golden.argmax(reference))
    #expect(Golden.relativeError(logits, reference) <= 1e-3)
  }

  /// Splitting activations into their own ops (for calibration) changes no bit of the result.
  @Test func splitActivationsAreBitIdentical() throws {
    let golden = Self.cases.first { $0.name == "tiny-b" }!
    let config = try NetworkConfig.load(path: Golden.path(golden.config))
    let network = try Fp32Network(config: config,
                                  weights: Checkpoint.load(path: Golden.path(golden.checkpoints[0].file)))
    let (split, pre) = network.splittingActivations()
    #expect(split.ops.count == network.ops.count + pre.count)
    #expect(pre.count == network.ops.filter(\.gelu).count && !pre.isEmpty)
    let input = try Golden.npy(golden.inputs[0].file)
    #expect(try Fp32Engine(split).run(input) == Fp32Engine(network).run(input))
  }

  /// A checkpoint for another network is refused with every mismatch named at once (the
  /// description lists them all when verbose, else the first few and a count).
  @Test func mismatchedCheckpointListsEveryProblem() throws {
    let a = Self.cases.first { $0.name == "tiny-a" }!
    let b = Self.cases.first { $0.name == "tiny-b" }!
    let weights = try Checkpoint.load(path: Golden.path(a.checkpoints[0].file))
    let config = try NetworkConfig.load(path: Golden.path(b.config))
    do {
      _ = try Fp32Network(config: config, weights: weights)
      Issue.record("tiny-a weights accepted for tiny-b")
    } catch var error {
      #expect(error.problems.count > 5)
      #expect(error.description.contains("... and \(error.problems.count + error.unexpected.count - FoldError.summaryLines) more"))
      error.verbose = true
      #expect(error.description.contains("backbone.2.0.conv.0.weight: shape [24, 16, 3, 3], expected [16, 16, 3, 3]"))
      #expect(error.description.contains("missing backbone.0.1.dws.pw1.weight"))
      #expect(error.description.contains("missing backbone.1.3.mixer.fc1.0.weight"))
    }
  }
}

/// Full-size variants (ti, s, m, b at 224x224) written by `Tools/make-golden.py --full DIR`;
/// too big to commit, so this runs only when VIGIL_GOLDEN_FULL names that directory:
///   VIGIL_GOLDEN_FULL=$PWD/.golden-full swift test --filter GoldenFullSize
@Suite(.enabled(if: ProcessInfo.processInfo.environment["VIGIL_GOLDEN_FULL"] != nil,
                 "set VIGIL_GOLDEN_FULL to the output of Tools/make-golden.py --full (2.4 GB, not committed)"))
struct GoldenFullSizeTests {
  @Test func allVariantsAndFormsMatchTheReference() throws {
    let dir = URL(fileURLWithPath: ProcessInfo.processInfo.environment["VIGIL_GOLDEN_FULL"]!)
    let manifest = try Golden.loadManifest(dir)
    for golden in manifest.cases {
      let errors = try Golden.logitErrors(golden, in: dir)
      let worst = errors.max { $0.1 < $1.1 }!
      print("\(golden.name): \(errors.count) checks, worst relative logit error \(worst.1) (\(worst.0))")
      for (what, err) in errors { #expect(err <= 1e-4, "\(what): relative error \(err)") }
    }
  }
}
