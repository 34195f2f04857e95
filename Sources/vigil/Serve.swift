// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import ArgumentParser
import VigilDaemon

struct Serve: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Classify frames continuously: image files, a watched folder or a V4L2 camera.",
    discussion: """
      Writes JSON Lines (docs/serve.md): a start line, one result per classified frame, events \
      when the smoothed state changes, errors (bad frames, reconnects, reloads) and a stop line. \
      SIGTERM or SIGINT stops it cleanly (exit 0); SIGHUP reloads the model file and keeps the \
      old model if the new one fails validation. Every option is also a config-file key \
      (--config FILE, `key = value` lines); flags override the file.
      """)

  @Argument(help: ArgumentHelp("[MODEL.vigil] then image files to classify in order (the model "
    + "may come from the config's `model` key instead).", valueName: "input"))
  var inputs: [String] = []

  @Option(help: ArgumentHelp("Read options from FILE (`key = value` lines, # comments).", valueName: "file"))
  var config: String?

  @Flag(help: "Cycle the image files forever (demos).")
  var loop = false

  @Option(help: ArgumentHelp("Classify every image written and closed in (or moved into) DIR.", valueName: "dir"))
  var watch: String?

  @Option(help: ArgumentHelp("Move handled watched files into DIR.", valueName: "dir"))
  var done: String?

  @Option(help: ArgumentHelp("Most watched arrivals waiting (default 1024); more are dropped and left in place.", valueName: "n"))
  var pending: String?

  @Option(help: ArgumentHelp("Capture from a V4L2 device (/dev/videoN).", valueName: "device"))
  var camera: String?

  @Option(help: ArgumentHelp("Camera frame size to ask for, WIDTHxHEIGHT.", valueName: "WxH"))
  var size: String?

  @Option(help: ArgumentHelp("Camera frame rate to ask for (also the synthetic source's rate).", valueName: "n"))
  var fps: String?

  @Option(help: ArgumentHelp("Camera pixel format.", valueName: "format"))
  var format: CameraFormatChoice?

  @Option(help: ArgumentHelp("Camera mmap buffers (2...32, default 4).", valueName: "n"))
  var buffers: String?

  @Option(help: ArgumentHelp("Use an in-memory test pattern of WIDTHxHEIGHT as the source (soak runs).", valueName: "WxH"))
  var synthetic: String?

  @Option(help: ArgumentHelp("Run the model on every Nth frame (default 1).", valueName: "n"))
  var every: String?

  @Option(help: ArgumentHelp("Classify only this region of each frame: x,y,width,height.", valueName: "x,y,w,h"))
  var crop: String?

  @Option(help: ArgumentHelp("Average the probabilities over the last N results (default 1).", valueName: "n"))
  var smooth: String?

  @Option(help: ArgumentHelp("Smoothed probability at which a label becomes the state (default 0.6).", valueName: "p"))
  var enter: String?

  @Option(help: ArgumentHelp("Smoothed probability below which the state is left (default 0.4).", valueName: "p"))
  var exit: String?

  @Option(help: ArgumentHelp("Classes listed per result (default 3).", valueName: "k"))
  var top: String?

  @Option(help: ArgumentHelp("Append the JSON lines to FILE instead of standard output.", valueName: "file"))
  var output: String?

  @Option(help: ArgumentHelp("Inference threads, 1...64 (default 1).", valueName: "n"))
  var threads: String?

  @Option(help: ArgumentHelp("Reopen the source after this many seconds without a frame (default 0: never).", valueName: "s"))
  var stallTimeout: String?

  @Option(help: ArgumentHelp("Stop after this many results (default 0: never).", valueName: "n"))
  var maxResults: String?

  @Option(help: ArgumentHelp("Stop after this many captured frames (default 0: never).", valueName: "n"))
  var maxFrames: String?

  @Option(help: ArgumentHelp("Serve /health, /latest, /metrics, /snapshot.jpg and a live page at [ADDR:]PORT "
    + "(PORT alone binds 127.0.0.1; docs/serve.md).", valueName: "addr:port"))
  var http: String?

  /// The options from the config file, then the flags and arguments over them.
  func options() throws -> ServeOptions {
    var options = ServeOptions()
    if let config {
      do {
        try VigilDaemon.Serve.load(config: config, into: &options)
      } catch .invalidArgument(let message) {
        throw ValidationError(message)  // a bad line: a usage error, with its line number
      }
    }
    var files = inputs
    if let first = files.first, first.hasSuffix(".vigil") {
      try set(&options, "model", files.removeFirst())
    }
    if !files.isEmpty { options.files = [] }
    for file in files { try set(&options, "file", file) }
    if loop { try set(&options, "loop", "true") }
    let flags: [(String, String?)] = [
      ("watch", watch), ("done", done), ("pending", pending), ("camera", camera), ("size", size),
      ("fps", fps), ("format", format?.rawValue), ("buffers", buffers), ("synthetic", synthetic),
      ("every", every), ("crop", crop), ("smooth", smooth), ("enter", enter), ("exit", exit),
      ("top", top), ("output", output), ("threads", threads), ("stall-timeout", stallTimeout),
      ("max-results", maxResults), ("max-frames", maxFrames), ("http", http),
    ]
    for (key, value) in flags { if let value { try set(&options, key, value) } }
    return options
  }

  private func set(_ options: inout ServeOptions, _ key: String, _ value: String) throws {
    do {
      try options.set(key, value)
    } catch {
      throw ValidationError("--\(ServeOptions.message(error))")
    }
  }

  func validate() throws {
    let options = try options()
    do {
      try options.validate()
    } catch {
      throw ValidationError(ServeOptions.message(error))
    }
  }

  func run() throws {
    _ = try VigilDaemon.Serve.run(try options())
  }
}
