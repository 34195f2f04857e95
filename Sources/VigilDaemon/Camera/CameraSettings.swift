// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CVigilSys
import VigilCore

/// The pixel formats the camera source converts to RGB, by their V4L2 fourcc.
public enum CameraPixelFormat: Equatable, Sendable, CaseIterable {
  /// Motion JPEG (`MJPG`, or `JPEG` from some drivers): each frame a JPEG, decoded by libjpeg.
  case mjpeg
  /// YUYV 4:2:2 packed (`YUYV`), BT.601 limited range.
  case yuyv
  /// NV12 (`NV12`): a Y plane and an interleaved U V plane at half resolution.
  case nv12
  /// 8-bit luma only (`GREY`), replicated to R, G, B.
  case grey

  /// The order `auto` tries: YUYV first (lossless, cheapest to convert, never fails to
  /// decode), then MJPEG (what USB cameras offer at large sizes), NV12, GREY.
  public static let autoOrder: [CameraPixelFormat] = [.yuyv, .mjpeg, .nv12, .grey]

  /// The fourcc codes of this format (MJPEG has two).
  public var fourccs: [UInt32] {
    switch self {
    case .mjpeg: return [VGL_V4L2_PIX_FMT_MJPEG, VGL_V4L2_PIX_FMT_JPEG]
    case .yuyv: return [VGL_V4L2_PIX_FMT_YUYV]
    case .nv12: return [VGL_V4L2_PIX_FMT_NV12]
    case .grey: return [VGL_V4L2_PIX_FMT_GREY]
    }
  }

  /// The format a fourcc code stands for, or nil.
  public init?(fourcc: UInt32) {
    for format in CameraPixelFormat.allCases where format.fourccs.contains(fourcc) {
      self = format
      return
    }
    return nil
  }

  /// The option value ("mjpeg").
  public var name: String {
    switch self {
    case .mjpeg: return "mjpeg"
    case .yuyv: return "yuyv"
    case .nv12: return "nv12"
    case .grey: return "grey"
    }
  }

  /// Whether a frame has a fixed size (every format but MJPEG).
  public var isRaw: Bool { self != .mjpeg }

  /// Bytes a raw frame needs with `stride` bytes per row (0 for MJPEG, whose size varies).
  public func bytesNeeded(width: Int, height: Int, stride: Int) -> Int {
    switch self {
    case .mjpeg: return 0
    case .yuyv, .grey: return stride * (height - 1) + (self == .yuyv ? 2 * width : width)
    case .nv12: return stride * (height + height / 2 - 1) + width
    }
  }

  /// The smallest row stride the format allows.
  public func minimumStride(width: Int) -> Int {
    self == .yuyv ? 2 * width : width
  }
}

/// Which pixel format to ask the camera for.
public enum CameraFormatPreference: Equatable, Sendable {
  /// The first of ``CameraPixelFormat/autoOrder`` that the device offers.
  case auto
  /// Exactly this format; refused at start when the device does not offer it.
  case only(CameraPixelFormat)

  /// Parses an option value: `auto`, `mjpeg`, `yuyv`, `nv12` or `grey`.
  public init?(parsing text: String) {
    if text == "auto" {
      self = .auto
      return
    }
    for format in CameraPixelFormat.allCases where format.name == text {
      self = .only(format)
      return
    }
    return nil
  }
}

/// What to ask a V4L2 camera for. The driver may answer with something else (vivid turns
/// 320x240 into 320x180); the source reads its answer back and uses that.
///
///     var settings = CameraSettings(device: "/dev/video0")
///     settings.width = 640; settings.height = 480; settings.fps = 15
public struct CameraSettings: Equatable, Sendable {
  /// The device node, such as `/dev/video0`.
  public var device: String
  /// Requested frame width in pixels; 0 keeps the driver's current size.
  public var width: Int = 0
  /// Requested frame height in pixels; 0 keeps the driver's current size.
  public var height: Int = 0
  /// Requested frames per second; 0 keeps the driver's current rate.
  public var fps: Int = 0
  /// The pixel format to ask for.
  public var format: CameraFormatPreference = .auto
  /// Driver buffers to map (2...``CameraSettings/maxBuffers``); the driver may grant fewer.
  public var bufferCount: Int = 4
  /// First wait before reopening a lost device, milliseconds; doubled after each failed
  /// attempt up to ``reopenMaxMs``.
  public var reopenMinMs: Int = 100
  /// Longest wait between reopen attempts, milliseconds.
  public var reopenMaxMs: Int = 5000

  /// The most buffers the source maps.
  public static let maxBuffers = 32
  /// The largest frame side accepted from a driver (as the image decoders).
  public static let maxSide = 16384

  public init(device: String) { self.device = device }

  /// Checks every field; the message says what to change.
  public func validate() throws(VigilError) {
    if device.isEmpty { throw .invalidArgument("camera: empty device path; pass --camera /dev/videoN") }
    if width < 0 || height < 0 || width > CameraSettings.maxSide || height > CameraSettings.maxSide
      || (width == 0) != (height == 0)
    {
      throw .invalidArgument(
        "camera: size \(width)x\(height) is out of range; pass --size WxH with 1...\(CameraSettings.maxSide) on each side")
    }
    if fps < 0 || fps > 1000 {
      throw .invalidArgument("camera: \(fps) frames per second is out of range; pass --fps 1...1000")
    }
    if bufferCount < 2 || bufferCount > CameraSettings.maxBuffers {
      throw .invalidArgument(
        "camera: \(bufferCount) buffers is out of range; use 2...\(CameraSettings.maxBuffers)")
    }
    if reopenMinMs < 1 || reopenMaxMs < reopenMinMs || reopenMaxMs > 600_000 {
      throw .invalidArgument(
        "camera: reopen backoff \(reopenMinMs)...\(reopenMaxMs) ms is invalid; the minimum must be >= 1 and <= the maximum (<= 600000)")
    }
  }

  /// Parses `WxH` (as `--size 640x480`): nil when malformed or a side is outside
  /// 1...``maxSide``.
  public static func parseSize(_ text: String) -> (width: Int, height: Int)? {
    let parts = text.utf8.split(separator: UInt8(ascii: "x"), omittingEmptySubsequences: false)
    guard parts.count == 2, let w = parseDecimal(parts[0]), let h = parseDecimal(parts[1]),
      w >= 1, h >= 1, w <= maxSide, h <= maxSide
    else { return nil }
    return (w, h)
  }

  private static func parseDecimal(_ digits: Substring.UTF8View) -> Int? {
    if digits.isEmpty || digits.count > 6 { return nil }
    var value = 0
    for d in digits {
      guard d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9") else { return nil }
      value = value * 10 + Int(d - UInt8(ascii: "0"))
    }
    return value
  }
}
