// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CVigilSys
import VigilCore

/// The largest image file a file source reads: 64 MiB (the decoder's own pixel limits apply
/// after that).
public let maxFrameFileBytes = 64 << 20

/// Reads (through the syscall table) and decodes (``ImageDecoder``, as `vigil classify` does)
/// one image file into a frame, timing both steps; a file that cannot be read or decoded is a
/// `.badFrame` saying why. `buffer` holds the file's bytes and keeps its capacity between files.
func decodeFile(_ path: String, sequence: UInt64, sys: Sys, buffer: inout [UInt8]) -> SourceEvent {
  let start = sys.monotonicNs
  do throws(VigilError) {
    try sys.readFile(path, maxBytes: maxFrameFileBytes, into: &buffer)
  } catch {
    if case .io(let why) = error { return .badFrame("\(path): \(why)") }
    return .badFrame("\(path): \(error)")
  }
  let read = sys.monotonicNs
  let image: RGBImage
  do throws(ImageError) {
    image = try ImageDecoder.decode(bytes: buffer, source: path)
  } catch {
    return .badFrame("\(error)")
  }
  let decoded = sys.monotonicNs
  return .frame(SourceFrame(image: image, sequence: sequence, captureMonotonicNs: start,
                            origin: path, captureNs: read - start, decodeNs: decoded - read))
}

/// Image files given on the command line, in order, once or (`loop`) forever.
public struct FileListSource: FrameSource {
  public let paths: [String]
  public let loop: Bool
  private let sys: Sys
  private var index = 0
  private var sequence: UInt64 = 0
  private var bytes: [UInt8] = []

  public init(paths: [String], loop: Bool, sys: Sys = Sys()) {
    self.paths = paths
    self.loop = loop
    self.sys = sys
  }

  public mutating func next(timeoutMs: Int32) throws(VigilError) -> SourceEvent {
    if index >= paths.count {
      guard loop, !paths.isEmpty else { return .ended }
      index = 0
    }
    let path = paths[index]
    index += 1
    sequence += 1
    return decodeFile(path, sequence: sequence - 1, sys: sys, buffer: &bytes)
  }

  public var pollDescriptor: Int32 { -1 }
  public var describe: String { "files \(paths.count)\(loop ? " looped" : "")" }
}

/// A folder watched with inotify: every file that is written and closed (IN_CLOSE_WRITE) or
/// moved in (IN_MOVED_TO) is classified once, in arrival order. A file is read only after the
/// writer closed it, so a partly written file is never read (writers that close and reopen a
/// file mid-write should write elsewhere and rename into the folder). Names starting with "."
/// are ignored (editors' and rsync's temporary files). Files already there at start are left
/// alone.
///
/// Arrivals wait in a pending list of at most `capacity` names, allocated once; an arrival past
/// it is dropped (counted, reported, left in the folder untouched). A name already pending is
/// not queued twice. A file removed before its turn is skipped and counted as dropped. With a
/// `done` folder, each handled file (good or bad) is renamed into it.
public struct WatchSource: FrameSource, ~Copyable {
  public let directory: String
  public let doneDirectory: String
  public let capacity: Int
  private let sys: Sys
  private var fd: Int32 = -1
  private var watching = false
  private var pending: [String]
  private var head = 0
  private var count = 0
  private var buffer: [UInt8]
  private var bytes: [UInt8] = []
  private var sequence: UInt64 = 0
  private var drops = 0
  private var note = ""
  private var lost = ""
  private var retryAtNs: UInt64 = 0
  /// Files removed before their turn, arrivals past the pending list, and kernel overflows.
  public private(set) var removedBeforeTurn = 0
  public private(set) var overflowed = 0

  /// Opens the watch; throws if the folder cannot be watched.
  public init(directory: String, done: String = "", capacity: Int = 1024, sys: Sys = Sys())
    throws(VigilError)
  {
    precondition(capacity >= 1, "WatchSource: capacity must be >= 1")
    self.directory = directory
    self.doneDirectory = done
    self.capacity = capacity
    self.sys = sys
    pending = [String](repeating: "", count: capacity)
    buffer = [UInt8](repeating: 0, count: 64 * 1024)
    guard let info = try sys.stat(directory), info.kind == Int32(VSYS_KIND_DIR) else {
      throw .invalidArgument("--watch \(directory): not a folder")
    }
    if !done.isEmpty {
      guard let info = try sys.stat(done), info.kind == Int32(VSYS_KIND_DIR) else {
        throw .invalidArgument("--done \(done): not a folder (create it first)")
      }
    }
    fd = try sys.inotifyOpen()
    do throws(VigilError) {
      _ = try sys.inotifyWatch(fd, dir: directory)
    } catch {
      sys.close(fd)
      throw error
    }
    watching = true
  }

  deinit { if fd >= 0 { sys.close(fd) } }

  public var pollDescriptor: Int32 { fd }
  public var describe: String {
    "watch \(directory)" + (doneDirectory.isEmpty ? "" : " done \(doneDirectory)")
      + " pending \(capacity)"
  }
  public var dropNote: String { note }
  /// Names waiting for their turn.
  public var pendingCount: Int { count }

  public mutating func next(timeoutMs: Int32) throws(VigilError) -> SourceEvent {
    if !watching { return try rewatch(timeoutMs: timeoutMs) }
    try drain()
    if !watching { return gone() }
    if !lost.isEmpty {
      let message = lost
      lost = ""
      return .badFrame(message)
    }
    if drops > 0 { return takeDrops() }
    if count == 0 && timeoutMs != 0 {
      let (ready, _) = try sys.poll(fd, -1, timeoutMs: timeoutMs)
      if ready { try drain() }
      if drops > 0 { return takeDrops() }
    }
    if !watching { return gone() }
    guard count > 0 else { return .idle }
    let name = pending[head]
    pending[head] = ""
    head = (head + 1) % capacity
    count -= 1
    let path = join(directory, name)
    let found: vsys_stat?
    do throws(VigilError) {
      found = try sys.stat(path)
    } catch {
      return .badFrame("\(error)")
    }
    guard let info = found, info.kind == Int32(VSYS_KIND_FILE) else {
      removedBeforeTurn += 1
      note = "\(path): removed before its turn"
      return .dropped(1)
    }
    sequence += 1
    let event = decodeFile(path, sequence: sequence - 1, sys: sys, buffer: &bytes)
    if !doneDirectory.isEmpty {
      do throws(VigilError) {
        try sys.rename(path, join(doneDirectory, name))
      } catch {
        if case .frame = event { return .badFrame("\(path): classified, but not moved to --done: \(error)") }
      }
    }
    return event
  }

  /// The watchdog's reopen: a fresh inotify descriptor and watch (pending names are kept).
  public mutating func reopen() throws(VigilError) -> String {
    if fd >= 0 { sys.close(fd) }
    fd = -1
    watching = false
    fd = try sys.inotifyOpen()
    _ = try sys.inotifyWatch(fd, dir: directory)
    watching = true
    return "new inotify watch on \(directory)"
  }

  private func gone() -> SourceEvent {
    .disconnected("\(directory): the watched folder was removed or moved; watching for it to come back")
  }

  private mutating func takeDrops() -> SourceEvent {
    let n = drops
    drops = 0
    return .dropped(n)
  }

  /// Re-adds the watch once a second after the folder went away.
  private mutating func rewatch(timeoutMs: Int32) throws(VigilError) -> SourceEvent {
    let now = sys.monotonicNs
    if now < retryAtNs {
      if timeoutMs != 0 {
        let wait = min(UInt64(timeoutMs < 0 ? 1000 : timeoutMs), (retryAtNs - now) / 1_000_000 + 1)
        _ = try sys.poll(-1, -1, timeoutMs: Int32(wait))
      }
      return .idle
    }
    retryAtNs = now + 1_000_000_000
    do throws(VigilError) {
      _ = try reopen()
      return .reconnected("\(directory): watching again")
    } catch {
      return .idle
    }
  }

  /// Reads every queued inotify event (non-blocking) into the pending list.
  private mutating func drain() throws(VigilError) {
    var name = [CChar](repeating: 0, count: 512)
    while watching {
      let (sys, fd, what) = (self.sys, self.fd, "inotify \(directory)")
      var failure: VigilError? = nil
      let length = buffer.withUnsafeMutableBytes { raw -> Int in
        do throws(VigilError) {
          return try sys.read(fd, raw.baseAddress!, raw.count, what: what)
        } catch {
          failure = error
          return -1
        }
      }
      if let failure { throw failure }
      if length <= 0 { return }
      var offset = 0
      while offset < length {
        var kind: Int32 = 0
        let next = buffer.withUnsafeBytes { raw in
          name.withUnsafeMutableBufferPointer { out in
            vsys_inotify_parse(raw.baseAddress, length, offset, &kind, out.baseAddress, 512)
          }
        }
        if next < 0 { break }
        offset = next
        switch kind {
        case Int32(VSYS_INOTIFY_ARRIVED): arrive(cString(name))
        case Int32(VSYS_INOTIFY_OVERFLOW):
          overflowed += 1
          lost = "\(directory): the kernel's inotify queue overflowed and arrivals were lost "
            + "(raise fs.inotify.max_queued_events)"
        case Int32(VSYS_INOTIFY_GONE):
          watching = false
          self.sys.close(self.fd)
          self.fd = -1
          retryAtNs = self.sys.monotonicNs + 1_000_000_000
        default: break
        }
      }
    }
  }

  private mutating func arrive(_ name: String) {
    if name.hasPrefix(".") { return }
    for i in 0..<count where pending[(head + i) % capacity] == name { return }
    if count == capacity {
      drops += 1
      overflowed += 1
      note = "\(join(directory, name)): pending list full (\(capacity) files); left in the folder, not classified"
      return
    }
    pending[(head + count) % capacity] = name
    count += 1
  }
}

func join(_ directory: String, _ name: String) -> String {
  directory.hasSuffix("/") ? directory + name : directory + "/" + name
}
