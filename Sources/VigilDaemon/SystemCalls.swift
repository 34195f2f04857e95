// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CVigilSys
import VigilCore

/// Every system call the daemon makes, as a table of functions, so tests can swap one entry to
/// fail on purpose or trace calls (``SystemCalls/system`` is the real one). The camera's V4L2
/// calls have a table of their own (`V4L2IO`); the model file is opened by the C runtime.
///
/// Entries follow the raw kernel convention: a result `>= 0` is success, a negative result is
/// `-errno`. The throwing wrappers in ``Sys`` retry `EINTR` and turn the rest into
/// ``VigilError/io(_:)`` naming the call, its argument and the errno text.
public struct SystemCalls {
  public var open: (String, Int32) -> Int
  public var close: (Int32) -> Int
  public var read: (Int32, UnsafeMutableRawPointer, Int) -> Int
  public var write: (Int32, UnsafeRawPointer, Int) -> Int
  public var rename: (String, String) -> Int
  /// stat(2): the result and the fields the daemon reads.
  public var stat: (String) -> (Int, vsys_stat)
  /// poll(2) on two descriptors: (result, first ready, second ready).
  public var poll2: (Int32, Int32, Int32) -> (Int, Bool, Bool)
  public var inotifyOpen: () -> Int
  public var inotifyWatchDir: (Int32, String) -> Int
  public var dirList: (String) -> (Int, [String])
  public var monotonicNs: () -> UInt64
  public var realtimeNs: () -> UInt64
  public var signalsInstall: () -> Int
  public var signalsTake: () -> (flags: Int32, signal: Int32)
  public var signalsRestore: () -> Void
  /// sd_notify: 1 sent, 0 no NOTIFY_SOCKET, negative errno on failure.
  public var notify: (String) -> Int
  public var watchdogUsec: () -> UInt64

  /// The real system calls.
  public static var system: SystemCalls {
    SystemCalls(
      open: { path, mode in check(Int(vsys_open(path, mode))) },
      close: { fd in check(Int(vsys_close(fd))) },
      read: { fd, buffer, count in check(vsys_read(fd, buffer, count)) },
      write: { fd, buffer, count in check(vsys_write(fd, buffer, count)) },
      rename: { from, to in check(Int(vsys_rename(from, to))) },
      stat: { path in
        var info = vsys_stat()
        let result = check(Int(vsys_stat_path(path, &info)))
        return (result, info)
      },
      poll2: { fd0, fd1, timeout in
        var ready0: Int32 = 0
        var ready1: Int32 = 0
        let result = check(Int(vsys_poll2(fd0, fd1, timeout, &ready0, &ready1)))
        return (result, ready0 != 0, ready1 != 0)
      },
      inotifyOpen: { check(Int(vsys_inotify_open())) },
      inotifyWatchDir: { fd, dir in check(Int(vsys_inotify_watch_dir(fd, dir))) },
      dirList: { path in
        guard let dir = vsys_dir_open(path) else { return (-Int(vsys_errno()), []) }
        defer { vsys_dir_close(dir) }
        var names: [String] = []
        var name = [CChar](repeating: 0, count: 1024)
        while true {
          let got = name.withUnsafeMutableBufferPointer { vsys_dir_next(dir, $0.baseAddress, 1024) }
          if got < 0 { return (-Int(vsys_errno()), names) }
          if got == 0 { return (0, names) }
          names.append(cString(name))
        }
      },
      monotonicNs: { vsys_monotonic_ns() },
      realtimeNs: { vsys_realtime_ns() },
      signalsInstall: { check(Int(vsys_signals_install())) },
      signalsTake: {
        var signal: Int32 = 0
        let flags = vsys_signals_take(&signal)
        return (flags, signal)
      },
      signalsRestore: { vsys_signals_restore() },
      notify: { message in check(Int(vsys_notify(message))) },
      watchdogUsec: { vsys_watchdog_usec() })
  }
}

/// `result`, or `-errno` when the call returned -1.
private func check(_ result: Int) -> Int { result < 0 ? -Int(vsys_errno()) : result }

/// A NUL-terminated C buffer as a String.
func cString(_ buffer: [CChar]) -> String {
  var length = 0
  while length < buffer.count && buffer[length] != 0 { length += 1 }
  return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The text of an errno value ("No such file or directory").
public func errnoText(_ code: Int) -> String {
  var buffer = [CChar](repeating: 0, count: 128)
  buffer.withUnsafeMutableBufferPointer { vsys_strerror(Int32(code), $0.baseAddress, 128) }
  return cString(buffer)
}

/// errno values the daemon tests for.
public enum Errno {
  public static let interrupted = 4      // EINTR
  public static let noEntry = 2          // ENOENT
  public static let wouldBlock = 11      // EAGAIN
  public static let noSpace = 28         // ENOSPC
  public static let io = 5               // EIO
}

/// The daemon's view of the system: the table plus wrappers that retry `EINTR` and throw
/// ``VigilError/io(_:)`` with the call's name and errno text.
public struct Sys {
  public var calls: SystemCalls

  public init(_ calls: SystemCalls = .system) { self.calls = calls }

  /// Runs `body` until it does not fail with EINTR; returns its last result.
  func retrying(_ body: () -> Int) -> Int {
    while true {
      let result = body()
      if result != -Errno.interrupted { return result }
    }
  }

  /// The error for a failed call: "open /x: No such file or directory (errno 2)".
  public static func failure(_ call: String, _ subject: String, _ result: Int) -> VigilError {
    .io("\(call) \(subject): \(errnoText(-result)) (errno \(-result))")
  }

  /// Opens `path` read-only (`append: false`) or for appending, creating it (`append: true`).
  public func open(_ path: String, append: Bool) throws(VigilError) -> Int32 {
    let result = retrying { calls.open(path, append ? 1 : 0) }
    if result < 0 { throw Sys.failure("open", path, result) }
    return Int32(result)
  }

  public func close(_ fd: Int32) { _ = calls.close(fd) }

  /// Reads up to `count` bytes; 0 at end of file or when a non-blocking descriptor has nothing
  /// (`EAGAIN`).
  public func read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, what: String)
    throws(VigilError) -> Int
  {
    let result = retrying { calls.read(fd, buffer, count) }
    if result == -Errno.wouldBlock { return 0 }
    if result < 0 { throw Sys.failure("read", what, result) }
    return result
  }

  /// Writes all of `bytes` (looping over short writes).
  public func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, what: String)
    throws(VigilError)
  {
    guard var base = bytes.baseAddress else { return }
    var left = bytes.count
    while left > 0 {
      let result = retrying { calls.write(fd, base, left) }
      if result < 0 { throw Sys.failure("write", what, result) }
      if result == 0 { throw .io("write \(what): wrote nothing (device full?)") }
      left -= result
      base += result
    }
  }

  public func rename(_ from: String, _ to: String) throws(VigilError) {
    let result = calls.rename(from, to)
    if result < 0 { throw Sys.failure("rename", "\(from) -> \(to)", result) }
  }

  /// The file's kind and size, or nil when it does not exist.
  public func stat(_ path: String) throws(VigilError) -> vsys_stat? {
    let (result, info) = calls.stat(path)
    if result == -Errno.noEntry { return nil }
    if result < 0 { throw Sys.failure("stat", path, result) }
    return info
  }

  /// Reads a whole regular file into `buffer` (its capacity is kept between calls), refusing
  /// one larger than `maxBytes` before reading it and one that grows past it while being read.
  /// Its own errors do not repeat the path (the caller puts it first).
  public func readFile(_ path: String, maxBytes: Int, into buffer: inout [UInt8])
    throws(VigilError)
  {
    buffer.removeAll(keepingCapacity: true)
    guard let info = try stat(path) else {
      throw .io("no such file")
    }
    if info.kind != Int32(VSYS_KIND_FILE) { throw .io("not a regular file") }
    if info.size > Int64(maxBytes) {
      throw .io("\(info.size) bytes, more than the \(maxBytes)-byte limit for a frame file")
    }
    let fd = try open(path, append: false)
    defer { close(fd) }
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
      var failure: VigilError? = nil
      let got = chunk.withUnsafeMutableBytes { raw -> Int in
        let result = retrying { calls.read(fd, raw.baseAddress!, raw.count) }
        if result < 0 { failure = Sys.failure("read", path, result) }
        return result
      }
      if let failure { throw failure }
      if got == 0 { return }
      if buffer.count + got > maxBytes {
        throw .io("grew past the \(maxBytes)-byte limit for a frame file while being read")
      }
      buffer.append(contentsOf: chunk[0..<got])
    }
  }

  /// Waits for either descriptor to be readable: (first ready, second ready). A timeout gives
  /// (false, false); EINTR (a signal arrived) also returns early with nothing ready, so the
  /// loop sees the signal flag at once.
  public func poll(_ fd0: Int32, _ fd1: Int32, timeoutMs: Int32) throws(VigilError)
    -> (Bool, Bool)
  {
    let (result, ready0, ready1) = calls.poll2(fd0, fd1, timeoutMs)
    if result == -Errno.interrupted { return (false, false) }
    if result < 0 { throw Sys.failure("poll", "fds \(fd0), \(fd1)", result) }
    return (ready0, ready1)
  }

  public func inotifyOpen() throws(VigilError) -> Int32 {
    let result = calls.inotifyOpen()
    if result < 0 { throw Sys.failure("inotify_init1", "", result) }
    return Int32(result)
  }

  public func inotifyWatch(_ fd: Int32, dir: String) throws(VigilError) -> Int32 {
    let result = calls.inotifyWatchDir(fd, dir)
    if result < 0 { throw Sys.failure("inotify_add_watch", dir, result) }
    return Int32(result)
  }

  /// The names in a directory ("." and ".." left out), in the order the file system gives.
  public func list(_ dir: String) throws(VigilError) -> [String] {
    let (result, names) = calls.dirList(dir)
    if result < 0 { throw Sys.failure("opendir/readdir", dir, result) }
    return names
  }

  public var monotonicNs: UInt64 { calls.monotonicNs() }
  public var realtimeNs: UInt64 { calls.realtimeNs() }

  /// Installs the C signal handlers; returns the self-pipe's read end to poll.
  public func installSignals() throws(VigilError) -> Int32 {
    let result = calls.signalsInstall()
    if result < 0 { throw Sys.failure("sigaction/pipe2", "SIGTERM SIGINT SIGHUP", result) }
    return Int32(result)
  }

  /// Pending requests: (stop asked, by which signal; reload asked).
  public func takeSignals() -> (stop: Bool, signal: Int32, reload: Bool) {
    let (flags, signal) = calls.signalsTake()
    return (flags & Int32(VSYS_SIGNAL_STOP) != 0, signal, flags & Int32(VSYS_SIGNAL_RELOAD) != 0)
  }

  public func restoreSignals() { calls.signalsRestore() }

  /// Sends an sd_notify message; false when there is no NOTIFY_SOCKET. A failed send is
  /// reported to the caller to log; it never stops the daemon.
  public func notify(_ message: String) throws(VigilError) -> Bool {
    let result = calls.notify(message)
    if result < 0 { throw Sys.failure("sd_notify", message, result) }
    return result > 0
  }

  public var watchdogUsec: UInt64 { calls.watchdogUsec() }
}
