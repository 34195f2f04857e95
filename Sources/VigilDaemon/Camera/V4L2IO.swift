// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CVigilSys

/// The system calls of the camera source, in one place: every `open`, `ioctl`, `mmap`,
/// `poll`, clock read and sleep the source makes goes through this table, so a test swaps in a
/// fake device (and can fail any call with any errno) without a kernel driver.
///
///     var source = try CameraSource(settings, io: .system)
///
/// Each wrapper returns `Result` with the errno as a ``V4L2Errno``; the C table returns
/// `-errno`, so nothing here reads the global `errno`.
public struct V4L2IO {
  /// The C function table (`vgl_v4l2_io`), with its context pointer.
  public var table: vgl_v4l2_io

  /// Wraps a table, for example a fake device's.
  public init(table: vgl_v4l2_io) { self.table = table }

  /// The real system calls. The corresponding C function is `vgl_v4l2_io_system`.
  public static var system: V4L2IO { V4L2IO(table: vgl_v4l2_io_system()) }

  /// Opens a device read-write, nonblocking, close-on-exec. The corresponding C function is
  /// `open`.
  func open(_ path: String) -> Result<Int32, V4L2Errno> {
    let r = path.withCString { table.open(table.context, $0) }
    return r >= 0 ? .success(r) : .failure(V4L2Errno(-r))
  }

  /// The corresponding C function is `close`.
  @discardableResult
  func close(_ fd: Int32) -> Result<Void, V4L2Errno> {
    let r = table.close(table.context, fd)
    return r >= 0 ? .success(()) : .failure(V4L2Errno(-r))
  }

  /// One V4L2 request on `value` in place. The corresponding C function is `ioctl`.
  func ioctl<T>(_ fd: Int32, _ request: UInt, _ value: inout T) -> Result<Void, V4L2Errno> {
    let r = withUnsafeMutablePointer(to: &value) { table.ioctl(table.context, fd, request, $0) }
    return r >= 0 ? .success(()) : .failure(V4L2Errno(-r))
  }

  /// Maps one driver buffer shared read-write. The corresponding C function is `mmap`.
  func mmap(_ fd: Int32, length: Int, offset: Int64) -> Result<UnsafeMutableRawPointer, V4L2Errno>
  {
    var err: Int32 = 0
    guard let p = table.mmap(table.context, fd, length, offset, &err) else {
      return .failure(V4L2Errno(err == 0 ? VGL_V4L2_ENOMEM : err))
    }
    return .success(p)
  }

  /// The corresponding C function is `munmap`.
  @discardableResult
  func munmap(_ address: UnsafeMutableRawPointer, length: Int) -> Result<Void, V4L2Errno> {
    let r = table.munmap(table.context, address, length)
    return r >= 0 ? .success(()) : .failure(V4L2Errno(-r))
  }

  /// Waits for `fd` to become readable: the revents, or 0 on timeout. The corresponding C
  /// function is `poll`.
  func poll(_ fd: Int32, timeoutMs: Int32) -> Result<Int16, V4L2Errno> {
    var revents: Int16 = 0
    let r = table.poll(table.context, fd, timeoutMs, &revents)
    if r < 0 { return .failure(V4L2Errno(-r)) }
    return .success(r == 0 ? 0 : revents)
  }

  /// CLOCK_MONOTONIC in nanoseconds. The corresponding C function is `clock_gettime`.
  func monotonicNs() -> UInt64 { table.monotonic_ns(table.context) }

  /// Sleeps, ending early on a signal. The corresponding C function is `nanosleep`.
  func sleep(ms: Int32) { table.sleep_ms(table.context, ms) }
}

/// An errno from a V4L2 system call, with the names the camera source tells apart.
public struct V4L2Errno: Error, Equatable, RawRepresentable {
  public var rawValue: Int32
  public init(rawValue: Int32) { self.rawValue = rawValue }
  init(_ value: Int32) { rawValue = value }

  /// The symbolic name ("ENODEV"), or "errno N".
  public var name: String {
    switch rawValue {
    case VGL_V4L2_EAGAIN: return "EAGAIN"
    case VGL_V4L2_EINTR: return "EINTR"
    case VGL_V4L2_ENODEV: return "ENODEV (no such device)"
    case VGL_V4L2_EIO: return "EIO (input/output error)"
    case VGL_V4L2_ENXIO: return "ENXIO (no such device or address)"
    case VGL_V4L2_ENOENT: return "ENOENT (no such file or directory)"
    case VGL_V4L2_EINVAL: return "EINVAL (invalid argument)"
    case VGL_V4L2_EBUSY: return "EBUSY (device busy: another program is using it)"
    case VGL_V4L2_EPIPE: return "EPIPE"
    case VGL_V4L2_EACCES: return "EACCES (permission denied: add the user to group video)"
    case VGL_V4L2_ENOTTY: return "ENOTTY (not a V4L2 device)"
    case VGL_V4L2_ENOMEM: return "ENOMEM (out of memory)"
    default: return "errno \(rawValue)"
    }
  }
}
