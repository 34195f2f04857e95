// Copyright 2026 The Vigil Authors
// SPDX-License-Identifier: Apache-2.0

import CVigilSys
import Foundation
import Testing
import VigilCore
@testable import VigilDaemon

#if canImport(Glibc)
import Glibc
#endif

/// The request parser alone (Sources/CVigilSys/http_parse.c): one verdict per kind of request.
@Suite struct HTTPParserTests {
  func verdict(_ text: String) -> (Int32, Int32) {
    var req = vhttp_request()
    let bytes = Array(text.utf8)
    let v = bytes.withUnsafeBufferPointer { vhttp_parse($0.baseAddress, $0.count, &req) }
    return (v, req.route)
  }

  @Test func validRequestsFindTheirRoutes() {
    let routes: [(String, Int32)] = [
      ("/", Int32(VHTTP_ROUTE_PAGE)), ("/health", Int32(VHTTP_ROUTE_HEALTH)),
      ("/latest", Int32(VHTTP_ROUTE_LATEST)), ("/metrics", Int32(VHTTP_ROUTE_METRICS)),
      ("/snapshot.jpg", Int32(VHTTP_ROUTE_SNAPSHOT)), ("/events", Int32(VHTTP_ROUTE_EVENTS)),
      ("/metrics?x=1", Int32(VHTTP_ROUTE_METRICS)),
    ]
    for (path, route) in routes {
      #expect(verdict("GET \(path) HTTP/1.1\r\nHost: a\r\n\r\n") == (Int32(VHTTP_COMPLETE), route))
      #expect(verdict("HEAD \(path) HTTP/1.0\n\n") == (Int32(VHTTP_COMPLETE), route))
    }
  }

  @Test func everyRefusalHasItsStatus() {
    let long = String(repeating: "a", count: 1100)
    let pad = String(repeating: "p", count: 4100)
    let many = (0..<33).map { "X-\($0): 1\r\n" }.joined()
    let cases: [(String, Int32)] = [
      ("GET /health HTTP/1.1\r\nHost: a\r\n", Int32(VHTTP_INCOMPLETE)),
      ("POST /health HTTP/1.1\r\nHost: a\r\n\r\n", 405),
      ("DELETE / HTTP/1.1\r\n", 405),
      ("GET /nope HTTP/1.1\r\nHost: a\r\n\r\n", 404),
      ("GET /../../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n", 404),
      ("GET /%2e%2e/etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n", 404),
      ("GET /health HTTP/1.1\r\n\r\n", 400),
      ("GET /health HTTP/2.0\r\nHost: a\r\n\r\n", 505),
      ("GET /health\r\n\r\n", 400),
      ("GET http://a/health HTTP/1.1\r\nHost: a\r\n\r\n", 400),
      ("GET /?\(long) HTTP/1.1\r\nHost: a\r\n\r\n", 414),
      ("GET / HTTP/1.1\r\nHost: a\r\nX: \(pad)\r\n\r\n", 431),
      ("GET / HTTP/1.1\r\nHost: a\r\n\(many)\r\n", 431),
      ("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nabcd", 413),
      ("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 413),
      ("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400),
      ("GET / HTTP/1.1\r\nHost: a\r\nbroken\r\n\r\n", 400),
      ("\u{16}\u{03}\u{01}\u{00}", 400),
    ]
    for (text, expected) in cases {
      #expect(verdict(text).0 == expected, "\(text.prefix(60).debugDescription)")
    }
  }
}

@Suite struct HTTPAddressTests {
  @Test func portAloneIsLoopback() throws {
    let a = try HTTPAddress.parse("8080")
    #expect(a == HTTPAddress(host: "127.0.0.1", port: 8080) && a.isLoopback)
    #expect(try HTTPAddress.parse("0.0.0.0:9100") == HTTPAddress(host: "0.0.0.0", port: 9100))
    #expect(try HTTPAddress.parse("[::1]:80") == HTTPAddress(host: "::1", port: 80))
    #expect(try !HTTPAddress.parse("0.0.0.0:1").isLoopback)
  }

  @Test func badAddressesSayWhatIsAccepted() {
    for bad in ["", "x", "65536", "localhost:80", "::1:80", "1.2.3.4:", ":80", "[::1]80", "80a"] {
      var o = ServeOptions()
      do throws(VigilError) {
        try o.set("http", bad)
        Issue.record("'\(bad)' was accepted")
      } catch {
        #expect(ServeOptions.message(error).hasPrefix("http: "), "\(bad)")
      }
    }
  }
}

/// `vigil serve --http` over the bundled sample frames, talked to over loopback.
@Suite(.serialized) struct HTTPServerTests {
  /// Starts the daemon cycling the samples with HTTP on a free port; waits for results.
  func start(_ extra: [String] = []) throws -> (ServeProcess, Int) {
    let port = RawHTTP.freePort()
    let dir = try Fixture.folder("http")
    let serve = try ServeProcess([Fixture.model] + Fixture.sampleFiles()
                                 + ["--loop", "--smooth", "3", "--http", "127.0.0.1:\(port)"] + extra,
                                 output: dir + "/out.jsonl")
    serve.wait(seconds: 60) { $0.filter { type($0) == "result" }.count >= 30 }
    return (serve, port)
  }

  func json(_ r: RawHTTP.Response?) -> [String: Any] {
    guard let r, let o = try? JSONSerialization.jsonObject(with: r.body) as? [String: Any] else { return [:] }
    return o
  }

  @Test func everyEndpointAnswersWithItsTypeAndBody() throws {
    let (serve, port) = try start()
    defer { serve.signal(SIGTERM) }

    let health = RawHTTP.get(port: port, "/health")
    #expect(health?.status == 200)
    #expect(health?.headers["content-type"] == "application/json")
    #expect(json(health)["status"] as? String == "ok")
    #expect((json(health)["classified"] as? Int ?? 0) >= 30)

    let latest = RawHTTP.get(port: port, "/latest")
    #expect(latest?.status == 200)
    let result = json(latest)
    #expect(result["type"] as? String == "result")
    let top = result["top"] as? [[String: Any]] ?? []
    #expect(top.count == 3 && top[0]["label"] is String)
    #expect(result["smoothed"] is [String: Any])
    // The same object as an output line: every key of a result line is there.
    let line = serve.lines.last { type($0) == "result" } ?? [:]
    #expect(Set(result.keys) == Set(line.keys))

    let events = RawHTTP.get(port: port, "/events")
    #expect(events?.status == 200)
    let list = (try? JSONSerialization.jsonObject(with: events?.body ?? Data())) as? [[String: Any]]
    #expect(list != nil && list!.allSatisfy { $0["type"] as? String == "event" })

    let metrics = RawHTTP.get(port: port, "/metrics")
    #expect(metrics?.status == 200)
    #expect(metrics?.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
    let samples = RawHTTP.samples(metrics?.text ?? "")
    for name in ["vigil_frames_captured_total", "vigil_frames_classified_total",
                 "vigil_frames_dropped_total", "vigil_frames_bad_total",
                 "vigil_inference_seconds_count", "vigil_end_to_end_seconds_count",
                 "vigil_camera_reconnects_total", "vigil_model_reloads_total{result=\"ok\"}",
                 "vigil_model_reloads_total{result=\"failed\"}", "vigil_uptime_seconds",
                 "vigil_healthy"] {
      #expect(samples[name] != nil, "\(name) missing")
    }
    #expect(samples.keys.contains { $0.hasPrefix("vigil_state{label=") })
    #expect(samples.keys.contains { $0.hasPrefix("vigil_build_info{version=") })
    #expect(samples.keys.contains { $0.hasPrefix("vigil_model_info{path=") && $0.contains("classes=\"10\"") })
    #expect(samples["vigil_inference_seconds_bucket{le=\"+Inf\"}"] == samples["vigil_inference_seconds_count"])

    let jpeg = RawHTTP.get(port: port, "/snapshot.jpg")
    #expect(jpeg?.status == 200)
    #expect(jpeg?.headers["content-type"] == "image/jpeg")
    let bytes = [UInt8](jpeg?.body ?? Data())
    #expect(bytes.count > 100 && bytes[0] == 0xFF && bytes[1] == 0xD8)
    #expect(bytes.suffix(2) == [0xFF, 0xD9])
    #expect(Int(jpeg?.headers["content-length"] ?? "") == bytes.count)
    let decoded = try ImageDecoder.decode(bytes: bytes)
    #expect(decoded.width == 28 && decoded.height == 28)

    let page = RawHTTP.get(port: port, "/")
    #expect(page?.status == 200)
    #expect(page?.headers["content-type"] == "text/html; charset=utf-8")
    let html = page?.text ?? ""
    #expect(html.contains("<img id=\"frame\"") && html.contains("/snapshot.jpg?f="))
    #expect(html.contains("class=\"bar\"") && html.contains("id=\"state\""))
    #expect(!html.contains("http://") && !html.contains("https://"))  // no external assets
  }

  @Test func headGivesTheHeadersOnlyAndOtherMethodsAre405() throws {
    let (serve, port) = try start()
    defer { serve.signal(SIGTERM) }
    let head = RawHTTP.get(port: port, "/metrics", method: "HEAD")
    #expect(head?.status == 200 && head?.body.isEmpty == true)
    #expect(Int(head?.headers["content-length"] ?? "0") ?? 0 > 1000)
    for method in ["POST", "PUT", "DELETE", "OPTIONS", "PATCH"] {
      let r = RawHTTP.get(port: port, "/health", method: method)
      #expect(r?.status == 405, "\(method)")
      #expect(r?.headers["allow"] == "GET, HEAD")
    }
    #expect(RawHTTP.get(port: port, "/nope")?.status == 404)
    #expect(RawHTTP.get(port: port, "/../../../etc/passwd")?.status == 404)
    #expect(RawHTTP.get(port: port, "/health", method: "GET /x")?.status == 400)
    let long = Array("GET /?\(String(repeating: "a", count: 2000)) HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
    #expect(RawHTTP.exchange(port: port, long)?.status == 414)
    let big = Array("GET / HTTP/1.1\r\nHost: a\r\nX: \(String(repeating: "b", count: 5000))\r\n\r\n".utf8)
    #expect(RawHTTP.exchange(port: port, big)?.status == 431)
    let body = Array("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc".utf8)
    #expect(RawHTTP.exchange(port: port, body)?.status == 413)
    #expect(RawHTTP.exchange(port: port, [0x16, 0x03, 0x01, 0x02, 0x00, 0x01])?.status == 400)
    // Still serving after all of that.
    #expect(RawHTTP.get(port: port, "/health")?.status == 200)
  }

  @Test func aNewcomerEvictsTheOldestSlowClientAndSlowOnesGet408() throws {
    let (serve, port) = try start()
    defer { serve.signal(SIGTERM) }
    // Fill the 8 slots with connections that send half a request.
    var idle: [Int32] = []
    for _ in 0..<8 {
      if let fd = RawHTTP.connect(port: port) {
        RawHTTP.send(fd, Array("GET /health HTTP/1.1\r\n".utf8))
        idle.append(fd)
      }
    }
    #expect(idle.count == 8)
    // Let the server accept them (they are evicted only once 100 ms old).
    Thread.sleep(forTimeInterval: 1.0)
    // Every slot is busy with a request older than 100 ms: the oldest is evicted with 503.
    #expect(RawHTTP.get(port: port, "/health")?.status == 200)
    let evicted = RawHTTP.receive(idle[0])
    #expect(evicted?.status == 503)
    #expect(evicted?.text.contains("every connection slot busy") == true)
    // The request deadline (5 s from accept) answers the other slow ones 408.
    for fd in idle.dropFirst() {
      #expect(RawHTTP.receive(fd)?.status == 408)
    }
    for fd in idle { close(fd) }
    #expect(RawHTTP.get(port: port, "/health")?.status == 200)
    let samples = RawHTTP.samples(RawHTTP.get(port: port, "/metrics")?.text ?? "")
    #expect(samples["vigil_http_connections_total{result=\"evicted\"}"] == 1)
    #expect(samples["vigil_http_timeouts_total"] == 7)
  }

  @Test func countersOnlyRiseAndTheSnapshotIsEncodedAtMostOncePerFrame() throws {
    let (serve, port) = try start()
    defer { serve.signal(SIGTERM) }
    var previous: [String: Double] = [:]
    for _ in 0..<5 {
      for _ in 0..<10 { _ = RawHTTP.get(port: port, "/snapshot.jpg") }
      let text = RawHTTP.get(port: port, "/metrics")?.text ?? ""
      let now = RawHTTP.samples(text)
      let counters = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE") && $0.hasSuffix(" counter") }
        .map { String($0.split(separator: " ")[2]) }
      #expect(counters.count >= 10)
      for (key, value) in now where counters.contains(where: { key.hasPrefix($0) }) {
        if let before = previous[key] { #expect(value >= before, "\(key) fell from \(before) to \(value)") }
      }
      #expect(now["vigil_http_snapshot_encodes_total"]! <= now["vigil_frames_classified_total"]!)
      previous = now
      Thread.sleep(forTimeInterval: 0.1)
    }
  }

  @Test func healthIs503WithTheReasonWhenNoFramesFlow() throws {
    let port = RawHTTP.freePort()
    let dir = try Fixture.folder("http-idle")
    let watched = dir + "/in"
    try FileManager.default.createDirectory(atPath: watched, withIntermediateDirectories: true)
    let serve = try ServeProcess([Fixture.model, "--watch", watched, "--http", "\(port)"],
                                 output: dir + "/out.jsonl")
    defer { serve.signal(SIGTERM) }
    serve.wait(seconds: 30) { $0.contains { type($0) == "start" } }
    // The server may answer before the loop has left "starting": ask until it has.
    var health: RawHTTP.Response? = nil
    for _ in 0..<100 {
      health = RawHTTP.get(port: port, "/health")
      if health != nil && json(health)["reason"] as? String != "starting" { break }
      Thread.sleep(forTimeInterval: 0.1)
    }
    #expect(health?.status == 503)
    #expect(json(health)["reason"] as? String == "no frame yet")
    #expect(RawHTTP.get(port: port, "/latest")?.status == 503)
    #expect(RawHTTP.get(port: port, "/snapshot.jpg")?.status == 503)
    #expect(RawHTTP.get(port: port, "/")?.status == 200)
    // A frame arrives: healthy.
    try FileManager.default.copyItem(atPath: Fixture.sampleFiles()[0], toPath: watched + "/a.png")
    serve.wait(seconds: 30) { $0.contains { type($0) == "result" } }
    // The loop publishes its snapshot just after writing the line: ask until it has.
    var status = 0
    for _ in 0..<100 {
      status = RawHTTP.get(port: port, "/health")?.status ?? 0
      if status == 200 { break }
      Thread.sleep(forTimeInterval: 0.05)
    }
    #expect(status == 200)
  }
}

/// The server alone (no daemon), with small limits.
@Suite struct HTTPSlotTests {
  func server(slots: Int32, evictAfterMs: Int32) throws -> StatusServer {
    var limits = HTTPLimits()
    limits.slots = slots
    limits.evictAfterMs = evictAfterMs
    limits.requestTimeoutMs = 1500
    return try StatusServer(address: HTTPAddress(host: "127.0.0.1", port: 0),
                            board: SnapshotBoard(), feed: StatusFeed(), limits: limits)
  }

  func halfRequests(_ n: Int, port: Int) -> [Int32] {
    (0..<n).compactMap { _ in
      let fd = RawHTTP.connect(port: port)
      if let fd { RawHTTP.send(fd, Array("GET /events HTTP/1.1\r\nHost: a\r\n".utf8)) }
      return fd
    }
  }

  @Test func fullSlotsRefuseNewcomersWhenNoneMayBeEvicted() throws {
    let s = try server(slots: 2, evictAfterMs: -1)
    defer { s.stop() }
    let held = halfRequests(2, port: s.port)
    #expect(held.count == 2)
    let refused = RawHTTP.get(port: s.port, "/events")
    #expect(refused?.status == 503)
    #expect(refused?.headers["retry-after"] == "1")
    for fd in held { #expect(RawHTTP.receive(fd)?.status == 408); close(fd) }
    let after = RawHTTP.get(port: s.port, "/events")
    #expect(after?.status == 200 && after?.text == "[]")
    // Without a running daemon: /health says why, /latest has nothing yet.
    let health = RawHTTP.get(port: s.port, "/health")
    #expect(health?.status == 503 && health?.text.contains("\"reason\":\"starting\"") == true)
    #expect(RawHTTP.get(port: s.port, "/latest")?.status == 503)
  }

  @Test func theOldestSlowClientMakesRoom() throws {
    let s = try server(slots: 2, evictAfterMs: 0)
    defer { s.stop() }
    let held = halfRequests(2, port: s.port)
    #expect(RawHTTP.get(port: s.port, "/events")?.status == 200)
    #expect(RawHTTP.receive(held[0])?.status == 503)
    #expect(RawHTTP.receive(held[1])?.status == 408)
    for fd in held { close(fd) }
  }

  @Test func aBadAddressIsAClearError() {
    do throws(VigilError) {
      _ = try StatusServer(address: HTTPAddress(host: "256.1.1.1", port: 80), board: SnapshotBoard(),
                           feed: StatusFeed())
      Issue.record("256.1.1.1 was accepted")
    } catch {
      #expect("\(error)".contains("not a numeric IPv4 or IPv6 address"))
    }
  }
}
