// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CVigilSys
import Foundation
import Glibc
import Testing
import VigilCore
@testable import VigilDaemon

/// Scripted signals for in-process runs: the n-th look at the flags (1-based) returns what
/// the script says; the real handlers are never installed, so tests can run side by side.
final class SignalScript {
  var calls = 0
  var script: [Int: Int32] = [:]  // call number -> VSYS_SIGNAL_* flags
  var onCall: [Int: () -> Void] = [:]
  let pipe: (Int32, Int32)
  var notified: [String] = []

  init() {
    var fds: [Int32] = [0, 0]
    Glibc.pipe(&fds)
    pipe = (fds[0], fds[1])
  }

  deinit { close(pipe.0); close(pipe.1) }

  func install(into calls: inout SystemCalls) {
    calls.signalsInstall = { [pipe] in Int(pipe.0) }
    calls.signalsRestore = {}
    calls.signalsTake = { [self] in
      self.calls += 1
      self.onCall[self.calls]?()
      let flags = self.script[self.calls] ?? 0
      return (flags, flags & Int32(VSYS_SIGNAL_STOP) != 0 ? 15 : 0)
    }
    calls.notify = { [self] message in self.notified.append(message); return 1 }
    calls.watchdogUsec = { 0 }
  }
}

/// Runs the daemon in this process over `calls`; returns how it stopped and its lines.
func serveInProcess(_ options: ServeOptions, _ calls: SystemCalls) throws(VigilError)
  -> (StopReason, [[String: Any]])
{
  var options = options
  let dir = try! Fixture.folder("out")
  if options.output.isEmpty { options.output = dir + "/out.jsonl" }
  let reason = try Serve.run(options, sys: Sys(calls))
  return (reason, try! Fixture.jsonLines(file: options.output))
}

@Suite(.serialized) struct SystemCallsTests {
  func options(files: [String] = Fixture.sampleFiles()) -> ServeOptions {
    var o = ServeOptions()
    o.model = Fixture.model
    o.files = files
    return o
  }

  func errorText(_ body: () throws(VigilError) -> Void) -> String {
    do throws(VigilError) { try body(); return "" } catch { return "\(error)" }
  }

  @Test func aFullDiskOnTheOutputIsACleanError() {
    let signals = SignalScript()
    var calls = SystemCalls.system
    signals.install(into: &calls)
    calls.write = { _, _, _ in -Errno.noSpace }
    let text = errorText { () throws(VigilError) in _ = try serveInProcess(options(), calls) }
    #expect(text.hasPrefix("input/output error: write /"), "\(text)")
    #expect(text.hasSuffix("No space left on device (errno 28)"))
  }

  @Test func shortWritesAndInterruptedWritesLoseNothing() throws {
    let signals = SignalScript()
    var calls = SystemCalls.system
    signals.install(into: &calls)
    var n = 0
    let real = SystemCalls.system.write
    calls.write = { fd, buffer, count in
      n += 1
      if n % 3 == 0 { return -Errno.interrupted }
      return real(fd, buffer, min(count, 7))  // at most 7 bytes per call
    }
    let (reason, lines) = try serveInProcess(options(), calls)
    #expect(reason == .ended)
    let results = lines.filter { type($0) == "result" }.count
    let events = lines.filter { type($0) == "event" }.count
    #expect(results == 24)
    #expect(lines.count == results + events + 2)
    #expect(n > 1000, "the writes really were split")
  }

  @Test func inotifyFailuresAreRefusedAtStartAndReleaseTheDescriptor() throws {
    let dir = try Fixture.folder("watch")
    var o = ServeOptions()
    o.model = Fixture.model
    o.watch = dir
    let signals = SignalScript()
    var calls = SystemCalls.system
    signals.install(into: &calls)
    calls.inotifyOpen = { -24 }
    #expect(errorText { () throws(VigilError) in _ = try serveInProcess(o, calls) }
      == "input/output error: inotify_init1 : Too many open files (errno 24)")
    calls = SystemCalls.system
    signals.install(into: &calls)
    var opened: Int32 = -1
    var closed: [Int32] = []
    calls.inotifyOpen = { let fd = SystemCalls.system.inotifyOpen(); opened = Int32(fd); return fd }
    calls.inotifyWatchDir = { _, _ in -Errno.noSpace }
    calls.close = { fd in closed.append(fd); return SystemCalls.system.close(fd) }
    #expect(errorText { () throws(VigilError) in _ = try serveInProcess(o, calls) }
      == "input/output error: inotify_add_watch \(dir): No space left on device (errno 28)")
    #expect(opened >= 0 && closed.contains(opened))
  }

  @Test func signalHandlersThatCannotBeInstalledStopTheStart() {
    var calls = SystemCalls.system
    calls.signalsInstall = { -Errno.io }
    let text = errorText { () throws(VigilError) in _ = try serveInProcess(options(), calls) }
    #expect(text.contains("sigaction/pipe2"))
  }

  @Test func interruptedPollIsNotAnError() throws {
    var calls = SystemCalls.system
    calls.poll2 = { _, _, _ in (-Errno.interrupted, false, false) }
    let (a, b) = try Sys(calls).poll(3, 4, timeoutMs: 10)
    #expect(!a && !b)
    calls.poll2 = { _, _, _ in (-Errno.io, false, false) }
    #expect(throws: VigilError.self) { _ = try Sys(calls).poll(3, 4, timeoutMs: 10) }
  }

  @Test func aStatFailureInTheWatchedFolderIsABadFrameNotAStop() throws {
    let dir = try Fixture.folder("watch")
    var calls = SystemCalls.system
    calls.stat = { path in
      path.hasSuffix("x.png") ? (-13, vsys_stat()) : SystemCalls.system.stat(path)
    }
    var source = try WatchSource(directory: dir, sys: Sys(calls))
    Fixture.write(Data([1, 2, 3]), to: dir + "/x.png")
    let event = try source.next(timeoutMs: 100)
    guard case .badFrame(let why) = event else {
      Issue.record("expected a bad frame")
      return
    }
    #expect(why == "input/output error: stat \(dir)/x.png: Permission denied (errno 13)")
  }

  @Test func aFailedMoveToDoneIsReported() throws {
    let dir = try Fixture.folder("watch")
    let done = try Fixture.folder("done")
    var calls = SystemCalls.system
    calls.rename = { _, _ in -18 }
    var source = try WatchSource(directory: dir, done: done, sys: Sys(calls))
    Fixture.write(try Data(contentsOf: URL(fileURLWithPath: Fixture.sampleFiles()[0])), to: dir + "/y.png")
    let event = try source.next(timeoutMs: 100)
    guard case .badFrame(let why) = event else {
      Issue.record("expected a bad frame")
      return
    }
    #expect(why.contains("y.png: classified, but not moved to --done"))
    #expect(why.contains("Invalid cross-device link"))
  }

  @Test func readFailuresAndOversizedFilesAreBadFramesNotStops() throws {
    let dir = try Fixture.folder("reads")
    let big = dir + "/big.png"
    Fixture.write(Data(count: maxFrameFileBytes + 1), to: big)
    let signals = SignalScript()
    var calls = scripted(signals)
    let real = SystemCalls.system.read
    var reads = 0
    calls.read = { fd, buffer, count in
      reads += 1
      return reads == 3 ? -Errno.io : real(fd, buffer, count)  // file 0: data, end; file 1: fails
    }
    let files = Array(Fixture.sampleFiles().prefix(3))
    let (_, lines) = try serveInProcess(options(files: files + [big, dir]), calls)
    let errors = lines.filter { type($0) == "error" }.map { $0["message"] as! String }
    #expect(errors == [
      "\(files[1]): read \(files[1]): Input/output error (errno 5)",
      "\(big): \(maxFrameFileBytes + 1) bytes, more than the \(maxFrameFileBytes)-byte limit for a frame file",
      "\(dir): not a regular file",
    ])
    #expect(lines.filter { type($0) == "result" }.count == 2)
    #expect(lines.last!["bad"] as? Int == 3)
  }

  func scripted(_ signals: SignalScript) -> SystemCalls {
    var calls = SystemCalls.system
    signals.install(into: &calls)
    return calls
  }

  @Test func systemdHearsReadyAndStopping() throws {
    let signals = SignalScript()
    var calls = SystemCalls.system
    signals.install(into: &calls)
    calls.watchdogUsec = { 2 }  // WatchdogSec as small as it gets: a ping every turn
    _ = try serveInProcess(options(files: Array(Fixture.sampleFiles().prefix(3))), calls)
    #expect(signals.notified.first?.hasPrefix("READY=1\nSTATUS=serving files 3") == true)
    #expect(signals.notified.filter { $0 == "WATCHDOG=1" }.count >= 3)
    #expect(signals.notified.last == "STOPPING=1")
  }

  @Test func notifyReachesARealDatagramSocket() throws {
    let dir = try Fixture.folder("notify")
    let path = dir + "/notify.sock"
    let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
    #expect(fd >= 0)
    defer { close(fd) }
    var addr = sockaddr_un()
    addr.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &addr.sun_path) { raw in
      for (i, b) in path.utf8.enumerated() { raw[i] = b }
    }
    let bound = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    #expect(bound == 0)
    setenv("NOTIFY_SOCKET", path, 1)
    defer { unsetenv("NOTIFY_SOCKET") }
    #expect(try Sys().notify("WATCHDOG=1") == true)
    var buffer = [UInt8](repeating: 0, count: 64)
    let n = recv(fd, &buffer, 64, 0)
    #expect(String(decoding: buffer[0..<max(0, n)], as: UTF8.self) == "WATCHDOG=1")
    unsetenv("NOTIFY_SOCKET")
    #expect(try Sys().notify("READY=1") == false, "no NOTIFY_SOCKET: nothing sent")
  }
}
