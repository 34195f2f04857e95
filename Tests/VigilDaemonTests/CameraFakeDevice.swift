// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CVigilSys
import Foundation
import Glibc
import VigilDaemon

/// An in-process V4L2 capture device behind the camera source's syscall table (`V4L2IO`):
/// it answers the ioctls a real driver answers (QUERYCAP, ENUM_FMT, G/S_FMT, G/S_PARM, REQBUFS,
/// QUERYBUF, QBUF, DQBUF, STREAMON/OFF), maps buffers in memory, and plays a script of steps
/// (frames, EAGAIN, silence, unplug) on poll and DQBUF. Its clock is virtual: sleeps and poll
/// timeouts advance it, so backoff tests take no real time.
///
///     let fake = FakeCamera(formats: [VGL_V4L2_PIX_FMT_YUYV])
///     fake.script = [.frame(bytes)]
///     var camera = try CameraSource(settings, io: fake.io)
final class FakeCamera {
  /// One thing the device does when polled.
  enum Step {
    /// A frame: `bytes` copied into the next queued buffer. `bytesUsed` overrides what DQBUF
    /// reports (default: the byte count); `skip` drivers frames are lost before it (sequence
    /// gap); `flags` are ORed into the buffer flags.
    case frame([UInt8], bytesUsed: Int? = nil, skip: UInt32 = 0, flags: UInt32 = 0)
    /// poll says readable, DQBUF answers EAGAIN (a spurious wakeup).
    case eagain
    /// Nothing within the timeout.
    case silence
    /// The device is unplugged: DQBUF (`onPoll` false) or poll (`onPoll` true) fails with
    /// `errno`, and the next `absentOpens` opens fail with ENOENT before it is back.
    case unplug(errno: Int32, onPoll: Bool = false, absentOpens: Int = 2)
  }

  // Device description.
  var driver = "fake"
  var card = "Fake camera"
  var capabilities: UInt32 = VGL_V4L2_CAP_VIDEO_CAPTURE | VGL_V4L2_CAP_STREAMING
  var formats: [UInt32]
  /// The driver's answer to a requested size (vivid-like drivers adjust it).
  var answerSize: (Int, Int) -> (Int, Int) = { ($0, $1) }
  /// Extra bytes per row beyond the minimum (raw formats).
  var stridePadding = 0
  /// The fastest rate the device runs at; S_PARM answers the nearest it can do.
  var maxFps = 30
  /// Buffers granted by REQBUFS at most.
  var maxBuffers = 8
  /// Bytes per mapped buffer for MJPEG.
  var mjpegBufferBytes = 1 << 20
  /// Frames (script steps) a readable poll makes ready at once; more than 1 models a loop
  /// that fell behind the camera.
  var framesPerPoll = 1
  /// Hand out real descriptors (of /dev/null, always readable) so a loop that polls the
  /// source's descriptor itself, as the daemon does, works.
  var realDescriptors = false
  /// Called once when a poll finds the script played out (a test stops its loop here).
  var onScriptEnd: (() -> Void)? = nil
  /// Fail the n-th ioctl of this request (1-based) with this errno, for error-path tests.
  var failIoctl: (request: UInt, nth: Int, errno: Int32)? = nil

  // Script and state.
  var script: [Step] = [] {
    didSet { position = 0 }
  }
  /// The next step to play (the script is read with a cursor, so long soaks stay linear).
  private var position = 0
  private var current: Step? { position < script.count ? script[position] : nil }
  private func consume() { position += 1 }
  private(set) var width = 640
  private(set) var height = 480
  private(set) var pixelFormat: UInt32
  private(set) var fps = 30
  private(set) var streaming = false
  var present = true
  private var absentOpensLeft = 0
  private var lost = false
  private var armed = 0
  private var nextFd: Int32 = 100
  private(set) var openFds: Set<Int32> = []
  private var buffers: [(length: Int, offset: Int64, queued: Bool, address: UnsafeMutableRawPointer?)] = []
  private var mappings: [Int: (pointer: UnsafeMutableRawPointer, length: Int)] = [:]
  private var nextSequence: UInt32 = 0
  private var ioctlCounts: [UInt: Int] = [:]

  // What happened.
  private(set) var nowNs: UInt64 = 1_000_000_000
  private(set) var opens = 0
  private(set) var failedOpens = 0
  private(set) var closes = 0
  private(set) var streamOffs = 0
  private(set) var calls: [String] = []
  /// Mapped buffers not unmapped yet.
  var liveMappings: Int { mappings.count }

  init(formats: [UInt32]) {
    self.formats = formats
    pixelFormat = formats.first ?? 0
  }

  deinit {
    for (_, m) in mappings { Glibc.munmap(m.pointer, m.length) }
  }

  /// The syscall table that routes to this device.
  var io: V4L2IO {
    var table = vgl_v4l2_io()
    table.context = Unmanaged.passUnretained(self).toOpaque()
    table.open = { ctx, path in FakeCamera.from(ctx).open(String(cString: path!)) }
    table.close = { ctx, fd in FakeCamera.from(ctx).close(fd) }
    table.ioctl = { ctx, fd, request, arg in FakeCamera.from(ctx).ioctl(fd, request, arg!) }
    table.mmap = { ctx, fd, length, offset, err in
      FakeCamera.from(ctx).mmap(fd, length, offset, err!)
    }
    table.munmap = { ctx, address, length in FakeCamera.from(ctx).munmap(address!, length) }
    table.poll = { ctx, fd, timeout, revents in FakeCamera.from(ctx).poll(fd, timeout, revents!) }
    table.monotonic_ns = { ctx in FakeCamera.from(ctx).nowNs }
    table.sleep_ms = { ctx, ms in FakeCamera.from(ctx).advance(ms: ms) }
    return V4L2IO(table: table)
  }

  private static func from(_ ctx: UnsafeMutableRawPointer?) -> FakeCamera {
    Unmanaged<FakeCamera>.fromOpaque(ctx!).takeUnretainedValue()
  }

  func advance(ms: Int32) {
    if ms > 0 { nowNs += UInt64(ms) * 1_000_000 }
  }

  // MARK: - Calls

  private func open(_ path: String) -> Int32 {
    calls.append("open \(path)")
    if !present {
      failedOpens += 1
      absentOpensLeft -= 1
      if absentOpensLeft <= 0 { present = true }
      return -VGL_V4L2_ENOENT
    }
    opens += 1
    lost = false
    var fd = nextFd
    if realDescriptors {
      fd = Glibc.open("/dev/null", O_RDONLY | O_CLOEXEC)
      if fd < 0 { return -VGL_V4L2_EIO }
    } else {
      nextFd += 1
    }
    openFds.insert(fd)
    return fd
  }

  private func close(_ fd: Int32) -> Int32 {
    calls.append("close")
    guard openFds.remove(fd) != nil else { return -9 }  // EBADF
    if realDescriptors { Glibc.close(fd) }
    closes += 1
    streaming = false
    buffers = []
    return 0
  }

  private func ioctl(_ fd: Int32, _ request: UInt, _ arg: UnsafeMutableRawPointer) -> Int32 {
    guard openFds.contains(fd) else { return -9 }
    if lost { return -VGL_V4L2_ENODEV }
    ioctlCounts[request, default: 0] += 1
    if let f = failIoctl, f.request == request, f.nth == ioctlCounts[request] { return -f.errno }
    switch request {
    case VGL_VIDIOC_QUERYCAP:
      let cap = arg.assumingMemoryBound(to: v4l2_capability.self)
      cap.pointee = v4l2_capability()
      copy(driver, into: &cap.pointee.driver)
      copy(card, into: &cap.pointee.card)
      cap.pointee.capabilities = capabilities | VGL_V4L2_CAP_DEVICE_CAPS
      cap.pointee.device_caps = capabilities
      return 0
    case VGL_VIDIOC_ENUM_FMT:
      let d = arg.assumingMemoryBound(to: v4l2_fmtdesc.self)
      guard Int(d.pointee.index) < formats.count else { return -VGL_V4L2_EINVAL }
      d.pointee.pixelformat = formats[Int(d.pointee.index)]
      return 0
    case VGL_VIDIOC_G_FMT:
      fillFormat(arg.assumingMemoryBound(to: v4l2_format.self))
      return 0
    case VGL_VIDIOC_S_FMT:
      if streaming { return -VGL_V4L2_EBUSY }
      let f = arg.assumingMemoryBound(to: v4l2_format.self)
      pixelFormat = formats.contains(f.pointee.fmt.pix.pixelformat)
        ? f.pointee.fmt.pix.pixelformat : formats[0]
      (width, height) = answerSize(Int(f.pointee.fmt.pix.width), Int(f.pointee.fmt.pix.height))
      fillFormat(f)
      calls.append("S_FMT \(width)x\(height)")
      return 0
    case VGL_VIDIOC_G_PARM, VGL_VIDIOC_S_PARM:
      let p = arg.assumingMemoryBound(to: v4l2_streamparm.self)
      if request == VGL_VIDIOC_S_PARM {
        let t = p.pointee.parm.capture.timeperframe
        if t.numerator > 0 && t.denominator > 0 {
          fps = max(1, min(maxFps, Int(t.denominator / t.numerator)))
        }
      }
      p.pointee.parm.capture = v4l2_captureparm()
      p.pointee.parm.capture.capability = VGL_V4L2_CAP_TIMEPERFRAME
      p.pointee.parm.capture.timeperframe = v4l2_fract(numerator: 1, denominator: UInt32(fps))
      return 0
    case VGL_VIDIOC_REQBUFS:
      let r = arg.assumingMemoryBound(to: v4l2_requestbuffers.self)
      if r.pointee.count == 0 {
        buffers = []
        return 0
      }
      if !buffers.isEmpty { return -VGL_V4L2_EBUSY }
      r.pointee.count = min(r.pointee.count, UInt32(maxBuffers))
      let length = bufferLength()
      buffers = (0..<Int(r.pointee.count)).map {
        (length: length, offset: Int64($0) * 0x10_0000, queued: false, address: nil)
      }
      return 0
    case VGL_VIDIOC_QUERYBUF:
      let b = arg.assumingMemoryBound(to: v4l2_buffer.self)
      guard Int(b.pointee.index) < buffers.count else { return -VGL_V4L2_EINVAL }
      b.pointee.length = UInt32(buffers[Int(b.pointee.index)].length)
      b.pointee.m.offset = UInt32(buffers[Int(b.pointee.index)].offset)
      return 0
    case VGL_VIDIOC_QBUF:
      let b = arg.assumingMemoryBound(to: v4l2_buffer.self)
      let i = Int(b.pointee.index)
      guard i < buffers.count, !buffers[i].queued else { return -VGL_V4L2_EINVAL }
      buffers[i].queued = true
      return 0
    case VGL_VIDIOC_DQBUF:
      return dequeue(arg.assumingMemoryBound(to: v4l2_buffer.self))
    case VGL_VIDIOC_STREAMON:
      streaming = true
      nextSequence = 0
      return 0
    case VGL_VIDIOC_STREAMOFF:
      streamOffs += 1
      streaming = false
      for i in buffers.indices { buffers[i].queued = false }
      return 0
    default:
      return -VGL_V4L2_ENOTTY
    }
  }

  private func mmap(_ fd: Int32, _ length: Int, _ offset: Int64,
                    _ err: UnsafeMutablePointer<Int32>) -> UnsafeMutableRawPointer?
  {
    guard openFds.contains(fd),
      let index = buffers.firstIndex(where: { $0.offset == offset && $0.length == length })
    else {
      err.pointee = VGL_V4L2_EINVAL
      return nil
    }
    // Anonymous pages, as a driver's buffers are: not the test's malloc heap.
    guard let p = Glibc.mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
      p != MAP_FAILED
    else {
      err.pointee = VGL_V4L2_ENOMEM
      return nil
    }
    p.initializeMemory(as: UInt8.self, repeating: 0xEE, count: length)
    mappings[Int(bitPattern: p)] = (p, length)
    buffers[index].address = p
    return p
  }

  private func munmap(_ address: UnsafeMutableRawPointer, _ length: Int) -> Int32 {
    guard let m = mappings.removeValue(forKey: Int(bitPattern: address)), m.length == length else {
      return -VGL_V4L2_EINVAL
    }
    Glibc.munmap(m.pointer, m.length)
    return 0
  }

  private func poll(_ fd: Int32, _ timeout: Int32, _ revents: UnsafeMutablePointer<Int16>) -> Int32 {
    guard openFds.contains(fd) else {
      revents.pointee = VGL_V4L2_POLLNVAL
      return 1
    }
    if lost {
      revents.pointee = VGL_V4L2_POLLERR | VGL_V4L2_POLLHUP
      return 1
    }
    guard let step = current else {
      if let end = onScriptEnd {
        onScriptEnd = nil
        end()
      }
      advance(ms: max(timeout, 0))
      return 0
    }
    switch step {
    case .silence:
      consume()
      advance(ms: max(timeout, 0))
      return 0
    case .unplug(let errno, let onPoll, let absent) where onPoll:
      consume()
      unplug(absentOpens: absent)
      _ = errno  // a poll-side unplug reports POLLERR | POLLHUP, not an errno
      revents.pointee = VGL_V4L2_POLLERR | VGL_V4L2_POLLHUP
      return 1
    default:
      if !streaming {
        revents.pointee = VGL_V4L2_POLLERR
        return 1
      }
      advance(ms: 1)
      armed = framesPerPoll
      revents.pointee = VGL_V4L2_POLLIN
      return 1
    }
  }

  private func dequeue(_ b: UnsafeMutablePointer<v4l2_buffer>) -> Int32 {
    guard streaming else { return -VGL_V4L2_EINVAL }
    // Only what a readable poll made ready can be dequeued.
    guard armed > 0, let step = current else { return -VGL_V4L2_EAGAIN }
    switch step {
    case .silence:
      return -VGL_V4L2_EAGAIN
    case .eagain:
      consume()
      armed = 0
      return -VGL_V4L2_EAGAIN
    case .unplug(let errno, _, let absent):
      consume()
      armed = 0
      unplug(absentOpens: absent)
      return -errno
    case .frame(let bytes, let bytesUsed, let skip, let flags):
      guard let i = buffers.firstIndex(where: { $0.queued }) else { return -VGL_V4L2_EAGAIN }
      consume()
      armed -= 1
      buffers[i].queued = false
      if let target = buffers[i].address, mappings[Int(bitPattern: target)] != nil {
        bytes.withUnsafeBytes { src in
          target.copyMemory(from: src.baseAddress!, byteCount: min(src.count, buffers[i].length))
        }
      }
      nextSequence &+= skip
      b.pointee.index = UInt32(i)
      b.pointee.bytesused = UInt32(bytesUsed ?? bytes.count)
      b.pointee.flags = VGL_V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC | flags
      b.pointee.sequence = nextSequence
      nextSequence &+= 1
      let capturedNs = nowNs - 500_000
      b.pointee.timestamp.tv_sec = Int(capturedNs / 1_000_000_000)
      b.pointee.timestamp.tv_usec = Int(capturedNs % 1_000_000_000 / 1000)
      b.pointee.length = UInt32(buffers[i].length)
      return 0
    }
  }

  private func unplug(absentOpens: Int) {
    lost = true
    present = absentOpens <= 0
    absentOpensLeft = absentOpens
  }

  // MARK: - Helpers

  private func minimumStride() -> Int {
    pixelFormat == VGL_V4L2_PIX_FMT_YUYV ? 2 * width : width
  }

  private func bufferLength() -> Int {
    if pixelFormat == VGL_V4L2_PIX_FMT_MJPEG || pixelFormat == VGL_V4L2_PIX_FMT_JPEG {
      return mjpegBufferBytes
    }
    let stride = minimumStride() + stridePadding
    return pixelFormat == VGL_V4L2_PIX_FMT_NV12 ? stride * (height + height / 2) : stride * height
  }

  private func fillFormat(_ f: UnsafeMutablePointer<v4l2_format>) {
    f.pointee.fmt.pix.width = UInt32(width)
    f.pointee.fmt.pix.height = UInt32(height)
    f.pointee.fmt.pix.pixelformat = pixelFormat
    f.pointee.fmt.pix.field = VGL_V4L2_FIELD_NONE
    let compressed = pixelFormat == VGL_V4L2_PIX_FMT_MJPEG || pixelFormat == VGL_V4L2_PIX_FMT_JPEG
    f.pointee.fmt.pix.bytesperline = compressed ? 0 : UInt32(minimumStride() + stridePadding)
    f.pointee.fmt.pix.sizeimage = UInt32(bufferLength())
  }

  private func copy<T>(_ text: String, into tuple: inout T) {
    withUnsafeMutableBytes(of: &tuple) { raw in
      let bytes = Array(text.utf8.prefix(raw.count - 1))
      for (i, b) in bytes.enumerated() { raw[i] = b }
      raw[bytes.count] = 0
    }
  }
}
