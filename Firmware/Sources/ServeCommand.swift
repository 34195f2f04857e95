// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

#if VIGIL_DAEMON
import VigilCore
import VigilDaemon

/// `vigil-board serve`: the daemon core (VigilDaemon) with the host `vigil serve`'s flags,
/// config keys and JSON lines. Every config key is also a flag (`--key value`); `--loop` is a
/// flag; `--config FILE` is read first and flags override it; a first positional argument
/// ending in `.vigil` is the model, the others are image files.
enum ServeCommand {
  /// Whether this build links the daemon.
  static let available = true

  static let usage =
    "usage: vigil-board serve [--config FILE] [--KEY VALUE]... [--loop] [MODEL.vigil] [FILE...]"

  static var help: String {
    """
    Classify frames continuously: image files, a watched folder or a V4L2 camera.

    \(usage)

    Writes JSON Lines: a start line, one result per classified frame, events when the smoothed
    state changes, errors and a stop line. SIGTERM or SIGINT stops it cleanly (exit 0); SIGHUP
    reloads the model file and keeps the old model if the new one fails validation. Every
    option is also a config-file key (--config FILE, `key = value` lines); flags override it.

    keys (each also a flag, --KEY VALUE):
      \(ServeOptions.keys.joined(separator: ", "))
    """
  }

  static func run(_ args: ArraySlice<String>) throws(UsageError) -> Int32 {
    var optionNames: Set<String> = ["--config"]
    for key in ServeOptions.keys where key != "file" && key != "loop" {
      optionNames.insert("--" + key)
    }
    let a = try Arguments(args, flags: ["--loop"], options: optionNames)
    if a.help { Output.line(help); return 0 }
    var options = ServeOptions()
    if let config = a.value("--config") {
      do throws(VigilError) {
        try Serve.load(config: config, into: &options)
      } catch {
        Output.error("Error: \(ServeOptions.message(error))")
        return 1
      }
    }
    do throws(VigilError) {
      var files = a.positional
      if let first = files.first, first.hasSuffix(".vigil") {
        try options.set("model", files.removeFirst())
      }
      if !files.isEmpty { options.files = [] }
      for file in files { try options.set("file", file) }
      if a.flag("--loop") { try options.set("loop", "true") }
      for key in ServeOptions.keys where key != "file" && key != "loop" {
        if let value = a.value("--" + key) { try options.set(key, value) }
      }
    } catch {
      throw UsageError("--\(ServeOptions.message(error))")
    }
    do throws(VigilError) {
      try options.validate()
    } catch {
      throw UsageError(ServeOptions.message(error))
    }
    do throws(VigilError) {
      _ = try Serve.run(options)
      return 0
    } catch {
      Output.error("Error: \(ServeOptions.message(error))")
      return 1
    }
  }
}
#else
/// `vigil-board serve` in a build without the daemon core (VigilDaemon): it says so instead of
/// pretending. Tools/cross-build.sh links the daemon whenever Sources/VigilDaemon exists.
enum ServeCommand {
  /// Whether this build links the daemon.
  static let available = false

  static let usage = "usage: vigil-board serve (not in this build)"

  static func run(_ args: ArraySlice<String>) throws(UsageError) -> Int32 {
    Output.error("vigil-board: serve is not in this build: the daemon core (VigilDaemon) was not "
      + "linked. Use classify, inspect or bench, or build a firmware that includes the daemon.")
    return 2
  }
}
#endif
