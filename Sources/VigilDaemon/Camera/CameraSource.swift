// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CVigilIO
import CVigilSys
import VigilCore

/// What the driver answered when the source asked for a format: the source uses this, not
/// what it asked for.
public struct CameraFormat: Equatable, Sendable {
  /// The pixel format in use.
  public var format: CameraPixelFormat
  /// Its fourcc code as the driver reported it (`MJPG` or `JPEG` for MJPEG).
  public var fourcc: UInt32
  /// Frame width and height in pixels, as read back from VIDIOC_S_FMT.
  public var width: Int
  public var height: Int
  /// Bytes per row of a raw frame (VIDIOC_S_FMT's `bytesperline`; 0 for MJPEG).
  public var stride: Int
  /// The driver's buffer size for one frame (`sizeimage`).
  public var sizeImage: Int
  /// Frame interval read back from VIDIOC_S_PARM / G_PARM, seconds = numerator / denominator;
  /// 0 / 0 when the driver does not say.
  public var intervalNumerator: Int
  public var intervalDenominator: Int
  /// Driver buffers mapped.
  public var buffers: Int
  /// VIDIOC_QUERYCAP's driver and card names.
  public var driver: String
  public var card: String

  /// "YUYV", "MJPG", ...
  public var fourccString: String { fourccText(fourcc) }

  /// Frames per second as text ("30", "30000/1001"), or "?" when unknown.
  public var fpsString: String {
    if intervalNumerator <= 0 || intervalDenominator <= 0 { return "?" }
    if intervalDenominator % intervalNumerator == 0 {
      return "\(intervalDenominator / intervalNumerator)"
    }
    return "\(intervalDenominator)/\(intervalNumerator)"
  }
}

/// Every frame the camera source saw, by what became of it. After any sequence of calls,
/// `dequeued == frames + corrupt + wrongSize + driverErrors + stale`.
public struct CameraCounters: Equatable, Sendable {
  /// Buffers taken from the driver (VIDIOC_DQBUF succeeded).
  public var dequeued = 0
  /// Frames decoded and handed out as `.frame`.
  public var frames = 0
  /// MJPEG frames libjpeg refused (corrupt or truncated).
  public var corrupt = 0
  /// Frames whose byte count, or decoded size, does not match the negotiated format.
  public var wrongSize = 0
  /// Buffers the driver flagged as damaged (V4L2_BUF_FLAG_ERROR).
  public var driverErrors = 0
  /// Frames the driver skipped (gaps in its sequence numbers).
  public var dropped = 0
  /// Frames dequeued together with a newer one and handed back unread (the newest wins).
  public var stale = 0
  /// VIDIOC_DQBUF answers of EAGAIN after poll said readable.
  public var eagain = 0
  /// Times the device was lost (ENODEV, EIO, a poll error) and closed.
  public var disconnects = 0
  /// Times it was opened again after a loss.
  public var reconnects = 0
  /// Reopen attempts, failed or not.
  public var reopenAttempts = 0

  /// Frames counted and skipped: corrupt, wrong size and driver-flagged.
  public var bad: Int { corrupt + wrongSize + driverErrors }
}

/// A V4L2 camera as a ``FrameSource``: mmap streaming, each frame converted to RGB in one
/// buffer allocated when the format is negotiated.
///
///     var settings = CameraSettings(device: "/dev/video0")
///     settings.width = 640; settings.height = 480
///     var camera = try CameraSource(settings)
///     switch try camera.next(timeoutMs: 1000) { case .frame(let f): ...; default: ... }
///
/// Opening checks VIDIOC_QUERYCAP (video capture and streaming), picks the pixel format (the
/// preference, else the first of ``CameraPixelFormat/autoOrder`` the device lists), asks for
/// the size with VIDIOC_S_FMT and the rate with VIDIOC_S_PARM and keeps the driver's answers
/// (``format``), maps ``CameraSettings/bufferCount`` buffers, queues them and starts streaming.
///
/// Each ``next(timeoutMs:)`` polls the device once and dequeues one buffer (EAGAIN is
/// `.idle`; when several are ready, the newest: older ones go straight back to the driver and
/// count as dropped), checks its byte count against the format, converts it (MJPEG through
/// libjpeg; YUYV, NV12 in BT.601 limited range; GREY replicated) and queues it again. Bad
/// frames are `.badFrame` and counted; frames skipped for a newer one and gaps in the driver's
/// sequence numbers are `.dropped`. When the device goes away (any poll, DQBUF or QBUF error
/// but EAGAIN and EINTR, such as ENODEV or EIO, or a poll error or hang-up) the source unmaps
/// and closes it, says `.disconnected`, and tries to reopen it from later calls with
/// exponential backoff (``CameraSettings/reopenMinMs`` doubling to
/// ``CameraSettings/reopenMaxMs``) until it is back (`.reconnected`). Streaming is stopped,
/// buffers unmapped and the device closed in `deinit`. docs/camera.md has the details.
///
/// Memory: the RGB buffer is reallocated only when a reopen negotiates a different size. A
/// frame's image shares that buffer; a caller that keeps a frame past the next call makes the
/// next decode copy it (copy-on-write). MJPEG frames go through `vgl_io_decode_jpeg`, which
/// allocates and frees its own output per frame (it does not grow).
public struct CameraSource: FrameSource, ~Copyable {
  /// What was asked for.
  public let settings: CameraSettings
  private let io: V4L2IO
  /// The driver's answer, from the latest successful open.
  public private(set) var format: CameraFormat
  /// Every frame, by what became of it.
  public private(set) var counters: CameraCounters
  /// Why the latest reopen attempt failed ("" when none did).
  public private(set) var lastReopenError: String

  // No default values: a noncopyable value must be wholly uninitialized when `init` throws
  // before its last field is set.
  private var fd: Int32
  private var streaming: Bool
  private var buffers: [MappedBuffer]
  private var rgb: RGBImage
  private var sequence: UInt64
  private var lastDriverSequence: UInt32
  private var haveDriverSequence: Bool
  private var pending: [SourceEvent]
  private var retryAtNs: UInt64
  private var backoffMs: Int
  private let message: UnsafeMutablePointer<CChar>
  private static let messageCapacity = 256

  /// Opens and starts the camera.
  ///
  /// - Throws: ``VigilError/invalidArgument(_:)`` for bad settings, ``VigilError/io(_:)`` when
  ///   the device cannot be opened or set up, ``VigilError/unsupported(_:)`` when it is not a
  ///   streaming capture device or offers no format the source converts.
  public init(_ settings: CameraSettings, io: V4L2IO = .system) throws(VigilError) {
    try settings.validate()
    var source = CameraSource(unopened: settings, io: io)
    try source.openAndStart()  // on failure, source's deinit frees what it holds
    self = source
  }

  private init(unopened settings: CameraSettings, io: V4L2IO) {
    self.settings = settings
    self.io = io
    backoffMs = settings.reopenMinMs
    counters = CameraCounters()
    lastReopenError = ""
    fd = -1
    streaming = false
    buffers = []
    sequence = 0
    lastDriverSequence = 0
    haveDriverSequence = false
    pending = []
    retryAtNs = 0
    format = CameraFormat(
      format: .yuyv, fourcc: 0, width: 0, height: 0, stride: 0, sizeImage: 0,
      intervalNumerator: 0, intervalDenominator: 0, buffers: 0, driver: "", card: "")
    rgb = RGBImage(width: 1, height: 1, pixels: [0, 0, 0])
    buffers.reserveCapacity(CameraSettings.maxBuffers)
    pending.reserveCapacity(4)
    message = .allocate(capacity: CameraSource.messageCapacity)
    message.initialize(repeating: 0, count: CameraSource.messageCapacity)
  }

  deinit {
    CameraSource.release(io: io, fd: fd, streaming: streaming, buffers: buffers)
    message.deallocate()
  }

  /// The device descriptor while it is open, else -1.
  public var pollDescriptor: Int32 { fd }

  /// "v4l2 /dev/video0 YUYV 640x480 @30 (vivid: vivid, 4 buffers)"; "(closed)" while the
  /// device is away.
  public var describe: String {
    let state = fd >= 0 ? "" : " (closed, reopening)"
    return "v4l2 \(settings.device) \(format.fourccString) \(format.width)x\(format.height) "
      + "@\(format.fpsString) (\(format.driver): \(format.card), \(format.buffers) buffers)\(state)"
  }

  public var dropNote: String {
    "older frames skipped for the newest, and frames the driver lost before they were dequeued"
  }

  // MARK: - Frames

  public mutating func next(timeoutMs: Int32) throws(VigilError) -> SourceEvent {
    if !pending.isEmpty { return pending.removeFirst() }
    if fd < 0 { return reconnectStep(timeoutMs: timeoutMs) }
    switch io.poll(fd, timeoutMs: timeoutMs) {
    case .failure(let e):
      if e.rawValue == VGL_V4L2_EINTR { return .idle }
      return lose("poll failed: \(e.name)")
    case .success(let revents):
      if revents == 0 { return .idle }
      let trouble = VGL_V4L2_POLLERR | VGL_V4L2_POLLHUP | VGL_V4L2_POLLNVAL
      if revents & VGL_V4L2_POLLIN == 0 && revents & trouble != 0 {
        return lose("poll reported an error on the device (revents 0x\(String(UInt16(bitPattern: revents), radix: 16)))")
      }
    }
    return dequeue()
  }

  /// Closes the device and opens it again at once (the watchdog's remedy for a stalled
  /// camera); on failure the source keeps retrying with backoff from ``next(timeoutMs:)``.
  public mutating func reopen() throws(VigilError) -> String {
    closeDevice()
    pending.removeAll(keepingCapacity: true)
    counters.reopenAttempts += 1
    do {
      try openAndStart()
      counters.reconnects += 1
      return "reopened \(describe)"
    } catch {
      counters.disconnects += 1
      scheduleRetry(after: settings.reopenMinMs)
      lastReopenError = error.description
      return "reopening camera \(settings.device) failed: \(error.description); retrying in \(settings.reopenMinMs) ms"
    }
  }

  private mutating func dequeue() -> SourceEvent {
    var buffer = v4l2_buffer()
    buffer.type = VGL_V4L2_BUF_TYPE_VIDEO_CAPTURE
    buffer.memory = VGL_V4L2_MEMORY_MMAP
    if case .failure(let e) = io.ioctl(fd, VGL_VIDIOC_DQBUF, &buffer) {
      if e.rawValue == VGL_V4L2_EAGAIN {
        counters.eagain += 1
        return .idle
      }
      if e.rawValue == VGL_V4L2_EINTR { return .idle }
      return lose("VIDIOC_DQBUF failed: \(e.name)")
    }
    var dequeuedNs = io.monotonicNs()
    counters.dequeued += 1
    guard Int(buffer.index) < buffers.count else {
      return lose("the driver returned buffer \(buffer.index), only \(buffers.count) are mapped")
    }
    var gaps = sequenceGap(buffer)
    // The newest frame wins: take whatever else the driver has ready, handing each older
    // buffer straight back (a busy loop then classifies the latest frame, not a queue of old
    // ones). At most one pass over the buffers; EAGAIN (or any error, seen on the next call)
    // ends it.
    var stale = 0
    for _ in 0..<buffers.count {
      var newer = v4l2_buffer()
      newer.type = VGL_V4L2_BUF_TYPE_VIDEO_CAPTURE
      newer.memory = VGL_V4L2_MEMORY_MMAP
      guard case .success = io.ioctl(fd, VGL_VIDIOC_DQBUF, &newer) else { break }
      counters.dequeued += 1
      guard Int(newer.index) < buffers.count else {
        return lose("the driver returned buffer \(newer.index), only \(buffers.count) are mapped")
      }
      if case .failure(let e) = requeue(buffer.index) { return lose("VIDIOC_QBUF failed: \(e.name)") }
      stale += 1
      gaps += sequenceGap(newer)
      buffer = newer
      dequeuedNs = io.monotonicNs()
    }
    counters.stale += stale
    counters.dropped += gaps
    let event = convert(buffer, dequeuedNs: dequeuedNs)
    // Hand the buffer back before anything else, so the driver never runs dry.
    let requeued = requeue(buffer.index)
    var first = event
    if gaps + stale > 0 {
      pending.append(event)
      first = .dropped(gaps + stale)
    }
    if case .failure(let e) = requeued { pending.append(lose("VIDIOC_QBUF failed: \(e.name)")) }
    return first
  }

  private func requeue(_ index: UInt32) -> Result<Void, V4L2Errno> {
    var buffer = v4l2_buffer()
    buffer.type = VGL_V4L2_BUF_TYPE_VIDEO_CAPTURE
    buffer.memory = VGL_V4L2_MEMORY_MMAP
    buffer.index = index
    return io.ioctl(fd, VGL_VIDIOC_QBUF, &buffer)
  }

  /// Frames the driver skipped before `buffer` (a jump in its sequence numbers).
  private mutating func sequenceGap(_ buffer: v4l2_buffer) -> Int {
    var gap = 0
    let step = buffer.sequence &- lastDriverSequence
    if haveDriverSequence && step > 1 && step < 0x8000_0000 { gap = Int(step) - 1 }
    lastDriverSequence = buffer.sequence
    haveDriverSequence = true
    return gap
  }

  /// "camera /dev/video0 frame 12" (the dequeue count), for bad-frame messages only.
  private var frameName: String { "camera \(settings.device) frame \(counters.dequeued)" }

  /// Checks and converts one dequeued buffer into the RGB buffer.
  private mutating func convert(_ buffer: v4l2_buffer, dequeuedNs: UInt64) -> SourceEvent {
    let mapped = buffers[Int(buffer.index)]
    let used = Int(buffer.bytesused)
    if buffer.flags & VGL_V4L2_BUF_FLAG_ERROR != 0 {
      counters.driverErrors += 1
      return .badFrame("\(frameName): the driver flagged the buffer as damaged (V4L2_BUF_FLAG_ERROR); skipped")
    }
    if used <= 0 || used > mapped.length {
      counters.wrongSize += 1
      return .badFrame("\(frameName): the driver reports \(used) bytes in a \(mapped.length)-byte buffer; skipped")
    }
    let width = format.width, height = format.height
    let start = io.monotonicNs()
    let data = UnsafeRawPointer(mapped.address).assumingMemoryBound(to: UInt8.self)
    if format.format.isRaw {
      let needed = format.format.bytesNeeded(width: width, height: height, stride: format.stride)
      if used < needed {
        counters.wrongSize += 1
        return .badFrame("\(frameName): \(used) bytes, but \(format.fourccString) \(width)x\(height) (stride \(format.stride)) needs \(needed); skipped")
      }
      let stride = UInt32(format.stride)
      let status: Int32 = rgb.pixels.withUnsafeMutableBufferPointer { out in
        switch format.format {
        case .yuyv:
          return vgl_v4l2_yuyv_to_rgb(data, used, stride, UInt32(width), UInt32(height), out.baseAddress)
        case .nv12:
          return vgl_v4l2_nv12_to_rgb(data, used, stride, UInt32(width), UInt32(height), out.baseAddress)
        case .grey, .mjpeg:
          return vgl_v4l2_grey_to_rgb(data, used, stride, UInt32(width), UInt32(height), out.baseAddress)
        }
      }
      if status != 0 {
        counters.wrongSize += 1
        return .badFrame("\(frameName): \(format.fourccString) conversion refused \(used) bytes; skipped")
      }
    } else {
      var image = vgl_io_image(pixels: nil, width: 0, height: 0)
      let status = vgl_io_decode_jpeg(data, used, 0, &image, message, CameraSource.messageCapacity)
      defer { vgl_io_free(image.pixels) }
      guard status == VGL_IO_OK, let pixels = image.pixels else {
        counters.corrupt += 1
        message[CameraSource.messageCapacity - 1] = 0
        return .badFrame("\(frameName): corrupt MJPEG frame (\(used) bytes): \(cText(message)); skipped")
      }
      if Int(image.width) != width || Int(image.height) != height {
        counters.wrongSize += 1
        return .badFrame("\(frameName): MJPEG frame is \(image.width)x\(image.height), the negotiated format is \(width)x\(height); skipped")
      }
      rgb.pixels.withUnsafeMutableBufferPointer { out in
        out.baseAddress!.update(from: pixels, count: width * height * 3)
      }
    }
    let end = io.monotonicNs()
    counters.frames += 1
    var captured = dequeuedNs
    if buffer.flags & VGL_V4L2_BUF_FLAG_TIMESTAMP_MASK == VGL_V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC {
      let sec = Int64(buffer.timestamp.tv_sec), usec = Int64(buffer.timestamp.tv_usec)
      if sec > 0 || usec > 0 {
        let ns = UInt64(clamping: sec) &* 1_000_000_000 &+ UInt64(clamping: usec) &* 1000
        if ns <= dequeuedNs { captured = ns }
      }
    }
    let frame = SourceFrame(
      image: rgb, sequence: sequence, captureMonotonicNs: captured, origin: settings.device,
      captureNs: dequeuedNs - captured, decodeNs: end &- start)
    sequence += 1
    return .frame(frame)
  }

  // MARK: - Losing and reopening the device

  private mutating func lose(_ reason: String) -> SourceEvent {
    closeDevice()
    counters.disconnects += 1
    backoffMs = settings.reopenMinMs
    scheduleRetry(after: backoffMs)
    return .disconnected("camera \(settings.device): \(reason); closed it, reopening (first try in \(backoffMs) ms)")
  }

  private mutating func scheduleRetry(after ms: Int) {
    retryAtNs = io.monotonicNs() &+ UInt64(ms) &* 1_000_000
  }

  private mutating func reconnectStep(timeoutMs: Int32) -> SourceEvent {
    var now = io.monotonicNs()
    if now < retryAtNs {
      let waitNs = retryAtNs - now
      var waitMs = Int32(clamping: (waitNs + 999_999) / 1_000_000)
      if timeoutMs >= 0 && timeoutMs < waitMs { waitMs = timeoutMs }
      if waitMs > 0 { io.sleep(ms: waitMs) }
      now = io.monotonicNs()
      if now < retryAtNs { return .idle }
    }
    counters.reopenAttempts += 1
    do {
      try openAndStart()
    } catch {
      lastReopenError = error.description
      backoffMs = min(backoffMs * 2, settings.reopenMaxMs)
      scheduleRetry(after: backoffMs)
      return .idle
    }
    counters.reconnects += 1
    lastReopenError = ""
    return .reconnected("camera \(settings.device) is back after \(counters.reopenAttempts) attempts so far: \(describe)")
  }

  private mutating func closeDevice() {
    CameraSource.release(io: io, fd: fd, streaming: streaming, buffers: buffers)
    buffers.removeAll(keepingCapacity: true)
    fd = -1
    streaming = false
  }

  /// STREAMOFF, munmap every buffer, free them in the driver, close. Errors are ignored: the
  /// device may already be gone.
  private static func release(io: V4L2IO, fd: Int32, streaming: Bool, buffers: [MappedBuffer]) {
    if fd >= 0 && streaming {
      var type = Int32(bitPattern: VGL_V4L2_BUF_TYPE_VIDEO_CAPTURE)
      _ = io.ioctl(fd, VGL_VIDIOC_STREAMOFF, &type)
    }
    for buffer in buffers { io.munmap(buffer.address, length: buffer.length) }
    if fd >= 0 {
      if !buffers.isEmpty {
        var request = v4l2_requestbuffers()
        request.count = 0
        request.type = VGL_V4L2_BUF_TYPE_VIDEO_CAPTURE
        request.memory = VGL_V4L2_MEMORY_MMAP
        _ = io.ioctl(fd, VGL_VIDIOC_REQBUFS, &request)
      }
      io.close(fd)
    }
  }

  // MARK: - Opening and negotiating

  private func failure(_ request: String, _ e: V4L2Errno) -> VigilError {
    .io("camera \(settings.device): \(request) failed: \(e.name)")
  }

  private mutating func openAndStart() throws(VigilError) {
    let device = settings.device
    switch io.open(device) {
    case .failure(let e):
      throw .io("camera \(device): cannot open: \(e.name); check the path (ls /dev/video*) and that the camera is plugged in")
    case .success(let descriptor):
      fd = descriptor
    }
    haveDriverSequence = false
    do {
      try negotiate()
    } catch {
      closeDevice()
      throw error
    }
  }

  private mutating func negotiate() throws(VigilError) {
    let device = settings.device
    // Capabilities: a capture node with streaming I/O.
    var capability = v4l2_capability()
    if case .failure(let e) = io.ioctl(fd, VGL_VIDIOC_QUERYCAP, &capability) {
      if e.rawValue == VGL_V4L2_ENOTTY || e.rawValue == VGL_V4L2_EINVAL {
        throw .unsupported("camera \(device): not a V4L2 device (VIDIOC_QUERYCAP: \(e.name))")
      }
      throw failure("VIDIOC_QUERYCAP", e)
    }
    let driver = cText(tuple: capability.driver)
    let card = cText(tuple: capability.card)
    let caps = capability.capabilities & VGL_V4L2_CAP_DEVICE_CAPS != 0
      ? capability.device_caps : capability.capabilities
    if caps & VGL_V4L2_CAP_VIDEO_CAPTURE == 0 {
      throw .unsupported("camera \(device) (\(driver): \(card)) is not a video capture node (device capabilities 0x\(String(caps, radix: 16))); cameras often have a second node for metadata: try the other /dev/videoN")
    }
    if caps & VGL_V4L2_CAP_STREAMING == 0 {
      throw .unsupported("camera \(device) (\(driver): \(card)) has no streaming I/O (device capabilities 0x\(String(caps, radix: 16))); the source needs mmap streaming")
    }

    // Formats offered, then the one to use.
    var offered: [UInt32] = []
    var index: UInt32 = 0
    while index < 64 {
      var description = v4l2_fmtdesc()
      description.index = index
      description.type = VGL_V4L2_BUF_TYPE_VIDEO_CAPTURE
      if case .failure(let e) = io.ioctl(fd, VGL_VIDIOC_ENUM_FMT, &description) {
        if e.rawValue == VGL_V4L2_EINVAL { break }
        throw failure("VIDIOC_ENUM_FMT", e)
      }
      offered.append(description.pixelformat)
      index += 1
    }
    let candidates: [CameraPixelFormat]
    switch settings.format {
    case .auto: candidates = CameraPixelFormat.autoOrder
    case .only(let f): candidates = [f]
    }
    var chosen: (CameraPixelFormat, UInt32)? = nil
    search: for candidate in candidates {
      for code in candidate.fourccs where offered.contains(code) {
        chosen = (candidate, code)
        break search
      }
    }
    guard let (pixelFormat, fourcc) = chosen else {
      var names = ""
      for code in offered {
        if !names.isEmpty { names += ", " }
        names += fourccText(code)
      }
      let wanted: String
      switch settings.format {
      case .auto: wanted = "any of YUYV, MJPG, NV12, GREY"
      case .only(let f): wanted = f.name
      }
      throw .unsupported("camera \(device) (\(driver): \(card)) offers \(names.isEmpty ? "no formats" : names), not \(wanted); pick a --format it offers")
    }

    // Size: ask, then keep the answer.
    var requested = v4l2_format()
    requested.type = VGL_V4L2_BUF_TYPE_VIDEO_CAPTURE
    if settings.width == 0 {
      if case .failure(let e) = io.ioctl(fd, VGL_VIDIOC_G_FMT, &requested) { throw failure("VIDIOC_G_FMT", e) }
    } else {
      requested.fmt.pix.width = UInt32(settings.width)
      requested.fmt.pix.height = UInt32(settings.height)
    }
    requested.type = VGL_V4L2_BUF_TYPE_VIDEO_CAPTURE
    requested.fmt.pix.pixelformat = fourcc
    requested.fmt.pix.field = VGL_V4L2_FIELD_ANY
    requested.fmt.pix.bytesperline = 0
    requested.fmt.pix.sizeimage = 0
    if case .failure(let e) = io.ioctl(fd, VGL_VIDIOC_S_FMT, &requested) { throw failure("VIDIOC_S_FMT", e) }
    let answer = requested.fmt.pix
    if answer.pixelformat != fourcc {
      throw .unsupported("camera \(device): asked for \(fourccText(fourcc)), the driver answered \(fourccText(answer.pixelformat)); pick another --format")
    }
    let width = Int(answer.width), height = Int(answer.height)
    if width < 1 || height < 1 || width > CameraSettings.maxSide || height > CameraSettings.maxSide {
      throw .unsupported("camera \(device): the driver answered a \(width)x\(height) frame; sides must be 1...\(CameraSettings.maxSide)")
    }
    if (pixelFormat == .yuyv || pixelFormat == .nv12) && width % 2 != 0
      || pixelFormat == .nv12 && height % 2 != 0
    {
      throw .unsupported("camera \(device): \(fourccText(fourcc)) \(width)x\(height) has an odd side; pass an even --size")
    }
    var stride = Int(answer.bytesperline)
    if pixelFormat.isRaw {
      let minimum = pixelFormat.minimumStride(width: width)
      if stride == 0 { stride = minimum }
      if stride < minimum || stride > 4 * minimum + 4096 {
        throw .unsupported("camera \(device): the driver answered \(stride) bytes per row for \(fourccText(fourcc)) \(width)x\(height) (needs \(minimum)...\(4 * minimum + 4096))")
      }
    } else {
      stride = 0
    }

    // Frame rate: ask when wanted and allowed, then read back.
    var parameters = v4l2_streamparm()
    parameters.type = VGL_V4L2_BUF_TYPE_VIDEO_CAPTURE
    var intervalNumerator = 0, intervalDenominator = 0
    if case .success = io.ioctl(fd, VGL_VIDIOC_G_PARM, &parameters) {
      if settings.fps > 0
        && parameters.parm.capture.capability & VGL_V4L2_CAP_TIMEPERFRAME != 0
      {
        parameters.type = VGL_V4L2_BUF_TYPE_VIDEO_CAPTURE
        parameters.parm.capture.timeperframe.numerator = 1
        parameters.parm.capture.timeperframe.denominator = UInt32(settings.fps)
        if case .failure(let e) = io.ioctl(fd, VGL_VIDIOC_S_PARM, &parameters) {
          throw failure("VIDIOC_S_PARM", e)
        }
      }
      intervalNumerator = Int(parameters.parm.capture.timeperframe.numerator)
      intervalDenominator = Int(parameters.parm.capture.timeperframe.denominator)
    }

    // Buffers: request, query, map, queue; then stream.
    var request = v4l2_requestbuffers()
    request.count = UInt32(settings.bufferCount)
    request.type = VGL_V4L2_BUF_TYPE_VIDEO_CAPTURE
    request.memory = VGL_V4L2_MEMORY_MMAP
    if case .failure(let e) = io.ioctl(fd, VGL_VIDIOC_REQBUFS, &request) {
      if e.rawValue == VGL_V4L2_EINVAL {
        throw .unsupported("camera \(device): the driver has no mmap streaming (VIDIOC_REQBUFS: \(e.name))")
      }
      throw failure("VIDIOC_REQBUFS", e)
    }
    let granted = min(Int(request.count), CameraSettings.maxBuffers)
    if granted < 1 { throw .io("camera \(device): the driver granted no buffers; close other programs using it") }
    for i in 0..<granted {
      var query = v4l2_buffer()
      query.index = UInt32(i)
      query.type = VGL_V4L2_BUF_TYPE_VIDEO_CAPTURE
      query.memory = VGL_V4L2_MEMORY_MMAP
      if case .failure(let e) = io.ioctl(fd, VGL_VIDIOC_QUERYBUF, &query) { throw failure("VIDIOC_QUERYBUF", e) }
      let length = Int(query.length)
      if length < 1 || pixelFormat.isRaw
        && length < pixelFormat.bytesNeeded(width: width, height: height, stride: stride)
      {
        throw .io("camera \(device): buffer \(i) holds \(length) bytes, too small for \(fourccText(fourcc)) \(width)x\(height)")
      }
      switch io.mmap(fd, length: length, offset: Int64(query.m.offset)) {
      case .failure(let e): throw failure("mmap of buffer \(i)", e)
      case .success(let address): buffers.append(MappedBuffer(address: address, length: length))
      }
    }
    for i in 0..<granted {
      var queued = v4l2_buffer()
      queued.index = UInt32(i)
      queued.type = VGL_V4L2_BUF_TYPE_VIDEO_CAPTURE
      queued.memory = VGL_V4L2_MEMORY_MMAP
      if case .failure(let e) = io.ioctl(fd, VGL_VIDIOC_QBUF, &queued) { throw failure("VIDIOC_QBUF", e) }
    }
    var type = Int32(bitPattern: VGL_V4L2_BUF_TYPE_VIDEO_CAPTURE)
    if case .failure(let e) = io.ioctl(fd, VGL_VIDIOC_STREAMON, &type) { throw failure("VIDIOC_STREAMON", e) }
    streaming = true

    format = CameraFormat(
      format: pixelFormat, fourcc: fourcc, width: width, height: height, stride: stride,
      sizeImage: Int(answer.sizeimage), intervalNumerator: intervalNumerator,
      intervalDenominator: intervalDenominator, buffers: granted, driver: driver, card: card)
    if rgb.width != width || rgb.height != height {
      rgb = RGBImage(width: width, height: height,
                     pixels: [UInt8](repeating: 0, count: width * height * 3))
    }
  }
}

/// One driver buffer mapped into this process.
struct MappedBuffer {
  var address: UnsafeMutableRawPointer
  var length: Int
}

/// A NUL-terminated C string as a String.
func cText(_ pointer: UnsafePointer<CChar>) -> String {
  var length = 0
  while pointer[length] != 0 { length += 1 }
  return UnsafeRawPointer(pointer).withMemoryRebound(to: UInt8.self, capacity: length) {
    String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
  }
}

/// A fixed-size C char array (imported as a tuple) up to its first NUL, as a String.
func cText<T>(tuple: T) -> String {
  withUnsafeBytes(of: tuple) { raw in
    var length = 0
    while length < raw.count && raw[length] != 0 { length += 1 }
    return String(decoding: UnsafeRawBufferPointer(rebasing: raw[0..<length]), as: UTF8.self)
  }
}

/// "YUYV" for a fourcc code.
func fourccText(_ code: UInt32) -> String {
  var bytes: [UInt8] = [0, 0, 0, 0]
  for i in 0..<4 {
    let c = UInt8(truncatingIfNeeded: code >> (8 * UInt32(i)))
    bytes[i] = c >= 0x20 && c < 0x7F ? c : UInt8(ascii: "?")
  }
  return String(decoding: bytes, as: UTF8.self)
}
