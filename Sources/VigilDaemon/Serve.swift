// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import VigilCore

/// The daemon's entry point shared by `vigil serve` and the board binary: checks the options,
/// loads the model, opens the one source they name and runs the loop.
public enum Serve {
  /// Reads a config file (`key = value` lines) into `options`.
  public static func load(config path: String, into options: inout ServeOptions,
                          sys: Sys = Sys()) throws(VigilError)
  {
    var bytes: [UInt8] = []
    do throws(VigilError) {
      try sys.readFile(path, maxBytes: 1 << 20, into: &bytes)
    } catch {
      if case .io(let why) = error { throw .io("--config \(path): \(why)") }
      throw error
    }
    try options.load(config: String(decoding: bytes, as: UTF8.self), name: path)
  }

  /// Runs the daemon to its stop.
  ///
  /// - Throws: a bad option combination, a model that does not load, a source that cannot be
  ///   opened, or an output that cannot be written; all before or instead of serving.
  public static func run(_ options: ServeOptions, sys: Sys = Sys(),
                         board: SnapshotBoard = SnapshotBoard()) throws(VigilError) -> StopReason
  {
    try options.validate()
    var daemon = try Daemon(options: options, sys: sys, board: board)
    let server = try startHTTP(options, daemon: &daemon, board: board, sys: sys)
    defer { server?.stop() }
    if !options.files.isEmpty {
      var source = FileListSource(paths: options.files, loop: options.loop, sys: sys)
      return try daemon.run(&source)
    }
    if !options.watch.isEmpty {
      var source = try WatchSource(directory: options.watch, done: options.done,
                                   capacity: options.pending, sys: sys)
      return try daemon.run(&source)
    }
    if options.syntheticWidth > 0 {
      var source = SyntheticSource(width: options.syntheticWidth, height: options.syntheticHeight,
                                   fps: options.fps, sys: sys)
      return try daemon.run(&source)
    }
    return try runCamera(options, daemon: &daemon, sys: sys)
  }

  /// Starts the HTTP status side when `--http` asks for it, and says where it listens on
  /// standard error (with a warning when the address is not loopback).
  static func startHTTP(_ options: ServeOptions, daemon: inout Daemon, board: SnapshotBoard,
                        sys: Sys) throws(VigilError) -> StatusServer?
  {
    guard let address = options.http else { return nil }
    let window = options.stallTimeout > 0 ? UInt64(options.stallTimeout * 1e9) : 10_000_000_000
    let feed = StatusFeed(healthWindowNs: window)
    daemon.feed = feed
    let server = try StatusServer(address: address, board: board, feed: feed)
    let bound = HTTPAddress(host: address.host, port: server.port)
    var note = "vigil serve: HTTP status on http://\(bound.description)/"
    note += address.isLoopback ? " (loopback only)\n"
      : " (NOT loopback: reachable from other machines; no authentication)\n"
    var bytes = Array(note.utf8)
    bytes.withUnsafeMutableBytes { b in
      do throws(VigilError) { try sys.writeAll(2, UnsafeRawBufferPointer(b), what: "standard error") } catch {}
    }
    return server
  }
}
