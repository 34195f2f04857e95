// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import Foundation
import Glibc
import Testing
import VigilCore
@testable import VigilDaemon

/// The watched folder, driven in-process so every case is deterministic.
@Suite struct WatchSourceTests {
  static let good = try! Data(contentsOf: URL(fileURLWithPath: Fixture.sampleFiles()[0]))

  /// Every event until the source is idle.
  func drain(_ source: inout WatchSource) throws -> [SourceEvent] {
    var events: [SourceEvent] = []
    while true {
      let event = try source.next(timeoutMs: 50)
      if case .idle = event { return events }
      events.append(event)
    }
  }

  func describe(_ event: SourceEvent, _ source: borrowing WatchSource) -> String {
    switch event {
    case .frame(let f): return "frame \(URL(fileURLWithPath: f.origin).lastPathComponent)"
    case .badFrame(let m): return "bad \(m)"
    case .dropped(let n): return "dropped \(n) \(source.dropNote)"
    case .idle: return "idle"
    case .ended: return "ended"
    case .disconnected(let m): return "disconnected \(m)"
    case .reconnected(let m): return "reconnected \(m)"
    }
  }

  @Test func arrivalsInOrderOnceEachRemovedAndCorruptOnesReported() throws {
    let dir = try Fixture.folder("watch")
    let outside = try Fixture.folder("outside")
    var source = try WatchSource(directory: dir, capacity: 16)
    let fm = FileManager.default
    Fixture.write(Self.good, to: dir + "/a.png")
    Fixture.write(Data("not an image".utf8), to: dir + "/b.png")
    Fixture.write(Self.good, to: dir + "/c.png")
    try fm.removeItem(atPath: dir + "/c.png")  // gone before its turn
    Fixture.write(Self.good, to: dir + "/.partial")  // hidden: ignored
    Fixture.write(Self.good, to: outside + "/d.png")
    try fm.moveItem(atPath: outside + "/d.png", toPath: dir + "/d.png")  // moved in
    // Written in pieces through one descriptor: nothing is read before the close.
    let fd = open(dir + "/e.png", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    _ = [UInt8](Self.good.prefix(10)).withUnsafeBytes { Glibc.write(fd, $0.baseAddress, 10) }
    var events = try drain(&source)
    #expect(events.count == 4, "e.png is still open: not read yet")
    let rest = [UInt8](Self.good.dropFirst(10))
    _ = rest.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, rest.count) }
    close(fd)
    events += try drain(&source)
    let text = events.map { describe($0, source) }
    try #require(text.count == 5)
    #expect(text[0] == "frame a.png")
    #expect(text[1].hasPrefix("bad \(dir)/b.png: not a JPEG, PNG"))
    #expect(text[2].hasPrefix("dropped 1 \(dir)/c.png: removed before its turn"))
    #expect(text[3] == "frame d.png")
    #expect(text[4] == "frame e.png", "the piecewise file arrives once, complete")
    #expect(source.removedBeforeTurn == 1)
    if case .frame(let f) = events[4] { #expect(f.image.width == 28) }
  }

  @Test func thePendingListIsBoundedAndDoneMovesHandledFiles() throws {
    let dir = try Fixture.folder("watch")
    let done = try Fixture.folder("done")
    var source = try WatchSource(directory: dir, done: done, capacity: 3)
    for n in 0..<5 { Fixture.write(Self.good, to: dir + "/\(n).png") }
    let events = try drain(&source)
    let text = events.map { describe($0, source) }
    #expect(text.first == "dropped 2 \(dir)/4.png: pending list full (3 files); left in the folder, not classified")
    #expect(Array(text.dropFirst()) == ["frame 0.png", "frame 1.png", "frame 2.png"])
    let moved = try FileManager.default.contentsOfDirectory(atPath: done).sorted()
    #expect(moved == ["0.png", "1.png", "2.png"])
    let left = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
    #expect(left == ["3.png", "4.png"], "dropped arrivals stay where they are")
  }

  @Test func aRemovedFolderIsReportedAndWatchedAgain() throws {
    let dir = try Fixture.folder("watch")
    var source = try WatchSource(directory: dir, capacity: 4)
    try FileManager.default.removeItem(atPath: dir)
    let gone = try source.next(timeoutMs: 100)
    guard case .disconnected(let why) = gone else {
      Issue.record("expected disconnected, got \(describe(gone, source))")
      return
    }
    #expect(why.contains("removed or moved"))
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    var back = false
    for _ in 0..<40 where !back {
      if case .reconnected = try source.next(timeoutMs: 50) { back = true }
    }
    #expect(back)
    Fixture.write(Self.good, to: dir + "/x.png")
    let text = try drain(&source).map { describe($0, source) }
    #expect(text == ["frame x.png"])
  }

  @Test func aMissingFolderIsRefusedAtStart() {
    #expect(throws: VigilError.invalidArgument("--watch /nonexistent/vigil: not a folder")) {
      _ = try WatchSource(directory: "/nonexistent/vigil")
    }
  }
}
