// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import ArgumentParser
import VigilCore
@preconcurrency import Glibc

@main
struct Vigil: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "vigil",
    abstract: "Int8 MobileViGv2 image classification for small Linux computers.",
    discussion: """
      Exit status: 0 success; 1 a runtime error (a file that cannot be read, a model that \
      does not load, ...), or some inputs of classify or eval failed while the others were \
      reported; 64 a usage error (a bad option or argument; the message says which). See \
      docs/cli.md; serve's statuses are in docs/serve.md.
      """,
    version: "vigil \(VigilVersion.string)",
    subcommands: [Classify.self, Quantize.self, Inspect.self, Bench.self, Eval.self, Serve.self])

  static func main() {
    // Line-buffered even into a pipe: every result printed before an error (or a crash) is out.
    setvbuf(stdout, nil, _IOLBF, 0)
    // Paths are bytes: the raw arguments, decoded losslessly (CommandLine.arguments would turn
    // bytes that are not UTF-8 into U+FFFD and so name another file).
    var arguments: [String] = []
    for i in 1..<Int(CommandLine.argc) {
      if let a = CommandLine.unsafeArgv[i] { arguments.append(PathBytes.decode(cString: a)) }
    }
    main(arguments)
  }
}
