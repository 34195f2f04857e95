// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

// Non-finite numbers never become results: NaN or infinite weights and negative BatchNorm
// variances are refused when the checkpoint is folded (classify, eval and quantize all fold),
// so are folded weights that overflow float32; a .npy of float64 values beyond float32 is
// refused; an input whose logits are not finite is that input's error (exit 1, in text and
// JSON), and the results printed before it are all there.

import Foundation
import Testing

@testable import VigilCore
@testable import VigilKit

enum SafetensorsWriter {
  /// A float32 safetensors file of `sd` (keys in the state dict's order).
  static func encode(_ sd: StateDict) -> [UInt8] {
    var entries: [String] = []
    var data: [UInt8] = []
    for key in sd.keys {
      let t = sd.tensors[key]!
      let begin = data.count
      for v in t.data { withUnsafeBytes(of: v.bitPattern.littleEndian) { data += $0 } }
      entries.append("\"\(key)\": {\"dtype\": \"F32\", \"shape\": \(t.shape), \"data_offsets\": [\(begin), \(data.count)]}")
    }
    let header = Array(("{" + entries.joined(separator: ", ") + "}").utf8)
    var out: [UInt8] = []
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { out += $0 }
    return out + header + data
  }
}

@Suite struct NonFiniteTests {
  let tinyA = Golden.manifest.cases.first { $0.name == "tiny-a" }!

  func weights() throws -> (NetworkConfig, StateDict) {
    (try NetworkConfig.load(path: Golden.path(tinyA.config)), try Checkpoint.load(path: Golden.path("tiny-a.safetensors")))
  }

  func foldError(_ edit: (inout StateDict) -> Void) throws -> FoldError? {
    var (config, sd) = try weights()
    edit(&sd)
    do {
      _ = try Fp32Network(config: config, weights: sd)
      return nil
    } catch {
      return error
    }
  }

  @Test func nonFiniteWeightsAndNegativeVariancesAreRefused() throws {
    let (_, sd) = try weights()
    let conv = sd.keys.first { $0.hasSuffix(".weight") && sd[$0]!.shape.count == 4 }!
    let bias = sd.keys.first { $0.hasSuffix(".bias") }!
    let variance = sd.keys.first { $0.hasSuffix(".running_var") }!
    let cases: [(String, (inout StateDict) -> Void, String)] = [
      ("NaN", { $0.tensors[conv]!.data[3] = .nan }, "\(conv): 1 of"),
      ("Inf", { $0.tensors[bias]!.data[0] = -.infinity }, "\(bias): 1 of"),
      ("negative variance", { $0.tensors[variance]!.data[1] = -0.5 }, "\(variance): channel 1 is -0.5"),
      ("overflow after folding", { sd in
        let bn = String(variance.dropLast(".running_var".count))
        sd.tensors[bn + ".weight"]!.data[0] = 3e38
        sd.tensors[variance]!.data[0] = 0
      }, "folding gives"),
    ]
    for (name, edit, expected) in cases {
      guard let e = try foldError(edit) else { Issue.record("\(name): accepted"); continue }
      #expect(e.description.contains(expected), "\(name): \(e)")
      #expect(e.description.contains("cannot use"), "\(name): \(e)")
    }
    #expect(try foldError { _ in } == nil)
  }

  @Test func cliRefusesNaNCheckpointsAndNonFiniteOutputs() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-nan-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var (_, sd) = try weights()
    let good = Golden.path("tiny-a.input0.npy")

    // A huge but finite float32 input: the logits overflow; the good input before it is printed.
    let (shape, data) = try Npy.readFloat32(path: good)
    let huge = dir.appendingPathComponent("huge.npy").path
    try Npy.writeFloat32(path: huge, shape: shape, data: data.map { $0 >= 0 ? 3e38 : -3e38 })
    for json in [false, true] {
      let r = try CLI.run(["classify", "--checkpoint", Golden.path("tiny-a.safetensors"), "--config",
                           Golden.path(tinyA.config)] + (json ? ["--json"] : []) + [good, huge])
      #expect(r.status == 1, "\(r.stderr)")
      let out = r.stdout.split(separator: "\n")
      if json {
        try #require(out.count == 2)
        #expect(out[0].contains("\"top\"") && !out[0].contains("null"))
        #expect(out[1].contains("\"error\"") && out[1].contains("not finite"), "\(out[1])")
      } else {
        #expect(out.count == 1 && out[0].hasPrefix(good + ":"))
        #expect(r.stderr.contains("\(huge): error: the network's output is not finite"), "\(r.stderr)")
      }
    }

    // float64 values beyond float32's range are the .npy's error.
    var f64: [UInt8] = Array("\u{93}NUMPY".unicodeScalars.map { UInt8($0.value) }) + [1, 0]
    var dict = Array("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }".utf8)
    while (10 + dict.count + 1) % 64 != 0 { dict.append(0x20) }
    dict.append(0x0a)
    f64 += [UInt8(dict.count & 0xff), UInt8(dict.count >> 8)] + dict
    for d in [1.0, 1e300] { withUnsafeBytes(of: d.bitPattern.littleEndian) { f64 += $0 } }
    #expect(throws: ImageError.self) { try Npy.parseFloat32(bytes: f64) }
    do { _ = try Npy.parseFloat32(bytes: f64) } catch { #expect("\(error)".contains("beyond float32")) }

    // A NaN weight: classify and quantize refuse the checkpoint by key.
    let key = sd.keys.first { $0.hasSuffix(".weight") && sd[$0]!.shape.count == 4 }!
    sd.tensors[key]!.data[0] = .nan
    let nan = dir.appendingPathComponent("nan.safetensors").path
    try Data(SafetensorsWriter.encode(sd)).write(to: URL(fileURLWithPath: nan))
    let c = try CLI.run(["classify", "--checkpoint", nan, "--config", Golden.path(tinyA.config), good])
    #expect(c.status != 0)
    #expect(c.stderr.contains(key) && c.stderr.contains("NaN or infinite"), "\(c.stderr)")
    let q = try CLI.run(["quantize", "--checkpoint", nan, "--config", Golden.path(tinyA.config), "--calib",
                         Golden.path("photo.jpg"), "-o", dir.appendingPathComponent("q.vigil").path])
    #expect(q.status != 0 && q.stderr.contains(key), "\(q.stderr)")
  }

  @Test func resultsAreOutBeforeTheNextInputRuns() throws {
    // stdout and stderr into one pipe: each result line comes before the next input's error,
    // so a result is never held in a buffer that an error or a crash could lose.
    let vigil = CLI.productsDirectory.appendingPathComponent("vigil").path
    let good = Golden.path("tiny-a.input0.npy")
    let r = try CLI.run(["classify", "--checkpoint", Golden.path("tiny-a.safetensors"), "--config",
                         Golden.path(tinyA.config), good, "/nonexistent/a.npy", good],
                        executable: "/bin/sh", prefix: ["-c", "exec \"$0\" \"$@\" 2>&1", vigil])
    let lines = r.stdout.split(separator: "\n").filter { !$0.hasPrefix("warning:") }
    try #require(lines.count == 4, "\(lines)")
    #expect(lines[0].hasPrefix(good + ": "))
    #expect(lines[1].hasPrefix("/nonexistent/a.npy: error:"))
    #expect(lines[2].hasPrefix(good + ": "))
    #expect(lines[3] == "1 of 3 input(s) failed")
  }

  @Test func evalCountsNonFiniteOutputsAsFailures() throws {
    // A classifier whose logits are NaN for every image: no top-1 is reported over them.
    final class NaNClassifier: ImageClassifier {
      var classes: Int { 10 }
      var labels: [String] { [] }
      func logits(image: RGBImage) throws -> [Float] { try finiteLogits([Float](repeating: .nan, count: 10)) }
    }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-nan-eval-\(UUID())")
    defer { try? FileManager.default.removeItem(at: dir) }
    for c in 0..<10 {
      let sub = dir.appendingPathComponent("c\(c)")
      try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
      try FileManager.default.copyItem(atPath: Golden.path("photo.jpg"), toPath: sub.appendingPathComponent("x.jpg").path)
    }
    let data = try LabeledDataset.open(spec: "folder:" + dir.path)
    let report = try EvaluationReport.run(NaNClassifier(), on: data)
    #expect(report.failed == 10)
    #expect(report.top1Correct == 0)
  }
}
