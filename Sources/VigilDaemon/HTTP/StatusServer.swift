// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CVigilIO
import CVigilSys
import VigilCore

/// Where `--http` listens: `PORT` (127.0.0.1), `ADDR:PORT` or `[IPv6]:PORT`, numeric only.
public struct HTTPAddress: Equatable {
  public var host: String
  public var port: Int

  public init(host: String, port: Int) { self.host = host; self.port = port }

  /// Parses the `http` option; the error says what is accepted.
  public static func parse(_ text: String) throws(VigilError) -> HTTPAddress {
    let usage = "http: '\(text)' is not PORT, ADDR:PORT or [IPV6]:PORT (numeric address, port 0...65535)"
    var host = "127.0.0.1"
    var portText = Substring(text)
    if text.hasPrefix("[") {
      guard let close = text.firstIndex(of: "]") else { throw .invalidArgument(usage) }
      host = String(text[text.index(after: text.startIndex)..<close])
      let rest = text[text.index(after: close)...]
      guard rest.hasPrefix(":") else { throw .invalidArgument(usage) }
      portText = rest.dropFirst()
    } else if let colon = text.lastIndex(of: ":") {
      host = String(text[..<colon])
      portText = text[text.index(after: colon)...]
      if host.contains(":") { throw .invalidArgument(usage) }  // IPv6 needs brackets
    }
    guard !host.isEmpty, !portText.isEmpty, portText.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
          portText.utf8.count <= 5, let port = Int(String(portText)), port <= 65535
    else { throw .invalidArgument(usage) }
    for b in host.utf8 {
      let ok = (b >= 48 && b <= 58) || b == 46 || (b >= 97 && b <= 102) || (b >= 65 && b <= 70)
      if !ok { throw .invalidArgument("http: '\(host)' is not a numeric IPv4 or IPv6 address (no host names)") }
    }
    return HTTPAddress(host: host, port: port)
  }

  /// True for 127.0.0.0/8 and ::1.
  public var isLoopback: Bool { host.hasPrefix("127.") || host == "::1" }

  public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Limits of the status server (docs/serve.md).
public struct HTTPLimits {
  /// Concurrent connections; more are answered 503 and closed.
  public var slots: Int32 = 8
  public var requestTimeoutMs: Int32 = 5000
  public var writeTimeoutMs: Int32 = 10000
  public var lingerMs: Int32 = 1000
  /// With every slot busy, a connection still sending its request after this long is answered
  /// 503 and closed to make room for a new one (-1: never; refuse the newcomer).
  public var evictAfterMs: Int32 = 100
  /// Per-slot response buffer (the largest /snapshot.jpg).
  public var bodyCapacity = 256 * 1024
  public init() {}
}

/// The daemon's HTTP status side: a C server thread (Sources/CVigilSys/http_server.c) whose
/// handler renders from the published ``ServeSnapshot`` and the ``StatusFeed``. Rendering runs
/// on the server thread, into the connection slot's fixed buffer; the frame loop only
/// publishes. Everything a request can reach is listed in ``StatusPages``.
///
///     let server = try StatusServer(address: .init(host: "127.0.0.1", port: 8080),
///                                   board: board, feed: feed)
///     defer { server.stop() }
public final class StatusServer {
  private var server: OpaquePointer?
  let pages: StatusPages
  public let address: HTTPAddress
  /// The bound port (the kernel's choice when `address.port` is 0).
  public private(set) var port: Int = 0

  public init(address: HTTPAddress, board: SnapshotBoard, feed: StatusFeed,
              limits: HTTPLimits = HTTPLimits()) throws(VigilError)
  {
    self.address = address
    pages = StatusPages(board: board, feed: feed, jpegCapacity: limits.bodyCapacity)
    var message = [CChar](repeating: 0, count: 256)
    let context = Unmanaged.passUnretained(pages).toOpaque()
    let handler: vhttp_handler = { context, route, method, body, cap, reply in
      guard let context, let body, let reply else { return -1 }
      let pages = Unmanaged<StatusPages>.fromOpaque(context).takeUnretainedValue()
      return pages.render(route: route, method: method, body: body, capacity: cap, reply: reply)
    }
    let started: OpaquePointer? = address.host.withCString { host in
      var config = vhttp_config(host: host, port: Int32(address.port), slots: limits.slots,
                                request_timeout_ms: limits.requestTimeoutMs,
                                write_timeout_ms: limits.writeTimeoutMs,
                                linger_ms: limits.lingerMs, evict_after_ms: limits.evictAfterMs,
                                body_capacity: limits.bodyCapacity,
                                handler: handler, context: context)
      return message.withUnsafeMutableBufferPointer { m in
        vhttp_server_start(&config, m.baseAddress, m.count)
      }
    }
    guard let started else {
      let text = message.withUnsafeBufferPointer { b in
        String(decoding: UnsafeRawBufferPointer(b).prefix(while: { $0 != 0 }), as: UTF8.self)
      }
      throw .io("--http \(address.description): \(text)")
    }
    server = started
    port = Int(vhttp_server_port(started))
    pages.server = started
  }

  /// Stops the thread and closes every connection (also done on deinit).
  public func stop() {
    if let server {
      vhttp_server_stop(server)
      pages.server = nil
    }
    server = nil
  }

  deinit { stop() }
}
