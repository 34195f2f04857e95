// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CVigilBoard

/// The firmware's entry point, called by C's main() (Firmware/Shims/board.c): Embedded Swift
/// has no CommandLine, so argv arrives here.
@_cdecl("vigil_board_main")
func boardMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
  var args: [String] = []
  for i in 0..<Int(argc) { args.append(stringFromC(argv[i]) ?? "") }
  return Board.run(args.dropFirst())
}

/// The `vigil-board` command: one subcommand per file, parsed by hand.
enum Board {
  static let usage = "usage: vigil-board <command> [options] [arguments]"

  static var help: String {
    """
    vigil-board: int8 MobileViGv2 image classification on the board.

    \(usage)

    commands:
      classify    classify images with an int8 .vigil model
      inspect     show a .vigil model: network, arena plan and layers
      bench       measure the latency of a .vigil model on this board
      serve       run the daemon (\(ServeCommand.available ? "files, --watch" : "not in this build"))
      help        show this help, or a command's (help COMMAND)

    options:
      --version   print the version and the architecture
      -h, --help  show this help

    Models are made on the host (vigil quantize); this binary has no quantizer.
    """
  }

  static var version: String {
    let arch = stringFromC(vgl_board_arch()) ?? "unknown"
    var line = "vigil-board \(stringFromC(vgl_board_version()) ?? "") (\(arch))"
    let embedded = stringFromC(vgl_board_embedded_model_name()) ?? ""
    if !embedded.isEmpty { line += ", embedded model \(embedded)" }
    return line
  }

  /// Runs the command line (without argv[0]); returns the exit status: 0 done, 1 a failure
  /// (reported), 2 a usage error.
  static func run(_ args: ArraySlice<String>) -> Int32 {
    guard let command = args.first else {
      Output.error(help)
      return 2
    }
    let rest = args.dropFirst()
    do throws(UsageError) {
      switch command {
      case "classify": return try ClassifyCommand.run(rest)
      case "inspect": return try InspectCommand.run(rest)
      case "bench": return try BenchCommand.run(rest)
      case "serve": return try ServeCommand.run(rest)
      case "--version", "version":
        Output.line(version)
        return 0
      case "--help", "-h":
        Output.line(help)
        return 0
      case "help":
        guard let topic = rest.first else { Output.line(help); return 0 }
        return run(["\(topic)", "--help"])
      default:
        throw UsageError("unknown command '\(command)'; the commands are classify, inspect, "
          + "bench, serve")
      }
    } catch {
      Output.error("vigil-board: \(error.message)")
      Output.error(usageLine(command))
      Output.error("See 'vigil-board \(isCommand(command) ? command + " " : "")--help'.")
      return 2
    }
  }

  private static func isCommand(_ name: String) -> Bool {
    name == "classify" || name == "inspect" || name == "bench" || name == "serve"
  }

  private static func usageLine(_ command: String) -> String {
    switch command {
    case "classify": return ClassifyCommand.usage
    case "inspect": return InspectCommand.usage
    case "bench": return BenchCommand.usage
    case "serve": return ServeCommand.usage
    default: return usage
    }
  }
}
