// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

/// A command-line mistake: what was wrong and what to do, printed with the usage line.
struct UsageError: Error {
  var message: String
  init(_ message: String) { self.message = message }
}

/// A hand-written parser (Embedded Swift has no swift-argument-parser): long options as
/// `--name value` or `--name=value`, flags as `--name`, `--` ends the options, everything else
/// is positional in order.
///
///     var a = try Arguments(args, flags: ["--json"], options: ["--top"])
///     let json = a.flag("--json")
///     let top = try a.integer("--top", default: 5, minimum: 1)
struct Arguments {
  private var flags: Set<String> = []
  private var values: [String: String] = [:]
  /// The positional arguments, in order.
  private(set) var positional: [String] = []
  /// Whether `--help` or `-h` was given.
  private(set) var help = false

  init(_ args: ArraySlice<String>, flags knownFlags: Set<String>, options knownOptions: Set<String>)
    throws(UsageError)
  {
    var i = args.startIndex
    var optionsEnded = false
    while i < args.endIndex {
      let arg = args[i]
      i += 1
      if optionsEnded || !arg.hasPrefix("-") || arg == "-" {
        positional.append(arg)
        continue
      }
      if arg == "--" { optionsEnded = true; continue }
      if arg == "--help" || arg == "-h" { help = true; continue }
      var name = arg
      var inline: String? = nil
      if let eq = arg.utf8.firstIndex(of: UInt8(ascii: "=")) {
        name = String(arg[..<eq])
        inline = String(arg[arg.index(after: eq)...])
      }
      if knownFlags.contains(name) {
        if inline != nil { throw UsageError("\(name) takes no value") }
        flags.insert(name)
      } else if knownOptions.contains(name) {
        if values[name] != nil { throw UsageError("\(name) given twice") }
        if let inline {
          values[name] = inline
        } else {
          guard i < args.endIndex else { throw UsageError("\(name) needs a value") }
          values[name] = args[i]
          i += 1
        }
      } else {
        throw UsageError("unknown option '\(name)'")
      }
    }
  }

  /// Whether the flag was given.
  func flag(_ name: String) -> Bool { flags.contains(name) }

  /// The option's value, or nil.
  func value(_ name: String) -> String? { values[name] }

  /// The option as a decimal integer in `minimum...maximum`, or `defaultValue`.
  func integer(_ name: String, default defaultValue: Int, minimum: Int, maximum: Int = 1 << 30)
    throws(UsageError) -> Int
  {
    guard let text = values[name] else { return defaultValue }
    guard let v = Int(text, radix: 10) else {
      throw UsageError("\(name) takes a whole number, got '\(text)'")
    }
    guard v >= minimum && v <= maximum else {
      throw UsageError("\(name) must be between \(minimum) and \(maximum), got \(v)")
    }
    return v
  }
}
