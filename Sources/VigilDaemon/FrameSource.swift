// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import VigilCore

/// A decoded frame handed to the pipeline: interleaved RGB8 (VigilCore's image type), plus where
/// it came from and when.
public struct SourceFrame {
  /// The decoded frame, `width * height * 3` bytes, R G B interleaved.
  public var image: RGBImage
  /// The source's own frame counter (a file's arrival number, a driver's sequence), from 0.
  public var sequence: UInt64
  /// When the frame was captured (camera) or picked up (file), CLOCK_MONOTONIC nanoseconds.
  public var captureMonotonicNs: UInt64
  /// Where it came from: a file path or a device.
  public var origin: String
  /// Nanoseconds spent getting the bytes (dequeue, file read).
  public var captureNs: UInt64
  /// Nanoseconds spent decoding them to RGB (JPEG/PNG decode, YUYV conversion).
  public var decodeNs: UInt64

  public init(image: RGBImage, sequence: UInt64, captureMonotonicNs: UInt64, origin: String,
              captureNs: UInt64, decodeNs: UInt64)
  {
    self.image = image
    self.sequence = sequence
    self.captureMonotonicNs = captureMonotonicNs
    self.origin = origin
    self.captureNs = captureNs
    self.decodeNs = decodeNs
  }
}

/// What one poll of a source gives.
public enum SourceEvent {
  /// A decoded frame.
  case frame(SourceFrame)
  /// Nothing within the timeout.
  case idle
  /// Counted and skipped (corrupt MJPEG, wrong size, undecodable file); says what and why.
  case badFrame(String)
  /// Frames the source knows it skipped (driver sequence gaps, a full pending list).
  case dropped(Int)
  /// The device went away; the source will try to reopen (backoff inside).
  case disconnected(String)
  /// The device is back.
  case reconnected(String)
  /// A finite source (files without `--loop`) has nothing more.
  case ended
}

/// Where frames come from: a camera, a watched folder, files.
///
/// The daemon loop is generic over the source (`run<S: FrameSource & ~Copyable>`): Embedded
/// Swift has no existentials.
public protocol FrameSource: ~Copyable {
  /// Waits at most `timeoutMs` for the next event. Never throws for per-frame problems
  /// (those are events); throws only for unrecoverable setup errors.
  mutating func next(timeoutMs: Int32) throws(VigilError) -> SourceEvent
  /// A file descriptor the loop can poll together with its signal fd, or -1.
  var pollDescriptor: Int32 { get }
  /// One line for the start record: e.g. "v4l2 /dev/video0 YUYV 640x480 @30".
  var describe: String { get }
  /// Closes and reopens the underlying device or watch; the watchdog calls it when the source
  /// delivered nothing for the stall timeout. Returns what it did, for the log. The default
  /// does nothing (sources that cannot stall, such as file lists).
  mutating func reopen() throws(VigilError) -> String
  /// Why the last `.dropped` happened, for its log line ("" when the count says it all).
  var dropNote: String { get }
}

extension FrameSource where Self: ~Copyable {
  public mutating func reopen() throws(VigilError) -> String { "nothing to reopen" }
  public var dropNote: String { "" }
}
