// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import VigilCore

/// A region of interest in frame pixels.
public struct CropRect: Equatable {
  public var x: Int, y: Int, width: Int, height: Int
  public init(x: Int, y: Int, width: Int, height: Int) {
    self.x = x; self.y = y; self.width = width; self.height = height
  }
}

/// Everything `vigil serve` can be told, by flag or by config file: the same keys, the same
/// checks (``set(_:_:)``), documented in docs/serve.md.
///
///     var options = ServeOptions()
///     try options.load(config: text, name: "vigil.conf")   // key = value lines
///     try options.set("every", "2")                          // a flag overrides the file
///     try options.validate()
public struct ServeOptions {
  /// The `.vigil` model file (reloaded on SIGHUP).
  public var model = ""
  /// Image files to classify in order (`file` key, repeatable; positional arguments).
  public var files: [String] = []
  /// Cycle the files forever.
  public var loop = false
  /// A folder to watch for new images.
  public var watch = ""
  /// Where handled watched files are moved ("" keeps them in place).
  public var done = ""
  /// The most arrivals a watched folder queues before new ones are dropped (left in place).
  public var pending = 1024
  /// A V4L2 device.
  public var camera = ""
  /// Requested camera frame size (0 x 0: the driver's default).
  public var width = 0, height = 0
  /// Requested camera rate; for the synthetic source, its frame rate (0: as fast as asked).
  public var fps = 0
  /// Camera pixel format preference: auto, mjpeg, yuyv, grey, nv12.
  public var format = "auto"
  /// Camera mmap buffers.
  public var buffers = 4
  /// An in-memory test pattern source of this size (soak runs), or 0 x 0.
  public var syntheticWidth = 0, syntheticHeight = 0
  /// Run the model on every Nth frame.
  public var every = 1
  /// Region of interest, or nil for the whole frame.
  public var crop: CropRect? = nil
  /// Results averaged for the state.
  public var smooth = 1
  /// Smoothed probability at which a label becomes the state.
  public var enter = 0.6
  /// Smoothed probability below which the state label is left.
  public var exit = 0.4
  /// Classes listed per result.
  public var top = 3
  /// Append JSON lines here ("" = standard output).
  public var output = ""
  /// Inference threads (passed to the runtime where it has threads).
  public var threads = 1
  /// Seconds without a frame before the source is reopened (0: never).
  public var stallTimeout = 0.0
  /// Stop after this many results (0: never).
  public var maxResults = 0
  /// Stop after this many captured frames (0: never): soak runs.
  public var maxFrames = 0
  /// Serve the HTTP status endpoints here (nil: off); `PORT` alone binds 127.0.0.1.
  public var http: HTTPAddress? = nil

  public init() {}

  /// Every key, in the order docs/serve.md lists them.
  public static let keys: [String] = [
    "model", "file", "loop", "watch", "done", "pending", "camera", "size", "fps", "format",
    "buffers", "synthetic", "every", "crop", "smooth", "enter", "exit", "top", "output",
    "threads", "stall-timeout", "max-results", "max-frames", "http",
  ]

  /// Sets one key from its text form, checking it; the error says what is allowed.
  public mutating func set(_ key: String, _ value: String) throws(VigilError) {
    switch key {
    case "model": model = try Self.path(key, value)
    case "file": files.append(try Self.path(key, value))
    case "loop": loop = try Self.bool(key, value)
    case "watch": watch = try Self.path(key, value)
    case "done": done = try Self.path(key, value)
    case "pending": pending = try Self.int(key, value, 1...1_000_000)
    case "camera": camera = try Self.path(key, value)
    case "size": (width, height) = try Self.size(key, value)
    case "fps": fps = try Self.int(key, value, 0...100_000)
    case "format":
      guard ["auto", "mjpeg", "yuyv", "grey", "nv12"].contains(value) else {
        throw .invalidArgument("format: '\(value)' is not one of auto, mjpeg, yuyv, grey, nv12")
      }
      format = value
    case "buffers": buffers = try Self.int(key, value, 2...32)
    case "synthetic": (syntheticWidth, syntheticHeight) = try Self.size(key, value)
    case "every": every = try Self.int(key, value, 1...1_000_000)
    case "crop": crop = try Self.crop(value)
    case "smooth": smooth = try Self.int(key, value, 1...1000)
    case "enter": enter = try Self.fraction(key, value)
    case "exit": exit = try Self.fraction(key, value)
    case "top": top = try Self.int(key, value, 1...1000)
    case "output": output = try Self.path(key, value)
    case "threads": threads = try Self.int(key, value, 1...64)
    case "stall-timeout":
      let seconds = try Self.number(key, value)
      guard seconds >= 0 && seconds <= 86400 else {
        throw .invalidArgument("stall-timeout: \(value) is outside 0...86400 seconds (0 turns the watchdog off)")
      }
      stallTimeout = seconds
    case "max-results": maxResults = try Self.int(key, value, 0...Int(Int32.max))
    case "max-frames": maxFrames = try Self.int(key, value, 0...Int(Int32.max))
    case "http": http = try HTTPAddress.parse(value)
    default:
      throw .invalidArgument("unknown key '\(key)'; the keys are: \(Self.keys.joined(separator: ", "))")
    }
  }

  /// Reads `key = value` lines: blank lines and lines starting with `#` are skipped; every key
  /// but `file` may appear once. An error names the line.
  public mutating func load(config text: String, name: String) throws(VigilError) {
    var seen: [(String, Int)] = []
    var number = 0
    for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
      number += 1
      let line = Self.trim(Substring(rawLine))
      if line.isEmpty || line.hasPrefix("#") { continue }
      guard let equals = line.firstIndex(of: "=") else {
        throw .invalidArgument("\(name) line \(number): expected 'key = value', got '\(line)'")
      }
      let key = Self.trim(line[line.startIndex..<equals])
      let value = Self.trim(line[line.index(after: equals)...])
      if key != "file", let earlier = seen.first(where: { $0.0 == key }) {
        throw .invalidArgument("\(name) line \(number): '\(key)' was already set on line \(earlier.1)")
      }
      seen.append((key, number))
      do throws(VigilError) {
        try set(key, value)
      } catch {
        throw .invalidArgument("\(name) line \(number): \(Self.message(error))")
      }
    }
  }

  /// Checks the combination: one model, exactly one source, thresholds in order.
  public func validate() throws(VigilError) {
    if model.isEmpty { throw .invalidArgument("no model: give MODEL.vigil (or model = in the config)") }
    var sources = 0
    if !files.isEmpty { sources += 1 }
    if !watch.isEmpty { sources += 1 }
    if !camera.isEmpty { sources += 1 }
    if syntheticWidth > 0 { sources += 1 }
    if sources != 1 {
      throw .invalidArgument("give exactly one source: image files, --watch DIR, --camera DEVICE or --synthetic WxH (got \(sources))")
    }
    if loop && files.isEmpty { throw .invalidArgument("--loop cycles image files; give some") }
    if !done.isEmpty && watch.isEmpty { throw .invalidArgument("--done goes with --watch") }
    if !done.isEmpty && done == watch {
      throw .invalidArgument("--done must be another folder than --watch (moved files would arrive again)")
    }
    if exit > enter {
      throw .invalidArgument("exit (\(exit)) must not be above enter (\(enter)): a label leaves the state below exit")
    }
  }

  /// The message of an error without its category prefix.
  public static func message(_ error: VigilError) -> String {
    if case .invalidArgument(let text) = error { return text }
    return error.description
  }

  static func trim(_ text: Substring) -> String {
    var start = text.startIndex
    var end = text.endIndex
    while start < end && (text[start] == " " || text[start] == "\t" || text[start] == "\r") {
      start = text.index(after: start)
    }
    while end > start {
      let before = text.index(before: end)
      guard text[before] == " " || text[before] == "\t" || text[before] == "\r" else { break }
      end = before
    }
    return String(text[start..<end])
  }

  static func path(_ key: String, _ value: String) throws(VigilError) -> String {
    if value.isEmpty { throw .invalidArgument("\(key): empty path") }
    if value.utf8.contains(0) { throw .invalidArgument("\(key): the path holds a NUL byte") }
    return value
  }

  static func bool(_ key: String, _ value: String) throws(VigilError) -> Bool {
    switch value {
    case "true", "yes", "on", "1": return true
    case "false", "no", "off", "0": return false
    default: throw .invalidArgument("\(key): '\(value)' is not true or false")
    }
  }

  static func int(_ key: String, _ value: String, _ range: ClosedRange<Int>) throws(VigilError) -> Int {
    guard let number = Int(value), range.contains(number) else {
      throw .invalidArgument("\(key): '\(value)' is not a whole number in \(range.lowerBound)...\(range.upperBound)")
    }
    return number
  }

  static func number(_ key: String, _ value: String) throws(VigilError) -> Double {
    guard let number = Double(value), number.isFinite else {
      throw .invalidArgument("\(key): '\(value)' is not a number")
    }
    return number
  }

  static func fraction(_ key: String, _ value: String) throws(VigilError) -> Double {
    let number = try number(key, value)
    guard number >= 0 && number <= 1 else {
      throw .invalidArgument("\(key): \(value) is not a probability in 0...1")
    }
    return number
  }

  static func size(_ key: String, _ value: String) throws(VigilError) -> (Int, Int) {
    let parts = value.split(separator: "x", omittingEmptySubsequences: false)
    guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]),
          (1...16384).contains(w), (1...16384).contains(h)
    else {
      throw .invalidArgument("\(key): '\(value)' is not WIDTHxHEIGHT with sides in 1...16384 (e.g. 640x480)")
    }
    return (w, h)
  }

  static func crop(_ value: String) throws(VigilError) -> CropRect {
    let parts = value.split(separator: ",", omittingEmptySubsequences: false).map { Int(trim($0)) }
    guard parts.count == 4, let x = parts[0], let y = parts[1], let w = parts[2], let h = parts[3],
          x >= 0, y >= 0, w >= 1, h >= 1, x <= 16384, y <= 16384, w <= 16384, h <= 16384
    else {
      throw .invalidArgument("crop: '\(value)' is not x,y,width,height (x, y >= 0; width, height >= 1; all <= 16384)")
    }
    return CropRect(x: x, y: y, width: w, height: h)
  }
}
